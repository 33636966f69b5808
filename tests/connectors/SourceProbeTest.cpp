#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/Error.h"
#include "connectors/SourceProbe.h"
#include "connectors/odbc/OdbcSource.h"

namespace oncegate {
namespace {

// A source that answers from a script, and records what it was asked.
class ScriptedSource : public Source {
 public:
  explicit ScriptedSource(std::vector<QueryOutcome> answers) : answers_(std::move(answers)) {}
  const std::string& id() const override { return id_; }
  void execute(SourceQuery query, Clock::time_point, Completion done) override {
    asked.push_back(query.sql);
    auto answer = answers_.at(asked.size() - 1);
    done(std::move(answer));
  }
  SourceStats stats() const override { return {}; }
  std::vector<std::string> asked;

 private:
  std::string id_ = "scripted";
  std::vector<QueryOutcome> answers_;
};

SourceConfig configWithPassword() {
  SourceConfig config;
  config.id = "tax";
  config.odbc = "Driver=PostgreSQL Unicode;Server=db;Uid=tax;PWD=hunter2";
  config.odbcAsWritten = config.odbc;
  config.pool = 8;
  return config;
}

TEST(SourceProbeTest, AsksTwiceOnOneConnectionAndReportsBothTimes) {
  std::shared_ptr<ScriptedSource> opened;
  int pool = 0;
  const auto result = SourceProbe::run(configWithPassword(), [&](const SourceConfig& config) {
    pool = config.pool;
    opened = std::make_shared<ScriptedSource>(
        std::vector<QueryOutcome>{{Row{}, {}, {}}, {Row{}, {}, {}}});
    return opened;
  });
  EXPECT_TRUE(result.ok);
  EXPECT_FALSE(result.error);
  EXPECT_EQ(pool, 1);
  EXPECT_EQ(opened->asked, (std::vector<std::string>{"SELECT 1", "SELECT 1"}));
  EXPECT_EQ(result.source, "tax");
  EXPECT_EQ(result.connection, "Driver=PostgreSQL Unicode;Server=db;Uid=tax;PWD=***");
  EXPECT_GE(result.withConnect.count(), 0.0);
}

TEST(SourceProbeTest, ReportsTheDriversErrorWithThePasswordBlanked) {
  const auto result = SourceProbe::run(configWithPassword(), [](const SourceConfig&) {
    QueryOutcome failed;
    failed.error = Error(ErrorCode::SourceUnavailable, "source tax is unavailable",
                         "FATAL: password authentication failed (PWD=hunter2)", "28P01");
    return std::make_shared<ScriptedSource>(std::vector<QueryOutcome>{failed});
  });
  ASSERT_FALSE(result.ok);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->sqlstate(), "28P01");
  EXPECT_EQ(result.error->detail(), "FATAL: password authentication failed (PWD=***)");
}

TEST(SourceProbeTest, ReportsASourceThatCannotBeOpened) {
  const auto result = SourceProbe::run(configWithPassword(), [](const SourceConfig&) {
    throw Error(ErrorCode::SourceUnavailable, "no driver for hunter2");
    return std::shared_ptr<Source>();
  });
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.error->message(), "no driver for ***");
}

TEST(SourceProbeTest, AnswersThroughTheRealSqliteDriver) {
  SourceConfig config;
  config.id = "local";
  config.odbc =
      "Driver=SQLite3;Database=" + (std::filesystem::temp_directory_path() /
                                    ("oncegate-probe-" + std::to_string(::getpid()) + ".db"))
                                       .string();
  const auto result = SourceProbe::run(config, [](const SourceConfig& single) {
    return std::shared_ptr<Source>(makeOdbcSource(single));
  });
  EXPECT_TRUE(result.ok) << (result.error ? result.error->message() : "");
  EXPECT_GT(result.withConnect.count(), 0.0);
  EXPECT_GT(result.onOpenConnection.count(), 0.0);
}

}  // namespace
}  // namespace oncegate
