#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <memory>
#include <sstream>
#include <thread>

#include "RedisServerProcess.h"
#include "TestServers.h"
#include "common/Error.h"
#include "gateway/cache/CacheKey.h"
#include "gateway/cache/RedisCache.h"

namespace oncegate {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Values = std::vector<std::optional<std::string>>;

Values bytesOf(const std::vector<CacheAnswer>& answers) {
  Values out;
  for (const auto& answer : answers) out.push_back(answer.bytes);
  return out;
}

// An I/O thread as the gateway runs them: one io_context, run by one thread.
class LoopThread {
 public:
  LoopThread() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~LoopThread() { stop(); }

  void stop() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  asio::io_context& io() { return io_; }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

struct LookupOutcome {
  Values values;
  std::thread::id thread;
  Clock::duration elapsed{};
  std::vector<CacheAnswer> answers;
};

// Runs cache.lookup on `loop` (as a session would) and waits for its completion.
LookupOutcome lookupOn(LoopThread& loop, RedisCache& cache, std::vector<std::string> keys) {
  auto promise = std::make_shared<std::promise<LookupOutcome>>();
  auto future = promise->get_future();
  asio::post(loop.io(), [&cache, promise, keys = std::move(keys)] {
    const auto start = Clock::now();
    cache.lookup(keys, [promise, start](std::vector<CacheAnswer> answers) {
      promise->set_value(LookupOutcome{bytesOf(answers), std::this_thread::get_id(),
                                       Clock::now() - start, std::move(answers)});
    });
  });
  if (future.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "lookup never completed";
    return {};
  }
  return future.get();
}

void storeOn(LoopThread& loop, RedisCache& cache, std::string key, std::string bytes,
             std::chrono::milliseconds ttl) {
  std::promise<void> posted;
  asio::post(loop.io(), [&] {
    cache.store(key, bytes, ttl);
    posted.set_value();
  });
  posted.get_future().wait();
}

// A plain synchronous connection to the test Redis, to look at what the cache did.
class Inspector {
 public:
  Inspector() {
    const auto address = testing::redisAddress();
    const auto colon = address.rfind(':');
    context_ = redisConnect(address.substr(0, colon).c_str(), std::stoi(address.substr(colon + 1)));
    if (context_ == nullptr || context_->err != 0) {
      if (context_ != nullptr) redisFree(context_);  // no destructor runs after a throw
      throw std::runtime_error("cannot connect to the test Redis at " + address);
    }
  }
  ~Inspector() { redisFree(context_); }

  // Runs a command; returns its string/status reply, or the integer as text.
  std::string run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (reply == nullptr) throw std::runtime_error("the test Redis connection failed");
    std::string out;
    if (reply->type == REDIS_REPLY_INTEGER) {
      out = std::to_string(reply->integer);
    } else if (reply->str != nullptr) {
      out.assign(reply->str, reply->len);
    }
    freeReplyObject(reply);
    return out;
  }

  long long mgetCalls() {
    const std::string stats = run({"INFO", "commandstats"});
    const std::string marker = "cmdstat_mget:calls=";
    const auto at = stats.find(marker);
    if (at == std::string::npos) return 0;
    return std::stoll(stats.substr(at + marker.size()));
  }

  // Ids of the clients connected under `name` (CLIENT LIST).
  std::vector<std::string> clientIds(const std::string& name) {
    std::istringstream lines(run({"CLIENT", "LIST"}));
    std::vector<std::string> ids;
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find(" name=" + name + " ") == std::string::npos) continue;
      const auto start = line.find("id=") + 3;
      ids.push_back(line.substr(start, line.find(' ', start) - start));
    }
    return ids;
  }

 private:
  redisContext* context_ = nullptr;
};

// The key values are sealed with in these tests.
std::shared_ptr<const CacheValueCipher> testCipher(unsigned char fill = 7) {
  CacheValueCipher::Key key{};
  key.fill(fill);
  return std::make_shared<const CacheValueCipher>(std::vector<CacheValueCipher::Key>{key});
}

// Keys and client names unique to this process and test, since other tests share this Redis.
std::string unique(const std::string& what) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return "og:test:" + std::to_string(getpid()) + ":" + test->name() + ":" + what;
}

RedisEndpoint testEndpoint() {
  auto endpoint = RedisEndpoint::parse("redis://" + testing::redisAddress());
  if (!endpoint) throw std::runtime_error("ONCEGATE_TEST_REDIS is not host:port");
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  endpoint->clientName = "oncegate-test-" + std::to_string(getpid()) + "-" + test->name();
  return *endpoint;
}

// A port on which nothing listens: bound, then released.
std::uint16_t closedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// Polls until a lookup of `key` on `loop` returns `expected`.
bool eventuallyReads(LoopThread& loop, RedisCache& cache, const std::string& key,
                     const std::string& expected) {
  const auto deadline = Clock::now() + 8s;
  while (Clock::now() < deadline) {
    const auto outcome = lookupOn(loop, cache, {key});
    if (!outcome.values.empty() && outcome.values[0] == expected) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

class RedisCacheTest : public ::testing::Test {
 protected:
  void start(RedisEndpoint endpoint, std::chrono::milliseconds timeout, int loops = 1,
             std::shared_ptr<const CacheValueCipher> cipher = testCipher()) {
    std::vector<asio::io_context*> contexts;
    for (int i = 0; i < loops; ++i) {
      loops_.push_back(std::make_unique<LoopThread>());
      contexts.push_back(&loops_.back()->io());
    }
    cache_ =
        std::make_unique<RedisCache>(std::move(endpoint), contexts, timeout, std::move(cipher));
  }

  // The cache goes after its loops stop and before they are destroyed.
  void TearDown() override {
    for (auto& loop : loops_) loop->stop();
    cache_.reset();
    loops_.clear();
  }

  LoopThread& loop(std::size_t i = 0) { return *loops_[i]; }

  std::vector<std::unique_ptr<LoopThread>> loops_;
  std::unique_ptr<RedisCache> cache_;
};

TEST_F(RedisCacheTest, StoredBytesComeBack) {
  start(testEndpoint(), 2s);
  const std::string bytes("\x01\x00张三\xff", 9);
  const auto key = unique("a");
  storeOn(loop(), *cache_, key, bytes, 60s);
  const auto outcome = lookupOn(loop(), *cache_, {key, unique("missing"), key});
  ASSERT_EQ(outcome.values.size(), 3u);
  EXPECT_EQ(outcome.values[0], bytes);
  EXPECT_FALSE(outcome.values[1].has_value());
  EXPECT_EQ(outcome.values[2], bytes);
  // Each answer says Redis answered it: a hit there, or a miss there.
  EXPECT_EQ(outcome.answers[0].tier, CacheTier::Redis);
  EXPECT_FALSE(outcome.answers[0].missedIn(CacheTier::Redis));
  EXPECT_TRUE(outcome.answers[1].missedIn(CacheTier::Redis));
  EXPECT_EQ(cache_->stats().hits, 2u);
  EXPECT_EQ(cache_->stats().misses, 1u);
  EXPECT_EQ(cache_->stats().errors, 0u);
  Inspector().run({"DEL", key});
}

TEST_F(RedisCacheTest, ManyKeysAreOneMget) {
  start(testEndpoint(), 2s);
  Inspector inspector;
  lookupOn(loop(), *cache_, {unique("warm-up")});  // connected, setup commands done
  const auto before = inspector.mgetCalls();
  const auto outcome =
      lookupOn(loop(), *cache_, {unique("1"), unique("2"), unique("3"), unique("4")});
  EXPECT_EQ(outcome.values.size(), 4u);
  EXPECT_EQ(inspector.mgetCalls() - before, 1);
}

TEST_F(RedisCacheTest, StoreSetsTheTtl) {
  start(testEndpoint(), 2s);
  const auto key = unique("ttl");
  storeOn(loop(), *cache_, key, "x", 60s);
  lookupOn(loop(), *cache_, {key});  // replies come in order: the SET is done
  const auto pttl = std::stoll(Inspector().run({"PTTL", key}));
  EXPECT_GT(pttl, 55000);
  EXPECT_LE(pttl, 60000);
  Inspector().run({"DEL", key});
}

TEST_F(RedisCacheTest, NoServerMeansQuickMisses) {
  auto endpoint = testEndpoint();
  endpoint.port = closedPort();
  start(endpoint, 3s);
  for (int attempt = 0; attempt < 3; ++attempt) {
    storeOn(loop(), *cache_, unique("k"), "x", 60s);
    const auto outcome = lookupOn(loop(), *cache_, {unique("k"), unique("l")});
    ASSERT_EQ(outcome.values.size(), 2u);
    EXPECT_FALSE(outcome.values[0].has_value());
    EXPECT_FALSE(outcome.values[1].has_value());
    EXPECT_TRUE(outcome.answers[0].missedIn(CacheTier::Redis)) << "counted as a Redis miss";
    EXPECT_LT(outcome.elapsed, 500ms) << "misses must not wait for the 3 s timeout";
  }
  EXPECT_EQ(cache_->stats().timeouts, 0u);
  EXPECT_GE(cache_->stats().errors, 3u);
  EXPECT_EQ(cache_->stats().misses, 6u);
}

TEST_F(RedisCacheTest, StalledServerTimesOutWithMissesThenRecovers) {
  start(testEndpoint(), 200ms);
  const auto key = unique("k");
  storeOn(loop(), *cache_, key, "v", 60s);
  ASSERT_TRUE(eventuallyReads(loop(), *cache_, key, "v"));

  Inspector().run({"CLIENT", "PAUSE", "800", "ALL"});
  const auto outcome = lookupOn(loop(), *cache_, {key});
  ASSERT_EQ(outcome.values.size(), 1u);
  EXPECT_FALSE(outcome.values[0].has_value());
  EXPECT_GE(outcome.elapsed, 150ms);
  EXPECT_LT(outcome.elapsed, 600ms);
  EXPECT_EQ(cache_->stats().timeouts, 1u);

  EXPECT_TRUE(eventuallyReads(loop(), *cache_, key, "v"));
  Inspector().run({"DEL", key});
}

TEST_F(RedisCacheTest, ReconnectsAfterTheServerDropsTheConnection) {
  const auto endpoint = testEndpoint();
  start(endpoint, 2s);
  const auto key = unique("k");
  storeOn(loop(), *cache_, key, "v", 60s);
  ASSERT_TRUE(eventuallyReads(loop(), *cache_, key, "v"));

  Inspector inspector;
  const auto before = inspector.clientIds(endpoint.clientName);
  ASSERT_EQ(before.size(), 1u);
  // Only this cache's connection: other tests share the server.
  EXPECT_EQ(inspector.run({"CLIENT", "KILL", "ID", before[0]}), "1");

  EXPECT_TRUE(eventuallyReads(loop(), *cache_, key, "v"));
  const auto after = inspector.clientIds(endpoint.clientName);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0], before[0]);
  inspector.run({"DEL", key});
}

TEST_F(RedisCacheTest, EachLoopHasItsConnectionAndItsCompletions) {
  const auto endpoint = testEndpoint();
  start(endpoint, 2s, 2);
  const auto key = unique("k");
  storeOn(loop(0), *cache_, key, "v", 60s);
  ASSERT_TRUE(eventuallyReads(loop(0), *cache_, key, "v"));
  ASSERT_TRUE(eventuallyReads(loop(1), *cache_, key, "v"));

  for (std::size_t i = 0; i < 2; ++i) {
    const auto outcome = lookupOn(loop(i), *cache_, {key});
    EXPECT_EQ(outcome.thread, loop(i).id()) << "loop " << i;
    EXPECT_EQ(outcome.values.at(0), "v");
  }
  EXPECT_EQ(Inspector().clientIds(endpoint.clientName).size(), 2u);
  Inspector().run({"DEL", key});
}

TEST_F(RedisCacheTest, SelectsTheConfiguredDatabase) {
  auto endpoint = testEndpoint();
  endpoint.database = 5;
  start(endpoint, 2s);
  const auto key = unique("k");
  storeOn(loop(), *cache_, key, "in-db-5", 60s);
  ASSERT_TRUE(eventuallyReads(loop(), *cache_, key, "in-db-5"));
  Inspector inspector;
  EXPECT_EQ(inspector.run({"EXISTS", key}), "0") << "the key went to database 0";
  inspector.run({"SELECT", "5"});
  EXPECT_EQ(testCipher()->open(key, inspector.run({"GET", key})), "in-db-5");
  inspector.run({"DEL", key});
}

TEST_F(RedisCacheTest, RedisHoldsOnlySealedValuesBoundToTheirKey) {
  start(testEndpoint(), 2s);
  const std::string row = "110101196001011234 Zhang San 108618.50";
  const auto key = unique("k");
  storeOn(loop(), *cache_, key, row, 60s);
  ASSERT_TRUE(eventuallyReads(loop(), *cache_, key, row));
  Inspector inspector;
  const auto stored = inspector.run({"GET", key});
  EXPECT_EQ(stored.find("110101196001011234"), std::string::npos);
  EXPECT_EQ(stored.find("Zhang"), std::string::npos);
  EXPECT_EQ(testCipher()->open(key, stored), row);

  // The same value copied under another key does not open there: a miss, counted.
  const auto other = unique("other");
  inspector.run({"SET", other, stored, "PX", "60000"});
  const auto before = cache_->stats();
  const auto outcome = lookupOn(loop(), *cache_, {other});
  ASSERT_EQ(outcome.values.size(), 1u);
  EXPECT_FALSE(outcome.values[0].has_value());
  EXPECT_TRUE(outcome.answers[0].missedIn(CacheTier::Redis));
  EXPECT_EQ(cache_->stats().undecryptable - before.undecryptable, 1u);
  EXPECT_EQ(cache_->stats().misses - before.misses, 1u);
  EXPECT_EQ(cache_->stats().errors, before.errors) << "a value that does not open is no error";
  inspector.run({"DEL", key, other});
}

TEST_F(RedisCacheTest, AValueSealedWithAnUnknownKeyIsAMiss) {
  start(testEndpoint(), 2s, 1, testCipher(9));
  const auto key = unique("k");
  Inspector inspector;
  inspector.run({"SET", key, *testCipher(7)->seal(key, "v"), "PX", "60000"});
  const auto outcome = lookupOn(loop(), *cache_, {key});
  ASSERT_EQ(outcome.values.size(), 1u);
  EXPECT_FALSE(outcome.values[0].has_value());
  EXPECT_EQ(cache_->stats().undecryptable, 1u);
  inspector.run({"DEL", key});
}

TEST_F(RedisCacheTest, AuthenticatesAsTheConfiguredUser) {
  auto endpoint = testEndpoint();
  endpoint.username = "og-test-" + std::to_string(getpid());
  endpoint.password = "pw with spaces";
  Inspector inspector;
  inspector.run({"ACL", "SETUSER", endpoint.username, "reset", "on", ">" + endpoint.password,
                 "~og:test:*", "+@all"});
  start(endpoint, 2s);
  const auto key = unique("k");
  storeOn(loop(), *cache_, key, "v", 60s);
  EXPECT_TRUE(eventuallyReads(loop(), *cache_, key, "v"));
  const auto list = inspector.run({"CLIENT", "LIST"});
  EXPECT_NE(list.find("name=" + endpoint.clientName + " "), std::string::npos);
  EXPECT_NE(list.find("user=" + endpoint.username), std::string::npos);
  inspector.run({"DEL", key});
  inspector.run({"ACL", "DELUSER", endpoint.username});
}

TEST_F(RedisCacheTest, AWrongPasswordGivesMissesAndErrors) {
  auto endpoint = testEndpoint();
  endpoint.username = "og-test-nobody-" + std::to_string(getpid());
  endpoint.password = "wrong";
  start(endpoint, 2s);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto outcome = lookupOn(loop(), *cache_, {unique("k")});
    ASSERT_EQ(outcome.values.size(), 1u);
    EXPECT_FALSE(outcome.values[0].has_value());
  }
  EXPECT_GE(cache_->stats().errors, 1u);
  EXPECT_EQ(cache_->stats().hits, 0u);
}

TEST_F(RedisCacheTest, CallsFromOtherThreadsGetMissesInline) {
  start(testEndpoint(), 2s);
  const auto key = unique("k");
  storeOn(loop(), *cache_, key, "v", 60s);
  ASSERT_TRUE(eventuallyReads(loop(), *cache_, key, "v"));

  bool called = false;
  cache_->lookup({key}, [&](std::vector<CacheAnswer> answers) {
    called = true;
    EXPECT_FALSE(answers.at(0).hit());
    EXPECT_TRUE(answers.at(0).missedIn(CacheTier::Redis));
  });
  EXPECT_TRUE(called);
  Inspector().run({"DEL", key});
}

TEST_F(RedisCacheTest, EraseRemovesOneEntryOrAWholeDatasetAndNothingElse) {
  start(testEndpoint(), 2s);
  const auto dataset = unique("ds");  // ids may hold ':' and glob characters
  const auto mine = [&](int i) {
    return makeCacheKey(dataset + "*[x]", "f", {Value::integer(i)}, "key");
  };
  const auto neighbour = makeCacheKey(dataset + "*[x]:b", "f", {Value::integer(1)}, "key");
  for (int i = 0; i < 2500; ++i) storeOn(loop(), *cache_, mine(i), "row", 60s);
  storeOn(loop(), *cache_, neighbour, "row", 60s);
  lookupOn(loop(), *cache_, {mine(0)});  // the stores before it have been sent

  EXPECT_EQ(cache_->erase(mine(7), false), 1u);
  EXPECT_EQ(cache_->erase(mine(7), false), 0u);
  EXPECT_EQ(cache_->erase(cacheKeyPrefix(dataset + "*[x]"), true), 2499u);
  const auto left = lookupOn(loop(), *cache_, {mine(0), mine(2499), neighbour});
  EXPECT_FALSE(left.values[0].has_value());
  EXPECT_FALSE(left.values[1].has_value());
  EXPECT_EQ(left.values[2], "row");
  Inspector().run({"DEL", neighbour});
}

TEST_F(RedisCacheTest, EraseWithoutAServerSaysTheCacheIsUnavailable) {
  auto endpoint = testEndpoint();
  endpoint.port = 1;  // nothing listens there
  start(endpoint, 200ms);
  try {
    cache_->erase(cacheKeyPrefix("any"), true);
    FAIL() << "erase succeeded without a server";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::CacheUnavailable);
  }
}

TEST_F(RedisCacheTest, AHostNameIsResolvedAndItsAddressesTriedInTurn) {
  // "localhost" may resolve to ::1 first, where the test Redis does not listen: the next
  // attempt takes the next address.
  auto endpoint = testEndpoint();
  endpoint.host = "localhost";
  start(endpoint, 2s);
  const auto key = unique("by-name");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    storeOn(loop(), *cache_, key, "row", 60s);
    found = lookupOn(loop(), *cache_, {key}).values.at(0) == std::optional<std::string>("row");
    if (!found) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(found);
  Inspector().run({"DEL", key});
}

TEST_F(RedisCacheTest, AHostThatDoesNotResolveMeansQuickMisses) {
  auto endpoint = testEndpoint();
  endpoint.host = "no-such-host.invalid";
  start(endpoint, 200ms);
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = lookupOn(loop(), *cache_, {unique("x")});
  EXPECT_FALSE(outcome.values.at(0).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

// With Sentinel, every loop's connection goes to the master a sentinel names and, after a forced
// failover, to the new one: each loop's stores land there. The old master keeps answering, as a
// master of its own until the sentinel demotes it ~8 s later, so only the switch moves them. The
// discovery's thread reaches the loops here, so ThreadSanitizer sees that path too.
TEST_F(RedisCacheTest, WithSentinelEveryLoopFollowsAForcedFailover) {
  const std::string noSyncDelay = "repl-diskless-sync-delay 0";  // Redis 7 waits 5 s otherwise
  testing::RedisServerProcess first({noSyncDelay});
  testing::RedisServerProcess second(
      {noSyncDelay, "replicaof 127.0.0.1 " + std::to_string(first.port())});
  testing::RedisServerProcess sentinel(
      {"sentinel resolve-hostnames no",
       "sentinel monitor m 127.0.0.1 " + std::to_string(first.port()) + " 1"},
      testing::RedisServerProcess::Role::Sentinel);
  const auto within = [](auto condition, std::chrono::milliseconds patience) {
    const auto deadline = Clock::now() + patience;
    while (!condition()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  };
  ASSERT_TRUE(within(
      [&] {
        return !sentinel.cli({"SENTINEL", "REPLICAS", "m"}).empty() &&
               second.cli({"INFO", "replication"}).find("master_link_status:up") !=
                   std::string::npos;
      },
      10s));
  RedisEndpoint endpoint;
  endpoint.topology = RedisEndpoint::Topology::Sentinel;
  endpoint.masterName = "m";
  endpoint.seeds = {{"127.0.0.1", sentinel.port()}};
  start(endpoint, 500ms, 2);
  // Stored through loop `i` and read back, on the master `master`.
  const auto storedOn = [&](std::size_t i, const testing::RedisServerProcess& master,
                            const std::string& key) {
    return within(
        [&] {
          storeOn(loop(i), *cache_, key, "row", 60s);
          return lookupOn(loop(i), *cache_, {key}).values.at(0) ==
                     std::optional<std::string>("row") &&
                 master.cli({"EXISTS", key}) == "1";
        },
        8s);
  };
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(storedOn(i, first, unique("before-" + std::to_string(i)))) << "loop " << i;
  }
  ASSERT_TRUE(sentinel.forceFailover("m", 10s));
  ASSERT_TRUE(within(
      [&] {
        return sentinel.cli({"SENTINEL", "get-master-addr-by-name", "m"})
            .ends_with("\n" + std::to_string(second.port()));
      },
      10s));
  // The demoted master is made a replica by the sentinel only ~8 s later: until then, a write
  // that landed there would not reach `second`.
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(storedOn(i, second, unique("after-" + std::to_string(i)))) << "loop " << i;
  }
  EXPECT_EQ(cache_->sentinel()->switches(), 1U);
}

}  // namespace
}  // namespace oncegate
