#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace oncegate {

class AuditLog;

// Refusals of requests without valid credentials (401 on /v1 and /admin/v1), audited in
// aggregate: one record per remote address and interval says how many there were, between which
// times, on which routes. Anyone can send them, so one record each (fsynced, with text the sender
// chose) would let anyone fill the audit disk; these records hold no text from the request, and
// their number is bounded by the interval and by maxAddresses (past it, further addresses are
// counted together as kOtherAddresses).
// count() takes a lock and touches one map entry; a thread of its own writes the records when an
// interval ends, and stop() (or the destructor) writes what was counted so far, so a shutdown
// loses nothing: destroy it before the audit log, after everything that calls count().
class RefusalTally {
 public:
  static constexpr std::chrono::milliseconds kDefaultInterval{10'000};
  static constexpr std::size_t kDefaultMaxAddresses = 1024;
  // Routes are templates from a closed set; this bounds an entry even if a caller passed others.
  static constexpr std::size_t kMaxRoutesPerAddress = 16;
  static constexpr std::string_view kEvent = "unauthenticated_refusals";
  static constexpr std::string_view kOtherAddresses = "(other)";
  static constexpr std::string_view kOtherRoutes = "(other)";

  explicit RefusalTally(AuditLog& log, std::chrono::milliseconds interval = kDefaultInterval,
                        std::size_t maxAddresses = kDefaultMaxAddresses);
  ~RefusalTally();
  RefusalTally(const RefusalTally&) = delete;
  RefusalTally& operator=(const RefusalTally&) = delete;

  // One refusal from `remoteAddress` (an IP address as the server saw it) on `route` (a route
  // template, never the path as sent).
  void count(std::string_view remoteAddress, std::string_view route);
  // Ends the interval now: appends one record per address counted since the last one.
  void flush();
  // Flushes and stops the thread; count() after it still counts, flush() writes it.
  void stop();

 private:
  using TimePoint = std::chrono::system_clock::time_point;
  struct Tally {
    std::uint64_t refusals = 0;
    TimePoint first;
    TimePoint last;
    std::vector<std::pair<std::string, std::uint64_t>> routes;
  };
  using Tallies = std::unordered_map<std::string, Tally>;

  static void add(Tally& tally, std::string_view route, TimePoint now);
  void write(const std::string& address, const Tally& tally);
  void run();

  AuditLog& log_;
  const std::chrono::milliseconds interval_;
  const std::size_t maxAddresses_;
  std::mutex mutex_;
  std::condition_variable wake_;
  Tallies tallies_;  // at most maxAddresses_ entries, plus the one for kOtherAddresses
  bool stopping_ = false;
  std::mutex flushing_;  // one flush at a time, so that records of an address keep their order
  std::thread thread_;
};

}  // namespace oncegate
