// The cache on a real Redis Cluster: three masters and three replicas (redis-server children of
// the test, joined by redis-cli --cluster create), the real gateway in front. Its answers come
// from all three masters; it follows ASK during a slot's migration and MOVED after it; and a
// master killed under load costs misses only: every answer stays 200 and, once its replica is
// promoted, the cache serves again within seconds.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "RedisServerProcess.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "UnusedPort.h"

namespace oncegate::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kKey = "cluster-app-key-0001";
const std::string kDba = "cluster-dba-token-0001";
constexpr int kPeople = 30;
const std::vector<std::string> kFields = {"person.name", "person.amount"};

std::string idCardOf(int person) {
  char text[32];
  std::snprintf(text, sizeof text, "ZX%016d", 4400 + person);
  return text;
}

// One line of CLUSTER NODES: "<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch>
// <link> <slot>...".
struct ClusterNode {
  std::string id;
  int port = 0;
  bool master = false;
  bool failed = false;
};

std::vector<ClusterNode> clusterNodes(const RedisServerProcess& asked) {
  std::vector<ClusterNode> out;
  std::istringstream lines(asked.cli({"CLUSTER", "NODES"}));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string id;
    std::string address;
    std::string flags;
    words >> id >> address >> flags;
    if (id.empty()) continue;
    ClusterNode node;
    node.id = id;
    node.port = std::stoi(address.substr(address.find(':') + 1, address.find('@')));
    node.master = flags.find("master") != std::string::npos;
    node.failed =
        flags.find("fail") != std::string::npos && flags.find("fail?") == std::string::npos;
    out.push_back(node);
  }
  return out;
}

class RedisClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 6; ++i) {
      // The bus port is set: the default (port + 10000) is past 65535 for half the free ports.
      nodes_.push_back(std::make_unique<RedisServerProcess>(std::vector<std::string>{
          "cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 1000",
          "cluster-port " + std::to_string(unusedLoopbackPort()),
          // Replicas in sync at once (the diskless sync waits 5 s by default), and allowed to
          // take over however long ago they last heard their master.
          "repl-diskless-sync-delay 0", "cluster-replica-validity-factor 0"}));
    }
    std::string create = "redis-cli --cluster create";
    for (const auto& node : nodes_) create += " " + node->address();
    create += " --cluster-replicas 1 --cluster-yes 2>&1";
    const auto created = commandOutput(create);
    ASSERT_THAT(created, ::testing::HasSubstr("All 16384 slots covered")) << created;
    waitUntilClusterOk(nodes_);
    for (const auto& node : clusterNodes(*nodes_[0])) {
      if (node.master) masterPorts_.push_back(node.port);
    }
    ASSERT_EQ(masterPorts_.size(), 3U);

    database_ = "/tmp/oncegate-it-cluster-" + randomHex(8) + ".db";
    std::string sql = "CREATE TABLE person (id_card TEXT PRIMARY KEY, name TEXT, amount NUMERIC);";
    for (int i = 0; i < kPeople; ++i) {
      sql += "INSERT INTO person VALUES ('" + idCardOf(i) + "', 'Person " + std::to_string(i) +
             "', " + std::to_string(100 + i) + ".25);";
    }
    runSqliteSql(database_, sql);
    gateway_ = std::make_unique<GatewayProcess>(config());
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    std::remove(database_.c_str());
  }

  // Until every running node says cluster_state:ok, agrees that three running nodes are the
  // masters, and every replica is in sync with its master.
  static void waitUntilClusterOk(const std::vector<std::unique_ptr<RedisServerProcess>>& nodes) {
    const auto deadline = Clock::now() + 15s;
    const auto running = [&](int port) {
      for (const auto& node : nodes) {
        if (node->port() == port) return node->running();
      }
      return false;
    };
    const auto ok = [&] {
      for (const auto& node : nodes) {
        if (!node->running()) continue;
        if (node->cli({"CLUSTER", "INFO"}).find("cluster_state:ok") == std::string::npos) {
          return false;
        }
        int masters = 0;
        for (const auto& seen : clusterNodes(*node)) {
          masters += seen.master && !seen.failed && running(seen.port);
        }
        if (masters != 3) return false;
        const auto replication = node->cli({"INFO", "replication"});
        if (replication.find("role:slave") != std::string::npos &&
            replication.find("master_link_status:up") == std::string::npos) {
          return false;
        }
      }
      return true;
    };
    while (!ok()) {
      ASSERT_LT(Clock::now(), deadline) << "the cluster never became ok";
      std::this_thread::sleep_for(50ms);
    }
  }

  // With `local`, a local tier in front of the cluster, kept in step by the invalidations
  // channel (pub/sub on a seed).
  // `seedsReversed`: the second seed first, so that its pub/sub goes through another node.
  ConfigFiles config(bool local = false, bool seedsReversed = false) const {
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\n"
        "threads: 2\n"
        "limits: { default_rate_limit: { per_second: 1000000, burst: 1000 } }\n"
        "redis: { cluster: [" +
        nodes_[seedsReversed ? 1 : 0]->address() + ", " + nodes_[seedsReversed ? 0 : 1]->address() +
        "] }\n"
        "cache: { local: " +
        std::string(local ? "true, local_ttl: 60s" : "false") + ", encryption_keys: [" +
        cipherKey_ +
        "] }\n"
        "audit: { path: audit/trail.jsonl, durability: batch }\n"
        "hash_key: " +
        hashKey_ + "\nmask_key: " + maskKey_ +
        "\n"
        "admin:\n  tokens:\n    - { name: dba-cluster, role: dba, token_sha256: " +
        sha256sum(kDba) +
        " }\n"
        "include: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: registry, department: registry office, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\" }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^ZX[0-9]{16}$\" }\n"
        "datasets:\n"
        "  - id: registry.person\n"
        "    source: registry\n"
        "    subject: person\n"
        "    query: SELECT name, amount FROM person WHERE id_card = :id\n"
        "    params: { id: subject.id_card }\n"
        "    ttl: 10m\n"
        "fields:\n"
        "  - { id: person.name, dataset: registry.person, column: name }\n"
        "  - { id: person.amount, dataset: registry.person, column: amount, type: decimal, "
        "scale: 2 }\n"
        "clients:\n"
        "  - { id: cluster-app, api_key_sha256: " +
        sha256sum(kKey) +
        ", purposes: [check] }\n"
        "policies:\n"
        "  - { id: cluster-grant, clients: [cluster-app], purposes: [check], allow: "
        "[\"person.*\"] }\n";
    return files;
  }

  static std::string resolveBody(int person) {
    return R"({"purpose":"check","subject":{"type":"person","id_card":")" + idCardOf(person) +
           R"("},"fields":["person.name","person.amount"]})";
  }

  // Resolves one person; the status, and whether both fields came from the cache.
  std::pair<int, bool> resolve(int person) const {
    const auto response = client_->post("/v1/resolve", resolveBody(person), kKey);
    if (response.status != 200) return {response.status, false};
    TestJson json(response.body);
    EXPECT_EQ(json.at("/fields/person.name/value"), "Person " + std::to_string(person));
    bool cached = true;
    for (const auto& field : kFields)
      cached = cached && json.at("/fields/" + field + "/cached") == "true";
    return {200, cached};
  }

  // Resolves everyone once; how many answers came wholly from the cache.
  int resolveEveryone() const {
    int cached = 0;
    for (int i = 0; i < kPeople; ++i) {
      const auto [status, fromCache] = resolve(i);
      EXPECT_EQ(status, 200);
      cached += fromCache;
    }
    return cached;
  }

  RedisServerProcess& nodeOnPort(int port) {
    for (auto& node : nodes_) {
      if (node->port() == port) return *node;
    }
    throw std::runtime_error("no node on port " + std::to_string(port));
  }

  std::string nodeId(int port) {
    for (const auto& node : clusterNodes(*nodes_[0])) {
      if (node.port == port) return node.id;
    }
    throw std::runtime_error("no node id for port " + std::to_string(port));
  }

  long metric(const std::string& series) const { return metricValue(*client_, series); }

  // Total keys on the masters.
  long keysOnMasters() {
    long total = 0;
    for (const int port : masterPorts_) total += std::stol(nodeOnPort(port).cli({"DBSIZE"}));
    return total;
  }

  std::string hashKey_ = randomHex(40);
  std::string maskKey_ = randomHex(40);
  std::string cipherKey_ = randomHex(64);
  std::vector<std::unique_ptr<RedisServerProcess>> nodes_;
  std::vector<int> masterPorts_;
  std::string database_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RedisClusterTest, AnswersAreCachedOnAllThreeMasters) {
  EXPECT_EQ(resolveEveryone(), 0);
  EXPECT_EQ(sourceQueries(*client_, "registry"), kPeople);
  // Stores are fire-and-forget: the second pass may race the last ones.
  const auto deadline = Clock::now() + 5s;
  int cached = 0;
  while ((cached = resolveEveryone()) != kPeople && Clock::now() < deadline) {
  }
  EXPECT_EQ(cached, kPeople);
  long total = 0;
  for (const int port : masterPorts_) {
    const long keys = std::stol(nodeOnPort(port).cli({"DBSIZE"}));
    EXPECT_GT(keys, 0) << "master " << port << " holds none of the keys";
    total += keys;
  }
  EXPECT_EQ(total, kPeople) << "one entry per person's row, each on its slot's master";
  EXPECT_GE(metric("oncegate_cache_cluster_map_refreshes_total"), 1);
  EXPECT_EQ(metric("oncegate_cache_cluster_moved_total"), 0);
}

TEST_F(RedisClusterTest, FollowsAskDuringASlotsMigrationAndMovedAfterIt) {
  resolveEveryone();
  const auto deadline = Clock::now() + 5s;
  while (resolveEveryone() != kPeople && Clock::now() < deadline) {
  }
  const long queries = sourceQueries(*client_, "registry");
  // A cached row's key on the first master, and its slot.
  RedisServerProcess& from = nodeOnPort(masterPorts_[0]);
  RedisServerProcess& to = nodeOnPort(masterPorts_[1]);
  const std::string key = from.cli({"RANDOMKEY"});
  ASSERT_FALSE(key.empty());
  const std::string slot = from.cli({"CLUSTER", "KEYSLOT", key});
  const std::string fromId = nodeId(from.port());
  const std::string toId = nodeId(to.port());

  // Half-way through the migration: the key already moved, the slot still the first master's.
  // That master answers -ASK for it; the gateway asks the importing master.
  EXPECT_EQ(to.cli({"CLUSTER", "SETSLOT", slot, "IMPORTING", fromId}), "OK");
  EXPECT_EQ(from.cli({"CLUSTER", "SETSLOT", slot, "MIGRATING", toId}), "OK");
  EXPECT_EQ(
      from.cli({"MIGRATE", "127.0.0.1", std::to_string(to.port()), "", "0", "5000", "KEYS", key}),
      "OK");
  EXPECT_EQ(resolveEveryone(), kPeople);
  EXPECT_GE(metric("oncegate_cache_cluster_ask_total"), 1);
  EXPECT_EQ(metric("oncegate_cache_cluster_moved_total"), 0);

  // The migration done: the first master answers -MOVED; the gateway follows it, then re-reads
  // the map.
  const long refreshes = metric("oncegate_cache_cluster_map_refreshes_total");
  for (const auto& node : nodes_) {
    node->cli({"CLUSTER", "SETSLOT", slot, "NODE", toId});
  }
  EXPECT_EQ(resolveEveryone(), kPeople);
  EXPECT_GE(metric("oncegate_cache_cluster_moved_total"), 1);
  const auto refreshed = Clock::now() + 5s;
  while (metric("oncegate_cache_cluster_map_refreshes_total") == refreshes &&
         Clock::now() < refreshed) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_GT(metric("oncegate_cache_cluster_map_refreshes_total"), refreshes);
  // With the new map, no more redirections.
  const long moved = metric("oncegate_cache_cluster_moved_total");
  EXPECT_EQ(resolveEveryone(), kPeople);
  EXPECT_EQ(metric("oncegate_cache_cluster_moved_total"), moved);
  EXPECT_EQ(sourceQueries(*client_, "registry"), queries) << "every answer came from the cache";
}

TEST_F(RedisClusterTest, AMasterKilledUnderLoadCostsMissesOnlyUntilItsReplicaTakesOver) {
  resolveEveryone();
  const auto warmed = Clock::now() + 5s;
  while (resolveEveryone() != kPeople && Clock::now() < warmed) {
  }
  // Two clients resolve everyone, over and over, while a master dies.
  std::atomic<bool> loading{true};
  std::atomic<int> answers{0};
  std::atomic<int> failures{0};
  // Stopped and joined however the test ends (a failed ASSERT returns early).
  struct Load {
    std::atomic<bool>& loading;
    std::vector<std::thread> threads;
    void stop() {
      loading = false;
      for (auto& thread : threads) {
        if (thread.joinable()) thread.join();
      }
    }
    ~Load() { stop(); }
  } load{loading, {}};
  for (int worker = 0; worker < 2; ++worker) {
    load.threads.emplace_back([&, worker] {
      HttpClient client(gateway_->port());
      for (int i = worker; loading; i = (i + 1) % kPeople) {
        const auto response = client.post("/v1/resolve", resolveBody(i), kKey);
        (response.status == 200 ? answers : failures)++;
      }
    });
  }
  while (answers < 50) std::this_thread::sleep_for(10ms);
  RedisServerProcess& victim = nodeOnPort(masterPorts_[2]);
  victim.kill();
  const auto killedAt = Clock::now();
  waitUntilClusterOk(nodes_);
  const auto promotedAt = Clock::now();
  // The cache serves again: a whole pass answered from it, within seconds of the promotion.
  const auto deadline = promotedAt + 10s;
  while (resolveEveryone() != kPeople) {
    ASSERT_LT(Clock::now(), deadline)
        << "the cache was not used again after the failover; gateway log:\n"
        << gateway_->logs() << "\nmetrics:\n"
        << client_->get("/metrics").body;
    std::this_thread::sleep_for(50ms);
  }
  const auto servedAgainAt = Clock::now();
  load.stop();
  EXPECT_EQ(failures, 0) << "every answer under load was a 200";
  EXPECT_GT(answers, 100);
  std::printf(
      "[ measured ] failover %lld ms after the kill; cache in use again %lld ms after it; "
      "%d answers under load\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(promotedAt - killedAt).count()),
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(servedAgainAt - promotedAt)
              .count()),
      answers.load());
  EXPECT_GE(metric("oncegate_cache_cluster_map_refreshes_total"), 2);
}

TEST_F(RedisClusterTest, AnInvalidationEmptiesEveryMasterAndReachesTheOtherInstances) {
  // Two instances with local tiers: an invalidation through one must reach the other's local
  // copies over pub/sub, each on another node of the cluster (which forwards PUBLISH).
  gateway_ = std::make_unique<GatewayProcess>(config(true));
  client_ = std::make_unique<HttpClient>(gateway_->port());
  const GatewayProcess other(config(true, true));
  const HttpClient otherClient(other.port());
  const auto subscribedBy = Clock::now() + 5s;
  for (const GatewayProcess* instance :
       {static_cast<const GatewayProcess*>(gateway_.get()), &other}) {
    while (instance->logs().find("cache invalidations: listening") == std::string::npos &&
           Clock::now() < subscribedBy) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_NE(instance->logs().find("cache invalidations: listening"), std::string::npos)
        << instance->logs();
  }
  resolveEveryone();
  const auto stored = Clock::now() + 5s;
  while (keysOnMasters() != kPeople && Clock::now() < stored) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(keysOnMasters(), kPeople);
  // The other instance now holds person 0 in its local tier.
  const auto otherResolves = [&] {
    const auto response = otherClient.post("/v1/resolve", resolveBody(0), kKey);
    EXPECT_EQ(response.status, 200);
    return TestJson(response.body).at("/fields/person.name/cached");
  };
  EXPECT_EQ(otherResolves(), "true");
  EXPECT_EQ(otherResolves(), "true");

  // One subject: UNLINK on its master.
  const auto one = client_->post(
      "/admin/v1/cache/invalidate",
      R"({"dataset":"registry.person","subject":{"id_card":")" + idCardOf(0) + R"("}})", kDba);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(TestJson(one.body).at("/removed"), "1");
  EXPECT_EQ(keysOnMasters(), kPeople - 1);
  // The other instance's local copy went too: it asks the source again.
  const long asked = sourceQueries(otherClient, "registry");
  const auto heard = Clock::now() + 3s;
  while (sourceQueries(otherClient, "registry") == asked && Clock::now() < heard) {
    otherResolves();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_GT(sourceQueries(otherClient, "registry"), asked);

  // The whole dataset: every master scanned (person 0's row is back, stored by the other).
  const long before = keysOnMasters();
  EXPECT_GE(before, kPeople - 1);
  const auto all =
      client_->post("/admin/v1/cache/invalidate", R"({"dataset":"registry.person"})", kDba);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(TestJson(all.body).at("/removed"), std::to_string(before));
  EXPECT_EQ(keysOnMasters(), 0);
}

}  // namespace
}  // namespace oncegate::testing
