#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <regex>
#include <thread>

#include "TestServers.h"
#include "common/Error.h"
#include "connectors/odbc/OdbcClient.h"
#include "connectors/odbc/OdbcSource.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;

// A PostgreSQL backend stopped with SIGSTOP: its host is "frozen" (neither statement_timeout nor
// SQLCancel ends a call on it). Always thawed again, whatever the test did.
class FrozenBackend {
 public:
  explicit FrozenBackend(std::int64_t pid) : pid_(static_cast<pid_t>(pid)) {
    EXPECT_EQ(::kill(pid_, SIGSTOP), 0);
  }
  ~FrozenBackend() { thaw(); }
  FrozenBackend(const FrozenBackend&) = delete;
  FrozenBackend& operator=(const FrozenBackend&) = delete;
  void thaw() {
    if (frozen_) ::kill(pid_, SIGCONT);
    frozen_ = false;
  }

 private:
  pid_t pid_;
  bool frozen_ = true;
};

// Polls `condition` until it holds or `limit` passes; whether it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

bool backendAlive(std::int64_t pid) {
  odbc::OdbcClient client(testing::postgresOdbc(), "test observer");
  const auto rows =
      client.query("SELECT count(*) FROM pg_stat_activity WHERE pid = ?", {Value::integer(pid)});
  return !rows.empty() && rows[0].values.at(0).asInt() > 0;
}

// psqlODBC against the test PostgreSQL server (scripts/test-servers.sh).
class OdbcSourcePostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::runPostgresSql(
        "DROP TABLE IF EXISTS conn_test_person;\n"
        "CREATE TABLE conn_test_person (id_card text PRIMARY KEY, name varchar(40), note text,\n"
        "  age integer, big bigint, salary numeric(12,2), birth_date date, updated_at timestamp,\n"
        "  active boolean);\n"
        "INSERT INTO conn_test_person VALUES\n"
        "  ('330102196001010011', '张三', '退休人员，工龄三十五年', 64, 9007199254740993,\n"
        "   108618.50, '1960-01-01', '2026-01-31 08:00:00', true),\n"
        "  ('330102199605060022', 'Li Si', NULL, NULL, NULL, NULL, NULL,\n"
        "   '2026-02-01 09:30:15.25', false);\n");
  }

  static void TearDownTestSuite() {
    testing::runPostgresSql("DROP TABLE IF EXISTS conn_test_person;");
  }

  static SourceConfig config(int pool = 2) {
    SourceConfig config;
    config.id = "pg";
    config.department = "Test";
    config.odbc = testing::postgresOdbc();
    config.pool = pool;
    config.timeout = 2s;
    config.retry = 1s;
    return config;
  }

  static QueryOutcome run(Source& source, std::string sql, std::vector<Value> params = {},
                          Source::Clock::duration budget = 10s) {
    std::promise<QueryOutcome> promise;
    auto future = promise.get_future();
    source.execute(SourceQuery{std::move(sql), std::move(params)}, Source::Clock::now() + budget,
                   [&promise](QueryOutcome outcome) { promise.set_value(std::move(outcome)); });
    EXPECT_EQ(future.wait_for(20s), std::future_status::ready);
    return future.get();
  }

  static Value column(const QueryOutcome& outcome, std::string_view name) {
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
};

TEST_F(OdbcSourcePostgresTest, FetchesEachTypeExactly) {
  OdbcSource source(config());
  const auto outcome = run(source,
                           "SELECT id_card, name, note, age, big, salary, birth_date, updated_at, "
                           "active FROM conn_test_person WHERE id_card = ?",
                           {Value::string("330102196001010011")});
  EXPECT_EQ(column(outcome, "id_card"), Value::string("330102196001010011"));
  EXPECT_EQ(column(outcome, "name"), Value::string("张三"));
  EXPECT_EQ(column(outcome, "note"), Value::string("退休人员，工龄三十五年"));
  EXPECT_EQ(column(outcome, "age"), Value::integer(64));
  EXPECT_EQ(column(outcome, "big"), Value::integer(9007199254740993));
  EXPECT_EQ(column(outcome, "salary"), Value::decimal("108618.50"));
  EXPECT_EQ(column(outcome, "birth_date"), Value::date("1960-01-01"));
  EXPECT_EQ(column(outcome, "updated_at"), Value::datetime("2026-01-31T08:00:00"));
  EXPECT_EQ(column(outcome, "active"), Value::boolean(true));
}

TEST_F(OdbcSourcePostgresTest, NullsAndFractionsOfSeconds) {
  OdbcSource source(config());
  const auto outcome = run(source,
                           "SELECT note, age, big, salary, birth_date, updated_at, active "
                           "FROM conn_test_person WHERE id_card = ?",
                           {Value::string("330102199605060022")});
  EXPECT_EQ(column(outcome, "note"), Value::null());
  EXPECT_EQ(column(outcome, "age"), Value::null());
  EXPECT_EQ(column(outcome, "big"), Value::null());
  EXPECT_EQ(column(outcome, "salary"), Value::null());
  EXPECT_EQ(column(outcome, "birth_date"), Value::null());
  EXPECT_EQ(column(outcome, "updated_at"), Value::datetime("2026-02-01T09:30:15.250"));
  EXPECT_EQ(column(outcome, "active"), Value::boolean(false));
}

TEST_F(OdbcSourcePostgresTest, BindsEachKindOfParameter) {
  OdbcSource source(config());
  EXPECT_EQ(column(run(source, "SELECT id_card FROM conn_test_person WHERE name = ?",
                       {Value::string("张三")}),
                   "id_card"),
            Value::string("330102196001010011"));
  EXPECT_EQ(
      column(run(source, "SELECT name FROM conn_test_person WHERE age = ?", {Value::integer(64)}),
             "name"),
      Value::string("张三"));
  EXPECT_EQ(column(run(source, "SELECT name FROM conn_test_person WHERE salary = ?",
                       {Value::decimal("108618.50")}),
                   "name"),
            Value::string("张三"));
  EXPECT_EQ(column(run(source, "SELECT name FROM conn_test_person WHERE birth_date = ?",
                       {Value::date("1960-01-01")}),
                   "name"),
            Value::string("张三"));
  EXPECT_EQ(column(run(source, "SELECT name FROM conn_test_person WHERE active = ?",
                       {Value::boolean(false)}),
                   "name"),
            Value::string("Li Si"));
  EXPECT_EQ(column(run(source, "SELECT coalesce(?, 'was null') AS v", {Value::null()}), "v"),
            Value::string("was null"));
}

TEST_F(OdbcSourcePostgresTest, InjectionTextIsBoundNeverSpliced) {
  OdbcSource source(config());
  const auto outcome = run(source, "SELECT name FROM conn_test_person WHERE id_card = ?",
                           {Value::string("' OR 1=1 --")});
  EXPECT_FALSE(outcome.error);
  EXPECT_FALSE(outcome.row);
}

TEST_F(OdbcSourcePostgresTest, ADescribeOnlyQueryGivesTheColumnsWithNullParams) {
  OdbcSource source(config());
  SourceQuery query{"SELECT 1 AS one, 'x'::text AS label WHERE ?::text IS NOT NULL",
                    {Value::null()}};
  query.describeOnly = true;
  const auto outcome = source.executeAndWait(std::move(query), Source::Clock::now() + 5s);
  ASSERT_FALSE(outcome.error) << outcome.error->detail();
  EXPECT_EQ(outcome.columns, (std::vector<std::string>{"one", "label"}));
}

TEST_F(OdbcSourcePostgresTest, MoreThanOneRowIsAnError) {
  OdbcSource source(config());
  const auto outcome = run(source, "SELECT name FROM conn_test_person");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_NE(outcome.error->message().find("more than one row"), std::string::npos);
}

TEST_F(OdbcSourcePostgresTest, SlowQueryTimesOutWithSqlstate) {
  auto settings = config(1);
  settings.timeout = 1s;
  OdbcSource source(settings);
  const auto start = Source::Clock::now();
  const auto outcome = run(source, "SELECT pg_sleep(5)");
  const auto elapsed = Source::Clock::now() - start;
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::SourceTimeout) << outcome.error->detail();
  EXPECT_FALSE(outcome.error->sqlstate().empty());
  EXPECT_EQ(outcome.error->message(), "source 'pg' did not answer in time");
  EXPECT_LT(elapsed, 3s);
  // The source keeps working after a timeout.
  EXPECT_EQ(column(run(source, "SELECT 1 AS one"), "one"), Value::integer(1));
  EXPECT_EQ(source.stats().failures, 1u);
}

TEST_F(OdbcSourcePostgresTest, KilledBackendConnectionIsReplaced) {
  OdbcSource source(config(1));
  const Value pid = column(run(source, "SELECT pg_backend_pid() AS pid"), "pid");
  ASSERT_EQ(pid.kind(), ValueKind::Int);
  EXPECT_EQ(source.stats().connects, 1u);

  testing::runPostgresSql("SELECT pg_terminate_backend(" + pid.toString() + ");");
  std::this_thread::sleep_for(100ms);

  const Value next = column(run(source, "SELECT pg_backend_pid() AS pid"), "pid");
  ASSERT_EQ(next.kind(), ValueKind::Int);
  EXPECT_NE(next, pid);
  EXPECT_EQ(source.stats().connects, 2u);
}

TEST_F(OdbcSourcePostgresTest, WrongPortGivesSourceUnavailableQuicklyWithoutThePassword) {
  auto settings = config(1);
  settings.odbc = std::regex_replace(testing::postgresOdbc(), std::regex("Port=[0-9]+"), "Port=1") +
                  ";PWD=topsecret";
  const auto start = Source::Clock::now();
  OdbcSource source(settings);
  const auto outcome = run(source, "SELECT 1");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::SourceUnavailable);
  EXPECT_EQ(outcome.error->message(), "source 'pg' cannot be reached");
  EXPECT_FALSE(outcome.error->sqlstate().empty());
  EXPECT_EQ(outcome.error->detail().find("topsecret"), std::string::npos)
      << outcome.error->detail();
  EXPECT_NE(outcome.error->detail().find("Port=1"), std::string::npos) << outcome.error->detail();
  EXPECT_LT(Source::Clock::now() - start, 2s);
  EXPECT_EQ(source.stats().connects, 0u);
}

TEST_F(OdbcSourcePostgresTest, AFrozenBackendsQueryIsGivenUpOnAndItsWorkerReplaced) {
  auto settings = config(1);
  settings.timeout = 1s;
  OdbcSource source(settings);
  const auto pid = column(run(source, "SELECT pg_backend_pid() AS pid"), "pid").asInt();
  FrozenBackend frozen(pid);

  const auto start = Source::Clock::now();
  const auto outcome = run(source, "SELECT 1 AS one");
  const auto elapsed = Source::Clock::now() - start;
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::SourceTimeout);
  EXPECT_EQ(outcome.error->message(), "source 'pg' did not answer in time");
  EXPECT_NE(outcome.error->detail().find("given up on"), std::string::npos)
      << outcome.error->detail();
  EXPECT_GE(elapsed, 1s + OdbcSource::kCancelGrace + OdbcSource::kGiveUpAfter);
  EXPECT_LT(elapsed, 1s + OdbcSource::kCancelGrace + OdbcSource::kGiveUpAfter + 1s);
  EXPECT_EQ(source.stats().abandoned, 1u);
  EXPECT_EQ(source.stats().timeouts, 1u);

  // The slot's replacement worker answers on a fresh connection while the backend stays frozen.
  const auto next = run(source, "SELECT pg_backend_pid() AS pid");
  EXPECT_NE(column(next, "pid").asInt(), pid);
  EXPECT_EQ(source.stats().connects, 2u);
  EXPECT_EQ(source.stats().inUse, 0u);

  // Thawed, the abandoned worker's call returns: it closes its connection and exits quietly.
  frozen.thaw();
  EXPECT_TRUE(eventually([&] { return source.stats().abandoned == 0; }, 10s));
  EXPECT_TRUE(eventually([&] { return !backendAlive(pid); }, 10s));
  EXPECT_EQ(source.stats().timeouts, 1u);
  EXPECT_EQ(column(run(source, "SELECT 2 AS two"), "two"), Value::integer(2));
}

TEST_F(OdbcSourcePostgresTest, DestructionReturnsWithinItsBoundWhileABackendIsFrozen) {
  auto settings = config(1);
  settings.timeout = 30s;  // the destructor, not the watchdog, must end this wait
  auto source = std::make_unique<OdbcSource>(settings);
  const auto pid = column(run(*source, "SELECT pg_backend_pid() AS pid"), "pid").asInt();
  FrozenBackend frozen(pid);

  auto completions = std::make_shared<std::atomic<int>>(0);
  auto message = std::make_shared<std::string>();
  source->execute(SourceQuery{"SELECT 1", {}}, Source::Clock::now() + 60s,
                  [completions, message](QueryOutcome outcome) {
                    if (outcome.error) *message = outcome.error->message();
                    ++*completions;
                  });
  ASSERT_TRUE(eventually([&] { return source->stats().inUse == 1; }, 5s));

  const auto start = Source::Clock::now();
  source.reset();
  const auto elapsed = Source::Clock::now() - start;
  EXPECT_LT(elapsed, OdbcSource::kShutdownWait + 1s);
  EXPECT_EQ(completions->load(), 1);
  EXPECT_EQ(*message, "source 'pg' is shutting down");

  frozen.thaw();
  EXPECT_TRUE(eventually([&] { return !backendAlive(pid); }, 10s));
  EXPECT_EQ(completions->load(), 1);  // the abandoned thread never completes the job again
}

TEST_F(OdbcSourcePostgresTest, AQueryRefusedByAFullQueueCompletesAtOnce) {
  auto settings = config(1);
  settings.timeout = 10s;
  OdbcSource source(settings);
  auto answered = std::make_shared<std::atomic<int>>(0);
  const auto deadline = Source::Clock::now() + 20s;
  // Busy long enough for the queue to fill and the refusal to come back, and short enough to end
  // within the destructor's wait: a worker abandoned at the end would still be inside the driver
  // when the test process exits (ThreadSanitizer then sees psqlODBC tear down its globals under
  // it).
  source.execute(SourceQuery{"SELECT pg_sleep(1.5)", {}}, deadline,
                 [answered](QueryOutcome) { ++*answered; });
  ASSERT_TRUE(eventually([&] { return source.stats().inUse == 1; }, 5s));
  for (std::size_t i = 0; i < OdbcSource::kQueuePerWorker; ++i) {
    source.execute(SourceQuery{"SELECT 1", {}}, deadline,
                   [answered](QueryOutcome) { ++*answered; });
  }
  EXPECT_EQ(source.stats().queued, OdbcSource::kQueuePerWorker);
  auto refused = std::make_shared<std::promise<QueryOutcome>>();
  auto outcome = refused->get_future();
  source.execute(SourceQuery{"SELECT 1", {}}, deadline,
                 [refused](QueryOutcome result) { refused->set_value(std::move(result)); });
  ASSERT_EQ(outcome.wait_for(1s), std::future_status::ready);
  const auto result = outcome.get();
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->message(), "source 'pg' has too many queued queries");
  EXPECT_EQ(answered->load(), 0);  // the busy worker had nothing to do with it
}

TEST_F(OdbcSourcePostgresTest, AWideValueLongerThanMaxValueFailsItsQuery) {
  OdbcSource source(config(1));
  // 30000 characters: 60000 bytes of UTF-16 from the driver, 90000 of UTF-8: over 64 KiB.
  const auto outcome = run(source, "SELECT repeat('张', 30000) AS big");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->sqlstate(), "22001");
  EXPECT_NE(outcome.error->detail().find("column 'big'"), std::string::npos);
  const auto fits = run(source, "SELECT repeat('张', 20000) AS big");
  ASSERT_FALSE(fits.error) << fits.error->detail();
  EXPECT_EQ(column(fits, "big").text().size(), 60000u);
}

}  // namespace
}  // namespace oncegate
