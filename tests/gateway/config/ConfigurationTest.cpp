#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/Digest.h"
#include "common/Error.h"
#include "gateway/config/Configuration.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr const char* kGatewayHead = "hash_key: 0123456789abcdef0123456789abcdef\n";

// A configuration directory of its own under the system temp directory, removed afterwards.
class ConfigDirectory {
 public:
  ConfigDirectory() {
    std::string pattern = (fs::temp_directory_path() / "oncegate-config-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ConfigDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ConfigDirectory(const ConfigDirectory&) = delete;
  ConfigDirectory& operator=(const ConfigDirectory&) = delete;

  // Writes `text` to `relative` (creating directories); returns the full path.
  fs::path write(const std::string& relative, const std::string& text) const {
    const auto file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The InvalidConfig message loading `directory` gives.
std::string rejection(const ConfigDirectory& directory) {
  try {
    loadConfiguration(directory.path());
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  ADD_FAILURE() << "accepted " << directory.path();
  return {};
}

std::string source(const std::string& id, const std::string& database) {
  return "  - id: " + id + "\n    department: " + id +
         " bureau\n    odbc: \"Driver=SQLite3;Database=" + database + "\"\n";
}

std::vector<std::string> sourceIds(const Configuration& config) {
  std::vector<std::string> ids;
  for (const auto& item : config.sources) ids.push_back(item.id);
  return ids;
}

TEST(ConfigurationTest, IncludesGlobsInNameOrder) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [sources/*.yaml, extra.yaml]\n");
  dir.write("sources/b.yaml", "sources:\n" + source("bravo", "/data/b.db"));
  dir.write("sources/a.yaml", "sources:\n" + source("alpha", "/data/a.db"));
  dir.write("sources/c.yaml", "sources:\n" + source("charlie", "/data/c.db"));
  // Neither a hidden file nor another extension matches `*.yaml`.
  dir.write("sources/.hidden.yaml", "not: [valid");
  dir.write("sources/notes.txt", "sources: 42\n");
  dir.write("extra.yaml", "sources:\n" + source("delta", "/data/d.db"));

  const auto config = loadConfiguration(dir.path());
  EXPECT_EQ(sourceIds(config), (std::vector<std::string>{"alpha", "bravo", "charlie", "delta"}));
  EXPECT_EQ(config.sources[0].odbc, "Driver=SQLite3;Database=/data/a.db");
  EXPECT_EQ(config.gateway.baseDir, dir.path());
}

TEST(ConfigurationTest, AFileNamedTwiceIsLoadedOnce) {
  ConfigDirectory dir;
  dir.write("gateway.yaml",
            std::string(kGatewayHead) + "include: [sources/*.yaml, sources/a.yaml]\n");
  dir.write("sources/a.yaml", "sources:\n" + source("alpha", "/data/a.db"));
  EXPECT_EQ(sourceIds(loadConfiguration(dir.path())), (std::vector<std::string>{"alpha"}));
}

TEST(ConfigurationTest, AGlobMatchingNothingIsNotAnError) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [forms/*.yaml]\n");
  EXPECT_TRUE(loadConfiguration(dir.path()).sources.empty());
}

TEST(ConfigurationTest, RejectsAMissingInclude) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [sources/missing.yaml]\n");
  const auto message = rejection(dir);
  EXPECT_THAT(message, HasSubstr("sources/missing.yaml"));
  EXPECT_THAT(message, HasSubstr("does not exist"));
}

TEST(ConfigurationTest, RejectsAnIncludeThatLeavesTheDirectoryByDotDot) {
  ConfigDirectory dir;
  ConfigDirectory elsewhere;
  elsewhere.write("secret.yaml", "sources:\n" + source("alpha", "/data/a.db"));
  const auto escape = "../" + elsewhere.path().filename().string() + "/secret.yaml";
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [\"" + escape + "\"]\n");
  const auto message = rejection(dir);
  EXPECT_THAT(message, HasSubstr("include: '" + escape + "'"));
  EXPECT_THAT(message, HasSubstr("outside the configuration directory"));
  // A glob that climbs out is refused the same way, and so is an absolute path.
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [\"../" +
                                elsewhere.path().filename().string() + "/*.yaml\"]\n");
  EXPECT_THAT(rejection(dir), HasSubstr("outside the configuration directory"));
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [\"" +
                                (elsewhere.path() / "secret.yaml").string() + "\"]\n");
  EXPECT_THAT(rejection(dir), HasSubstr("outside the configuration directory"));
}

TEST(ConfigurationTest, RejectsAnIncludeThatLeavesTheDirectoryByASymlink) {
  ConfigDirectory dir;
  ConfigDirectory elsewhere;
  const auto outside = elsewhere.write("secret.yaml", "sources:\n" + source("alpha", "/data/a.db"));
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [sources/*.yaml]\n");
  dir.write("sources/b.yaml", "sources:\n" + source("bravo", "/data/b.db"));
  fs::create_symlink(outside, dir.path() / "sources" / "a.yaml");
  EXPECT_THAT(rejection(dir), HasSubstr("outside the configuration directory"));
  // A linked directory is followed too.
  fs::remove(dir.path() / "sources" / "a.yaml");
  fs::create_directory_symlink(elsewhere.path(), dir.path() / "linked");
  dir.write("gateway.yaml",
            std::string(kGatewayHead) + "include: [sources/*.yaml, linked/*.yaml]\n");
  EXPECT_THAT(rejection(dir), HasSubstr("outside the configuration directory"));
}

TEST(ConfigurationTest, AcceptsASymlinkThatStaysInsideTheDirectory) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [sources/*.yaml]\n");
  const auto real = dir.write("shared/a.yaml", "sources:\n" + source("alpha", "/data/a.db"));
  fs::create_directories(dir.path() / "sources");
  fs::create_symlink(real, dir.path() / "sources" / "a.yaml");
  EXPECT_EQ(sourceIds(loadConfiguration(dir.path())), (std::vector<std::string>{"alpha"}));
}

TEST(ConfigurationTest, RejectsAMissingGatewayFile) {
  ConfigDirectory dir;
  EXPECT_THAT(rejection(dir), HasSubstr("gateway.yaml"));
}

TEST(ConfigurationTest, RejectsAnUnknownTopLevelKey) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [a.yaml]\n");
  const auto file = dir.write("a.yaml", "sources:\n" + source("alpha", "/data/a.db") +
                                            "# the reader meant `subjects:`\n"
                                            "subject: [{ id: person }]\n");
  const auto message = rejection(dir);
  EXPECT_THAT(message, HasSubstr(file.string() + ":6"));
  EXPECT_THAT(message, HasSubstr("unknown top-level key 'subject'"));
}

TEST(ConfigurationTest, RejectsADuplicateSourceIdAcrossFiles) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [sources/*.yaml]\n");
  dir.write("sources/a.yaml", "sources:\n" + source("hr", "/data/a.db"));
  const auto second = dir.write(
      "sources/b.yaml", "sources:\n" + source("tax", "/data/t.db") + source("hr", "/data/b.db"));
  const auto message = rejection(dir);
  EXPECT_THAT(message, HasSubstr(second.string() + ":5"));
  EXPECT_THAT(message, HasSubstr("duplicate source id 'hr'"));
}

constexpr const char* kSubjects =
    "subjects:\n  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n";

TEST(ConfigurationTest, RejectsAFieldOnAnUnknownDataset) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [s.yaml, m.yaml]\n");
  dir.write("s.yaml", "sources:\n" + source("hr", "/data/hr.db"));
  const auto mappings =
      dir.write("m.yaml", std::string(kSubjects) +
                              "datasets:\n"
                              "  - id: hr.employee\n"
                              "    source: hr\n"
                              "    subject: person\n"
                              "    query: SELECT name FROM e WHERE id = :id_card\n"
                              "    params: { id_card: subject.id_card }\n"
                              "fields:\n"
                              "  - { id: person.name, dataset: hr.employee, column: name }\n"
                              "  - { id: person.age, dataset: hr.employe, column: age }\n");
  const auto message = rejection(dir);
  EXPECT_THAT(message, HasSubstr(mappings.string() + ":11"));
  EXPECT_THAT(message, HasSubstr("unknown dataset 'hr.employe'"));
}

TEST(ConfigurationTest, RejectsADatasetOnAnUnknownSource) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [s.yaml, m.yaml]\n");
  dir.write("s.yaml", "sources:\n" + source("hr", "/data/hr.db"));
  const auto mappings = dir.write("m.yaml", std::string(kSubjects) +
                                                "datasets:\n"
                                                "  - id: tax.income\n"
                                                "    source: tax\n"
                                                "    subject: person\n"
                                                "    query: SELECT a FROM i WHERE id = :id_card\n"
                                                "    params: { id_card: subject.id_card }\n");
  const auto message = rejection(dir);
  EXPECT_THAT(message, HasSubstr(mappings.string() + ":4"));
  EXPECT_THAT(message, HasSubstr("unknown source 'tax'"));
}

// A dataset is read with its source's SQL dialect, known from the driver its connection string
// names, wherever the source is declared (here in a file included after the dataset's).
TEST(ConfigurationTest, ReadsADatasetWithItsSourcesDialect) {
  const std::string datasets = std::string(kSubjects) + R"(datasets:
  - id: d
    source: hr
    subject: person
    query: |
      SELECT `name:cn` FROM t # :old
      WHERE k = :id_card AND n <> 'it\'s :x'
    params: { id_card: subject.id_card }
)";
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [m.yaml, s.yaml]\n");
  dir.write("m.yaml", datasets);
  dir.write(
      "s.yaml",
      "sources:\n  - { id: hr, department: hr, odbc: \"Driver=MariaDB Unicode;Server=db\" }\n");
  const auto config = loadConfiguration(dir.path());
  const auto* dataset = config.mappings.dataset("d");
  ASSERT_NE(dataset, nullptr);
  EXPECT_EQ(dataset->sql(), "SELECT `name:cn` FROM t # :old\nWHERE k = ? AND n <> 'it\\'s :x'\n");
  EXPECT_EQ(dataset->params().size(), 1u);

  // The same query on a SQLite source is standard SQL: its string ends at \' and another opens.
  ConfigDirectory sqlite;
  sqlite.write("gateway.yaml", std::string(kGatewayHead) + "include: [m.yaml, s.yaml]\n");
  sqlite.write("m.yaml", datasets);
  sqlite.write("s.yaml", "sources:\n" + source("hr", "/data/hr.db"));
  EXPECT_THAT(rejection(sqlite), HasSubstr("unterminated string literal"));
}

TEST(ConfigurationTest, RejectsAChainedDatasetCycle) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "include: [s.yaml, m/*.yaml]\n");
  dir.write("s.yaml", "sources:\n" + source("fund", "/data/fund.db"));
  const auto first =
      dir.write("m/a.yaml", std::string(kSubjects) +
                                "datasets:\n"
                                "  - id: fund.a\n"
                                "    source: fund\n"
                                "    subject: person\n"
                                "    query: SELECT x FROM a WHERE y = :y\n"
                                "    params: { y: field.fund.b_value }\n"
                                "fields:\n"
                                "  - { id: fund.a_value, dataset: fund.a, column: x }\n");
  const auto second = dir.write("m/b.yaml",
                                "datasets:\n"
                                "  - id: fund.b\n"
                                "    source: fund\n"
                                "    subject: person\n"
                                "    query: SELECT x FROM b WHERE y = :y\n"
                                "    params: { y: field.fund.a_value }\n"
                                "fields:\n"
                                "  - { id: fund.b_value, dataset: fund.b, column: x }\n");
  const auto message = rejection(dir);
  EXPECT_THAT(message, HasSubstr("cycle"));
  EXPECT_THAT(message, HasSubstr("fund.a"));
  EXPECT_THAT(message, HasSubstr("fund.b"));
  // The cycle is reported at one of its datasets, with its file and line.
  const bool named = message.find(first.string() + ":4") != std::string::npos ||
                     message.find(second.string() + ":2") != std::string::npos;
  EXPECT_TRUE(named) << message;
}

TEST(ConfigurationTest, LoadsAValidConfiguration) {
  setenv("ONCEGATE_TEST_DATA", "/srv/demo", 1);
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) +
                                "listen: 127.0.0.1:18080\n"
                                "include: [sources/*.yaml, mappings/*.yaml, access.yaml]\n");
  dir.write("sources/hr.yaml",
            "sources:\n"
            "  - id: hr\n"
            "    department: HR bureau\n"
            "    odbc: \"Driver=SQLite3;Database=${ONCEGATE_TEST_DATA}/hr.db\"\n"
            "    pool: 2\n"
            "    timeout: 1s\n");
  dir.write("sources/fund.yaml", "sources:\n" + source("fund", "/srv/demo/fund.db"));
  dir.write("mappings/person.yaml",
            std::string(kSubjects) +
                "datasets:\n"
                "  - id: hr.employee\n"
                "    source: hr\n"
                "    subject: person\n"
                "    query: SELECT name, acct FROM e WHERE id = :id_card\n"
                "    params: { id_card: subject.id_card }\n"
                "fields:\n"
                "  - { id: person.name, dataset: hr.employee, column: name }\n"
                "  - { id: person.acct, dataset: hr.employee, column: acct, sharing: none }\n");
  dir.write("mappings/zfund.yaml",
            "datasets:\n"
            "  - id: fund.account\n"
            "    source: fund\n"
            "    subject: person\n"
            "    query: SELECT balance FROM a WHERE no = :acct\n"
            "    params: { acct: field.person.acct }\n"
            "fields:\n"
            "  - { id: fund.balance, dataset: fund.account, column: balance, type: decimal }\n");
  dir.write("access.yaml",
            "clients:\n"
            "  - id: retirement-app\n"
            "    api_key_sha256: \"" +
                sha256Hex("a-test-key") +
                "\"\n"
                "    purposes: [retirement]\n"
                "policies:\n"
                "  - id: retirement-personnel\n"
                "    clients: [retirement-app]\n"
                "    purposes: [retirement]\n"
                "    allow: [\"person.*\", \"fund.*\"]\n");

  const auto config = loadConfiguration(dir.path());
  EXPECT_EQ(config.gateway.http.port, 18080);
  ASSERT_EQ(sourceIds(config), (std::vector<std::string>{"fund", "hr"}));
  EXPECT_EQ(config.sources[1].odbc, "Driver=SQLite3;Database=/srv/demo/hr.db");
  EXPECT_EQ(config.sources[1].pool, 2);
  EXPECT_EQ(config.sources[1].timeout, std::chrono::seconds(1));
  EXPECT_EQ(config.mappings.datasets().size(), 2U);
  ASSERT_NE(config.mappings.field("fund.balance"), nullptr);
  EXPECT_EQ(config.mappings.field("fund.balance")->type(), ValueKind::Decimal);
  EXPECT_EQ(config.mappings.stageOf(*config.mappings.dataset("fund.account")), 1);
  EXPECT_EQ(config.mappings.fields().size(), 3U);
  ASSERT_NE(config.clients.authenticate("a-test-key"), nullptr);
  EXPECT_EQ(config.clients.authenticate("a-test-key")->id, "retirement-app");
  EXPECT_EQ(config.clients.authenticate("another-key"), nullptr);
  ASSERT_NE(config.policies.find("retirement-personnel"), nullptr);
  EXPECT_EQ(config.policies.policies().size(), 1U);
}

TEST(ConfigurationTest, ListenOverrideReachesTheGatewaySettings) {
  ConfigDirectory dir;
  dir.write("gateway.yaml", std::string(kGatewayHead) + "listen: 127.0.0.1:18080\n");
  EXPECT_EQ(loadConfiguration(dir.path(), "127.0.0.1:19090").gateway.http.port, 19090);
}

}  // namespace
}  // namespace oncegate

namespace oncegate {
namespace {

// What the admin plane will do: documents as JSON bodies, one replaced, the whole rebuilt.
std::vector<ConfigDocument> jsonDocuments() {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"sources",
       R"({"id":"tax","department":"税务局","odbc":"Driver=SQLite3;Database=/tmp/x.db"})"},
      {"subjects", R"({"id":"org","key":"code","pattern":"^[0-9A-Z]{18}$"})"},
      {"datasets",
       R"({"id":"tax.status","source":"tax","subject":"org",
           "query":"SELECT grade FROM status WHERE code = :c","params":{"c":"subject.code"}})"},
      {"fields", R"({"id":"org.grade","dataset":"tax.status","column":"grade"})"},
  };
  std::vector<ConfigDocument> documents;
  for (const auto& [kind, body] : bodies) {
    auto node = ConfigNode::parse(body, "admin body");
    documents.push_back(ConfigDocument{kind, node.at("id").asString(), node});
  }
  return documents;
}

GatewayConfig minimalGateway() {
  return parseGatewayConfig(
      ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\n", "gateway.yaml"), "/tmp",
      std::nullopt);
}

// A source sent through the admin API with `odbc` as given.
ConfigDocument adminSource(const std::string& odbc) {
  auto node = ConfigNode::parse(R"({"id":"tax","department":"税务局","odbc":")" + odbc + R"("})",
                                "request body");
  return ConfigDocument{"sources", "tax", node};
}

TEST(ConfigurationTest, AnAdminDocumentResolvesOnlyTheReferencesBoundToItsSource) {
  ::setenv("ONCEGATE_TEST_TAX_PWD", "tax-secret", 1);
  ::setenv("ONCEGATE_TEST_OTHER_SECRET", "other-secret", 1);
  const auto gateway =
      parseGatewayConfig(ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\n"
                                           "admin: { secrets: { tax: [ONCEGATE_TEST_TAX_PWD] } }\n",
                                           "gateway.yaml"),
                         "/tmp", std::nullopt);
  const auto bound =
      buildConfiguration(gateway, {adminSource("Database=/tmp/x.db;PWD=${ONCEGATE_TEST_TAX_PWD}")});
  EXPECT_EQ(bound.sources.at(0).odbc, "Database=/tmp/x.db;PWD=tax-secret");
  EXPECT_EQ(bound.sources.at(0).odbcAsWritten, "Database=/tmp/x.db;PWD=${ONCEGATE_TEST_TAX_PWD}");
  try {
    buildConfiguration(gateway, {adminSource("Database=${ONCEGATE_TEST_OTHER_SECRET}")});
    ADD_FAILURE() << "an unbound reference was expanded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_THAT(e.message(), HasSubstr("is not bound to source 'tax'"));
    EXPECT_THAT(e.message(), ::testing::Not(HasSubstr("other-secret")));
  }
  // The same body from the operator's files resolves every reference.
  auto fromFiles = adminSource("Database=${ONCEGATE_TEST_OTHER_SECRET}");
  fromFiles.operatorFile = true;
  EXPECT_EQ(buildConfiguration(gateway, {fromFiles}).sources.at(0).odbc, "Database=other-secret");
}

TEST(ConfigurationTest, BuildsFromDocumentsAndKeepsThem) {
  const auto config = buildConfiguration(minimalGateway(), jsonDocuments());
  ASSERT_EQ(config.documents.size(), 4U);
  EXPECT_EQ(config.documents[2].kind, "datasets");
  EXPECT_EQ(config.documents[2].id, "tax.status");
  ASSERT_NE(config.mappings.field("org.grade"), nullptr);
  EXPECT_EQ(config.sources.at(0).department, "税务局");
}

TEST(ConfigurationTest, AChangedDocumentIsValidatedWithTheWhole) {
  auto documents = jsonDocuments();
  documents[3].body = ConfigNode::parse(
      R"({"id":"org.grade","dataset":"tax.gone","column":"grade"})", "admin body");
  try {
    buildConfiguration(minimalGateway(), documents);
    ADD_FAILURE() << "a field on a dataset that does not exist was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_THAT(e.message(), HasSubstr("admin body:1"));
    EXPECT_THAT(e.message(), HasSubstr("unknown dataset 'tax.gone'"));
  }
}

TEST(ConfigurationTest, RejectsAClientCertificateHashWithoutAClientCa) {
  auto documents = jsonDocuments();
  auto node = ConfigNode::parse(
      R"({"id":"portal","cert_sha256":")" + sha256Hex("cert") + R"(","purposes":["p"]})",
      "clients/portal.yaml");
  documents.push_back(ConfigDocument{"clients", "portal", node});
  try {
    buildConfiguration(minimalGateway(), documents);
    ADD_FAILURE() << "a client certificate hash without tls.client_ca was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_THAT(e.message(), HasSubstr("clients/portal.yaml:1"));
    EXPECT_THAT(e.message(), HasSubstr("has cert_sha256 but gateway.yaml has no tls.client_ca"));
  }
}

TEST(ConfigurationTest, AClientThatMayListAccessesNeedsTheCentralAuditRecord) {
  auto documents = jsonDocuments();
  auto node = ConfigNode::parse(R"({"id":"portal","api_key_sha256":")" + sha256Hex("portal-key") +
                                    R"(","purposes":["p"],"can_list_accesses":true})",
                                "clients/portal.yaml");
  documents.push_back(ConfigDocument{"clients", "portal", node});
  try {
    buildConfiguration(minimalGateway(), documents);
    ADD_FAILURE() << "can_list_accesses without audit.store was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_THAT(e.message(), HasSubstr("clients/portal.yaml:1"));
    EXPECT_THAT(e.message(), HasSubstr("has can_list_accesses: true but gateway.yaml has no "
                                       "audit.store"));
  }
  auto gateway = minimalGateway();
  gateway.audit.store = "Driver=SQLite3;Database=/tmp/unused-audit.db";
  const auto config = buildConfiguration(gateway, documents);
  EXPECT_TRUE(config.clients.find("portal")->canListAccesses);
}

TEST(ConfigurationTest, RejectsAnUnknownDocumentKind) {
  auto documents = jsonDocuments();
  documents[0].kind = "tables";
  EXPECT_THROW(buildConfiguration(minimalGateway(), documents), Error);
}

// jsonDocuments() with a client and a policy that hashes the grade.
std::vector<ConfigDocument> documentsWithAHashMask() {
  auto documents = jsonDocuments();
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"clients",
       R"({"id":"app","api_key_sha256":")" + sha256Hex("k") + R"(","purposes":["audit"]})"},
      {"policies", R"({"id":"hashed","clients":["app"],"purposes":["audit"],
                      "allow":["org.*"],"mask":{"org.grade":"hash"}})"},
  };
  for (const auto& [kind, body] : bodies) {
    auto node = ConfigNode::parse(body, "admin body");
    documents.push_back(ConfigDocument{kind, node.at("id").asString(), node});
  }
  return documents;
}

TEST(ConfigurationTest, RejectsTheHashMaskWithoutAMaskKey) {
  try {
    buildConfiguration(minimalGateway(), documentsWithAHashMask());
    ADD_FAILURE() << "a hash mask without mask_key was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_THAT(e.message(), HasSubstr("admin body:1"));
    EXPECT_THAT(e.message(), HasSubstr("policy 'hashed' uses the hash mask, which needs mask_key"));
  }
}

TEST(ConfigurationTest, AcceptsTheHashMaskWithAMaskKey) {
  const auto gateway =
      parseGatewayConfig(ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\n"
                                           "mask_key: another-secret-for-the-hash-mask-only\n",
                                           "gateway.yaml"),
                         "/tmp", std::nullopt);
  const auto config = buildConfiguration(gateway, documentsWithAHashMask());
  EXPECT_NE(config.policies.find("hashed"), nullptr);
}

}  // namespace
}  // namespace oncegate
