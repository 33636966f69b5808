#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <system_error>
#include <thread>
#include <vector>

#include "common/Error.h"
#include "connectors/odbc/OdbcSource.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;

// SQLite through its ODBC driver: an embedded database, so these run as unit tests.
class OdbcSourceSqliteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/oncegate-conn-sqlite-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
    database_ = directory_ / "hr.db";
    std::string longNote;
    for (int i = 0; i < 3000; ++i) longNote += "张";
    const auto script = directory_ / "schema.sql";
    {
      std::ofstream out(script);
      out << "CREATE TABLE employee (id_card TEXT PRIMARY KEY, name TEXT, age INTEGER,\n"
             "  salary NUMERIC(10,2), birth_date DATE, updated_at TIMESTAMP, note TEXT,\n"
             "  nickname VARCHAR(20));\n"
             "INSERT INTO employee VALUES ('330102196001010011', '张三', 64, 108618.5,\n"
             "  '1960-01-01', '2026-01-31 08:00:00', NULL, '老张');\n"
             "INSERT INTO employee VALUES ('330102199605060022', 'Li Si', 30, -1234.56,\n"
             "  '1996-05-06', '2026-02-01 09:30:15.250', '"
          << longNote << "', NULL);\n";
    }
    const std::string command =
        "sqlite3 " + database_.string() + " < " + script.string() + " >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0);
    longNote_ = longNote;
  }

  static void TearDownTestSuite() { std::filesystem::remove_all(directory_); }

  static SourceConfig config(std::string database, int pool = 2) {
    SourceConfig config;
    config.id = "hr";
    config.department = "Human Resources";
    config.odbc = "Driver=SQLite3;Database=" + database;
    config.pool = pool;
    config.timeout = 2s;
    config.retry = 1s;
    return config;
  }

  // Runs one query and waits for its completion, checking that it ran on a worker thread.
  static QueryOutcome run(Source& source, std::string sql, std::vector<Value> params = {},
                          Source::Clock::duration budget = 5s) {
    std::promise<QueryOutcome> promise;
    auto future = promise.get_future();
    const auto caller = std::this_thread::get_id();
    source.execute(SourceQuery{std::move(sql), std::move(params)}, Source::Clock::now() + budget,
                   [&promise, caller](QueryOutcome outcome) {
                     EXPECT_NE(std::this_thread::get_id(), caller);
                     promise.set_value(std::move(outcome));
                   });
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
  }

  static const Value& column(const Row& row, std::string_view name) {
    const Value* value = row.find(name);
    EXPECT_NE(value, nullptr) << "no column " << name;
    static const Value missing;
    return value != nullptr ? *value : missing;
  }

  static inline std::filesystem::path directory_;
  static inline std::filesystem::path database_;
  static inline std::string longNote_;
};

TEST_F(OdbcSourceSqliteTest, FetchesEachKindOfValue) {
  OdbcSource source(config(database_.string()));
  const auto outcome = run(source,
                           "SELECT id_card, name, age, salary, birth_date, updated_at, note, "
                           "nickname FROM employee WHERE id_card = ?",
                           {Value::string("330102196001010011")});
  ASSERT_FALSE(outcome.error) << outcome.error->message() << " / " << outcome.error->detail();
  ASSERT_TRUE(outcome.row);
  const Row& row = *outcome.row;
  EXPECT_EQ(row.columns, (std::vector<std::string>{"id_card", "name", "age", "salary", "birth_date",
                                                   "updated_at", "note", "nickname"}));
  EXPECT_EQ(column(row, "id_card"), Value::string("330102196001010011"));
  EXPECT_EQ(column(row, "name"), Value::string("张三"));
  EXPECT_EQ(column(row, "age"), Value::integer(64));
  // SQLite reports NUMERIC(10,2) as a double: the shortest exact text, not "108618.500000".
  EXPECT_EQ(column(row, "salary"), Value::decimal("108618.5"));
  EXPECT_EQ(column(row, "birth_date"), Value::date("1960-01-01"));
  EXPECT_EQ(column(row, "updated_at"), Value::datetime("2026-01-31T08:00:00"));
  EXPECT_EQ(column(row, "note"), Value::null());
  EXPECT_EQ(column(row, "nickname"), Value::string("老张"));
}

TEST_F(OdbcSourceSqliteTest, KeepsFractionOfSecondsAndNegativeDecimalsAndLongText) {
  OdbcSource source(config(database_.string()));
  const auto outcome =
      run(source, "SELECT salary, updated_at, note, nickname FROM employee WHERE age = ?",
          {Value::integer(30)});
  ASSERT_FALSE(outcome.error) << outcome.error->detail();
  ASSERT_TRUE(outcome.row);
  EXPECT_EQ(column(*outcome.row, "salary"), Value::decimal("-1234.56"));
  EXPECT_EQ(column(*outcome.row, "updated_at"), Value::datetime("2026-02-01T09:30:15.250"));
  // 9000 bytes: read through several SQLGetData pieces that split characters.
  EXPECT_EQ(column(*outcome.row, "note"), Value::string(longNote_));
  EXPECT_EQ(column(*outcome.row, "nickname"), Value::null());
}

TEST_F(OdbcSourceSqliteTest, ChineseTextRoundTripsThroughABoundParameter) {
  OdbcSource source(config(database_.string()));
  const auto outcome =
      run(source, "SELECT id_card, name FROM employee WHERE name = ?", {Value::string("张三")});
  ASSERT_FALSE(outcome.error) << outcome.error->detail();
  ASSERT_TRUE(outcome.row);
  EXPECT_EQ(column(*outcome.row, "id_card"), Value::string("330102196001010011"));
  EXPECT_EQ(column(*outcome.row, "name"), Value::string("张三"));
}

TEST_F(OdbcSourceSqliteTest, InjectionTextIsBoundNeverSpliced) {
  OdbcSource source(config(database_.string()));
  const auto outcome =
      run(source, "SELECT name FROM employee WHERE id_card = ?", {Value::string("' OR 1=1 --")});
  EXPECT_FALSE(outcome.error);
  EXPECT_FALSE(outcome.row);
}

TEST_F(OdbcSourceSqliteTest, NoRowGivesNeitherRowNorError) {
  OdbcSource source(config(database_.string()));
  const auto outcome = run(source, "SELECT name FROM employee WHERE id_card = ?",
                           {Value::string("110101199001011234")});
  EXPECT_FALSE(outcome.error);
  EXPECT_FALSE(outcome.row);
}

TEST_F(OdbcSourceSqliteTest, ADescribeOnlyQueryGivesTheColumnsWithNullParamsAndNoRow) {
  OdbcSource source(config(database_.string()));
  SourceQuery query{"SELECT name, age AS years, salary FROM employee WHERE id_card = ?",
                    {Value::null()}};
  query.describeOnly = true;
  const auto outcome = source.executeAndWait(std::move(query), Source::Clock::now() + 5s);
  ASSERT_FALSE(outcome.error) << outcome.error->detail();
  EXPECT_FALSE(outcome.row);
  EXPECT_EQ(outcome.columns, (std::vector<std::string>{"name", "years", "salary"}));
  // The same statement still answers rows afterwards (its cursor was closed).
  EXPECT_TRUE(run(source, "SELECT name, age AS years, salary FROM employee WHERE id_card = ?",
                  {Value::string("330102196001010011")})
                  .row);
}

TEST_F(OdbcSourceSqliteTest, ASourceThatKeepsFailingIsShortCircuitedByItsBreaker) {
  auto settings = config((directory_ / "no-such-dir" / "hr.db").string(), 1);
  settings.breakerFailures = 3;
  settings.breakerOpenFor = 60s;
  OdbcSource source(settings);
  for (int i = 0; i < 3; ++i) {
    const auto outcome = run(source, "SELECT 1");
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->message().find("breaker is open"), std::string::npos);
  }
  const auto refused = run(source, "SELECT 1");
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_NE(refused.error->message().find("breaker is open"), std::string::npos);
  EXPECT_EQ(source.stats().shortCircuited, 1u);
  EXPECT_TRUE(source.stats().breakerOpen);
}

TEST_F(OdbcSourceSqliteTest, OneSubjectsDataErrorsDoNotOpenTheBreaker) {
  auto settings = config(database_.string(), 1);
  settings.breakerFailures = 3;
  settings.breakerOpenFor = 60s;
  OdbcSource source(settings);
  for (int i = 0; i < 10; ++i) {
    const auto twoRows =
        run(source, "SELECT name FROM employee WHERE age > ?", {Value::integer(0)});
    ASSERT_TRUE(twoRows.error);
    EXPECT_EQ(twoRows.error->sqlstate(), "21000");
    EXPECT_NE(twoRows.error->message().find("more than one row"), std::string::npos)
        << twoRows.error->message();
  }
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(run(source, "SELECT nope FROM no_such_table").error);
  EXPECT_FALSE(source.stats().breakerOpen);
  EXPECT_EQ(source.stats().shortCircuited, 0u);
  const auto outcome = run(source, "SELECT name FROM employee WHERE age = ?", {Value::integer(64)});
  ASSERT_FALSE(outcome.error) << outcome.error->message();
  EXPECT_EQ(column(*outcome.row, "name"), Value::string("张三"));
}

TEST_F(OdbcSourceSqliteTest, AValueLongerThanMaxValueFailsItsQueryInsteadOfBeingTruncated) {
  auto settings = config(database_.string(), 1);
  settings.maxValueBytes = 8000;  // the long note is 9000 bytes of UTF-8
  OdbcSource source(settings);
  const auto tooLong = run(source, "SELECT note FROM employee WHERE age = ?", {Value::integer(30)});
  ASSERT_TRUE(tooLong.error);
  EXPECT_FALSE(tooLong.row);
  EXPECT_EQ(tooLong.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_EQ(tooLong.error->sqlstate(), "22001");
  EXPECT_EQ(tooLong.error->message(),
            "source 'hr' returned a value longer than the gateway accepts");
  EXPECT_NE(tooLong.error->detail().find("column 'note'"), std::string::npos)
      << tooLong.error->detail();
  EXPECT_NE(tooLong.error->detail().find("8000 bytes"), std::string::npos);
  // Short values of the same row still come, and the breaker did not count the data error.
  const auto shortOnes =
      run(source, "SELECT name FROM employee WHERE age = ?", {Value::integer(30)});
  ASSERT_FALSE(shortOnes.error) << shortOnes.error->detail();
  EXPECT_FALSE(source.stats().breakerOpen);
}

TEST_F(OdbcSourceSqliteTest, AThreadThatCannotStartFailsTheConstructorAfterStoppingTheOthers) {
  std::atomic<int> started{0};
  std::atomic<int> exited{0};
  const OdbcSource::ThreadStarter starter = [&](std::function<void()> body) {
    if (started.load() == 2) {
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    }
    ++started;
    return std::thread([&exited, body = std::move(body)] {
      body();
      ++exited;
    });
  };
  try {
    OdbcSource source(config(database_.string(), 4), starter);
    FAIL() << "the constructor should have thrown";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::SourceUnavailable);
    EXPECT_EQ(error.message(), "source 'hr' cannot start its threads");
  }
  EXPECT_EQ(started.load(), 2);
  EXPECT_EQ(exited.load(), 2);  // joined before the constructor threw
}

TEST_F(OdbcSourceSqliteTest, StatsShowTheQueueTheWorkersInUseAndQueryDurations) {
  OdbcSource source(config(database_.string(), 1));
  run(source, "SELECT name FROM employee WHERE age = ?", {Value::integer(64)});
  run(source, "SELECT 1", {}, -1ms);
  const auto stats = source.stats();
  EXPECT_EQ(stats.queryDuration.count, 1u);
  EXPECT_EQ(stats.timeouts, 1u);
  EXPECT_EQ(stats.inUse, 0u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_EQ(stats.abandoned, 0u);
  EXPECT_FALSE(stats.breakerOpen);
}

TEST_F(OdbcSourceSqliteTest, MoreThanOneRowIsAnError) {
  OdbcSource source(config(database_.string()));
  const auto outcome = run(source, "SELECT name FROM employee");
  ASSERT_TRUE(outcome.error);
  EXPECT_FALSE(outcome.row);
  EXPECT_EQ(outcome.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_NE(outcome.error->message().find("more than one row"), std::string::npos)
      << outcome.error->message();
}

TEST_F(OdbcSourceSqliteTest, BadSqlGivesAnErrorWithSqlstateAndDriverTextOnlyInDetail) {
  OdbcSource source(config(database_.string(), 1));
  const auto outcome =
      run(source, "SELECT nosuchcolumn FROM employee WHERE id_card = ?", {Value::string("x")});
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_EQ(outcome.error->message(), "source 'hr' failed the query");
  EXPECT_EQ(outcome.error->sqlstate().size(), 5u) << outcome.error->sqlstate();
  EXPECT_NE(outcome.error->detail().find("nosuchcolumn"), std::string::npos)
      << outcome.error->detail();
  // The connection survives a bad statement: the next query needs no new connect.
  const auto next = run(source, "SELECT age FROM employee WHERE id_card = ?",
                        {Value::string("330102196001010011")});
  ASSERT_TRUE(next.row);
  EXPECT_EQ(source.stats().connects, 1u);
}

TEST_F(OdbcSourceSqliteTest, UnreachableDatabaseFailsFastThenWithoutConnectingUntilRetry) {
  auto settings = config((directory_ / "no-such-dir" / "hr.db").string(), 1);
  settings.retry = 400ms;
  OdbcSource source(settings);  // a dead source must not throw here

  const auto start = Source::Clock::now();
  const auto first = run(source, "SELECT 1");
  ASSERT_TRUE(first.error);
  EXPECT_EQ(first.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_EQ(first.error->message(), "source 'hr' cannot be reached");
  EXPECT_FALSE(first.error->sqlstate().empty());  // the driver was asked
  EXPECT_LT(Source::Clock::now() - start, 1s);

  // Within `retry` nothing is tried: no driver diagnostics at all.
  const auto second = run(source, "SELECT 1");
  ASSERT_TRUE(second.error);
  EXPECT_EQ(second.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_TRUE(second.error->sqlstate().empty());
  EXPECT_NE(second.error->message().find("a connect failed less than 400ms ago"), std::string::npos)
      << second.error->message();

  std::this_thread::sleep_for(450ms);
  const auto third = run(source, "SELECT 1");
  ASSERT_TRUE(third.error);
  EXPECT_FALSE(third.error->sqlstate().empty());  // tried again after the window

  const auto stats = source.stats();
  EXPECT_EQ(stats.connects, 0u);
  EXPECT_EQ(stats.queries, 0u);
  EXPECT_EQ(stats.failures, 3u);
}

TEST_F(OdbcSourceSqliteTest, SourceThatComesUpIsUsedAfterTheRetryWindow) {
  const auto late = directory_ / "late";
  auto settings = config((late / "hr.db").string(), 1);
  settings.retry = 200ms;
  OdbcSource source(settings);
  ASSERT_TRUE(run(source, "SELECT 1").error);

  std::filesystem::create_directory(late);
  std::this_thread::sleep_for(250ms);
  const auto outcome = run(source, "SELECT 7 AS answer");
  ASSERT_FALSE(outcome.error) << outcome.error->detail();
  ASSERT_TRUE(outcome.row);
  EXPECT_EQ(column(*outcome.row, "answer"), Value::integer(7));
  EXPECT_EQ(source.stats().connects, 1u);
}

TEST_F(OdbcSourceSqliteTest, QueryStillQueuedAtItsDeadlineIsNotSent) {
  OdbcSource source(config(database_.string()));
  const auto outcome = run(source, "SELECT 1", {}, -1ms);
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::SourceTimeout);
  EXPECT_EQ(source.stats().queries, 0u);
  EXPECT_EQ(source.stats().failures, 1u);
}

TEST_F(OdbcSourceSqliteTest, ParallelQueriesFromSeveralThreads) {
  OdbcSource source(config(database_.string(), 4));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> correct{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const bool first = (i + t) % 2 == 0;
        const auto outcome =
            run(source, "SELECT name FROM employee WHERE id_card = ?",
                {Value::string(first ? "330102196001010011" : "330102199605060022")});
        if (outcome.row &&
            column(*outcome.row, "name") == Value::string(first ? "张三" : "Li Si")) {
          ++correct;
        }
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(correct.load(), kThreads * kPerThread);
  const auto stats = source.stats();
  EXPECT_EQ(stats.queries, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_GE(stats.connects, 1u);
  EXPECT_LE(stats.connects, 4u);
}

TEST_F(OdbcSourceSqliteTest, StatsCountQueriesFailuresAndConnects) {
  OdbcSource source(config(database_.string(), 1));
  EXPECT_EQ(source.stats().connects, 0u);  // connections open lazily
  run(source, "SELECT name FROM employee WHERE age = ?", {Value::integer(64)});
  run(source, "SELECT name FROM employee WHERE age = ?", {Value::integer(30)});
  run(source, "SELECT broken syntax here");
  const auto stats = source.stats();
  EXPECT_EQ(stats.queries, 3u);
  EXPECT_EQ(stats.failures, 1u);
  EXPECT_EQ(stats.connects, 1u);
}

TEST_F(OdbcSourceSqliteTest, DestructionCompletesQueuedQueriesAsShuttingDown) {
  std::atomic<int> completed{0};
  std::atomic<int> shuttingDown{0};
  {
    OdbcSource source(config(database_.string(), 1));
    const std::string slow =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
        "SELECT max(x) AS n FROM c";
    for (int i = 0; i < 6; ++i) {
      source.execute(SourceQuery{slow, {}}, Source::Clock::now() + 30s, [&](QueryOutcome outcome) {
        if (outcome.error && outcome.error->message() == "source 'hr' is shutting down") {
          ++shuttingDown;
        }
        ++completed;
      });
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(completed.load(), 6);
  EXPECT_GE(shuttingDown.load(), 5);
}

TEST_F(OdbcSourceSqliteTest, FactoryBuildsAWorkingSource) {
  const auto source = makeOdbcSource(config(database_.string()));
  EXPECT_EQ(source->id(), "hr");
  const auto outcome = run(*source, "SELECT count(*) AS n FROM employee");
  ASSERT_TRUE(outcome.row);
  EXPECT_EQ(column(*outcome.row, "n"), Value::integer(2));
}

}  // namespace
}  // namespace oncegate
