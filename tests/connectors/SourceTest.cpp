#include <gtest/gtest.h>

#include <mutex>
#include <utility>

#include "connectors/Source.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;

// A source that keeps every completion and runs none until told to: a database that never
// answers, behind a source that fails to bound it.
class SilentSource : public Source {
 public:
  const std::string& id() const override { return id_; }
  void execute(SourceQuery, Clock::time_point, Completion done) override {
    std::lock_guard lock(mutex_);
    pending_ = std::move(done);
  }
  SourceStats stats() const override { return {}; }

  void answerLate() {
    Completion done;
    {
      std::lock_guard lock(mutex_);
      done = std::move(pending_);
    }
    done(QueryOutcome{Row{{"n"}, {Value::integer(1)}}, std::nullopt, {}});
  }

 private:
  std::string id_ = "silent";
  std::mutex mutex_;
  Completion pending_;
};

TEST(SourceTest, ExecuteAndWaitGivesUpAfterTheDeadlineAndItsGrace) {
  SilentSource source;
  const auto start = Source::Clock::now();
  const auto outcome = source.executeAndWait(SourceQuery{"SELECT 1", {}}, start + 100ms);
  const auto waited = Source::Clock::now() - start;
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::SourceTimeout);
  EXPECT_EQ(outcome.error->message(), "source 'silent' did not answer in time");
  EXPECT_GE(waited, 100ms + Source::kWaitGrace);
  EXPECT_LT(waited, 100ms + Source::kWaitGrace + 1s);
  // The completion that comes after the caller has gone touches only shared state.
  source.answerLate();
}

TEST(SourceTest, ExecuteAndWaitReturnsTheAnswerAsSoonAsItComes) {
  class ImmediateSource : public Source {
   public:
    const std::string& id() const override { return id_; }
    void execute(SourceQuery, Clock::time_point, Completion done) override {
      done(QueryOutcome{std::nullopt, std::nullopt, {"a"}});
    }
    SourceStats stats() const override { return {}; }

   private:
    std::string id_ = "now";
  } source;
  const auto outcome =
      source.executeAndWait(SourceQuery{"SELECT 1", {}}, Source::Clock::now() + 1h);
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.columns, (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace oncegate
