// MariaDB as a department's source, through its own ODBC driver (Connector/ODBC, "MariaDB
// Unicode") and the real gateway: a dataset per column type, answered typed as the fields say; a
// query written in MariaDB's own lexical rules (backtick identifiers, # comments, backslash
// escapes in strings), whose `:name`s inside those are left alone; a subject without a row
// (not_found) and a MariaDB that cannot be reached or refuses the login (unavailable).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"
#include "UnusedPort.h"

namespace oncegate::testing {
namespace {

const std::string kClientKey = "mariadb-it-client-key";
const std::string kPerson = "110101198503070011";
const std::string kNobody = "110101199001010022";

// One dataset per MariaDB column type: column, field type, and the answer's value as raw JSON.
struct TypedColumn {
  std::string column;
  std::string fieldType;
  std::string expected;
  std::string status = "ok";
};

const std::vector<TypedColumn>& typedColumns() {
  static const std::vector<TypedColumn> columns = {
      {"age", "int", "39"},
      {"household_no", "int", "9007199254740993"},  // past a double's exact integers
      {"salary", "decimal", R"("12345.67")"},
      {"score", "decimal", R"("3.25")"},
      {"name_cn", "string", R"("张三丰")"},
      {"resume", "string", R"("武当山道士，太极拳创始人。\\ 与 '引号' 都原样返回")"},
      {"birth_date", "date", R"("1985-03-07")"},
      {"registered_at", "datetime", R"("2024-01-02T03:04:05")"},
      {"active", "bool", "true"},
      {"retired", "bool", "false"},
      // A NULL is no value: design.md's not_found ("no row or NULL").
      {"spouse", "string", "<missing>", "not_found"},
  };
  return columns;
}

// Each field's value as raw JSON text, so that 39 and "39" differ.
std::string rawValue(const TestJson& answer, const std::string& field) {
  simdjson::dom::element element;
  if (answer.root().at_pointer("/fields/" + field + "/value").get(element)) return "<missing>";
  return simdjson::minify(element);
}

class MariadbSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The table name holds a space and one column a colon: both need backticks.
    runMariadbSql(R"(
DROP TABLE IF EXISTS `it mariadb person`;
CREATE TABLE `it mariadb person` (
  id_card CHAR(18) PRIMARY KEY,
  `name:cn` VARCHAR(50) NOT NULL,
  age INT,
  household_no BIGINT,
  salary DECIMAL(12,2),
  score DOUBLE,
  resume TEXT,
  birth_date DATE,
  registered_at DATETIME,
  active BOOLEAN,
  retired TINYINT(1),
  spouse VARCHAR(50) NULL,
  motto VARCHAR(50)
) DEFAULT CHARSET = utf8mb4;
INSERT INTO `it mariadb person` VALUES ('110101198503070011', '张三丰', 39, 9007199254740993,
  12345.67, 3.25, '武当山道士，太极拳创始人。\\ 与 \'引号\' 都原样返回', '1985-03-07',
  '2024-01-02 03:04:05', TRUE, 0, NULL, 'it\'s :x');
)");
  }

  static std::string configuration(const std::string& unreachableOdbc,
                                   const std::string& refusedOdbc) {
    std::string datasets;
    std::string fields;
    for (const auto& typed : typedColumns()) {
      const std::string source = typed.column == "name_cn" ? "`name:cn`" : typed.column;
      datasets += "  - id: mdb." + typed.column +
                  "\n    source: mdb\n    subject: person\n"
                  "    query: SELECT " +
                  source + " AS " + typed.column +
                  " FROM `it mariadb person` WHERE id_card = :id_card\n"
                  "    params: { id_card: subject.id_card }\n";
      fields += "  - { id: person." + typed.column + ", dataset: mdb." + typed.column +
                ", column: " + typed.column + ", type: " + typed.fieldType +
                (typed.fieldType == "decimal" ? ", scale: 2" : "") + " }\n";
    }
    // MariaDB's own lexical rules in one query: a `:x` in backticks, in a # comment, in a "-- "
    // comment, in a /* */ comment and in strings with backslash escapes is no placeholder.
    datasets += R"(  - id: mdb.lexical
    source: mdb
    subject: person
    query: |
      SELECT `name:cn` AS `who:am:i`, 'it\'s :x' AS quoted, "say \":y\"" AS double_quoted
      FROM `it mariadb person` # matched on :id_card below, not here
      WHERE id_card = :id_card -- :z is a comment too
        /* and :w */ AND motto = 'it\'s :x' AND `name:cn` <> 'c:\\'
    params: { id_card: subject.id_card }
  - id: mdb.down
    source: mdb_down
    subject: person
    query: SELECT `name:cn` FROM `it mariadb person` WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: mdb.refused
    source: mdb_refused
    subject: person
    query: SELECT `name:cn` FROM `it mariadb person` WHERE id_card = :id_card
    params: { id_card: subject.id_card }
)";
    fields +=
        "  - { id: person.who, dataset: mdb.lexical, column: \"who:am:i\" }\n"
        "  - { id: person.quoted, dataset: mdb.lexical, column: quoted }\n"
        "  - { id: person.double_quoted, dataset: mdb.lexical, column: double_quoted }\n"
        "  - { id: person.down, dataset: mdb.down, column: \"name:cn\" }\n"
        "  - { id: person.refused, dataset: mdb.refused, column: \"name:cn\" }\n";
    return "sources:\n"
           "  - { id: mdb, department: 民政局, odbc: \"" +
           mariadbOdbc() +
           "\", pool: 2 }\n"
           "  - { id: mdb_down, department: 民政局, odbc: \"" +
           unreachableOdbc +
           "\", pool: 1, timeout: 2s }\n"
           "  - { id: mdb_refused, department: 民政局, odbc: \"" +
           refusedOdbc +
           "\", pool: 1, timeout: 2s }\n"
           "subjects:\n"
           "  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
           "datasets:\n" +
           datasets + "fields:\n" + fields +
           "clients:\n"
           "  - { id: civil-app, api_key_sha256: " +
           sha256sum(kClientKey) +
           ", purposes: [marriage] }\n"
           "policies:\n"
           "  - { id: grant, clients: [civil-app], purposes: [marriage], allow: [\"person.*\"] }\n";
  }

  // MariaDB's own connection string with `from` replaced by `to`.
  static std::string odbcWith(const std::string& from, const std::string& to) {
    std::string connection = mariadbOdbc();
    const auto at = connection.find(from);
    EXPECT_NE(at, std::string::npos) << connection;
    if (at != std::string::npos) connection.replace(at, from.size(), to);
    return connection;
  }

  void SetUp() override {
    // A port nothing listens on; a server that refuses the login (the throwaway server checks no
    // passwords, so an unknown database is what it refuses).
    const auto unreachable =
        odbcWith("Port=" + mariadbPort(), "Port=" + std::to_string(unusedLoopbackPort()));
    const auto refused = odbcWith("Database=oncegate_test", "Database=oncegate_no_such_db");

    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl }\nhash_key: " +
        randomHex(40) + "\ninclude: [all.yaml]\n";
    files["all.yaml"] = configuration(unreachable, refused);
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  TestJson resolve(const std::string& idCard, const std::vector<std::string>& fieldIds) {
    std::string fieldList;
    for (const auto& id : fieldIds) fieldList += (fieldList.empty() ? "\"" : ",\"") + id + "\"";
    const auto response =
        client_->post("/v1/resolve",
                      R"({"purpose":"marriage","subject":{"type":"person","id_card":")" + idCard +
                          R"("},"fields":[)" + fieldList + "]}",
                      kClientKey);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body);
  }

  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(MariadbSourceTest, EachColumnTypeIsAnsweredAsItsFieldTypeSays) {
  std::vector<std::string> ids;
  for (const auto& typed : typedColumns()) ids.push_back("person." + typed.column);
  const auto answer = resolve(kPerson, ids);
  for (const auto& typed : typedColumns()) {
    const auto field = "person." + typed.column;
    EXPECT_EQ(answer.at("/fields/" + field + "/status"), typed.status) << field;
    EXPECT_EQ(rawValue(answer, field), typed.expected) << field;
    if (typed.status == "ok") {
      EXPECT_EQ(answer.at("/fields/" + field + "/source"), "mdb") << field;
    }
  }
}

TEST_F(MariadbSourceTest, BackticksHashCommentsAndBackslashEscapesAreMariadbs) {
  const auto answer = resolve(kPerson, {"person.who", "person.quoted", "person.double_quoted"});
  EXPECT_EQ(answer.at("/fields/person.who/status"), "ok") << answer.at("");
  EXPECT_EQ(rawValue(answer, "person.who"), R"("张三丰")");
  // The literals reached MariaDB whole: no `?` was put inside them.
  EXPECT_EQ(rawValue(answer, "person.quoted"), R"("it's :x")");
  EXPECT_EQ(rawValue(answer, "person.double_quoted"), R"("say \":y\"")");
}

TEST_F(MariadbSourceTest, ASubjectWithoutARowIsNotFound) {
  const auto answer = resolve(kNobody, {"person.name_cn", "person.who"});
  EXPECT_EQ(answer.at("/fields/person.name_cn/status"), "not_found");
  EXPECT_EQ(answer.at("/fields/person.who/status"), "not_found");
}

TEST_F(MariadbSourceTest, AnUnreachableOrRefusingMariadbIsUnavailableAndSparesTheOthers) {
  const auto answer = resolve(kPerson, {"person.down", "person.refused", "person.age"});
  EXPECT_EQ(answer.at("/fields/person.down/status"), "unavailable");
  EXPECT_EQ(answer.at("/fields/person.refused/status"), "unavailable");
  EXPECT_EQ(answer.at("/fields/person.age/status"), "ok");
  EXPECT_EQ(rawValue(answer, "person.age"), "39");
  EXPECT_EQ(gateway_->stop(), 0);
  // The subject is named in no log line.
  EXPECT_EQ(gateway_->logs().find(kPerson), std::string::npos);
}

}  // namespace
}  // namespace oncegate::testing
