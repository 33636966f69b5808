// The web console in a real browser: the real gateway (with its embedded console) on the
// configuration every spec relies on (docs/console.md, "Browser tests"), data requests made
// first so that the trail, the central audit record and the sharing report have numbers, then
// Playwright runs tests/console/specs/*.spec.js in headless Chromium against it. Each spec saves
// screenshots of its pages under ${build}/console-screenshots.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "PostgresTestDatabase.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "UnusedPort.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;

// The contract's ids (docs/console.md): specs rely on them.
const std::string kSubject = "110101199003070019";
const std::string kSecondSubject = "110101198505050026";
const std::string kClientKey = "console-e2e-pension-office-key-01";
// Role tokens: name, role, token.
struct RoleToken {
  std::string variable;  // the environment variable a spec reads it from
  std::string name;
  std::string role;
  std::string token;
};
const std::vector<RoleToken> kTokens = {
    {"TOKEN_DBA", "dba-wang", "dba", "console-e2e-dba-token-0001"},
    {"TOKEN_SECURITY", "sec-li", "security_officer", "console-e2e-security-token-02"},
    {"TOKEN_AUDITOR", "aud-zhao", "auditor", "console-e2e-auditor-token-003"},
    {"TOKEN_REFORM", "reform-chen", "reform_office", "console-e2e-reform-token-0004"},
    {"TOKEN_ADMIN", "root-admin", "admin", "console-e2e-admin-token-00005"},
};

const std::filesystem::path kSourceDir(ONCEGATE_SOURCE_DIR);
const std::filesystem::path kBinaryDir(ONCEGATE_BINARY_DIR);
constexpr const char* kChromium = "/usr/bin/chromium";

class ConsoleBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-console-e2e-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = made;
    writeSources();
    files_["config.yaml"] = catalogue();
  }

  void TearDown() override {
    gateway_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  // Two departments' databases, both holding both subjects. The tax bureau spells the second
  // subject's name differently, so that the 一数一源 check has a disagreement to show.
  void writeSources() {
    runSqliteSql((directory_ / "civil.db").string(),
                 "CREATE TABLE person (id_no TEXT PRIMARY KEY, full_name TEXT, birth_date TEXT, "
                 "address TEXT); "
                 "INSERT INTO person VALUES ('" +
                     kSubject +
                     "', '王建国', '1990-03-07', '北京市东城区和平里街道1号'); "
                     "INSERT INTO person VALUES ('" +
                     kSecondSubject + "', '李秀英', '1985-05-05', '北京市东城区东四街道8号');");
    runSqliteSql((directory_ / "tax.db").string(),
                 "CREATE TABLE income (id_no TEXT PRIMARY KEY, annual_income TEXT, employer TEXT, "
                 "full_name TEXT); "
                 "INSERT INTO income VALUES ('" +
                     kSubject +
                     "', '186000.00', '北京市东城区人民医院', '王建国'); "
                     "INSERT INTO income VALUES ('" +
                     kSecondSubject + "', '92000.00', '北京市第五中学', '李秀瑛');");
    // A database no source names yet: the Sources spec registers it as a new source.
    runSqliteSql((directory_ / "spare.db").string(),
                 "CREATE TABLE record (id_no TEXT PRIMARY KEY, archive_no TEXT);");
  }

  std::string catalogue() const {
    const auto odbc = [this](const char* file) {
      return "\"Driver=SQLite3;Timeout=5000;Database=" + (directory_ / file).string() + "\"";
    };
    return "sources:\n"
           "  - { id: civil_registry, department: 民政局, odbc: " +
           odbc("civil.db") +
           " }\n"
           "  - { id: tax_bureau, department: 税务局, odbc: " +
           odbc("tax.db") +
           " }\n"
           "subjects:\n"
           "  - { id: citizen, key: id_no, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
           "datasets:\n"
           "  - { id: civil.person, source: civil_registry, subject: citizen, query: \"SELECT "
           "full_name, birth_date, address FROM person WHERE id_no = :id\", params: { id: "
           "subject.id_no } }\n"
           "  - { id: tax.income, source: tax_bureau, subject: citizen, query: \"SELECT "
           "annual_income, employer, full_name FROM income WHERE id_no = :id\", params: { id: "
           "subject.id_no } }\n"
           "fields:\n"
           "  - { id: civil.full_name, dataset: civil.person, column: full_name, sensitivity: "
           "personal, indicator: { id: citizen.name, authoritative: true }, description: 姓名 }\n"
           "  - { id: civil.birth_date, dataset: civil.person, column: birth_date, type: date, "
           "description: 出生日期 }\n"
           "  - { id: civil.address, dataset: civil.person, column: address, sensitivity: "
           "personal, description: 户籍地址 }\n"
           "  - { id: tax.annual_income, dataset: tax.income, column: annual_income, type: "
           "decimal, description: 年收入 }\n"
           "  - { id: tax.employer, dataset: tax.income, column: employer, description: 工作单位 "
           "}\n"
           "  - { id: tax.full_name, dataset: tax.income, column: full_name, indicator: { id: "
           "citizen.name }, description: 纳税人姓名 }\n"
           "forms:\n"
           "  - id: pension_claim\n"
           "    title: 养老金申领\n"
           "    purpose: pension\n"
           "    subject: citizen\n"
           "    fields: [civil.full_name, civil.birth_date, { id: civil.address, replaces: 户口簿 "
           "},\n"
           "             { id: tax.annual_income, replaces: 收入证明 }, tax.employer,\n"
           "             { id: applicant.note, supplied_by: applicant }]\n"
           "clients:\n"
           "  - { id: pension-office, department: 人力社保局, api_key_sha256: " +
           sha256sum(kClientKey) +
           ", purposes: [pension] }\n"
           "policies:\n"
           "  - { id: pension-grants, clients: [pension-office], purposes: [pension], allow: "
           "[\"civil.*\", \"tax.*\"] }\n";
  }

  std::string gatewayYaml(std::uint16_t adminPort = 0) const {
    std::string tokens;
    for (const auto& token : kTokens) {
      tokens += "    - { name: " + token.name + ", role: " + token.role +
                ", token_sha256: " + sha256sum(token.token) + " }\n";
    }
    return "listen: 127.0.0.1:1\nthreads: 2\nhash_key: " + hashKey_ +
           "\naudit: { path: audit/trail.jsonl, store: \"" + database_.odbc() +
           "\", instance: console-e2e }\n"
           "store: \"Driver=SQLite3;Timeout=5000;Database=" +
           (directory_ / "control.db").string() + "\"\n" +
           (adminPort == 0 ? "" : "admin_listen: 127.0.0.1:" + std::to_string(adminPort) + "\n") +
           "admin:\n  tokens:\n" + tokens + "include: [config.yaml]\n";
  }

  // The gateway on the contract's configuration, with a token of every role.
  void startGateway() {
    files_["gateway.yaml"] = gatewayYaml();
    gateway_ = std::make_unique<GatewayProcess>(files_);
  }

  const std::string& token(const std::string& variable) const {
    for (const auto& item : kTokens) {
      if (item.variable == variable) return item.token;
    }
    throw std::logic_error("no token " + variable);
  }

  // Resolves and prefills, so that the report and the audit search have numbers.
  void makeDataRequests() {
    HttpClient client(gateway_->port());
    for (const auto& subject : {kSubject, kSecondSubject}) {
      const auto prefill = client.post(
          "/v1/forms/pension_claim/prefill",
          R"({"case":"YL-2026-0001","subject":{"type":"citizen","id_no":")" + subject + R"("}})",
          kClientKey);
      ASSERT_EQ(prefill.status, 200) << prefill.body;
    }
    const auto resolve = client.post(
        "/v1/resolve",
        R"({"purpose":"pension","case":"YL-2026-0002","subject":{"type":"citizen","id_no":")" +
            kSubject + R"("},"fields":["civil.full_name","tax.full_name","tax.employer"]})",
        kClientKey);
    ASSERT_EQ(resolve.status, 200) << resolve.body;
    // A second prefill of the first subject: its datasets come from the cache.
    const auto again = client.post(
        "/v1/forms/pension_claim/prefill",
        R"({"case":"YL-2026-0003","subject":{"type":"citizen","id_no":")" + kSubject + R"("}})",
        kClientKey);
    ASSERT_EQ(again.status, 200) << again.body;
    dataRequests_ = 4;
  }

  // The audit store holds the data requests once the gateway shipped them (its shipper runs on
  // its own schedule): the audit page searches the store.
  bool shipped() const {
    const char* bin = std::getenv("ONCEGATE_TEST_PG_BIN");
    const char* port = std::getenv("ONCEGATE_TEST_PG_PORT");
    if (bin == nullptr || port == nullptr) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto count =
          commandOutput(std::string(bin) + "/psql -h 127.0.0.1 -p " + port + " -U postgres -d " +
                        database_.name() +
                        " -At -c \"SELECT COUNT(*) FROM oncegate_audit_records WHERE client = "
                        "'pension-office'\" 2>/dev/null | tr -d '\\n'");
      if (count == std::to_string(dataRequests_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  static std::string pgPort() {
    const char* port = std::getenv("ONCEGATE_TEST_PG_PORT");
    return port == nullptr ? "" : port;
  }

  // Playwright on the specs: its exit status (0 when every spec passed).
  int runPlaywright() const {
    const auto screenshots = kBinaryDir / "console-screenshots";
    std::filesystem::create_directories(screenshots);
    std::map<std::string, std::string> env = {
        {"CONSOLE_URL", "http://127.0.0.1:" + std::to_string(gateway_->port()) + "/console/"},
        {"GATEWAY_URL", "http://127.0.0.1:" + std::to_string(gateway_->port())},
        {"CLIENT_KEY", kClientKey},
        {"SUBJECT_ID", kSubject},
        {"SCREENSHOT_DIR", screenshots.string()},
        {"SPARE_SQLITE_PATH", (directory_ / "spare.db").string()},
        // A source on libpq (postgresql:) for the form's other connector: the test database.
        {"SPARE_PG_CONNINFO",
         "host=127.0.0.1 port=" + pgPort() + " dbname=" + database_.name() + " user=postgres"},
        {"PLAYWRIGHT_OUTPUT_DIR", (kBinaryDir / "console-test-results").string()},
        // @playwright/test lives in console/node_modules; the specs live apart from it.
        {"NODE_PATH", (kSourceDir / "console" / "node_modules").string()},
        // The browser is the system's (scripts/install-deps.sh); Playwright never downloads one.
        {"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"},
        {"CI", "1"},
    };
    for (const auto& item : kTokens) {
      env[item.variable] = item.token;
    }
    const auto cli = kSourceDir / "console" / "node_modules" / "@playwright" / "test" / "cli.js";
    const auto config = kSourceDir / "tests" / "console" / "playwright.config.js";
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
      // Sanitizer settings of the run are for the gateway, not for Node or Chromium.
      ::unsetenv("LD_PRELOAD");
      if (::chdir((kSourceDir / "tests" / "console").c_str()) != 0) ::_exit(126);
      ::execl(ONCEGATE_NODE_PROGRAM, ONCEGATE_NODE_PROGRAM, cli.c_str(), "test", "--config",
              config.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::filesystem::path directory_;
  PostgresTestDatabase database_{"oncegate_console_e2e"};
  std::string hashKey_ = randomHex(40);
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> gateway_;
  int dataRequests_ = 0;
};

TEST_F(ConsoleBrowserTest, EveryRoleUsesTheConsoleInChromium) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << kChromium << " is missing: run scripts/install-deps.sh (Debian's chromium package)";
  ASSERT_TRUE(std::filesystem::exists(kSourceDir / "console" / "node_modules" / "@playwright"))
      << "console/node_modules is missing: the build runs npm ci in console/";
  startGateway();
  makeDataRequests();
  ASSERT_TRUE(shipped()) << "the data requests did not reach the audit store:\n"
                         << gateway_->logs();

  // The console's own answers, recorded for the OpenAPI check as every integration test's are.
  HttpClient client(gateway_->port());
  const auto index = client.get("/console/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_THAT(index.headers.at("content-security-policy"), HasSubstr("default-src 'self'"));
  EXPECT_EQ(index.headers.at("x-content-type-options"), "nosniff");
  EXPECT_EQ(index.headers.at("cache-control"), "no-cache");
  const auto bare = client.get("/console");
  EXPECT_EQ(bare.status, 301);
  EXPECT_EQ(bare.headers.at("location"), "/console/");
  for (const auto& item : kTokens) {
    const auto session = client.get("/admin/v1/session", item.token);
    ASSERT_EQ(session.status, 200) << session.body;
    EXPECT_EQ(TestJson(session.body).at("/name"), item.name);
    EXPECT_EQ(TestJson(session.body).at("/role"), item.role);
  }
  EXPECT_EQ(client.get("/admin/v1/session", "not-a-token").status, 401);

  const int status = runPlaywright();
  EXPECT_EQ(status, 0) << "Playwright failed (its report is above; screenshots and traces in "
                       << (kBinaryDir / "console-test-results").string() << ")\ngateway log:\n"
                       << gateway_->logs();
}

// With admin_listen the console is where /admin/v1/ is: on the admin listener, not the main one.
TEST_F(ConsoleBrowserTest, WithAnAdminListenerTheConsoleIsServedThereOnly) {
  const auto adminPort = unusedLoopbackPort();
  files_["gateway.yaml"] = gatewayYaml(adminPort);
  gateway_ = std::make_unique<GatewayProcess>(files_);
  const auto onAdmin = HttpClient(adminPort).get("/console/");
  EXPECT_EQ(onAdmin.status, 200);
  EXPECT_THAT(onAdmin.body, HasSubstr("/console/assets/"));
  EXPECT_EQ(HttpClient(adminPort).get("/admin/v1/session", token("TOKEN_DBA")).status, 200);
  EXPECT_EQ(HttpClient(gateway_->port()).get("/console/").status, 404);
}

}  // namespace
}  // namespace oncegate::testing
