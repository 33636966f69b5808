#include "connectors/Source.h"

#include <future>
#include <utility>

namespace oncegate {

QueryOutcome Source::executeAndWait(SourceQuery query, Clock::time_point deadline) {
  std::promise<QueryOutcome> answered;
  auto outcome = answered.get_future();
  execute(std::move(query), deadline,
          [&answered](QueryOutcome result) { answered.set_value(std::move(result)); });
  return outcome.get();  // a source completes every query exactly once
}

}  // namespace oncegate
