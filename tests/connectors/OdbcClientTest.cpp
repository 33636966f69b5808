#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/Error.h"
#include "connectors/odbc/OdbcClient.h"

namespace oncegate::odbc {
namespace {

// SQLite through its ODBC driver: embedded, so these run as unit tests.
class OdbcClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-odbc-client-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
    connection_ = "Driver=SQLite3;Database=" + (directory_ / "client.db").string();
  }

  void TearDown() override { std::filesystem::remove_all(directory_); }

  static void createPeople(OdbcClient& client) {
    client.execute(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, salary NUMERIC(10,2), "
        "birth_date DATE, note TEXT)");
  }

  static std::int64_t count(OdbcClient& client) {
    const auto rows = client.query("SELECT COUNT(*) AS n FROM people");
    EXPECT_EQ(rows.size(), 1u);
    return rows.empty() ? -1 : rows[0].values.at(0).asInt();
  }

  std::filesystem::path directory_;
  std::string connection_;
};

TEST_F(OdbcClientTest, InsertsWithParametersAndQueriesTypedRows) {
  OdbcClient client(connection_, "test store");
  EXPECT_EQ(client.dbmsName(), "SQLite");
  createPeople(client);
  const std::string sql =
      "INSERT INTO people (id, name, salary, birth_date, note) VALUES (?, ?, ?, ?, ?)";
  EXPECT_EQ(
      client.execute(sql, {Value::integer(1), Value::string("张三"), Value::decimal("108618.50"),
                           Value::date("1960-01-01"), Value::null()}),
      1);
  EXPECT_EQ(client.execute(sql, {Value::integer(2), Value::string("Li Si"), Value::null(),
                                 Value::null(), Value::string("退休人员")}),
            1);

  const auto rows = client.query("SELECT id, name, birth_date, note FROM people ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(*rows[0].find("id"), Value::integer(1));
  EXPECT_EQ(*rows[0].find("name"), Value::string("张三"));
  EXPECT_EQ(*rows[0].find("birth_date"), Value::date("1960-01-01"));
  EXPECT_EQ(*rows[0].find("note"), Value::null());
  EXPECT_EQ(*rows[1].find("id"), Value::integer(2));
  EXPECT_EQ(*rows[1].find("name"), Value::string("Li Si"));
  EXPECT_EQ(*rows[1].find("birth_date"), Value::null());
  EXPECT_EQ(*rows[1].find("note"), Value::string("退休人员"));

  const auto byName = client.query("SELECT id FROM people WHERE name = ?", {Value::string("张三")});
  ASSERT_EQ(byName.size(), 1u);
  EXPECT_EQ(byName[0].values.at(0), Value::integer(1));
  EXPECT_TRUE(client.query("SELECT id FROM people WHERE id = ?", {Value::integer(99)}).empty());
}

TEST_F(OdbcClientTest, LongTextRoundTrips) {
  OdbcClient client(connection_, "test store");
  createPeople(client);
  std::string longNote;
  for (int i = 0; i < 3000; ++i) longNote += "张";
  client.execute("INSERT INTO people (id, note) VALUES (?, ?)",
                 {Value::integer(7), Value::string(longNote)});
  const auto rows = client.query("SELECT note FROM people WHERE id = 7");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].values.at(0), Value::string(longNote));
}

TEST_F(OdbcClientTest, ExecuteReportsRowsAffected) {
  OdbcClient client(connection_, "test store");
  createPeople(client);
  for (int id = 1; id <= 3; ++id) {
    client.execute("INSERT INTO people (id, name) VALUES (?, ?)",
                   {Value::integer(id), Value::string(id == 3 ? "c" : "ab")});
  }
  EXPECT_EQ(client.execute("UPDATE people SET note = ? WHERE name = ?",
                           {Value::string("x"), Value::string("ab")}),
            2);
  EXPECT_EQ(client.execute("DELETE FROM people WHERE name = ?", {Value::string("nobody")}), 0);
  EXPECT_EQ(count(client), 3);
}

TEST_F(OdbcClientTest, TransactionCommitsWhenTheBodyReturns) {
  OdbcClient client(connection_, "test store");
  createPeople(client);
  client.transaction([&] {
    client.execute("INSERT INTO people (id) VALUES (1)");
    client.execute("INSERT INTO people (id) VALUES (2)");
  });
  OdbcClient other(connection_, "other");
  EXPECT_EQ(count(other), 2);
  // Autocommit is back on: this row is visible to another connection without a commit.
  client.execute("INSERT INTO people (id) VALUES (3)");
  EXPECT_EQ(count(other), 3);
}

TEST_F(OdbcClientTest, TransactionRollsBackWhenTheBodyThrows) {
  OdbcClient client(connection_, "test store");
  createPeople(client);
  EXPECT_THROW(client.transaction([&] {
    client.execute("INSERT INTO people (id) VALUES (1)");
    client.transaction([&] { client.execute("INSERT INTO people (id) VALUES (2)"); });
    throw std::runtime_error("changed my mind");
  }),
               std::runtime_error);
  EXPECT_EQ(count(client), 0);
  OdbcClient other(connection_, "other");
  EXPECT_EQ(count(other), 0);
}

TEST_F(OdbcClientTest, AFailedStatementInsideATransactionKeepsNothing) {
  OdbcClient client(connection_, "test store");
  createPeople(client);
  EXPECT_THROW(client.transaction([&] {
    client.execute("INSERT INTO people (id) VALUES (1)");
    client.execute("INSERT INTO people (id) VALUES (1)");  // duplicate key
  }),
               Error);
  EXPECT_EQ(count(client), 0);
}

TEST_F(OdbcClientTest, SqlErrorKeepsSqlstateAndDriverTextInDetailOnly) {
  OdbcClient client(connection_, "test store");
  try {
    client.query("SELECT * FROM no_such_table");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::SourceUnavailable);
    EXPECT_FALSE(error.sqlstate().empty());
    EXPECT_NE(error.message().find("'test store'"), std::string::npos) << error.message();
    EXPECT_NE(error.message().find(error.sqlstate()), std::string::npos) << error.message();
    EXPECT_EQ(error.message().find("no_such_table"), std::string::npos) << error.message();
    EXPECT_NE(error.detail().find("no such table"), std::string::npos) << error.detail();
  }
  // The connection still works after a failed statement.
  EXPECT_EQ(client.query("SELECT 1 + 1").at(0).values.at(0), Value::integer(2));
}

TEST_F(OdbcClientTest, ConnectFailureBlanksThePassword) {
  try {
    OdbcClient client("Driver=NoSuchOncegateDriver;Uid=admin;Pwd=s3cret-pw", "control store");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::SourceUnavailable);
    EXPECT_FALSE(error.sqlstate().empty());
    EXPECT_NE(error.message().find("'control store' cannot be reached"), std::string::npos);
    EXPECT_EQ(error.message().find("s3cret"), std::string::npos);
    EXPECT_EQ(error.detail().find("s3cret"), std::string::npos) << error.detail();
    EXPECT_NE(error.detail().find("Pwd=***"), std::string::npos) << error.detail();
  }
}

}  // namespace
}  // namespace oncegate::odbc
