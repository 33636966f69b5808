// A source database host that freezes (its PostgreSQL backend stopped with SIGSTOP: the socket
// stays open and nothing answers, not even a cancel) must cost only the requests that need it:
// - changed twice through the admin API while a query on it hangs, under load on another source:
//   every request to the other source answers within its budget, and once the host wakes the
//   hung worker lets go of its connection and the gateway is healthy;
// - SIGTERM with requests queued behind the hung query: exit 0 within request_timeout + the drain
//   slack (1 s) + the source's stop bound (2 s), every request answered.
// Before the lifetime fixes, the old source's destructor joined the hung worker on whichever
// thread dropped the last reference, the audit writer's among them: every request then waited on
// the audit trail, and SIGTERM waited for the host forever.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const std::string kClientKey = "frozen-it-client-key";
const std::string kDba = "frozen-it-dba-token";
constexpr milliseconds kRequestTimeout{2000};
// What a loaded 2-core machine may add to an answer's budget (scheduling, audit fsync, HTTP).
constexpr milliseconds kSlack{1000};
// The drain's slack beyond request_timeout (main.cpp) and the bound on stopping a source whose
// query hangs (OdbcSource's destructor).
constexpr milliseconds kDrainSlack{1000};
constexpr milliseconds kSourceStopBound{2000};
constexpr int kRegistryRows = 20000;

// An 18-character credit code: a 10-character prefix and a number.
std::string creditCode(const std::string& prefix, int number) {
  char digits[9];
  std::snprintf(digits, sizeof digits, "%08d", number);
  return prefix + digits;
}

std::string resolveBody(const std::string& code, const std::string& field) {
  return R"({"purpose":"permit","subject":{"type":"org","credit_code":")" + code +
         R"("},"fields":[")" + field + R"("]})";
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

// A PostgreSQL backend process stopped (SIGSTOP) for as long as the object lives, then let go
// (SIGCONT) whatever happened meanwhile: a failed assertion must not leave the server frozen.
class FrozenBackend {
 public:
  explicit FrozenBackend(pid_t pid) : pid_(pid) { ::kill(pid_, SIGSTOP); }
  ~FrozenBackend() { thaw(); }
  FrozenBackend(const FrozenBackend&) = delete;
  FrozenBackend& operator=(const FrozenBackend&) = delete;

  // True once the kernel reports the process stopped ('T' in /proc/PID/stat).
  bool stopped() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto afterName = line.rfind(") ");
    return afterName != std::string::npos && line.size() > afterName + 2 &&
           line[afterName + 2] == 'T';
  }

  void thaw() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

class FrozenSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string rows;
    for (int i = 0; i < 16; ++i) {
      rows += std::string(i == 0 ? "" : ",") + "('" + creditCode("91330100FZ", i) + "', 'L-" +
              std::to_string(i) + "')";
    }
    runPostgresSql(
        "DROP TABLE IF EXISTS it_frozen;"
        "CREATE TABLE it_frozen (credit_code text PRIMARY KEY, licence text);"
        "INSERT INTO it_frozen VALUES " +
        rows + ";");
    database_ = "/tmp/oncegate-it-frozen-" + randomHex(8) + ".db";
    runSqliteSql(database_,
                 "CREATE TABLE company (credit_code TEXT PRIMARY KEY, name TEXT);"
                 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                     std::to_string(kRegistryRows - 1) +
                     ") INSERT INTO company SELECT '91330100RG' || printf('%08d', i), "
                     "'company ' || i FROM n;");
  }

  static void TearDownTestSuite() { std::remove(database_.c_str()); }

  void SetUp() override {
    applicationName_ = "oncegate-it-frozen-" + randomHex(8);
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl, durability: strict }\n"
        // The load runs as fast as it goes: above the default per-client rate limit.
        "limits: { request_timeout: 2s, default_rate_limit: { per_second: 100000 } }\nhash_key: " +
        randomHex(40) +
        "\nadmin:\n  tokens:\n    - { name: dba-wang, role: dba, token_sha256: " + sha256sum(kDba) +
        " }\ninclude: [all.yaml]\n";
    // The frozen source's timeout is longer than request_timeout, so that its watchdog has not
    // given up on the hung query by the time the request's deadline (and a change) comes.
    files["all.yaml"] =
        "sources:\n"
        "  - { id: licences, department: 行政审批局, odbc: \"" +
        frozenOdbc() +
        "\", pool: 1, timeout: 5s }\n"
        "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\", pool: 2 }\n"
        "subjects:\n"
        "  - { id: org, key: credit_code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - id: licences.licence\n"
        "    source: licences\n"
        "    subject: org\n"
        "    query: SELECT licence FROM it_frozen WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "  - id: registry.company\n"
        "    source: registry\n"
        "    subject: org\n"
        "    query: SELECT name FROM company WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "fields:\n"
        "  - { id: org.licence, dataset: licences.licence, column: licence }\n"
        "  - { id: org.name, dataset: registry.company, column: name }\n"
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: grant, clients: [permit-app], purposes: [permit], allow: [\"org.*\"] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  // The source's connection string: its application_name finds its backend in pg_stat_activity.
  std::string frozenOdbc() const {
    return postgresOdbc() + ";pqopt={application_name=" + applicationName_ + "}";
  }

  // Answers one licence request (its connection opened) and returns the pid of the source's one
  // backend, or -1.
  pid_t licencesBackend() {
    const auto warm = client_->post(
        "/v1/resolve", resolveBody(creditCode("91330100FZ", 0), "org.licence"), kClientKey);
    EXPECT_EQ(warm.status, 200) << warm.body;
    EXPECT_EQ(TestJson(warm.body).at("/fields/org.licence/value"), "L-0");
    const auto pids = postgresQuery("SELECT pid FROM pg_stat_activity WHERE application_name = '" +
                                    applicationName_ + "'");
    EXPECT_FALSE(pids.empty() || pids.find('\n') != std::string::npos)
        << "expected the pool-1 source's one backend, found: '" << pids << "'";
    return pids.empty() || pids.find('\n') != std::string::npos ? -1 : std::stoi(pids);
  }

  // How many client connections to the gateway are open with their bytes all read by it (ss's
  // Recv-Q 0 on the gateway's side); -1 while one still has unread bytes.
  int requestsReadOnOpenConnections() const {
    const auto queues =
        commandOutput("ss -Htn state established '( sport = :" + std::to_string(gateway_->port()) +
                      " )' | awk '{print $1}'");
    int read = 0;
    for (std::size_t at = 0; at < queues.size();) {
      const auto end = std::min(queues.find('\n', at), queues.size());
      if (queues.substr(at, end - at) != "0") return -1;
      ++read;
      at = end + 1;
    }
    return read;
  }

  static std::string database_;
  std::string applicationName_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

std::string FrozenSourceTest::database_;

// A steady stream of requests to the registry source, one after the other, each for a subject
// not asked before (no cache hit), from its own thread until told to stop.
class RegistryLoad {
 public:
  explicit RegistryLoad(std::uint16_t port) : client_(port), thread_([this] { run(); }) {}
  ~RegistryLoad() { finish(); }
  RegistryLoad(const RegistryLoad&) = delete;
  RegistryLoad& operator=(const RegistryLoad&) = delete;

  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int answered() const { return answered_; }
  int failed() const { return failed_; }
  milliseconds slowest() const { return milliseconds(slowestMs_.load()); }
  std::string firstFailure() const {
    std::lock_guard lock(mutex_);
    return firstFailure_;
  }

 private:
  void run() {
    for (int i = 0; i < kRegistryRows && !stop_; ++i) {
      const auto code = creditCode("91330100RG", i);
      const auto started = Clock::now();
      const auto response = client_.post("/v1/resolve", resolveBody(code, "org.name"), kClientKey);
      const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
      slowestMs_ = std::max<long>(slowestMs_, took.count());
      bool ok = false;
      try {  // a throw on this thread would end the test binary: count it as a failure instead
        ok = response.status == 200 &&
             TestJson(response.body).at("/fields/org.name/value") == "company " + std::to_string(i);
      } catch (const std::exception&) {
        ok = false;
      }
      if (!ok) {
        std::lock_guard lock(mutex_);
        if (failed_++ == 0) firstFailure_ = std::to_string(response.status) + " " + response.body;
      }
      ++answered_;
    }
  }

  HttpClient client_;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::atomic<int> failed_{0};
  std::atomic<long> slowestMs_{0};
  mutable std::mutex mutex_;
  std::string firstFailure_;
  std::thread thread_;  // last: it starts once everything above is ready
};

TEST_F(FrozenSourceTest, ChangingASourceWhoseQueryHangsCostsTheOtherSourcesNothing) {
  const pid_t backend = licencesBackend();
  ASSERT_GT(backend, 0);
  RegistryLoad load(gateway_->port());
  ASSERT_TRUE(waitFor([&] { return load.answered() >= 20; }, milliseconds(10'000)));

  FrozenBackend frozen(backend);
  ASSERT_TRUE(waitFor([&] { return frozen.stopped(); }, milliseconds(5000)));
  const auto hungStarted = Clock::now();
  auto hung = std::async(std::launch::async, [this] {
    return client_->post("/v1/resolve", resolveBody(creditCode("91330100FZ", 1), "org.licence"),
                         kClientKey);
  });
  ASSERT_TRUE(waitFor([&] { return sourceQueries(*client_, "licences") == 2; }, milliseconds(5000)))
      << "the licence query never started";

  // Two changes while the query hangs: the first retires the source that runs it.
  milliseconds slowestChange{0};
  for (const std::string change : {R"("pool":1,"timeout":"4s")", R"("pool":2,"timeout":"3s")"}) {
    const auto started = Clock::now();
    const auto put = client_->send("PUT", "/admin/v1/sources/licences",
                                   R"({"id":"licences","department":"行政审批局","odbc":")" +
                                       frozenOdbc() + R"(",)" + change + "}",
                                   kDba);
    slowestChange =
        std::max(slowestChange, std::chrono::duration_cast<milliseconds>(Clock::now() - started));
    ASSERT_EQ(put.status, 200) << put.body;
  }
  const auto changed = Clock::now();
  EXPECT_LT(slowestChange, kRequestTimeout + kSlack);

  const auto hungAnswer = hung.get();
  const auto hungTook = std::chrono::duration_cast<milliseconds>(Clock::now() - hungStarted);
  ASSERT_EQ(hungAnswer.status, 200) << hungAnswer.body;
  EXPECT_EQ(TestJson(hungAnswer.body).at("/fields/org.licence/status"), "unavailable");
  EXPECT_LT(hungTook, kRequestTimeout + kSlack);

  // The retired source stops on the retirer's thread, waiting its whole bound for the frozen
  // query (it says so in the log): the load runs across all of it, and a little past it.
  ASSERT_TRUE(waitFor(
      [&] { return gateway_->logs().find("(a source was slow to stop)") != std::string::npos; },
      kRequestTimeout + kSourceStopBound + 2 * kSlack))
      << "the source that ran the hung query was not retired:\n"
      << gateway_->logs();
  const auto retiredAfter = std::chrono::duration_cast<milliseconds>(Clock::now() - changed);
  const int answeredAtRetirement = load.answered();
  EXPECT_TRUE(waitFor([&] { return load.answered() >= answeredAtRetirement + 20; },
                      kRequestTimeout + kSlack))
      << "the other source stopped answering";
  load.finish();
  EXPECT_EQ(load.failed(), 0) << load.firstFailure();
  EXPECT_LT(load.slowest(), kRequestTimeout + kSlack);
  std::printf(
      "[ measured ] %d registry requests, slowest %lld ms; slowest change %lld ms; "
      "hung request answered in %lld ms; old source retired %lld ms after the changes\n",
      load.answered(), static_cast<long long>(load.slowest().count()),
      static_cast<long long>(slowestChange.count()), static_cast<long long>(hungTook.count()),
      static_cast<long long>(retiredAfter.count()));

  // The host wakes: the worker that hung gets its answer, closes its connection and exits.
  frozen.thaw();
  EXPECT_TRUE(waitFor(
      [&] {
        return postgresQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                             std::to_string(backend)) == "0";
      },
      milliseconds(10'000)))
      << "the hung worker kept its connection after the host woke";
  const auto after = client_->post(
      "/v1/resolve", resolveBody(creditCode("91330100FZ", 2), "org.licence"), kClientKey);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(TestJson(after.body).at("/fields/org.licence/value"), "L-2");
  EXPECT_EQ(client_->get("/readyz").status, 200);
  EXPECT_EQ(gateway_->stopWithin(kRequestTimeout + kDrainSlack + kSourceStopBound + kSlack), 0);
}

TEST_F(FrozenSourceTest, SigtermWithQueriesQueuedBehindAHungOneExitsZeroWithinTheDrainBound) {
  const pid_t backend = licencesBackend();
  ASSERT_GT(backend, 0);
  constexpr int kQueued = 4;
  std::vector<std::future<HttpResult>> answers;
  FrozenBackend frozen(backend);
  ASSERT_TRUE(waitFor([&] { return frozen.stopped(); }, milliseconds(5000)));
  for (int i = 1; i <= kQueued; ++i) {
    answers.push_back(std::async(std::launch::async, [this, i] {
      return HttpClient(gateway_->port())
          .post("/v1/resolve", resolveBody(creditCode("91330100FZ", i), "org.licence"), kClientKey);
    }));
  }
  // One runs on the frozen backend, the others wait for the source's one connection: the query
  // has started and the gateway has read every request (nothing left unread on its sockets).
  ASSERT_TRUE(waitFor(
      [&] {
        return sourceQueries(*client_, "licences") == 2 &&
               requestsReadOnOpenConnections() >= kQueued;
      },
      milliseconds(5000)))
      << "the requests never queued on the source";

  const auto bound = kRequestTimeout + kDrainSlack + kSourceStopBound;
  const auto stopping = Clock::now();
  const auto exitCode = gateway_->stopWithin(bound + 2 * kSlack);
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - stopping);
  ASSERT_TRUE(exitCode.has_value())
      << "the gateway did not exit in " << (bound + 2 * kSlack).count() << " ms: killed";
  EXPECT_EQ(*exitCode, 0);
  EXPECT_LT(took, bound + kSlack);
  std::printf("[ measured ] exit %d in %lld ms with %d requests on a frozen source\n", *exitCode,
              static_cast<long long>(took.count()), kQueued);
  for (auto& answer : answers) {
    const auto response = answer.get();
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(TestJson(response.body).at("/fields/org.licence/status"), "unavailable");
  }
}

// Hazard 3 of issue 8: the audit log was destroyed after the data API, and an admin call that
// AdminApi::stop() finished appended a record whose callback called into the destroyed API. Now
// an admin answer's callback holds only its own state: SIGTERM while a DBA's dry run waits behind
// the hung query exits 0 once the dry run has ended (the sanitizer build runs this too).
TEST_F(FrozenSourceTest, SigtermWhileAnAdminCallWaitsOnTheFrozenSourceExitsZero) {
  const pid_t backend = licencesBackend();
  ASSERT_GT(backend, 0);
  FrozenBackend frozen(backend);
  ASSERT_TRUE(waitFor([&] { return frozen.stopped(); }, milliseconds(5000)));
  auto hung = std::async(std::launch::async, [this] {
    return HttpClient(gateway_->port())
        .post("/v1/resolve", resolveBody(creditCode("91330100FZ", 1), "org.licence"), kClientKey);
  });
  ASSERT_TRUE(
      waitFor([&] { return sourceQueries(*client_, "licences") == 2; }, milliseconds(5000)));
  auto dryRun = std::async(std::launch::async, [this] {
    return HttpClient(gateway_->port())
        .post(
            "/admin/v1/datasets/licences.licence/dry-run",
            R"({"subject":{"type":"org","credit_code":")" + creditCode("91330100FZ", 2) + R"("}})",
            kDba);
  });
  ASSERT_TRUE(waitFor([&] { return requestsReadOnOpenConnections() >= 2; }, milliseconds(5000)));

  // The dry run waits at most the source's timeout (5 s) plus Source::executeAndWait's grace.
  const auto bound = milliseconds(5000) + milliseconds(2000) + kDrainSlack + kSourceStopBound;
  const auto stopping = Clock::now();
  const auto exitCode = gateway_->stopWithin(bound + 2 * kSlack);
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - stopping);
  ASSERT_TRUE(exitCode.has_value()) << "the gateway did not exit: killed";
  EXPECT_EQ(*exitCode, 0);
  EXPECT_LT(took, bound + kSlack);
  EXPECT_EQ(hung.get().status, 200);
  dryRun.get();  // answered, or its connection closed at exit: either way the process was sound
}

}  // namespace
}  // namespace oncegate::testing
