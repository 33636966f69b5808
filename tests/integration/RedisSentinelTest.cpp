// The real gateway on a Redis master watched by three real sentinels, a replica beside it, while
// a client asks without pause: a forced failover (SENTINEL FAILOVER), then a crash (SIGKILL) of
// the master that took over. Every answer during both is a 200 (the cache falls back to misses,
// the source answers), and the cache is used on the new master within seconds of each switch:
// its keyspace hits rise, and /metrics counts the switches the gateway followed. Beside it, two
// pub/sub channels on the same sentinels (what carries store changes and invalidations between
// instances) still hear each other after both switches, and a blocking client (an admin's
// invalidation) writes on the new master.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "RedisServerProcess.h"
#include "TestCommands.h"
#include "gateway/cache/RedisBlockingClient.h"
#include "gateway/cache/RedisEndpoint.h"
#include "gateway/cache/RedisPubSubChannel.h"
#include "gateway/cache/RedisSentinelDiscovery.h"

namespace oncegate::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const std::string kKey = "sentinel-it-key-0001";
constexpr int kPeople = 20;

std::string idCard(int i) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "ZS%016d", i);
  return digits;
}

std::string resolveBody(int i) {
  return R"({"purpose":"check","subject":{"type":"person","id_card":")" + idCard(i) +
         R"("},"fields":["person.name"]})";
}

// Polls `condition` every 20 ms until it holds or `patience` runs out; whether it held.
template <typename Condition>
bool waitFor(Condition condition, milliseconds patience) {
  const auto until = Clock::now() + patience;
  while (!condition()) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// A number from INFO's "name:value" lines; -1 when absent.
long infoValue(const std::string& info, const std::string& name) {
  std::smatch match;
  if (!std::regex_search(info, match, std::regex(name + ":([0-9]+)"))) return -1;
  return std::stol(match[1]);
}

long keyspaceHits(const RedisServerProcess& server) {
  return infoValue(server.cli({"INFO", "stats"}), "keyspace_hits");
}

// Resolve requests one after the other on its own thread until finish(): what came back.
class ResolveLoad {
 public:
  explicit ResolveLoad(std::uint16_t port) : client_(port), thread_([this] { run(); }) {}
  ~ResolveLoad() { finish(); }
  ResolveLoad(const ResolveLoad&) = delete;
  ResolveLoad& operator=(const ResolveLoad&) = delete;

  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int answered() const { return answered_; }
  int failed() const { return failed_; }
  std::string firstFailure() const {
    std::lock_guard lock(mutex_);
    return firstFailure_;
  }

 private:
  void run() {
    for (int i = 0; !stop_; i = (i + 1) % kPeople) {
      const auto response = client_.post("/v1/resolve", resolveBody(i), kKey);
      ++answered_;
      if (response.status == 200 &&
          response.body.find("person " + std::to_string(i) + "\"") != std::string::npos) {
        continue;
      }
      if (failed_++ == 0) {
        std::lock_guard lock(mutex_);
        firstFailure_ = std::to_string(response.status) + " " + response.body;
      }
    }
  }

  HttpClient client_;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::atomic<int> failed_{0};
  mutable std::mutex mutex_;
  std::string firstFailure_;
  std::thread thread_;
};

// What a channel heard, for waiting on a message.
class HeardMessages {
 public:
  RedisPubSubChannel::Listener listener() {
    return [this](std::optional<std::string_view> message) {
      if (!message) return;
      std::lock_guard lock(mutex_);
      heard_.emplace_back(*message);
    };
  }
  bool has(const std::string& message) {
    std::lock_guard lock(mutex_);
    return std::find(heard_.begin(), heard_.end(), message) != heard_.end();
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> heard_;
};

class RedisSentinelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = "/tmp/oncegate-it-sentinel-" + randomHex(8) + ".db";
    std::string sql = "CREATE TABLE person (id_card TEXT PRIMARY KEY, name TEXT);";
    for (int i = 0; i < kPeople; ++i) {
      sql += "INSERT INTO person VALUES ('" + idCard(i) + "', 'person " + std::to_string(i) + "');";
    }
    runSqliteSql(database_, sql);

    // Redis 7 waits 5 s for more replicas before a diskless full sync: not here.
    const std::string noSyncDelay = "repl-diskless-sync-delay 0";
    first_ = std::make_unique<RedisServerProcess>(std::vector<std::string>{noSyncDelay});
    second_ = std::make_unique<RedisServerProcess>(std::vector<std::string>{
        noSyncDelay, "replicaof 127.0.0.1 " + std::to_string(first_->port())});
    ASSERT_TRUE(waitFor([&] { return linkedToItsMaster(*second_); }, milliseconds(5000)));
    for (int i = 0; i < 3; ++i) {
      sentinels_.push_back(std::make_unique<RedisServerProcess>(
          std::vector<std::string>{
              "sentinel resolve-hostnames no",
              "sentinel monitor m 127.0.0.1 " + std::to_string(first_->port()) + " 2",
              "sentinel down-after-milliseconds m 1000", "sentinel failover-timeout m 5000"},
          RedisServerProcess::Role::Sentinel));
    }
    // A failover needs the sentinels to know each other (hello messages) and the replica.
    ASSERT_TRUE(waitFor(
        [&] {
          for (const auto& sentinel : sentinels_) {
            if (sentinel->cli({"SENTINEL", "CKQUORUM", "m"}).find("3 usable") ==
                    std::string::npos ||
                sentinel->cli({"SENTINEL", "REPLICAS", "m"}).empty()) {
              return false;
            }
          }
          return true;
        },
        milliseconds(10'000)));

    std::string seeds;
    for (const auto& sentinel : sentinels_) {
      seeds += (seeds.empty() ? "" : ", ") + sentinel->address();
      endpoint_.seeds.push_back({"127.0.0.1", sentinel->port()});
    }
    endpoint_.topology = RedisEndpoint::Topology::Sentinel;
    endpoint_.masterName = "m";
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\n"
        "limits: { default_rate_limit: { per_second: 100000 } }\n"
        "redis: { sentinel: [" +
        seeds +
        "], master: m }\n"
        "cache: { local: false, encryption_keys: [" +
        randomHex(64) +
        "] }\n"
        "audit: { path: audit/trail.jsonl, durability: batch }\n"
        "hash_key: " +
        randomHex(40) + "\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: registry, department: registry office, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\" }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^ZS[0-9]{16}$\" }\n"
        "datasets:\n"
        "  - { id: registry.person, source: registry, subject: person, ttl: 10m, query: \"SELECT "
        "name FROM person WHERE id_card = :id\", params: { id: subject.id_card } }\n"
        "fields:\n"
        "  - { id: person.name, dataset: registry.person, column: name }\n"
        "clients:\n"
        "  - { id: sentinel-app, api_key_sha256: " +
        sha256sum(kKey) +
        ", purposes: [check] }\n"
        "policies:\n"
        "  - { id: sentinel-grant, clients: [sentinel-app], purposes: [check], allow: "
        "[\"person.*\"] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    metrics_ = std::make_unique<HttpClient>(gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    sentinels_.clear();
    second_.reset();
    first_.reset();
    std::remove(database_.c_str());
  }

  static bool linkedToItsMaster(const RedisServerProcess& replica) {
    return replica.cli({"INFO", "replication"}).find("master_link_status:up") != std::string::npos;
  }

  // The port the sentinels agree the master is on now (0 while they disagree).
  std::uint16_t masterPort() const {
    std::string agreed;
    for (const auto& sentinel : sentinels_) {
      if (!sentinel->running()) continue;
      const auto said = sentinel->cli({"SENTINEL", "get-master-addr-by-name", "m"});
      if (!agreed.empty() && said != agreed) return 0;
      agreed = said;
    }
    const auto newline = agreed.find('\n');
    return newline == std::string::npos
               ? 0
               : static_cast<std::uint16_t>(std::stoi(agreed.substr(newline + 1)));
  }

  long switchesFollowed() const {
    return metricValue(*metrics_, "oncegate_redis_master_switches_total");
  }

  // The cache on `master` serves this gateway's lookups again: its keyspace hits rise.
  bool cacheUsedOn(const RedisServerProcess& master) const {
    const long before = keyspaceHits(master);
    return waitFor([&] { return keyspaceHits(master) >= before + 20; }, milliseconds(5000));
  }

  // Publishes `message` on `from` until `to` hears it (a message published while the channel
  // reconnects is lost: the channel is only a hint), or `patience` runs out.
  static bool heardThrough(RedisPubSubChannel& from, HeardMessages& to, const std::string& message,
                           milliseconds patience) {
    return waitFor(
        [&] {
          from.publish(message);
          return waitFor([&] { return to.has(message); }, milliseconds(200));
        },
        patience);
  }

  std::string database_;
  RedisEndpoint endpoint_;
  std::unique_ptr<RedisServerProcess> first_;
  std::unique_ptr<RedisServerProcess> second_;
  std::vector<std::unique_ptr<RedisServerProcess>> sentinels_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> metrics_;
};

TEST_F(RedisSentinelTest, AnswersThroughAForcedFailoverAndAMasterCrashAndUsesTheNewMaster) {
  ASSERT_TRUE(waitFor([&] { return metricValue(*metrics_, "oncegate_redis_master_known") == 1; },
                      milliseconds(5000)));
  ResolveLoad load(gateway_->port());
  ASSERT_TRUE(cacheUsedOn(*first_)) << "the cache was never used on the first master";
  const RedisPubSubChannel::Wording wording{"test messages", "none"};
  RedisPubSubChannel speaker(endpoint_, "oncegate:test:sentinel", wording);
  RedisPubSubChannel hearer(endpoint_, "oncegate:test:sentinel", wording);
  HeardMessages heard;
  speaker.start([](std::optional<std::string_view>) {});
  hearer.start(heard.listener());
  ASSERT_TRUE(heardThrough(speaker, heard, "before", milliseconds(5000)));

  // Forced: the first master keeps answering (as a master of its own until the sentinels demote
  // it ~8 s later): only the switch the gateway hears moves it.
  ASSERT_TRUE(sentinels_[0]->forceFailover("m", milliseconds(10'000)));
  ASSERT_TRUE(waitFor([&] { return masterPort() == second_->port(); }, milliseconds(10'000)));
  const auto switched = Clock::now();
  ASSERT_TRUE(waitFor([&] { return switchesFollowed() >= 1; }, milliseconds(3000)));
  EXPECT_TRUE(cacheUsedOn(*second_)) << "the cache was not used on the new master";
  std::printf("forced failover: cache used on the new master %lld ms after the sentinels agreed\n",
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(Clock::now() - switched).count()));

  // Crash: the master that took over dies; the sentinels promote the first server again. The
  // sentinels would make the demoted server a replica of the new master themselves, but only
  // after watching it for 8 s (4 publish periods); an operator's REPLICAOF does it now.
  first_->cli({"REPLICAOF", "127.0.0.1", std::to_string(second_->port())});
  ASSERT_TRUE(waitFor([&] { return linkedToItsMaster(*first_); }, milliseconds(5000)));
  second_->kill();
  const auto killed = Clock::now();
  ASSERT_TRUE(waitFor([&] { return masterPort() == first_->port(); }, milliseconds(15'000)));
  ASSERT_TRUE(waitFor([&] { return switchesFollowed() >= 2; }, milliseconds(3000)));
  EXPECT_TRUE(cacheUsedOn(*first_)) << "the cache was not used on the master after the crash";
  std::printf("master crash: cache used on the new master %lld ms after the SIGKILL\n",
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(Clock::now() - killed).count()));

  EXPECT_TRUE(heardThrough(speaker, heard, "after both", milliseconds(5000)))
      << "pub/sub did not follow the master";
  hearer.stop();
  speaker.stop();
  // An admin's invalidation (a blocking client) writes on the master now in charge: UNLINK on a
  // replica would be refused (READONLY), and the client checks ROLE besides.
  EXPECT_EQ(RedisBlockingClient(endpoint_, milliseconds(2000)).unlink({"oncegate:test:none"}), 0U);

  load.finish();
  EXPECT_GT(load.answered(), 50);
  EXPECT_EQ(load.failed(), 0) << load.firstFailure();
  EXPECT_EQ(switchesFollowed(), 2);
}

// A sentinel that wants a password (requirepass): the discovery logs in with sentinel_password;
// without it, with a wrong one, or asking for a name it does not monitor, it hears no master.
TEST(RedisSentinelPasswordTest, TheSentinelsAreAskedWithTheSentinelPassword) {
  RedisServerProcess master;
  RedisServerProcess sentinel(
      {"sentinel resolve-hostnames no", "requirepass sentinel-secret-1",
       "sentinel monitor m 127.0.0.1 " + std::to_string(master.port()) + " 1"},
      RedisServerProcess::Role::Sentinel);
  RedisEndpoint endpoint;
  endpoint.topology = RedisEndpoint::Topology::Sentinel;
  endpoint.masterName = "m";
  endpoint.seeds = {{"127.0.0.1", sentinel.port()}};
  endpoint.sentinelPassword = "sentinel-secret-1";
  EXPECT_EQ(RedisSentinelDiscovery(endpoint).discover(),
            (RedisAddress{"127.0.0.1", master.port()}));
  for (const char* password : {"wrong-password", ""}) {
    endpoint.sentinelPassword = password;
    EXPECT_EQ(RedisSentinelDiscovery(endpoint).discover(), std::nullopt) << password;
  }
  endpoint.sentinelPassword = "sentinel-secret-1";
  endpoint.masterName = "not-monitored";
  EXPECT_EQ(RedisSentinelDiscovery(endpoint).discover(), std::nullopt);
}

// A sentinel that takes the connection and never answers (a hung process: here a socket that
// listens and never reads) is skipped once kSentinelTimeout has passed, for the next one.
TEST(RedisSentinelSilenceTest, ASentinelThatNeverAnswersIsSkippedWithinItsTimeout) {
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(silent, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(silent, 8), 0);
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);
  RedisServerProcess master;
  RedisServerProcess sentinel(
      {"sentinel resolve-hostnames no",
       "sentinel monitor m 127.0.0.1 " + std::to_string(master.port()) + " 1"},
      RedisServerProcess::Role::Sentinel);
  RedisEndpoint endpoint;
  endpoint.topology = RedisEndpoint::Topology::Sentinel;
  endpoint.masterName = "m";
  endpoint.seeds = {{"127.0.0.1", ntohs(address.sin_port)}, {"127.0.0.1", sentinel.port()}};
  const auto started = Clock::now();
  EXPECT_EQ(RedisSentinelDiscovery(endpoint).discover(),
            (RedisAddress{"127.0.0.1", master.port()}));
  const auto took = Clock::now() - started;
  EXPECT_GE(took, RedisSentinelDiscovery::kSentinelTimeout);
  EXPECT_LT(took, 3 * RedisSentinelDiscovery::kSentinelTimeout);
  ::close(silent);
}

}  // namespace
}  // namespace oncegate::testing
