#include "gateway/auditstore/AuditShipper.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <vector>

#include "common/Error.h"
#include "connectors/SourceConfig.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/auditstore/AuditShippingPosition.h"
#include "gateway/auditstore/AuditStoreSchema.h"
#include "gateway/auditstore/AuditStoreWriter.h"
#include "gateway/auditstore/AuditTrailCursor.h"
#include "gateway/auditstore/ShippedLine.h"

namespace oncegate {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kRotationEvent = "audit_log_rotated";

// "2026-12-05T01:02:03.456Z" (what the writer puts in "time"); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parseTime(std::string_view text) {
  std::tm tm{};
  int millis = 0;
  if (text.size() < 20 ||
      std::sscanf(std::string(text).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year,
                  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) < 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const auto seconds = timegm(&tm);
  if (seconds < 0) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
}

}  // namespace

AuditShipper::AuditShipper(Options options)
    : options_(std::move(options)), redactedStore_(redactConnectionString(options_.store)) {
  thread_ = std::thread([this] { run(); });
}

AuditShipper::~AuditShipper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stopDeadline_ = Clock::now() + options_.stopBound;
  }
  changed_.notify_all();
  thread_.join();
}

AuditShipper::Stats AuditShipper::stats() const {
  std::lock_guard lock(mutex_);
  Stats stats = stats_;
  if (oldestUnshipped_) {
    const std::chrono::duration<double> age = std::chrono::system_clock::now() - *oldestUnshipped_;
    stats.lagSeconds = std::max(0.0, age.count());
  }
  return stats;
}

std::int64_t AuditShipper::shippedSeq() const {
  std::lock_guard lock(mutex_);
  return shippedSeq_;
}

bool AuditShipper::waitShipped(std::int64_t seq, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return shippedSeq_ >= seq || stats_.halted; });
  return shippedSeq_ >= seq;
}

bool AuditShipper::pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    // Stopping: retries go on until the deadline, polls end at once (the caller is caught up).
    const auto until = std::min(Clock::now() + duration, stopDeadline_);
    changed_.wait_until(lock, until, [] { return false; });
    return false;
  }
  changed_.wait_for(lock, duration, [this] { return stopping_; });
  return !stopping_;
}

void AuditShipper::halt(const std::string& why) {
  spdlog::error(
      "audit shipping of instance '{}' to {} stopped: {}. The local trail {} stays the record; "
      "find out what happened, then restart the gateway to ship again",
      options_.instance, redactedStore_, why, options_.path.string());
  std::lock_guard lock(mutex_);
  ++stats_.failures;
  stats_.halted = true;
  changed_.notify_all();
}

void AuditShipper::showUnpositionedBacklog() {
  // Where shipping stands is in the store: without it, the whole current file and the age of its
  // first record are what may be waiting (upper bounds).
  std::error_code error;
  const auto size = std::filesystem::file_size(options_.path, error);
  const auto first = AuditTrailCursor::firstLineOf(options_.path);
  const auto parsed = first ? ShippedLine::parse(*first, options_.hashKey) : std::nullopt;
  std::lock_guard lock(mutex_);
  stats_.backlogBytes = error ? 0 : size;
  oldestUnshipped_ = parsed ? parseTime(parsed->time) : std::nullopt;
}

void AuditShipper::run() {
  AuditTrailCursor cursor(options_.path);
  std::unique_ptr<odbc::OdbcClient> client;
  std::unique_ptr<AuditStoreWriter> writer;
  std::optional<AuditShippingPosition> stored;  // as this shipper last knew it
  bool positioned = false;
  std::vector<ShippedLine> pending;  // read, not stored yet (kept across failures)
  AuditShippingPosition pendingEnd;  // the position once `pending` is stored
  bool readAll = false;              // the last read took every whole line there was
  auto delay = options_.firstRetryDelay;
  bool failing = false;

  const auto stoppingNow = [this] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  const auto pastDeadline = [this] {
    std::lock_guard lock(mutex_);
    return stopping_ && Clock::now() >= stopDeadline_;
  };

  while (true) {
    if (pastDeadline()) {
      spdlog::warn(
          "audit shipping of instance '{}': stopped with about {} bytes of the trail not "
          "shipped; they are shipped at the next start",
          options_.instance, stats().backlogBytes);
      return;
    }
    try {
      if (!writer) {
        client =
            std::make_unique<odbc::OdbcClient>(options_.store, "audit store", kStatementTimeout);
        createAuditStoreSchema(*client);
        writer = std::make_unique<AuditStoreWriter>(*client, options_.instance);
        const auto current = writer->position();
        if (positioned && current != stored) {
          // The last batch may have been committed with its reply lost.
          if (!pending.empty() && current == pendingEnd) {
            stored = current;
            std::lock_guard lock(mutex_);
            stats_.shippedRecords += pending.size();
            shippedSeq_ = pendingEnd.seq;
            pending.clear();
            changed_.notify_all();
          } else {
            halt(
                "the store's position for this instance moved while it was unreachable: "
                "another process ships under the same instance name");
            break;
          }
        }
        stored = current;
        if (failing) {
          spdlog::info("audit store {} reachable again: shipping instance '{}'", redactedStore_,
                       options_.instance);
        }
        failing = false;
        delay = options_.firstRetryDelay;
      }
      if (!positioned) {
        if (stored) {
          if (const auto problem = cursor.resumeAfter(*stored)) {
            showUnpositionedBacklog();
            halt("the trail does not continue what was shipped: " + *problem);
            break;
          }
        } else if (!cursor.startAtOldest()) {
          // No trail yet, or its newest file has no whole first line yet. Stopping, the writer
          // has closed the trail first: one more look, then nothing is left to ship.
          if (stoppingNow()) return;
          pause(options_.pollInterval);
          continue;
        }
        positioned = true;
        std::lock_guard lock(mutex_);
        shippedSeq_ = stored ? stored->seq : 0;
      }
      if (pending.empty()) {
        const auto lines = cursor.read(AuditShipper::kBatchLines);
        readAll = lines.size() < AuditShipper::kBatchLines;
        std::int64_t seq = stored ? stored->seq : 0;
        for (const auto& line : lines) {
          auto shipped = ShippedLine::parse(line.text, options_.hashKey);
          if (!shipped) {
            spdlog::warn(
                "audit shipping of instance '{}': a torn line (a crash during a write) "
                "ends at offset {} of the file being read; it is not part of the chain "
                "and is not shipped",
                options_.instance, line.endOffset);
            continue;
          }
          // Shipping starts at a file whose rotation record says where it stands in the chain
          // (the files before it were removed before the store was set up): seqs follow it.
          if (seq == 0 && shipped->records > 0 && shipped->event == kRotationEvent) {
            seq = shipped->records - 1;
          }
          shipped->seq = ++seq;
          pendingEnd = {seq, shipped->sha256, line.endOffset, line.fileFirstSha256};
          pending.push_back(std::move(*shipped));
        }
        std::lock_guard lock(mutex_);
        oldestUnshipped_ = pending.empty() ? std::nullopt : parseTime(pending.front().time);
      }
      {
        std::uint64_t pendingBytes = 0;
        for (const auto& line : pending) pendingBytes += line.line.size() + 1;
        const auto unread = cursor.unreadBytes();
        std::lock_guard lock(mutex_);
        stats_.backlogBytes = unread + pendingBytes;
      }
      if (pending.empty()) {
        if (stoppingNow()) {
          if (readAll) return;  // caught up
        } else if (readAll) {
          pause(options_.pollInterval);
        }
        continue;
      }
      if (writer->ship(pending, stored, pendingEnd) == AuditStoreWriter::Outcome::PositionMoved) {
        halt(
            "the store's position for this instance is not the one this process shipped up to: "
            "another process ships under the same instance name (set audit.instance apart)");
        break;
      }
      stored = pendingEnd;
      {
        // The backlog shrinks with the commit, so that whoever sees the new position sees it too.
        const auto unread = cursor.unreadBytes();
        std::lock_guard lock(mutex_);
        stats_.shippedRecords += pending.size();
        stats_.backlogBytes = unread;
        shippedSeq_ = pendingEnd.seq;
        oldestUnshipped_.reset();
        changed_.notify_all();
      }
      pending.clear();
    } catch (const std::exception& e) {
      const auto* error = dynamic_cast<const Error*>(&e);
      {
        std::lock_guard lock(mutex_);
        ++stats_.failures;
      }
      if (!failing) {
        spdlog::warn(
            "audit shipping of instance '{}' to {} failed: {}; retrying with backoff (the local "
            "trail keeps every record and is caught up once the store answers)",
            options_.instance, redactedStore_, error != nullptr ? error->message() : e.what());
        if (error != nullptr && !error->detail().empty()) spdlog::debug("{}", error->detail());
      }
      failing = true;
      if (!positioned) showUnpositionedBacklog();
      writer.reset();
      client.reset();
      pause(delay);
      delay = std::min(delay * 2, options_.maxRetryDelay);
    }
  }
  // Halted: nothing more to do but wait to be destroyed.
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return stopping_; });
}

}  // namespace oncegate
