// Several instances behind a balancer, as deployed: three real gateway processes sharing one
// control store (its own database on the test PostgreSQL) and the test Redis, nginx in front
// (NginxProcess) retrying /v1/resolve and /v1/verify on the next instance when one fails. Killing
// an instance under load loses no answer and no audit record; an admin change made through one
// instance is in force on the others within a second (docs/operations.md "Several instances").

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "NginxProcess.h"
#include "OncegatectlRun.h"
#include "PostgresTestDatabase.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;

const std::string kClientKey = "instances-it-client-key";
const std::string kOfficer = "instances-officer-token-01";
const std::string kCompany = "91330100MA27XK1234";
const std::string kCompanyName = "杭州云栖科技有限公司";

const std::string kDenyStaff =
    R"({"id":"permit-grant","clients":["permit-app"],"purposes":["permit"],"allow":["org.*"],)"
    R"("deny":["org.staff"]})";

// Resolve and verify are safe to retry: they change nothing but the audit trail, and a retried
// attempt is audited as a request of its own. Everything else (admin changes above all) is not
// retried once sent (nginx's default: only idempotent methods move on to the next instance).
const std::string kBalancer = R"(
  upstream gateways {
    server 127.0.0.1:@A@ max_fails=1 fail_timeout=10s;
    server 127.0.0.1:@B@ max_fails=1 fail_timeout=10s;
    server 127.0.0.1:@C@ max_fails=1 fail_timeout=10s;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:@PORT@;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_connect_timeout 1s;
    proxy_read_timeout 10s;
    location ~ ^/v1/(resolve|verify)$ {
      proxy_pass http://gateways;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
    }
    location / {
      proxy_pass http://gateways;
    }
  }
)";

// One answer the load received through the balancer.
struct Answer {
  int status = 0;
  std::string route;
  std::string traceId;    // the one the client sent in its traceparent
  std::string requestId;  // the X-Request-Id it got back
  std::string body;       // kept only when something is wrong
};

// One line of an instance's audit trail that names a request.
struct TrailRecord {
  std::string requestId;
  std::string traceId;
  std::string route;
  int instance = 0;
};

class SeveralInstancesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-it-instances-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = made;
    const auto company = (directory_ / "company.db").string();
    runSqliteSql(company,
                 "CREATE TABLE company (credit_code TEXT PRIMARY KEY, name TEXT, staff INTEGER); "
                 "INSERT INTO company VALUES ('" +
                     kCompany + "', '" + kCompanyName + "', 120);");
    store_ = std::make_unique<PostgresTestDatabase>("oncegate_instances");

    // What every instance shares: the files (so the hash key and the cache key), the control
    // store and Redis. The store is polled only every 30 s, so a change that arrives within
    // seconds came through Redis pub/sub. threads: 1, three instances on two cores.
    files_["gateway.yaml"] =
        "listen: 127.0.0.1:1\n"
        "threads: 1\n"
        "audit: { path: audit/trail.jsonl, durability: strict }\n"
        "hash_key: " +
        randomHex(40) + "\nredis: redis://" + redisAddress() +
        "/0\n"
        "cache: { encryption_keys: [" +
        randomHex(64) + "] }\nstore: \"" + store_->odbc() +
        "\"\n"
        "store_poll: 30s\n"
        // The load is far above the default per-client rate and repeats one verify claim.
        "limits: { default_rate_limit: { per_second: 1000000, burst: 100000 },\n"
        "          verify_attempts: { count: 1000000, per: 1h } }\n"
        "admin:\n"
        "  tokens:\n"
        "    - { name: sec-li, role: security_officer, token_sha256: " +
        sha256sum(kOfficer) +
        " }\n"
        "include: [config.yaml]\n";
    files_["config.yaml"] =
        "sources:\n"
        "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
        company +
        "\" }\n"
        "subjects:\n"
        "  - { id: org, key: credit_code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - id: registry.company\n"
        "    source: registry\n"
        "    subject: org\n"
        "    query: SELECT name, staff FROM company WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "fields:\n"
        "  - { id: org.name, dataset: registry.company, column: name }\n"
        "  - { id: org.staff, dataset: registry.company, column: staff, type: int }\n"
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: permit-grant, clients: [permit-app], purposes: [permit], allow: [\"org.*\"] "
        "}\n";
    // One after the other: the first imports the files into the empty store as version 1, the
    // others find it there.
    for (int i = 0; i < 3; ++i) instances_.push_back(std::make_unique<GatewayProcess>(files_));
    std::string block = kBalancer;
    for (int i = 0; i < 3; ++i) {
      const std::string mark = std::string("@") + static_cast<char>('A' + i) + "@";
      block.replace(block.find(mark), mark.size(), std::to_string(instances_[i]->port()));
    }
    nginx_ = std::make_unique<NginxProcess>(block);
  }

  void TearDown() override {
    nginx_.reset();
    instances_.clear();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(directory_, ec);
  }

  // A resolve or a verify, with a traceparent of its own (the trace id links the attempts the
  // balancer makes for it).
  static Answer ask(const HttpClient& client, bool verify, std::mt19937_64& random) {
    Answer answer;
    char trace[33];
    char span[17];
    std::snprintf(trace, sizeof trace, "%016llx%016llx", static_cast<unsigned long long>(random()),
                  static_cast<unsigned long long>(random()));
    std::snprintf(span, sizeof span, "%016llx", static_cast<unsigned long long>(random() | 1U));
    answer.traceId = trace;
    answer.route = verify ? "/v1/verify" : "/v1/resolve";
    const std::string subject = R"("subject":{"type":"org","credit_code":")" + kCompany + R"("})";
    const std::string body =
        verify ? R"({"purpose":"permit",)" + subject + R"(,"claims":{"org.name":")" + kCompanyName +
                     R"("}})"
               : R"({"purpose":"permit",)" + subject + R"(,"fields":["org.name","org.staff"]})";
    const auto result = client.post(answer.route, body, kClientKey,
                                    {{"traceparent", "00-" + answer.traceId + "-" + span + "-01"}});
    answer.status = result.status;
    const auto id = result.headers.find("x-request-id");
    if (id != result.headers.end()) answer.requestId = id->second;
    const bool expected =
        result.status == 200 &&
        result.body.find(verify ? R"("match":true)" : R"("value":120)") != std::string::npos;
    if (!expected) answer.body = result.body;
    return answer;
  }

  // Every record of instance `index`'s trail that names a request. A process killed while
  // writing may leave a torn last line: it is counted in `torn`, never a whole record (with
  // durability strict, no answer leaves before its whole line is on disk).
  std::vector<TrailRecord> trail(int index, int& torn) const {
    std::ifstream in(instances_[static_cast<std::size_t>(index)]->directory() / "audit" /
                     "trail.jsonl");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::vector<TrailRecord> records;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::optional<TestJson> json;
      try {
        json.emplace(lines[i]);
      } catch (const std::runtime_error&) {
        EXPECT_EQ(i + 1, lines.size()) << "only the last line may be torn: " << lines[i];
        ++torn;
        continue;
      }
      const auto requestId = json->at("/request_id");
      if (requestId == "<missing>") continue;
      records.push_back({requestId, json->at("/trace_id"), json->at("/route"), index});
    }
    return records;
  }

  // The status of `field` for the test company, asked of instance `index` directly.
  std::string fieldStatus(int index, const std::string& field) const {
    const HttpClient client(instances_[static_cast<std::size_t>(index)]->port());
    const auto response =
        client.post("/v1/resolve",
                    R"({"purpose":"permit","subject":{"type":"org","credit_code":")" + kCompany +
                        R"("},"fields":[")" + field + R"("]})",
                    kClientKey);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body).at("/fields/" + field + "/status");
  }

  // Whether instance `index` logs `text` within ten seconds.
  bool logsSay(int index, const std::string& text) const {
    const auto& instance = *instances_[static_cast<std::size_t>(index)];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (instance.logs().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::filesystem::path directory_;
  std::unique_ptr<PostgresTestDatabase> store_;
  ConfigFiles files_;
  std::vector<std::unique_ptr<GatewayProcess>> instances_;
  std::unique_ptr<NginxProcess> nginx_;
};

TEST_F(SeveralInstancesTest, KillingOneUnderLoadLosesNoAnswerAndNoAuditRecord) {
  constexpr int kClients = 4;
  constexpr int kBeforeKill = 150;
  constexpr int kAfterKill = 300;
  const HttpClient balancer(nginx_->port());

  std::mutex mutex;
  std::condition_variable progress;
  int answered = 0;
  bool stopping = false;
  std::vector<std::vector<Answer>> answers(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937_64 random(std::random_device{}());
      for (bool verify = (c % 2 == 1);; verify = !verify) {
        {
          const std::lock_guard lock(mutex);
          if (stopping) return;
        }
        answers[static_cast<std::size_t>(c)].push_back(ask(balancer, verify, random));
        const std::lock_guard lock(mutex);
        ++answered;
        progress.notify_all();
      }
    });
  }
  const auto waitFor = [&](int count) {
    std::unique_lock lock(mutex);
    return progress.wait_for(lock, std::chrono::seconds(20), [&] { return answered >= count; });
  };

  const bool loaded = waitFor(kBeforeKill);
  int answeredAtKill = 0;
  if (loaded) {
    ASSERT_EQ(::kill(instances_[1]->pid(), SIGKILL), 0);
    const std::lock_guard lock(mutex);
    answeredAtKill = answered;
  }
  const bool carriedOn = loaded && waitFor(answeredAtKill + kAfterKill);
  {
    const std::lock_guard lock(mutex);
    stopping = true;
  }
  for (auto& client : clients) client.join();
  ASSERT_TRUE(loaded) << "the load did not reach " << kBeforeKill << " answers";
  ASSERT_TRUE(carriedOn) << "the load stalled after the kill: " << answered << " answers";

  // Every request got a 200 with its data.
  std::map<std::string, Answer> byRequestId;
  std::map<std::string, const Answer*> byTraceId;
  int wrong = 0;
  for (const auto& perClient : answers) {
    for (const auto& answer : perClient) {
      if (answer.status != 200 || !answer.body.empty() || answer.requestId.empty()) {
        if (++wrong <= 3) {
          ADD_FAILURE() << answer.route << " answered " << answer.status << ": " << answer.body;
        }
        continue;
      }
      ASSERT_TRUE(byRequestId.emplace(answer.requestId, answer).second)
          << "two answers carry request id " << answer.requestId;
    }
  }
  EXPECT_EQ(wrong, 0) << "of " << answered << " requests";
  for (const auto& [id, answer] : byRequestId) byTraceId[answer.traceId] = &answer;

  // The balancer met the dead instance and moved on: some request went to two instances.
  const auto deadPort = std::to_string(instances_[1]->port());
  EXPECT_THAT(nginx_->errorLog(), HasSubstr("127.0.0.1:" + deadPort));
  int retried = 0;
  std::istringstream access(nginx_->accessLog());
  for (std::string line; std::getline(access, line);) {
    if (line.find("upstream=127.0.0.1:") != std::string::npos &&
        line.find(", 127.0.0.1:") != std::string::npos) {
      ++retried;
    }
  }
  EXPECT_GE(retried, 1) << nginx_->accessLog();

  // Each answer has exactly one record, in one trail, with the answer's trace id and route. The
  // only other records are first attempts on the killed instance that it recorded but could not
  // answer before it died: each belongs to a request another instance answered (same trace id),
  // and there are at most as many as requests were in flight (one per client).
  int torn = 0;
  std::map<std::string, int> recordsPerAnswer;
  std::vector<TrailRecord> unanswered;
  std::map<int, int> recordsPerInstance;
  for (int i = 0; i < 3; ++i) {
    for (const auto& record : trail(i, torn)) {
      ++recordsPerInstance[i];
      const auto answer = byRequestId.find(record.requestId);
      if (answer == byRequestId.end()) {
        unanswered.push_back(record);
        continue;
      }
      ++recordsPerAnswer[record.requestId];
      EXPECT_EQ(record.traceId, answer->second.traceId) << record.requestId;
      EXPECT_EQ(record.route, answer->second.route) << record.requestId;
    }
  }
  int missing = 0;
  int twice = 0;
  for (const auto& [id, answer] : byRequestId) {
    const auto count = recordsPerAnswer.find(id);
    if (count == recordsPerAnswer.end()) {
      ++missing;
    } else if (count->second != 1) {
      ++twice;
    }
  }
  EXPECT_EQ(missing, 0) << "answers without an audit record, of " << byRequestId.size();
  EXPECT_EQ(twice, 0) << "answers recorded more than once";
  EXPECT_LE(unanswered.size(), static_cast<std::size_t>(kClients));
  for (const auto& record : unanswered) {
    EXPECT_EQ(record.instance, 1) << "a record no answer carries, on a live instance: "
                                  << record.requestId << " " << record.route;
    const auto answer = byTraceId.find(record.traceId);
    EXPECT_NE(answer, byTraceId.end())
        << "a record on the killed instance whose request nobody answered: " << record.requestId;
  }
  EXPECT_LE(torn, 1);
  // Each trail's chain is whole, the killed instance's included.
  for (int i = 0; i < 3; ++i) {
    const auto path =
        instances_[static_cast<std::size_t>(i)]->directory() / "audit" / "trail.jsonl";
    const auto verified = runCtl({"verify-audit", path.string()});
    EXPECT_EQ(verified.status, 0) << "instance " << i + 1 << ": " << verified.out << verified.err;
  }
  std::cout << "[ several instances ] " << byRequestId.size() << " answers (" << answeredAtKill
            << " before the kill), " << retried
            << " retried by nginx; records per instance: " << recordsPerInstance[0] << " / "
            << recordsPerInstance[1] << " (killed) / " << recordsPerInstance[2]
            << "; first attempts recorded but unanswered: " << unanswered.size()
            << "; torn last lines: " << torn << "\n";
}

TEST_F(SeveralInstancesTest, AnAdminChangeThroughOneInstanceIsInForceOnAllWithinASecond) {
  // The notification only reaches instances that listen: each says so once subscribed.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(logsSay(i, "store changes: listening on Redis")) << instances_[i]->logs();
    ASSERT_EQ(fieldStatus(i, "org.staff"), "ok");
  }
  const HttpClient first(instances_[0]->port());
  const auto sent = std::chrono::steady_clock::now();
  const auto put = first.send("PUT", "/admin/v1/policies/permit-grant", kDenyStaff, kOfficer,
                              {{"X-Change-Comment", "deny staff numbers everywhere"}});
  const auto recorded = std::chrono::steady_clock::now();
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(fieldStatus(0, "org.staff"), "denied");

  // Each other instance asked directly, in turn, until the change shows there; the delay is
  // from the change's answer to the first answer that shows it.
  std::map<int, std::chrono::milliseconds> delays;
  const auto limit = recorded + std::chrono::seconds(5);
  while (delays.size() < 2 && std::chrono::steady_clock::now() < limit) {
    for (int i = 1; i < 3; ++i) {
      if (delays.count(i) == 0 && fieldStatus(i, "org.staff") == "denied") {
        delays[i] = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - recorded);
      }
    }
  }
  ASSERT_EQ(delays.size(), 2U) << "the change did not reach every instance within 5 s";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(recorded - sent).count();
  std::cout << "[ several instances ] an admin change through instance 1 (answered in " << took
            << " ms) was in force on instance 2 " << delays[1].count()
            << " ms after its answer and on instance 3 after " << delays[2].count()
            << " ms (requirement: 1000 ms; store_poll is 30 s, so Redis pub/sub carried it)\n";
  RecordProperty("propagation_ms_instance_2", static_cast<int>(delays[1].count()));
  RecordProperty("propagation_ms_instance_3", static_cast<int>(delays[2].count()));

  // All three serve the same version, and so does the balancer whichever instance it picks.
  for (int i = 0; i < 3; ++i) {
    const HttpClient client(instances_[static_cast<std::size_t>(i)]->port());
    EXPECT_EQ(TestJson(client.get("/readyz").body).at("/version"), "2") << "instance " << i + 1;
  }
  const HttpClient balancer(nginx_->port());
  for (int n = 0; n < 6; ++n) {
    const auto response =
        balancer.post("/v1/resolve",
                      R"({"purpose":"permit","subject":{"type":"org","credit_code":")" + kCompany +
                          R"("},"fields":["org.staff"]})",
                      kClientKey);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(TestJson(response.body).at("/fields/org.staff/status"), "denied");
  }
}

}  // namespace
}  // namespace oncegate::testing
