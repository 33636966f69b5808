#include "connectors/Source.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace oncegate {

namespace {

// Shared with the completion, which may run after executeAndWait has given up and returned.
struct AwaitedOutcome {
  std::mutex mutex;
  std::condition_variable answered;
  std::optional<QueryOutcome> outcome;
};

}  // namespace

QueryOutcome Source::executeAndWait(SourceQuery query, Clock::time_point deadline) {
  auto awaited = std::make_shared<AwaitedOutcome>();
  execute(std::move(query), deadline, [awaited](QueryOutcome result) {
    {
      std::lock_guard lock(awaited->mutex);
      awaited->outcome = std::move(result);
    }
    awaited->answered.notify_all();
  });
  std::unique_lock lock(awaited->mutex);
  if (!awaited->answered.wait_until(lock, deadline + kWaitGrace,
                                    [&] { return awaited->outcome.has_value(); })) {
    return QueryOutcome{
        std::nullopt,
        Error(ErrorCode::SourceTimeout, "source '" + id() + "' did not answer in time",
              "no completion " + std::to_string(kWaitGrace.count()) + "ms past the deadline"),
        {}};
  }
  return std::move(*awaited->outcome);
}

}  // namespace oncegate
