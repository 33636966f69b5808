#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "TestServers.h"
#include "common/Error.h"
#include "connectors/odbc/OdbcSource.h"
#include "connectors/postgresql/PostgresSource.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;

// libpq's conninfo for the test PostgreSQL (scripts/test-servers.sh); fails (never skips) when
// the environment does not name it.
std::string postgresConninfo(const std::string& applicationName) {
  const char* port = std::getenv("ONCEGATE_TEST_PG_PORT");
  if (port == nullptr) {
    ADD_FAILURE() << "ONCEGATE_TEST_PG_PORT is not set: run scripts/test-servers.sh start / env";
    return "host=127.0.0.1 port=1";
  }
  return std::string("host=127.0.0.1 port=") + port +
         " dbname=oncegate_test user=postgres application_name=" + applicationName;
}

SourceConfig postgresConfig(const std::string& applicationName, int pool = 2) {
  SourceConfig config;
  config.id = "pg";
  config.department = "Test";
  config.driver = SourceConfig::Driver::Postgresql;
  config.odbc = postgresConninfo(applicationName);
  config.pool = pool;
  config.timeout = 2s;
  config.retry = 200ms;
  return config;
}

QueryOutcome run(Source& source, std::string sql, std::vector<Value> params = {},
                 Source::Clock::duration budget = 10s) {
  return source.executeAndWait(SourceQuery{std::move(sql), std::move(params)},
                               Source::Clock::now() + budget);
}

Value column(const QueryOutcome& outcome, std::string_view name) {
  EXPECT_FALSE(outcome.error) << outcome.error->message() << " / " << outcome.error->detail();
  if (!outcome.row) {
    ADD_FAILURE() << "no row";
    return Value::string("<no row>");
  }
  const Value* value = outcome.row->find(name);
  if (value == nullptr) {
    ADD_FAILURE() << "no column " << name;
    return Value::string("<no column>");
  }
  return *value;
}

std::int64_t count(const std::string& sql) {
  OdbcSource observer([] {
    SourceConfig config;
    config.id = "observer";
    config.department = "Test";
    config.odbc = testing::postgresOdbc();
    config.pool = 1;
    return config;
  }());
  const auto outcome = run(observer, sql);
  return column(outcome, "n").asInt();
}

constexpr const char* kEveryType =
    "SELECT id_card, name, code, note, tiny, age, big, salary, ratio, exact, precise, approx, "
    "active, birth_date, updated_at, stamped_at, starts_at, ref, doc FROM pg_test_person "
    "WHERE id_card = ?";

class PostgresSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::runPostgresSql(
        "DROP TABLE IF EXISTS pg_test_person;\n"
        "CREATE TABLE pg_test_person (id_card text PRIMARY KEY, name varchar(40), code char(5),\n"
        "  note text, tiny smallint, age integer, big bigint, salary numeric(12,2),\n"
        "  ratio numeric, exact numeric(20,6), precise double precision, approx real,\n"
        "  active boolean, birth_date date, updated_at timestamp, stamped_at timestamptz,\n"
        "  starts_at time, ref uuid, doc jsonb);\n"
        "INSERT INTO pg_test_person VALUES\n"
        "  ('330102196001010011', '张三', 'AB', '退休人员，工龄三十五年', 7, 64,\n"
        "   9007199254740993, 108618.50, 1.5, -0.000123, 0.1, 2.5, true, '1960-01-01',\n"
        "   '2026-01-31 08:00:00', '2026-01-31 08:00:00.5+00', '08:30:00',\n"
        "   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": 1}'),\n"
        "  ('330102199605060022', 'Li Si', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,\n"
        "   NULL, NULL, false, NULL, '2026-02-01 09:30:15.25', NULL, NULL, NULL, NULL);\n");
  }
  static void TearDownTestSuite() {
    testing::runPostgresSql("DROP TABLE IF EXISTS pg_test_person;");
  }
};

TEST_F(PostgresSourceTest, ReadsEachTypeAsTheOdbcSourceDoes) {
  PostgresSource source(postgresConfig("pg_types"));
  SourceConfig odbcConfig = postgresConfig("unused");
  odbcConfig.driver = SourceConfig::Driver::Odbc;
  odbcConfig.odbc = testing::postgresOdbc();
  OdbcSource odbc(odbcConfig);
  for (const char* key : {"330102196001010011", "330102199605060022"}) {
    const auto overLibpq = run(source, kEveryType, {Value::string(key)});
    const auto overOdbc = run(odbc, kEveryType, {Value::string(key)});
    ASSERT_FALSE(overLibpq.error) << overLibpq.error->detail();
    ASSERT_FALSE(overOdbc.error) << overOdbc.error->detail();
    ASSERT_TRUE(overLibpq.row && overOdbc.row);
    ASSERT_EQ(overLibpq.row->columns, overOdbc.row->columns);
    for (std::size_t i = 0; i < overOdbc.row->values.size(); ++i) {
      const auto& mine = overLibpq.row->values[i];
      const auto& theirs = overOdbc.row->values[i];
      EXPECT_EQ(mine, theirs) << overOdbc.row->columns[i] << ": libpq "
                              << static_cast<int>(mine.kind()) << " '" << mine.text() << "' "
                              << mine.asInt() << ", odbc " << static_cast<int>(theirs.kind())
                              << " '" << theirs.text() << "' " << theirs.asInt();
    }
  }
  const auto outcome = run(source, kEveryType, {Value::string("330102196001010011")});
  EXPECT_EQ(column(outcome, "name"), Value::string("张三"));
  EXPECT_EQ(column(outcome, "big"), Value::integer(9007199254740993));
  EXPECT_EQ(column(outcome, "salary"), Value::decimal("108618.50"));
  EXPECT_EQ(column(outcome, "birth_date"), Value::date("1960-01-01"));
  EXPECT_EQ(column(outcome, "updated_at"), Value::datetime("2026-01-31T08:00:00"));
  EXPECT_EQ(column(outcome, "active"), Value::boolean(true));
  const auto second = run(source, kEveryType, {Value::string("330102199605060022")});
  EXPECT_EQ(column(second, "note"), Value::null());
  EXPECT_EQ(column(second, "updated_at"), Value::datetime("2026-02-01T09:30:15.250"));
}

TEST_F(PostgresSourceTest, BindsEachKindOfParameterAsText) {
  PostgresSource source(postgresConfig("pg_params"));
  EXPECT_EQ(
      column(run(source, "SELECT name FROM pg_test_person WHERE age = ?", {Value::integer(64)}),
             "name"),
      Value::string("张三"));
  EXPECT_EQ(column(run(source, "SELECT name FROM pg_test_person WHERE salary = ?",
                       {Value::decimal("108618.50")}),
                   "name"),
            Value::string("张三"));
  EXPECT_EQ(column(run(source, "SELECT name FROM pg_test_person WHERE birth_date = ?",
                       {Value::date("1960-01-01")}),
                   "name"),
            Value::string("张三"));
  EXPECT_EQ(column(run(source, "SELECT name FROM pg_test_person WHERE active = ?",
                       {Value::boolean(false)}),
                   "name"),
            Value::string("Li Si"));
  EXPECT_EQ(column(run(source, "SELECT coalesce(?, 'was null') AS v", {Value::null()}), "v"),
            Value::string("was null"));
}

TEST_F(PostgresSourceTest, NoRowIsNoErrorAndTwoRowsAreOne) {
  PostgresSource source(postgresConfig("pg_rows"));
  const auto none = run(source, "SELECT name FROM pg_test_person WHERE id_card = ?",
                        {Value::string("' OR 1=1 --")});
  EXPECT_FALSE(none.error);
  EXPECT_FALSE(none.row);
  const auto two = run(source, "SELECT name FROM pg_test_person");
  ASSERT_TRUE(two.error);
  EXPECT_EQ(two.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_NE(two.error->message().find("more than one row"), std::string::npos);
  // A data error of one query says nothing about the database: the breaker stays closed.
  EXPECT_FALSE(source.stats().breakerOpen);
  const auto bad = run(source, "SELECT no_such_column FROM pg_test_person");
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->sqlstate(), "42703");
  EXPECT_EQ(column(run(source, "SELECT 1 AS one"), "one"), Value::integer(1));
}

TEST_F(PostgresSourceTest, ADescribeOnlyQueryGivesTheColumnsWithNullParams) {
  PostgresSource source(postgresConfig("pg_describe"));
  SourceQuery query{"SELECT 1 AS one, 'x'::text AS label WHERE ?::text IS NOT NULL",
                    {Value::null()}};
  query.describeOnly = true;
  const auto outcome = source.executeAndWait(std::move(query), Source::Clock::now() + 5s);
  ASSERT_FALSE(outcome.error) << outcome.error->detail();
  EXPECT_EQ(outcome.columns, (std::vector<std::string>{"one", "label"}));
}

TEST_F(PostgresSourceTest, EachStatementIsPreparedOncePerConnection) {
  PostgresSource source(postgresConfig("pg_prepared", 1));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(column(run(source,
                         "SELECT age /* prepared-once */ FROM pg_test_person WHERE "
                         "id_card = ?",
                         {Value::string("330102196001010011")}),
                     "age"),
              Value::integer(64));
  }
  // pg_prepared_statements lists the statements of the session that asks: the one connection.
  const auto prepared = run(source,
                            "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement "
                            "LIKE '%prepared-once%' AND statement NOT LIKE '%count%'");
  EXPECT_EQ(column(prepared, "n"), Value::integer(1));
  EXPECT_EQ(source.stats().connects, 1u);
  EXPECT_EQ(source.stats().queries, 6u);
}

TEST_F(PostgresSourceTest, PipelinesManyQueriesOnOneConnection) {
  PostgresSource source(postgresConfig("pg_pipeline", 1));
  constexpr int kQueries = 250;  // within the 256 that may wait for the one connection
  std::vector<std::promise<QueryOutcome>> answers(kQueries);
  std::vector<std::future<QueryOutcome>> futures;
  for (auto& answer : answers) futures.push_back(answer.get_future());
  for (int i = 0; i < kQueries; ++i) {
    source.execute(SourceQuery{"SELECT ?::int * 2 AS doubled", {Value::integer(i)}},
                   Source::Clock::now() + 10s, [&answers, i](QueryOutcome outcome) {
                     answers[i].set_value(std::move(outcome));
                   });
  }
  for (int i = 0; i < kQueries; ++i) {
    ASSERT_EQ(futures[i].wait_for(15s), std::future_status::ready);
    EXPECT_EQ(column(futures[i].get(), "doubled"), Value::integer(2 * i));
  }
  const auto stats = source.stats();
  EXPECT_EQ(stats.connects, 1u);
  EXPECT_EQ(stats.queries, static_cast<std::uint64_t>(kQueries));
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_EQ(stats.inUse, 0u);
}

TEST_F(PostgresSourceTest, AQueryDoesNotQueueBehindASlowOneWhileThePoolHasRoom) {
  PostgresSource source(postgresConfig("pg_room", 2));
  std::promise<QueryOutcome> slow;
  auto slowAnswer = slow.get_future();
  source.execute(SourceQuery{"SELECT pg_sleep(1.5) AS slept", {}}, Source::Clock::now() + 10s,
                 [&slow](QueryOutcome outcome) { slow.set_value(std::move(outcome)); });
  const auto start = Source::Clock::now();
  EXPECT_EQ(column(run(source, "SELECT 1 AS one"), "one"), Value::integer(1));
  EXPECT_LT(Source::Clock::now() - start, 1s);  // on the second connection, not behind the sleep
  ASSERT_EQ(slowAnswer.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(slowAnswer.get().error);
  EXPECT_EQ(source.stats().connects, 2u);
}

TEST_F(PostgresSourceTest, ASlowQueryTimesOutAndIsCancelledOnTheServer) {
  auto config = postgresConfig("pg_timeout", 1);
  config.timeout = 300ms;
  PostgresSource source(config);
  const auto start = Source::Clock::now();
  const auto slow = run(source, "SELECT pg_sleep(5) AS slept");
  const auto took = Source::Clock::now() - start;
  ASSERT_TRUE(slow.error);
  EXPECT_EQ(slow.error->code(), ErrorCode::SourceTimeout);
  EXPECT_LT(took, 2s);
  // The cancel ended the sleep: the one connection answers again well before it would have.
  const auto next = run(source, "SELECT 2 AS two");
  EXPECT_EQ(column(next, "two"), Value::integer(2));
  EXPECT_LT(Source::Clock::now() - start, 3s);
  EXPECT_EQ(count("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = "
                  "'pg_timeout' AND query LIKE '%pg_sleep%' AND state = 'active'"),
            0);
  const auto stats = source.stats();
  EXPECT_EQ(stats.timeouts, 1u);
  EXPECT_EQ(stats.connects, 1u);
}

TEST_F(PostgresSourceTest, AConnectionWhoseCancelledQueryDoesNotEndIsDropped) {
  auto config = postgresConfig("pg_frozen", 1);
  config.timeout = 300ms;
  config.breakerFailures = 1000;  // the timeouts below must not open it
  PostgresSource source(config);
  const auto pid =
      static_cast<pid_t>(column(run(source, "SELECT pg_backend_pid() AS pid"), "pid").asInt());
  // A frozen backend (SIGSTOP) neither answers nor honours the cancel; thawed whatever happens.
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  struct Thaw {
    pid_t pid;
    ~Thaw() { ::kill(pid, SIGCONT); }
  } thaw{pid};
  const auto start = Source::Clock::now();
  const auto frozen = run(source, "SELECT 1 AS one");
  ASSERT_TRUE(frozen.error);
  EXPECT_EQ(frozen.error->code(), ErrorCode::SourceTimeout);
  // Queries pipelined behind the frozen one time out too, until kDropAfter after the cancel the
  // connection is dropped; the next query then gets a new connection.
  QueryOutcome next;
  do {
    next = run(source, "SELECT 2 AS two");
  } while (next.error && Source::Clock::now() - start < 5s);
  EXPECT_EQ(column(next, "two"), Value::integer(2));
  EXPECT_LT(Source::Clock::now() - start, 300ms + PostgresSource::kDropAfter + 1500ms);
  EXPECT_EQ(source.stats().connects, 2u);
}

TEST_F(PostgresSourceTest, AKilledBackendIsReplacedAndTheQueryAnswered) {
  PostgresSource source(postgresConfig("pg_killed", 1));
  EXPECT_EQ(column(run(source, "SELECT 1 AS one"), "one"), Value::integer(1));
  EXPECT_EQ(count("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE "
                  "application_name = 'pg_killed'"),
            1);
  EXPECT_EQ(column(run(source, "SELECT 2 AS two"), "two"), Value::integer(2));
  EXPECT_EQ(source.stats().connects, 2u);
}

TEST_F(PostgresSourceTest, ARunningQueryWhoseBackendIsKilledIsSentAgainOnANewConnection) {
  PostgresSource source(postgresConfig("pg_killed_busy", 1));
  EXPECT_EQ(column(run(source, "SELECT 1 AS one"), "one"), Value::integer(1));
  std::promise<QueryOutcome> answer;
  auto future = answer.get_future();
  // Sent on a connection that answered before: sent once more on a new connection, whose sleep
  // then ends by the timeout.
  source.execute(SourceQuery{"SELECT pg_sleep(0.5) AS slept", {}}, Source::Clock::now() + 10s,
                 [&answer](QueryOutcome outcome) { answer.set_value(std::move(outcome)); });
  std::int64_t killed = 0;
  for (int i = 0; i < 200 && killed == 0; ++i) {
    killed = count(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE "
        "application_name = 'pg_killed_busy' AND query LIKE '%pg_sleep%'");
  }
  EXPECT_EQ(killed, 1);
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  const auto outcome = future.get();
  EXPECT_FALSE(outcome.error) << outcome.error->message();
  EXPECT_EQ(column(run(source, "SELECT 2 AS two"), "two"), Value::integer(2));
  EXPECT_EQ(source.stats().connects, 2u);
}

TEST_F(PostgresSourceTest, AServerRestartIsRecoveredFrom) {
  PostgresSource source(postgresConfig("pg_restart", 2));
  const auto directory = column(run(source, "SELECT current_setting('data_directory') AS d"), "d");
  const char* bin = std::getenv("ONCEGATE_TEST_PG_BIN");
  ASSERT_NE(bin, nullptr) << "ONCEGATE_TEST_PG_BIN is not set: run scripts/test-servers.sh env";
  const std::string command = std::string(::getuid() == 0 ? "runuser -u postgres -- " : "") + bin +
                              "/pg_ctl -D " + directory.text() + " -l " + directory.text() +
                              "/../server.log -m fast -w restart >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  // The idle connection went with the old server: the query is answered on a new one.
  EXPECT_EQ(column(run(source, "SELECT 2 AS two"), "two"), Value::integer(2));
  EXPECT_EQ(source.stats().connects, 2u);
  EXPECT_FALSE(source.stats().down);
}

TEST_F(PostgresSourceTest, TheBreakerOpensAfterFailuresInARow) {
  auto config = postgresConfig("pg_breaker", 1);
  config.timeout = 100ms;
  config.breakerFailures = 2;
  config.breakerOpenFor = 60s;
  PostgresSource source(config);
  for (int i = 0; i < 2; ++i) {
    const auto slow = run(source, "SELECT pg_sleep(2)");
    ASSERT_TRUE(slow.error);
    EXPECT_EQ(slow.error->code(), ErrorCode::SourceTimeout);
  }
  const auto refused = run(source, "SELECT 1 AS one");
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_NE(refused.error->message().find("breaker"), std::string::npos);
  const auto stats = source.stats();
  EXPECT_TRUE(stats.breakerOpen);
  EXPECT_EQ(stats.shortCircuited, 1u);
  EXPECT_EQ(stats.queries, 2u);
}

TEST_F(PostgresSourceTest, ADatabaseThatIsDownAnswersUnavailableWithoutItsPassword) {
  auto config = postgresConfig("pg_down", 1);
  config.odbc = "host=127.0.0.1 port=1 dbname=x user=u password=pw-never-shown";
  config.retry = 60s;
  PostgresSource source(config);
  const auto first = run(source, "SELECT 1");
  ASSERT_TRUE(first.error);
  EXPECT_EQ(first.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_EQ(first.error->message().find("pw-never-shown"), std::string::npos);
  EXPECT_EQ(first.error->detail().find("pw-never-shown"), std::string::npos);
  const auto start = Source::Clock::now();
  const auto second = run(source, "SELECT 1");
  ASSERT_TRUE(second.error);
  EXPECT_LT(Source::Clock::now() - start, 1s);  // known down: no new connect
  EXPECT_TRUE(source.stats().down);
  EXPECT_EQ(source.stats().connects, 0u);
}

// Two I/O loops as the gateway runs them: a query started on a loop completes on that loop's
// thread, and each loop opens its own share of the pool.
TEST_F(PostgresSourceTest, AQueryStartedOnALoopCompletesOnThatLoop) {
  static thread_local net::io_context* current = nullptr;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) contexts.push_back(std::make_unique<net::io_context>(1));
  auto loops = std::make_shared<PostgresLoops>();
  loops->start({contexts[0].get(), contexts[1].get()}, [] { return current; });
  for (auto& context : contexts) {
    threads.emplace_back([loop = context.get()] {
      current = loop;
      auto guard = net::make_work_guard(*loop);
      loop->run();
    });
  }
  {
    PostgresSource source(postgresConfig("pg_loops", 4), loops);
    std::vector<std::promise<bool>> sameThread(2);
    for (int i = 0; i < 2; ++i) {
      net::post(*contexts[i], [&source, &sameThread, i] {
        const auto caller = std::this_thread::get_id();
        source.execute(
            SourceQuery{"SELECT 1 AS one", {}}, Source::Clock::now() + 10s,
            [&sameThread, i, caller](QueryOutcome outcome) {
              sameThread[i].set_value(!outcome.error && std::this_thread::get_id() == caller);
            });
      });
    }
    for (auto& promise : sameThread) {
      auto future = promise.get_future();
      ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
      EXPECT_TRUE(future.get());
    }
    // Off the loops (a probe), the query is posted to a loop.
    EXPECT_EQ(column(run(source, "SELECT 3 AS three"), "three"), Value::integer(3));
    EXPECT_GE(source.stats().connects, 2u);  // pool 4 over 2 loops: 2 each, opened as needed
    EXPECT_LE(source.stats().connects, 4u);
  }
  // A source outliving its loops: they stop, PostgresLoops closes its connections, then it goes.
  PostgresSource late(postgresConfig("pg_loops_late", 2), loops);
  EXPECT_EQ(column(run(late, "SELECT 4 AS four"), "four"), Value::integer(4));
  for (auto& context : contexts) context->stop();
  for (auto& thread : threads) thread.join();
  loops->stop();
  // Stopped loops: the source runs what comes on its private loop.
  EXPECT_EQ(column(run(late, "SELECT 5 AS five"), "five"), Value::integer(5));
}

}  // namespace
}  // namespace oncegate
