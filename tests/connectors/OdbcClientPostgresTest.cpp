#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <clocale>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "TestServers.h"
#include "common/Error.h"
#include "connectors/odbc/OdbcClient.h"

namespace oncegate::odbc {
namespace {

// psqlODBC against the test PostgreSQL server (scripts/test-servers.sh); each test uses a table of
// its own process, so runs on one server do not collide.
class OdbcClientPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = "odbc_client_test_" + std::to_string(::getpid());
    testing::runPostgresSql("DROP TABLE IF EXISTS " + table_ + ";");
  }
  void TearDown() override { testing::runPostgresSql("DROP TABLE IF EXISTS " + table_ + ";"); }

  std::int64_t count(OdbcClient& client) const {
    const auto rows = client.query("SELECT COUNT(*) AS n FROM " + table_);
    EXPECT_EQ(rows.size(), 1u);
    return rows.empty() ? -1 : rows[0].values.at(0).asInt();
  }

  std::string table_;
};

// psqlODBC calls setlocale(LC_CTYPE, "") on every connect and reads the name it returns;
// setlocale frees the name of the call before, so two connects at once could read freed memory
// (AddressSanitizer saw it in the gateway: a source's worker and the audit shipper connecting as
// it started). Connects are made one at a time (driverConnect). Each round puts LC_CTYPE back to
// "C" and lets eight threads connect together; before the fix most runs under ASan failed.
TEST_F(OdbcClientPostgresTest, ConnectsFromManyThreadsAtOnceWhileTheDriverSetsTheLocale) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 80;
  const std::string before = std::setlocale(LC_CTYPE, nullptr);
  ::setenv("LC_ALL", "C.UTF-8", 1);
  int answered = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::setlocale(LC_CTYPE, "C");
    std::atomic<int> ready{0};
    std::atomic<int> roundAnswered{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();
        OdbcClient client(testing::postgresOdbc(), "test store");
        if (client.query("SELECT 1 AS one").at(0).values.at(0).asInt() == 1) ++roundAnswered;
      });
    }
    for (auto& thread : threads) thread.join();
    answered += roundAnswered.load();
  }
  ::unsetenv("LC_ALL");
  std::setlocale(LC_CTYPE, before.c_str());
  EXPECT_EQ(answered, kThreads * kRounds);
}

TEST_F(OdbcClientPostgresTest, InsertsWithParametersAndQueriesTypedRows) {
  OdbcClient client(testing::postgresOdbc(), "test store");
  EXPECT_EQ(client.dbmsName(), "PostgreSQL");
  client.execute("CREATE TABLE " + table_ +
                 " (id bigint PRIMARY KEY, name text, salary numeric(10,2), birth_date date, "
                 "active boolean)");
  const std::string insert =
      "INSERT INTO " + table_ + " (id, name, salary, birth_date, active) VALUES (?, ?, ?, ?, ?)";
  EXPECT_EQ(
      client.execute(insert, {Value::integer(1), Value::string("张三"), Value::decimal("108618.5"),
                              Value::date("1960-01-01"), Value::boolean(true)}),
      1);
  EXPECT_EQ(client.execute(insert, {Value::integer(2), Value::null(), Value::null(), Value::null(),
                                    Value::boolean(false)}),
            1);
  const auto rows =
      client.query("SELECT id, name, salary, birth_date, active FROM " + table_ + " ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(*rows[0].find("id"), Value::integer(1));
  EXPECT_EQ(*rows[0].find("name"), Value::string("张三"));
  EXPECT_EQ(*rows[0].find("salary"), Value::decimal("108618.50"));
  EXPECT_EQ(*rows[0].find("birth_date"), Value::date("1960-01-01"));
  EXPECT_EQ(*rows[0].find("active"), Value::boolean(true));
  EXPECT_EQ(*rows[1].find("name"), Value::null());
  EXPECT_EQ(*rows[1].find("active"), Value::boolean(false));
  EXPECT_EQ(client.execute("UPDATE " + table_ + " SET name = ? WHERE id > ?",
                           {Value::string("x"), Value::integer(0)}),
            2);
}

TEST_F(OdbcClientPostgresTest, TransactionRollsBackWhenTheBodyThrows) {
  OdbcClient client(testing::postgresOdbc(), "test store");
  client.execute("CREATE TABLE " + table_ + " (id bigint PRIMARY KEY)");
  EXPECT_THROW(client.transaction([&] {
    client.execute("INSERT INTO " + table_ + " (id) VALUES (1)");
    throw std::runtime_error("changed my mind");
  }),
               std::runtime_error);
  EXPECT_EQ(count(client), 0);
  client.transaction([&] { client.execute("INSERT INTO " + table_ + " (id) VALUES (2)"); });
  OdbcClient other(testing::postgresOdbc(), "other");
  EXPECT_EQ(count(other), 1);
}

TEST_F(OdbcClientPostgresTest, SqlErrorKeepsSqlstate) {
  OdbcClient client(testing::postgresOdbc(), "test store");
  try {
    client.query("SELECT * FROM " + table_);  // dropped in SetUp
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.sqlstate(), "42P01");  // undefined_table
    EXPECT_EQ(error.message().find(table_), std::string::npos) << error.message();
    EXPECT_NE(error.detail().find(table_), std::string::npos) << error.detail();
  }
  EXPECT_EQ(client.query("SELECT 40 + 2").at(0).values.at(0), Value::integer(42));
}

TEST_F(OdbcClientPostgresTest, AFrozenBackendFailsTheCallWithinItsBoundAndTheNextCallReconnects) {
  using namespace std::chrono_literals;
  OdbcClient client(testing::postgresOdbc(), "test store", 1s);
  const auto pid = client.query("SELECT pg_backend_pid()").at(0).values.at(0).asInt();
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGSTOP), 0);
  struct Thaw {
    pid_t pid;
    ~Thaw() { ::kill(pid, SIGCONT); }
  } thaw{static_cast<pid_t>(pid)};

  const auto start = std::chrono::steady_clock::now();
  try {
    client.query("SELECT 1");
    ADD_FAILURE() << "a frozen backend answered";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::SourceTimeout);
    EXPECT_EQ(error.message(), "'test store' did not answer within 3000ms");
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 1s + OdbcClient::kGiveUpAfter);
  EXPECT_LT(elapsed, 1s + OdbcClient::kGiveUpAfter + 1s);

  // The frozen connection is abandoned; the next call gets a new one while it stays frozen.
  const auto next = client.query("SELECT pg_backend_pid()").at(0).values.at(0).asInt();
  EXPECT_NE(next, pid);
}

}  // namespace
}  // namespace oncegate::odbc
