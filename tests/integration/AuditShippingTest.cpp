// The central audit record with the real gateway and the real PostgreSQL: every line of the
// local trail reaches the store exactly once, in order, even when the gateway is killed
// (SIGKILL) while it ships under load and then restarted; two instances ship apart into one
// database; the chain verifies from the database alone; and a trail cut short of the latest
// checkpoint in the store is reported by `oncegatectl verify-audit --against-store`.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "OncegatectlRun.h"
#include "PostgresTestDatabase.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"
#include "common/Digest.h"
#include "common/Ed25519PrivateKey.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/auditstore/SubjectIndexKey.h"
#include "gateway/signing/JsonWebKeySet.h"

namespace oncegate::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const std::string kClientKey = "audit-shipping-it-client-key";
const std::string kAuditorToken = "auditor-token-of-the-shipping-test";

std::string subjectId(int n) { return "3301021960010" + std::to_string(10000 + n % 5000); }

std::string resolveBody(int n) {
  return R"({"purpose":"pension","case":"LS-)" + std::to_string(n) +
         R"(","subject":{"type":"person","id_card":")" + subjectId(n) +
         R"("},"fields":["person.name"]})";
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// oncegatectl with `args`, no shell in between.
// The lines of the chain in `files` (oldest first): whole lines that end in their "prev".
std::vector<std::string> chainLines(const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> lines;
  for (const auto& file : files) {
    std::istringstream in(readFile(file));
    for (std::string line; std::getline(in, line);) {
      if (!in.eof() && AuditLine::prevOf(line)) lines.push_back(line);
    }
  }
  return lines;
}

class AuditShippingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    runPostgresSql(
        "DROP TABLE IF EXISTS it_shipping_people;"
        "CREATE TABLE it_shipping_people (id_card text PRIMARY KEY, name text);"
        "INSERT INTO it_shipping_people SELECT '3301021960010' || (10000 + n)::text, 'P' || n "
        "FROM generate_series(0, 4999) AS n;");
  }

  void SetUp() override {
    char pattern[] = "/tmp/oncegate-shipping-it-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    trails_ = pattern;
    hashKey_ = randomHex(40);
  }
  void TearDown() override { std::filesystem::remove_all(trails_); }

  ConfigFiles config(const std::string& instance) const {
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: " +
        (trails_ / (instance + ".jsonl")).string() + ", durability: strict, store: \"" + store_ +
        "\", instance: " + instance + ", checkpoint: { records: 5 } }\nhash_key: " + hashKey_ +
        "\nsigning: { keys: [{ id: k1, private_key: signing.pem }] }\nadmin: { tokens: [{ name: "
        "aud, role: auditor, token_sha256: " +
        sha256sum(kAuditorToken) + " }] }\ninclude: [all.yaml]\n";
    files["signing.pem"] = signingKey_.toPem();
    files["all.yaml"] =
        "sources:\n"
        "  - { id: people, department: 人社局, odbc: \"" +
        postgresOdbc() +
        "\" }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "datasets:\n"
        "  - id: people.basic\n"
        "    source: people\n"
        "    subject: person\n"
        "    query: SELECT name FROM it_shipping_people WHERE id_card = :id\n"
        "    params: { id: subject.id_card }\n"
        "fields:\n"
        "  - { id: person.name, dataset: people.basic, column: name }\n"
        "clients:\n"
        "  - { id: pension-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [pension] }\n"
        "policies:\n"
        "  - { id: grant, clients: [pension-app], purposes: [pension], allow: [\"person.*\"] }\n";
    return files;
  }

  std::int64_t storedRows(const std::string& instance) const {
    odbc::OdbcClient client(store_, "audit store");
    return client
        .query("SELECT COUNT(*) FROM oncegate_audit_records WHERE instance = ?",
               {Value::string(instance)})
        .at(0)
        .values.at(0)
        .asInt();
  }

  // Waits until the store holds at least `rows` rows of `instance`.
  bool waitForRows(const std::string& instance, std::int64_t rows) const {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (storedRows(instance) >= rows) return true;
      } catch (const std::exception&) {
        // the tables are made by the first shipper that connects
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  // The store holds exactly the chain lines of the instance's trail, once each, in order.
  void expectStoreHoldsTheTrail(const std::string& instance) const {
    const auto lines = chainLines({trails_ / (instance + ".jsonl")});
    odbc::OdbcClient client(store_, "audit store");
    const auto rows =
        client.query("SELECT seq, line FROM oncegate_audit_records WHERE instance = ? ORDER BY seq",
                     {Value::string(instance)});
    ASSERT_EQ(rows.size(), lines.size()) << instance;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i].values.at(0).asInt(), static_cast<std::int64_t>(i + 1));
      ASSERT_EQ(rows[i].values.at(1).toString(), lines[i]) << instance << " seq " << i + 1;
    }
  }

  PostgresTestDatabase database_{"oncegate_auditship_it"};
  std::string store_ = database_.odbc();
  std::filesystem::path trails_;
  std::string hashKey_;
  Ed25519PrivateKey signingKey_ = Ed25519PrivateKey::generate();
};

TEST_F(AuditShippingTest, EveryLineOnceAfterASigkillUnderLoadAndARestart) {
  auto gateway = std::make_unique<GatewayProcess>(config("gw-a"));
  std::atomic<bool> loading{true};
  std::atomic<int> answered{0};
  // Four workflow systems at once, so that batches are large and one is likely in flight when
  // the process dies.
  std::vector<std::thread> load;
  for (int worker = 0; worker < 4; ++worker) {
    load.emplace_back([&, worker, port = gateway->port()] {
      const HttpClient client(port);
      for (int n = worker; loading; n += 4) {
        try {
          if (client.post("/v1/resolve", resolveBody(n), kClientKey).status == 200) ++answered;
        } catch (const std::exception&) {
          // the gateway was killed: go on until told to stop
        }
      }
    });
  }
  // Killed while shipping: after a few batches, with more records arriving.
  ASSERT_TRUE(waitForRows("gw-a", 600));
  ::kill(gateway->pid(), SIGKILL);
  loading = false;
  for (auto& worker : load) worker.join();
  gateway->stop();  // reaps it
  ASSERT_GT(answered.load(), 0);

  gateway = std::make_unique<GatewayProcess>(config("gw-a"));
  const HttpClient client(gateway->port());
  for (int n = 0; n < 20; ++n) {
    ASSERT_EQ(client.post("/v1/resolve", resolveBody(n), kClientKey).status, 200);
  }
  const auto trailLines = static_cast<std::int64_t>(chainLines({trails_ / "gw-a.jsonl"}).size());
  ASSERT_TRUE(waitForRows("gw-a", trailLines));
  // This process shipped what the killed one had not (at least the 20 answers since).
  EXPECT_GE(metricValue(client, "oncegate_audit_shipped_records_total"), 20);
  EXPECT_EQ(metricValue(client, "oncegate_audit_ship_halted"), 0);
  EXPECT_EQ(gateway->stop(), 0);
  expectStoreHoldsTheTrail("gw-a");

  const auto verified = runCtl({"verify-audit", "--store", store_, "--instance", "gw-a"});
  EXPECT_EQ(verified.status, 0) << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("chain intact"));
}

TEST_F(AuditShippingTest, TwoInstancesShipIntoOneDatabaseApart) {
  {
    GatewayProcess a(config("gw-a"));
    GatewayProcess b(config("gw-b"));
    const HttpClient toA(a.port());
    const HttpClient toB(b.port());
    for (int n = 0; n < 30; ++n) {
      ASSERT_EQ(toA.post("/v1/resolve", resolveBody(n), kClientKey).status, 200);
      ASSERT_EQ(toB.post("/v1/resolve", resolveBody(1000 + n), kClientKey).status, 200);
    }
    // Stopped (SIGTERM) at once: what is not shipped yet is shipped while the gateway stops.
  }
  expectStoreHoldsTheTrail("gw-a");
  expectStoreHoldsTheTrail("gw-b");
  odbc::OdbcClient client(store_, "audit store");
  // Each instance's rows are its own requests' (case numbers LS-0.. on a, LS-1000.. on b), and
  // the subject is indexed by its keyed hash (the hash of the ID an auditor types).
  EXPECT_EQ(client
                .query("SELECT COUNT(*) FROM oncegate_audit_records WHERE instance = 'gw-b' "
                       "AND case_number IN ('LS-0', 'LS-29')")
                .at(0)
                .values.at(0)
                .asInt(),
            0);
  EXPECT_EQ(client
                .query("SELECT COUNT(*) FROM oncegate_audit_records WHERE instance = 'gw-a' "
                       "AND case_number IN ('LS-0', 'LS-29')")
                .at(0)
                .values.at(0)
                .asInt(),
            2);
  EXPECT_EQ(client
                .query("SELECT COUNT(*) FROM oncegate_audit_records WHERE subject_hash = ?",
                       {Value::string(subjectIndexHash(hashKey_, "person", subjectId(3)))})
                .at(0)
                .values.at(0)
                .asInt(),
            1);
  const auto verified = runCtl({"verify-audit", "--store", store_});
  EXPECT_EQ(verified.status, 0) << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("instance 'gw-a': chain intact"));
  EXPECT_THAT(verified.out, HasSubstr("instance 'gw-b': chain intact"));
}

TEST_F(AuditShippingTest, VerifyAuditTakesFilesOrAStoreNotBothNorNeither) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"verify-audit"},
           {"verify-audit", "trail.jsonl", "--store", store_},
           {"verify-audit", "trail.jsonl", "--instance", "gw-a"},
           {"verify-audit", "--store", store_, "--against-store", store_}}) {
    const auto run = runCtl(args);
    EXPECT_EQ(run.status, 2) << args.size();
    EXPECT_THAT(run.err, HasSubstr("usage: oncegatectl verify-audit"));
  }
  // A store that cannot be reached is a failure, named without its password.
  auto down = store_ + ";Pwd=not-the-password";
  const auto port = down.find("Port=");
  down.replace(port, down.find(';', port) - port, "Port=1");
  const auto run = runCtl({"verify-audit", "--store", down});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("cannot verify the audit store"));
  EXPECT_THAT(run.err, ::testing::Not(HasSubstr("not-the-password")));
}

// The writer signs a checkpoint after every 5 lines and at shutdown; the store keeps the latest,
// and a trail cut before it is reported truncated, though its chain is whole.
TEST_F(AuditShippingTest, ATrailCutBeforeTheStoredCheckpointIsReportedTruncated) {
  {
    GatewayProcess gateway(config("gw-a"));
    const HttpClient client(gateway.port());
    for (int n = 0; n < 10; ++n) {
      ASSERT_EQ(client.post("/v1/resolve", resolveBody(n), kClientKey).status, 200);
    }
    ASSERT_TRUE(waitForRows("gw-a", 10));
    // The admin verification checks the checkpoints' signatures with the configured keys.
    const auto verified = client.post("/admin/v1/audit/verify", "", kAuditorToken);
    ASSERT_EQ(verified.status, 200) << verified.body;
    EXPECT_EQ(TestJson(verified.body).at("/intact"), "true");
    EXPECT_EQ(TestJson(verified.body).at("/signatures_checked"), "true");
    EXPECT_NE(TestJson(verified.body).at("/checkpoints"), "0");
  }
  const auto trail = trails_ / "gw-a.jsonl";
  const auto lines = chainLines({trail});
  ASSERT_TRUE(waitForRows("gw-a", static_cast<std::int64_t>(lines.size())));
  auto run =
      runCtl({"verify-audit", trail.string(), "--against-store", store_, "--instance", "gw-a"});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("reaches the latest checkpoint"));
  // The stored chain verifies with the gateway's public key, checkpoints included.
  const auto keys = trails_ / "keys.json";
  std::ofstream(keys) << JsonWebKeySet({{"k1", signingKey_.publicKey()}}).render();
  run = runCtl({"verify-audit", "--store", store_, "--instance", "gw-a", "--keys", keys.string()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("signatures checked"));

  {
    std::ofstream cut(trail, std::ios::binary | std::ios::trunc);
    for (int i = 0; i < 7; ++i) cut << lines[static_cast<std::size_t>(i)] << '\n';
  }
  run = runCtl({"verify-audit", trail.string(), "--against-store", store_, "--instance", "gw-a"});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.out, HasSubstr("chain intact"));  // the cut leaves no break in the chain
  EXPECT_THAT(run.err, HasSubstr("TRUNCATED"));
  EXPECT_THAT(run.err, HasSubstr("lines were removed from its end"));
}

}  // namespace
}  // namespace oncegate::testing
