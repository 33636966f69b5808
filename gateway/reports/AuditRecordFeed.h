#pragma once

#include <chrono>
#include <functional>
#include <string_view>

namespace oncegate {

// Where a report reads the audit records of a period from: this instance's own trail
// (TrailRecordFeed) or the central audit record every instance ships to (StoreRecordFeed). The
// report adds the records up the same way whichever it is.
class AuditRecordFeed {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  virtual ~AuditRecordFeed() = default;

  // "trail" or "store": what the report says it was computed from.
  virtual std::string_view name() const = 0;

  // Calls `visit` with every audit line (the JSON as written) of a data request recorded at or
  // after `from` and before `to`, in no particular order; it may pass other lines too, which
  // the caller passes over. Throws Error when the records cannot be read.
  virtual void each(TimePoint from, TimePoint to,
                    const std::function<void(std::string_view line)>& visit) = 0;
};

}  // namespace oncegate
