#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/AuditedRequest.h"

namespace oncegate {

// Reads the most recent records of an audit trail, newest first, without loading the file: it
// reads backwards in blocks and stops as soon as it has enough, or once records are older than
// the window asked for. When the current file runs out it goes on into the files rotation renamed
// it to (PATH.<UTC time>), newest first. Torn or malformed lines (the last one may be half
// written) are skipped and counted, never fatal.
class AuditTrailReader {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // Most records an answer holds, whatever limit is asked.
  static constexpr std::size_t kMaxLimit = 1000;
  static constexpr std::size_t kDefaultLimit = 100;
  // Bytes read per step backwards.
  static constexpr std::size_t kBlockSize = 64 * 1024;
  // Most bytes one call reads: a filter that matches nothing must not make an admin call read a
  // whole 1 GB trail. `Scan::budgetExhausted` says when it stopped there.
  static constexpr std::uint64_t kDefaultScanBudget = 256ULL * 1024 * 1024;
  // Records are timestamped just before they are queued, so concurrent requests may reach the
  // file slightly out of time order: scanning stops only at records this much older than `since`.
  static constexpr std::chrono::seconds kClockSlack{5};
  // The years parseTime accepts: nanoseconds since 1970 in 64 bits end in 2262.
  static constexpr int kMinYear = 1970;
  static constexpr int kMaxYear = 2200;

  // The data-request routes, the ones a policy replay reads.
  static constexpr std::string_view kResolveRoute = "/v1/resolve";
  static constexpr std::string_view kVerifyRoute = "/v1/verify";

  // Which records to return. Every condition given must hold.
  struct Filter {
    std::size_t limit = kDefaultLimit;  // clamped to [1, kMaxLimit]
    std::optional<TimePoint> since;     // time >= since
    std::optional<TimePoint> until;     // time < until
    // Routes; one ending in '*' matches every route that starts with what precedes it
    // ("/admin/v1/policies*"), any other matches exactly. Empty: any.
    std::vector<std::string> routes;
    std::optional<std::string> client;  // exact client id
    std::uint64_t scanBudget = kDefaultScanBudget;
  };

  // How a call went, for the auditor to judge how complete the answer is.
  struct Scan {
    std::size_t linesRead = 0;
    std::size_t skipped = 0;       // torn, malformed, or not an audit record
    bool limitReached = false;     // older matching records may exist
    bool budgetExhausted = false;  // stopped after scanBudget bytes, before the window's start
  };

  struct Lines {
    std::vector<std::string> lines;  // raw JSON lines as in the file (each one valid JSON)
    Scan scan;
  };

  struct Requests {
    std::vector<AuditedRequest> requests;
    Scan scan;
  };

  explicit AuditTrailReader(std::filesystem::path path, std::size_t blockSize = kBlockSize);

  // The newest matching lines, newest first: for GET /admin/v1/audit. Throws Error(NotFound)
  // naming the path when the file cannot be read.
  Lines recentLines(const Filter& filter) const;

  // The newest matching data requests, newest first: for a policy replay. `filter.routes` empty
  // means /v1/resolve and /v1/verify; records without a client (refused keys) are left out, as
  // there is no policy to replay for them. Throws like recentLines.
  Requests recentRequests(Filter filter) const;

  // Every matching line, newest first, however many (`filter.limit` does not apply; the scan
  // budget does): for a report that adds up a whole period. Throws like recentLines.
  Scan eachLine(const Filter& filter, const std::function<void(std::string_view)>& visit) const;

  // Reads "2026-03-31", "2026-03-31T17:45:10Z" or "2026-03-31T17:45:10.123Z" (UTC; a
  // fraction of any length). nullopt when malformed: query parameters come from users.
  static std::optional<TimePoint> parseTime(std::string_view text);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::size_t blockSize_;
};

}  // namespace oncegate
