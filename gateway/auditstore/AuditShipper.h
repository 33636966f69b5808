#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace oncegate {

// Ships an instance's local audit trail (the source of truth) to the central audit record, on a
// thread of its own: it reads the trail files itself, after the writer wrote them (it polls the
// file: the writer, and so every answer, never waits for it), and writes batches of up to
// kBatchLines lines, each in one transaction with the instance's new position
// (AuditStoreWriter). A batch goes as soon as it is read: at most kBatchLines behind, or one
// poll interval, whichever comes first.
//
// On start it resumes after the stored position; when the trail does not continue what was
// shipped (the file was replaced, cut or altered), or another process ships under the same
// instance name, it says so in the log, counts a failure and ships nothing more for this
// instance until restarted (readiness is not affected: the local trail is still the truth).
// While the store is down it retries with a growing delay; the trail keeps growing and is
// caught up afterwards. A line torn by a crash is not part of the chain and is not shipped.
class AuditShipper {
 public:
  static constexpr std::size_t kBatchLines = 500;
  static constexpr std::chrono::milliseconds kPollInterval{200};
  static constexpr std::chrono::milliseconds kFirstRetryDelay{250};
  static constexpr std::chrono::milliseconds kMaxRetryDelay{30000};
  // How long the destructor goes on shipping what is left before it gives up (the rest ships
  // at the next start).
  static constexpr std::chrono::milliseconds kStopBound{5000};
  static constexpr std::chrono::seconds kStatementTimeout{10};

  struct Options {
    std::string store;     // ODBC connection string (secret: never logged unredacted)
    std::string instance;  // the trail's name in the store
    std::filesystem::path path;
    std::string hashKey;  // gateway.yaml's hash_key: the subject index's key is derived from it
    std::chrono::milliseconds pollInterval = kPollInterval;
    std::chrono::milliseconds firstRetryDelay = kFirstRetryDelay;
    std::chrono::milliseconds maxRetryDelay = kMaxRetryDelay;
    std::chrono::milliseconds stopBound = kStopBound;
  };

  // What /metrics shows.
  struct Stats {
    std::uint64_t backlogBytes = 0;  // of the trail, not shipped yet
    double lagSeconds = 0;           // age of the oldest record read and not shipped; 0 if none
    std::uint64_t shippedRecords = 0;
    std::uint64_t failures = 0;  // failed attempts (store down), and the reasons to stop
    bool halted = false;         // shipping stopped for good (see above)
  };

  // Starts the thread; the store need not be up.
  explicit AuditShipper(Options options);
  // Ships what it can within stopBound, then stops.
  ~AuditShipper();
  AuditShipper(const AuditShipper&) = delete;
  AuditShipper& operator=(const AuditShipper&) = delete;

  Stats stats() const;

  // The chain position of the last line stored (0 before the first).
  std::int64_t shippedSeq() const;
  // Waits until the line at chain position `seq` is stored, shipping halted, or `timeout`;
  // true in the first case.
  bool waitShipped(std::int64_t seq, std::chrono::milliseconds timeout) const;

 private:
  void run();
  // Waits `duration`, or less when asked to stop; false when stopping.
  bool pause(std::chrono::milliseconds duration);
  void halt(const std::string& why);
  // Backlog and lag while this shipper does not know where the store's position is in the trail.
  void showUnpositionedBacklog();

  Options options_;
  std::string redactedStore_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stopDeadline_;
  Stats stats_;
  std::optional<std::chrono::system_clock::time_point> oldestUnshipped_;
  std::int64_t shippedSeq_ = 0;
  std::thread thread_;
};

}  // namespace oncegate
