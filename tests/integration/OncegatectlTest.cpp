// oncegatectl end to end: the real binary on configurations, databases and audit trails the test
// makes, checking what an operator or a CI job sees: exit statuses, stdout and stderr.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "OncegatectlRun.h"
#include "TestCommands.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kKey = "ctl-test-key-0001";
const std::string kCompany = "91330100MA27XK1234";
const std::string kSecretVariable = "ONCEGATE_CTL_TEST_HASH_KEY";

class OncegatectlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_ = "/tmp/oncegatectl-it-" + randomHex(8) + ".db";
    runSqliteSql(database_,
                 "CREATE TABLE company (credit_code TEXT PRIMARY KEY, name TEXT, phone TEXT, "
                 "tax_no TEXT); INSERT INTO company VALUES ('" +
                     kCompany + "', '杭州云栖科技有限公司', '0571-88880000', 'TX001');");
  }
  static void TearDownTestSuite() { std::remove(database_.c_str()); }

  void TearDown() override {
    for (const auto& directory : directories_) std::filesystem::remove_all(directory);
  }

  // 2 sources, 1 subject, 2 datasets, 5 fields, 1 form, 2 clients, 3 policies; `hash_key` comes
  // from the environment so that validation depends on it.
  static ConfigFiles config() {
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\n"
        "threads: 1\n"
        "audit: { path: audit/trail.jsonl, durability: strict }\n"
        "hash_key: \"${" +
        kSecretVariable +
        "}\"\n"
        "include: [sources.yaml, mappings/*.yaml, access.yaml]\n";
    files["sources.yaml"] =
        "sources:\n"
        "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\", pool: 1 }\n"
        "  - { id: tax, department: 税务局, odbc: \"Driver=PostgreSQL Unicode;Server=127.0.0.1;"
        "Port=1;Database=tax;Uid=reader;PWD=TopSecret-4711\", timeout: 1s }\n";
    files["mappings/org.yaml"] =
        "subjects:\n"
        "  - { id: org, key: credit_code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - id: registry.company\n"
        "    source: registry\n"
        "    subject: org\n"
        "    query: SELECT name, phone, tax_no FROM company WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "  - id: tax.status\n"
        "    source: tax\n"
        "    subject: org\n"
        "    query: SELECT grade FROM status WHERE tax_no = :t\n"
        "    params: { t: field.org.tax_no }\n"
        "fields:\n"
        "  - { id: org.name, dataset: registry.company, column: name }\n"
        "  - { id: org.phone, dataset: registry.company, column: phone }\n"
        "  - { id: org.tax_no, dataset: registry.company, column: tax_no, sharing: none }\n"
        "  - { id: org.tax.grade, dataset: tax.status, column: grade }\n"
        "  - { id: org.public_name, dataset: registry.company, column: name, sharing: "
        "unconditional }\n"
        "forms:\n"
        "  - { id: permit, title: 许可, purpose: permit, subject: org, fields: [org.name] }\n";
    files["access.yaml"] =
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kKey) +
        ", purposes: [permit, statistics] }\n"
        "  - { id: other-app, api_key_sha256: " +
        sha256sum("other-key") +
        ", purposes: [other] }\n"
        "policies:\n"
        "  - id: permit-grant\n"
        "    clients: [permit-app]\n"
        "    purposes: [permit]\n"
        "    allow: [\"org.*\"]\n"
        "    verify_only: [org.phone]\n"
        "    mask: { org.name: show_first_1 }\n"
        "    require_case: true\n"
        "  - id: statistics-grant\n"
        "    clients: [permit-app]\n"
        "    purposes: [statistics]\n"
        "    allow: [org.name]\n"
        "    valid_until: 2030-06-30\n"
        "  - id: other-block\n"
        "    clients: [other-app]\n"
        "    purposes: [other]\n"
        "    deny: [org.public_name]\n";
    return files;
  }

  std::string directory(const ConfigFiles& files) {
    directories_.push_back(GatewayProcess::makeDirectory(files));
    return directories_.back().string();
  }

  static std::map<std::string, std::string> environment() {
    return {{kSecretVariable, randomHex(40)}};
  }

  CtlRun explain(const std::string& client, const std::string& purpose, const std::string& field,
                 const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"explain", directory(config()), "--client", client, "--purpose",
                                  purpose,   "--field",           field};
    args.insert(args.end(), extra.begin(), extra.end());
    return runCtl(args, environment());
  }

  // A fresh control store: a SQLite file in a directory of the test's own.
  std::string newStore() { return (std::filesystem::path(directory({})) / "control.db").string(); }

  // `files` with gateway.yaml naming the store `database` (and `extra` gateway.yaml lines).
  static ConfigFiles withStore(ConfigFiles files, const std::string& database,
                               const std::string& extra = "") {
    files["gateway.yaml"] +=
        "store: \"Driver=SQLite3;Timeout=5000;Database=" + database + "\"\n" + extra;
    return files;
  }

  static std::string database_;
  std::vector<std::filesystem::path> directories_;
};

// The store's version, read with the sqlite3 CLI rather than the code under test.
std::string storeVersion(const std::string& database) {
  return commandOutput("sqlite3 " + database +
                       " \"SELECT value FROM oncegate_meta WHERE name = 'version'\"");
}

// "kind|id|body" of every current document of a store, one a line, by kind and id.
std::string storedDocuments(const std::string& database) {
  return commandOutput("sqlite3 " + database +
                       " \"SELECT kind, id, body FROM oncegate_documents d WHERE deleted = 0 AND "
                       "version = (SELECT MAX(version) FROM oncegate_documents v WHERE v.kind = "
                       "d.kind AND v.id = d.id) ORDER BY kind, id\"");
}

// "author|comment" of each document version a store version created.
std::string changeAuthors(const std::string& database, int version) {
  return commandOutput(
      "sqlite3 " + database +
      " \"SELECT DISTINCT author, comment FROM oncegate_documents WHERE version = " +
      std::to_string(version) + "\"");
}

std::size_t lineCount(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string OncegatectlTest::database_;

const std::vector<std::string> kCommands = {"validate",    "apply",    "export",       "explain",
                                            "test-source", "hash-key", "verify-audit", "audit"};

TEST_F(OncegatectlTest, HelpListsEveryCommandAndEachCommandHasItsOwn) {
  const auto overview = runCtl({"--help"});
  EXPECT_EQ(overview.status, 0);
  for (const auto& command : kCommands) {
    EXPECT_THAT(overview.out, HasSubstr("  " + command + " "));
    const auto help = runCtl({command, "--help"});
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("usage: oncegatectl " + command)) << command;
    EXPECT_THAT(help.err, IsEmpty()) << command;
  }
}

TEST_F(OncegatectlTest, UsageErrorsExitWithTwoAndPrintUsageOnStderr) {
  const auto none = runCtl({});
  EXPECT_EQ(none.status, 2);
  EXPECT_THAT(none.err, HasSubstr("usage: oncegatectl COMMAND"));

  const auto unknown = runCtl({"frobnicate", "config"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(unknown.out, IsEmpty());

  const auto missingDirectory = runCtl({"validate"});
  EXPECT_EQ(missingDirectory.status, 2);
  EXPECT_THAT(missingDirectory.err, HasSubstr("usage: oncegatectl validate DIR"));

  const auto twoDirectories = runCtl({"validate", "a", "b"});
  EXPECT_EQ(twoDirectories.status, 2);

  const auto unknownOption = runCtl({"hash-key", "--length", "12"});
  EXPECT_EQ(unknownOption.status, 2);
  EXPECT_THAT(unknownOption.err, HasSubstr("unknown option --length"));

  const auto noValue = runCtl({"hash-key", "--key"});
  EXPECT_EQ(noValue.status, 2);
  EXPECT_THAT(noValue.err, HasSubstr("--key needs a value"));

  const auto missingField =
      runCtl({"explain", directory(config()), "--client", "permit-app", "--purpose", "permit"},
             environment());
  EXPECT_EQ(missingField.status, 2);
  EXPECT_THAT(missingField.err, HasSubstr("--field is required"));

  const auto badDate = explain("permit-app", "permit", "org.name", {"--at", "2030-02-30"});
  EXPECT_EQ(badDate.status, 2);
  EXPECT_THAT(badDate.err, HasSubstr("--at wants a date YYYY-MM-DD"));
}

TEST_F(OncegatectlTest, ValidateSummarisesAValidConfiguration) {
  const auto run = runCtl({"validate", directory(config())}, environment());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("2 sources, 1 subject, 2 datasets, 5 fields, 1 form, 2 clients, "
                                 "3 policies"));
  EXPECT_THAT(run.err, IsEmpty());
}

TEST_F(OncegatectlTest, ValidateNamesFileAndLineOfADanglingReference) {
  auto files = config();
  // A department adds a field on a dataset nobody declared, on line 3 of its own file.
  files["mappings/lost.yaml"] =
      "# added by the archive bureau\n"
      "fields:\n"
      "  - { id: org.lost, dataset: registry.nowhere, column: name }\n";
  const auto run = runCtl({"validate", directory(files)}, environment());
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("/mappings/lost.yaml:3: field 'org.lost' refers to unknown "
                                 "dataset 'registry.nowhere'"));
  EXPECT_THAT(run.out, IsEmpty());
}

TEST_F(OncegatectlTest, ValidateNamesAnUnsetEnvironmentVariableAndAnUnknownKey) {
  const auto unset = runCtl({"validate", directory(config())});
  EXPECT_EQ(unset.status, 1);
  EXPECT_THAT(unset.err, HasSubstr("gateway.yaml:4: environment variable '" + kSecretVariable +
                                   "' is not set"));

  auto files = config();
  files["sources.yaml"] +=
      "  - { id: extra, department: x, odbc: \"Driver=SQLite3;Database=/tmp/x.db\", "
      "pools: 2 }\n";
  const auto typo = runCtl({"validate", directory(files)}, environment());
  EXPECT_EQ(typo.status, 1);
  EXPECT_THAT(typo.err, HasSubstr("sources.yaml:4:"));
  EXPECT_THAT(typo.err, HasSubstr("pools"));

  const auto missing = runCtl({"validate", "/nonexistent/oncegate-config"}, environment());
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/oncegate-config"));
}

TEST_F(OncegatectlTest, HashKeyMakesDistinctRandomKeysAndPrintsTheirSha256) {
  const std::regex shape("key:    (og_[A-Za-z0-9_-]{43})\nsha256: ([0-9a-f]{64})\n");
  const auto first = runCtl({"hash-key"});
  const auto second = runCtl({"hash-key"});
  ASSERT_EQ(first.status, 0);
  ASSERT_EQ(second.status, 0);
  std::smatch one;
  std::smatch two;
  ASSERT_TRUE(std::regex_match(first.out, one, shape)) << first.out;
  ASSERT_TRUE(std::regex_match(second.out, two, shape)) << second.out;
  EXPECT_NE(one[1].str(), two[1].str());
  EXPECT_EQ(one[2].str(), sha256sum(one[1].str()));
  EXPECT_EQ(two[2].str(), sha256sum(two[1].str()));
}

TEST_F(OncegatectlTest, HashKeyHashesAGivenKeyAsTheGatewayWillCompareIt) {
  const auto run = runCtl({"hash-key", "--key", kKey});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "key:    " + kKey + "\nsha256: " + sha256sum(kKey) + "\n");
}

TEST_F(OncegatectlTest, ExplainShowsAllowWithItsMaskAndPolicy) {
  const auto run = explain("permit-app", "permit", "org.name");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("field:    org.name (sharing class conditional, dataset "
                                 "registry.company)\n"));
  EXPECT_THAT(run.out, HasSubstr("effect:   allow\n"));
  EXPECT_THAT(run.out, HasSubstr("policy:   permit-grant\n"));
  EXPECT_THAT(run.out, HasSubstr("mask:     show_first_1\n"));
  EXPECT_THAT(run.out, HasSubstr("case:     required\n"));

  const auto unmasked = explain("permit-app", "permit", "org.tax.grade");
  EXPECT_THAT(unmasked.out, HasSubstr("effect:   allow\n"));
  EXPECT_THAT(unmasked.out, HasSubstr("mask:     none\n"));
}

TEST_F(OncegatectlTest, ExplainShowsVerifyOnlyDenialsAndTheirReasons) {
  const auto verify = explain("permit-app", "permit", "org.phone");
  EXPECT_EQ(verify.status, 0);
  EXPECT_THAT(verify.out, HasSubstr("effect:   verify_only\n"));

  const auto never = explain("permit-app", "permit", "org.tax_no");
  EXPECT_EQ(never.status, 0);
  EXPECT_THAT(never.out, HasSubstr("sharing class none"));
  EXPECT_THAT(never.out, HasSubstr("effect:   deny\n"));

  const auto denied = explain("other-app", "other", "org.public_name");
  EXPECT_THAT(denied.out, HasSubstr("effect:   deny\n"));
  EXPECT_THAT(denied.out, HasSubstr("policy:   other-block\n"));

  const auto noGrant = explain("other-app", "other", "org.name");
  EXPECT_THAT(noGrant.out, HasSubstr("effect:   deny\n"));
  EXPECT_THAT(noGrant.out, HasSubstr("policy:   (none: default rule)\n"));
  // Sharing class unconditional: allowed without a grant.
  const auto publicName = explain("permit-app", "statistics", "org.public_name");
  EXPECT_THAT(publicName.out, HasSubstr("effect:   allow\n"));

  const auto wrongPurpose = explain("other-app", "permit", "org.name");
  EXPECT_THAT(wrongPurpose.out, HasSubstr("effect:   deny\n"));
  EXPECT_THAT(wrongPurpose.out, HasSubstr("case:     not required\n"));
}

TEST_F(OncegatectlTest, ExplainAtADateAfterValidUntilShowsTheExpiry) {
  const auto inForce = explain("permit-app", "statistics", "org.name", {"--at", "2030-06-30"});
  EXPECT_EQ(inForce.status, 0) << inForce.err;
  EXPECT_THAT(inForce.out, HasSubstr("effect:   allow\n"));
  const auto expired = explain("permit-app", "statistics", "org.name", {"--at", "2030-07-01"});
  EXPECT_EQ(expired.status, 0) << expired.err;
  EXPECT_THAT(expired.out, HasSubstr("effect:   deny\n"));
  EXPECT_THAT(expired.out, HasSubstr("statistics-grant"));
  EXPECT_THAT(expired.out, HasSubstr("2030-06-30"));
}

TEST_F(OncegatectlTest, ExplainRefusesUnknownFieldsAndClients) {
  const auto field = explain("permit-app", "permit", "org.nope");
  EXPECT_EQ(field.status, 1);
  EXPECT_THAT(field.err, HasSubstr("unknown field 'org.nope'"));
  EXPECT_THAT(field.out, IsEmpty());
  const auto client = explain("nobody-app", "permit", "org.name");
  EXPECT_EQ(client.status, 1);
  EXPECT_THAT(client.err, HasSubstr("unknown client 'nobody-app'"));
}

TEST_F(OncegatectlTest, TestSourceTimesATrivialQueryOnSqlite) {
  const auto run = runCtl({"test-source", directory(config()), "registry"}, environment());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("source:     registry\n"));
  EXPECT_THAT(run.out, HasSubstr("connection: Driver=SQLite3;Database=" + database_ + "\n"));
  EXPECT_TRUE(std::regex_search(run.out, std::regex("OK: SELECT 1 answered in [0-9.]+ ms")))
      << run.out;
}

TEST_F(OncegatectlTest, TestSourceReportsAnUnreachableDatabaseWithoutItsPassword) {
  const auto run = runCtl({"test-source", directory(config()), "tax"}, environment());
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("FAILED: source 'tax' cannot be reached"));
  EXPECT_TRUE(std::regex_search(run.err, std::regex("sqlstate: 08[0-9A-Z]{3}\n"))) << run.err;
  EXPECT_THAT(run.err, HasSubstr("driver:"));
  EXPECT_THAT(run.out, HasSubstr("PWD=***"));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr("TopSecret-4711")));
}

TEST_F(OncegatectlTest, TestSourceRefusesAnUnknownSource) {
  const auto run = runCtl({"test-source", directory(config()), "archive"}, environment());
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("unknown source 'archive' (configured: registry, tax)"));
}

TEST_F(OncegatectlTest, VerifyAuditAcceptsTheGatewaysTrailAndFindsATamperedLine) {
  std::string trail;
  {
    auto env = environment();
    GatewayProcess gateway(config(), env);
    HttpClient client(gateway.port());
    const std::string body = R"({"purpose":"permit","case":"C-1","subject":{"type":"org",)"
                             R"("credit_code":")" +
                             kCompany + R"("},"fields":["org.name"]})";
    EXPECT_EQ(client.post("/v1/resolve", body, kKey).status, 200);
    EXPECT_EQ(client.post("/v1/resolve", body, "wrong-key").status, 401);
    EXPECT_EQ(client.post("/v1/resolve", body, kKey).status, 200);
    EXPECT_EQ(client.post("/v1/resolve", body, kKey).status, 200);
    EXPECT_EQ(gateway.stop(), 0);
    trail = readFile(gateway.directory() / "audit" / "trail.jsonl");
  }
  const auto lines = std::count(trail.begin(), trail.end(), '\n');
  ASSERT_EQ(lines, 4) << trail;
  const auto directoryPath = directory({{"intact.jsonl", trail}});

  const auto intact = runCtl({"verify-audit", directoryPath + "/intact.jsonl"});
  EXPECT_EQ(intact.status, 0) << intact.err;
  EXPECT_THAT(intact.out, HasSubstr("chain intact, 4 lines"));

  // An auditor's nightmare: someone edits who asked in line 3.
  std::string tampered = trail;
  const auto third = tampered.find('\n', tampered.find('\n') + 1) + 1;
  const auto client = tampered.find("permit-app", third);
  ASSERT_LT(client, tampered.find('\n', third));
  tampered.replace(client, 10, "statist-ap");
  std::ofstream(directoryPath + "/tampered.jsonl") << tampered;
  const auto broken = runCtl({"verify-audit", directoryPath + "/tampered.jsonl"});
  EXPECT_EQ(broken.status, 1);
  EXPECT_THAT(broken.err, HasSubstr("line 3 of 4"));
  EXPECT_THAT(broken.out, IsEmpty());

  const auto missing = runCtl({"verify-audit", directoryPath + "/missing.jsonl"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read"));
}

// The 16 documents of config(), as apply lists them (by kind, then id).
constexpr std::size_t kConfigDocuments = 16;

TEST_F(OncegatectlTest, ApplyWritesOneVersionAndApplyingAgainChangesNothing) {
  const auto database = newStore();
  auto files = withStore(config(), database);
  const auto env = environment();
  const auto first = runCtl({"apply", directory(files), "--author", "dba-wang"}, env);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr(" as version 1 (16 changes)\n  put clients/other-app\n"
                                   "  put clients/permit-app\n  put datasets/registry.company\n"));
  EXPECT_THAT(first.out, HasSubstr("  put sources/tax\n"));
  EXPECT_EQ(lineCount(first.out), 1 + kConfigDocuments);
  EXPECT_EQ(storeVersion(database), "1\n");
  EXPECT_EQ(lineCount(storedDocuments(database)), kConfigDocuments);
  EXPECT_THAT(changeAuthors(database, 1), HasSubstr("dba-wang|applied from /tmp/"));

  const auto again = runCtl({"apply", directory(files)}, env);
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(again.out, "no change (version 1)\n");
  EXPECT_EQ(storeVersion(database), "1\n");

  // The form goes, a source changes: two changes, one version, by $USER with the comment.
  auto mappings = files["mappings/org.yaml"];
  files["mappings/org.yaml"] = mappings.substr(0, mappings.find("forms:\n"));
  const auto pool = files["sources.yaml"].find("pool: 1");
  ASSERT_NE(pool, std::string::npos);
  files["sources.yaml"].replace(pool, 7, "pool: 3");
  auto userEnv = env;
  userEnv["USER"] = "ops-chen";
  const auto second = runCtl({"apply", directory(files), "--comment", "撤销许可表单"}, userEnv);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr(" as version 2 (2 changes)\n  removed forms/permit\n"
                                    "  put sources/registry\n"));
  EXPECT_EQ(storeVersion(database), "2\n");
  EXPECT_EQ(changeAuthors(database, 2), "ops-chen|撤销许可表单\n");
  const auto documents = storedDocuments(database);
  EXPECT_EQ(lineCount(documents), kConfigDocuments - 1);
  EXPECT_THAT(documents, HasSubstr("\"pool\":3"));
  EXPECT_THAT(documents, Not(HasSubstr("forms|permit")));
}

TEST_F(OncegatectlTest, ApplyOfAnInvalidDirectoryWritesNothing) {
  const auto database = newStore();
  auto files = withStore(config(), database);
  const auto env = environment();
  ASSERT_EQ(runCtl({"apply", directory(files)}, env).status, 0);
  const auto before = storedDocuments(database);

  files["mappings/lost.yaml"] =
      "# added by the archive bureau\n"
      "fields:\n"
      "  - { id: org.lost, dataset: registry.nowhere, column: name }\n";
  const auto invalid = runCtl({"apply", directory(files)}, env);
  EXPECT_EQ(invalid.status, 1);
  EXPECT_THAT(invalid.err, HasSubstr("/mappings/lost.yaml:3: field 'org.lost' refers to unknown "
                                     "dataset 'registry.nowhere'"));
  EXPECT_THAT(invalid.out, IsEmpty());
  EXPECT_EQ(storeVersion(database), "1\n");
  EXPECT_EQ(storedDocuments(database), before);

  const auto noStore = runCtl({"apply", directory(config())}, env);
  EXPECT_EQ(noStore.status, 2);
  EXPECT_THAT(noStore.err, HasSubstr("gateway.yaml has no store: and no --store was given"));

  // --store names the store when gateway.yaml does not.
  const auto other = newStore();
  const auto named =
      runCtl({"apply", directory(config()), "--store", "Driver=SQLite3;Database=" + other}, env);
  EXPECT_EQ(named.status, 0) << named.err;
  EXPECT_EQ(storedDocuments(other), before);
}

TEST_F(OncegatectlTest, ExportWritesYamlThatLoadsAgainToTheSameDocuments) {
  const auto database = newStore();
  auto files = withStore(config(), database);
  // A multi-line query, a string that reads as a number and one that reads as true.
  files["mappings/extra.yaml"] =
      "forms:\n"
      "  - id: 年报\n"
      "    title: \"true\"\n"
      "    description: \"0042\"\n"
      "    purpose: statistics\n"
      "    subject: org\n"
      "    fields: [org.name, org.public_name]\n"
      "datasets:\n"
      "  - id: registry.history\n"
      "    source: registry\n"
      "    subject: org\n"
      "    query: |\n"
      "      SELECT name\n"
      "      FROM company WHERE credit_code = :code\n"
      "    params: { code: subject.credit_code }\n";
  const auto env = environment();
  const auto source = directory(files);
  ASSERT_EQ(runCtl({"apply", source}, env).status, 0);
  const auto documents = storedDocuments(database);
  ASSERT_EQ(lineCount(documents), kConfigDocuments + 2);

  const auto exported = (std::filesystem::path(directory({})) / "exported").string();
  const auto run = runCtl({"export", exported, "--config", source}, env);
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("exported version 1 (18 documents) to " + exported));
  EXPECT_THAT(run.out, HasSubstr("sources.yaml (2) subjects.yaml (1) datasets.yaml (3) "
                                 "fields.yaml (5) forms.yaml (2) clients.yaml (2) "
                                 "policies.yaml (3) gateway.yaml"));
  // Readable: block style, Chinese as written, a query as a block.
  const auto sources = readFile(exported + "/sources.yaml");
  EXPECT_THAT(sources, HasSubstr("sources:\n  - id: registry\n    department: 市场监督管理局\n"));
  const auto forms = readFile(exported + "/forms.yaml");
  EXPECT_THAT(forms, HasSubstr("  - id: 年报\n"));
  EXPECT_THAT(forms, HasSubstr("title: \"true\"\n"));
  EXPECT_THAT(readFile(exported + "/datasets.yaml"),
              HasSubstr("    query: |\n      SELECT name\n      FROM company WHERE credit_code = "
                        ":code\n"));
  // gateway.yaml keeps every other line and lists the exported files.
  const auto gateway = readFile(exported + "/gateway.yaml");
  EXPECT_THAT(gateway, HasSubstr("audit: { path: audit/trail.jsonl, durability: strict }\n"
                                 "hash_key: \"${" +
                                 kSecretVariable +
                                 "}\"\n"
                                 "include: [sources.yaml, subjects.yaml, datasets.yaml, "
                                 "fields.yaml, forms.yaml, clients.yaml, policies.yaml]\n"
                                 "store: \""));

  const auto valid = runCtl({"validate", exported}, env);
  EXPECT_EQ(valid.status, 0) << valid.err;
  EXPECT_THAT(valid.out, HasSubstr("2 sources, 1 subject, 3 datasets, 5 fields, 2 forms"));

  // Loaded into another store, the exported files give the very same documents.
  const auto other = newStore();
  const auto copy = runCtl({"apply", exported, "--store", "Driver=SQLite3;Database=" + other}, env);
  ASSERT_EQ(copy.status, 0) << copy.err;
  EXPECT_EQ(storedDocuments(other), documents);
  EXPECT_THAT(documents, HasSubstr("forms|年报|{\"id\":\"年报\",\"title\":\"true\","
                                   "\"description\":\"0042\""));

  // And applied to the store they came from, they change nothing.
  const auto back = runCtl({"apply", exported}, env);
  EXPECT_EQ(back.status, 0) << back.err;
  EXPECT_EQ(back.out, "no change (version 1)\n");
}

TEST_F(OncegatectlTest, ExportRefusesANonEmptyDirectoryUnlessForced) {
  const auto database = newStore();
  const auto env = environment();
  ASSERT_EQ(runCtl({"apply", directory(withStore(config(), database))}, env).status, 0);
  const auto store = "Driver=SQLite3;Database=" + database;
  const auto target = directory({{"forms.yaml", "forms: []\n"}, {"notes.txt", "keep\n"}});

  const auto refused = runCtl({"export", target, "--store", store});
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("is not empty (give --force to write into it)"));
  EXPECT_EQ(readFile(target + "/forms.yaml"), "forms: []\n");

  const auto forced = runCtl({"export", target, "--store", store, "--force"});
  ASSERT_EQ(forced.status, 0) << forced.err;
  EXPECT_THAT(readFile(target + "/forms.yaml"), HasSubstr("  - id: permit\n"));
  EXPECT_EQ(readFile(target + "/notes.txt"), "keep\n");
  EXPECT_FALSE(std::filesystem::exists(target + "/gateway.yaml"));  // only with --config

  const auto twice = runCtl({"export", target, "--store", store, "--force", "--force"});
  EXPECT_EQ(twice.status, 2);
  EXPECT_THAT(twice.err, HasSubstr("--force is given twice"));

  const auto noStore = runCtl({"export", target + "/x"});
  EXPECT_EQ(noStore.status, 2);
  EXPECT_THAT(noStore.err, HasSubstr("no control store: give --store or --config"));
}

TEST_F(OncegatectlTest, ExportWritesFilesAndDirectoriesForTheOwnerAloneWhateverTheUmask) {
  const auto database = newStore();
  const auto env = environment();
  ASSERT_EQ(runCtl({"apply", directory(withStore(config(), database))}, env).status, 0);
  const auto store = "Driver=SQLite3;Database=" + database;
  const auto parent = std::filesystem::path(directory({})) / "made" / "exported";
  // An existing file from an earlier export, world-readable, is narrowed too.
  const auto target = std::filesystem::path(directory({{"forms.yaml", "forms: []\n"}}));
  std::filesystem::permissions(target / "forms.yaml", std::filesystem::perms::all);
  const auto previous = ::umask(0);  // the child inherits it: 0666 files without the fix
  const auto fresh = runCtl({"export", parent.string(), "--store", store});
  const auto forced = runCtl({"export", target.string(), "--store", store, "--force"});
  ::umask(previous);
  ASSERT_EQ(fresh.status, 0) << fresh.err;
  ASSERT_EQ(forced.status, 0) << forced.err;
  const auto mode = [](const std::filesystem::path& path) {
    return std::filesystem::status(path).permissions() & std::filesystem::perms::all;
  };
  using std::filesystem::perms;
  EXPECT_EQ(mode(parent), perms::owner_all);
  EXPECT_EQ(mode(parent.parent_path()), perms::owner_all);
  int files = 0;
  for (const auto& dir : {parent, target}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      EXPECT_EQ(mode(entry.path()), perms::owner_read | perms::owner_write) << entry.path();
      ++files;
    }
  }
  EXPECT_GE(files, 4);
}

TEST_F(OncegatectlTest, ARunningGatewayServesAFieldAddedByApply) {
  const auto database = newStore();
  auto files = withStore(config(), database, "store_poll: 200ms\n");
  const auto env = environment();
  GatewayProcess gateway(files, env);
  HttpClient client(gateway.port());
  const auto resolveAlias = [&] {
    return client.post("/v1/resolve",
                       R"({"purpose":"permit","case":"C-7","subject":{"type":"org",)"
                       R"("credit_code":")" +
                           kCompany + R"("},"fields":["org.alias"]})",
                       kKey);
  };
  EXPECT_THAT(resolveAlias().body, HasSubstr(R"("org.alias":{"status":"unknown_field"})"));
  EXPECT_EQ(storeVersion(database), "1\n");  // the gateway imported the directory

  files["mappings/alias.yaml"] =
      "fields:\n"
      "  - { id: org.alias, dataset: registry.company, column: name }\n";
  const auto applied = runCtl({"apply", directory(files), "--comment", "别名"}, env);
  ASSERT_EQ(applied.status, 0) << applied.err;
  EXPECT_THAT(applied.out, HasSubstr(" as version 2 (1 change)\n  put fields/org.alias\n"));

  HttpResult served;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    served = resolveAlias();
    if (served.body.find("unknown_field") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(served.status, 200) << served.body;
  EXPECT_THAT(served.body, HasSubstr("杭州云栖科技有限公司"));
}

}  // namespace
}  // namespace oncegate::testing
