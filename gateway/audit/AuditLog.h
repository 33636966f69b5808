#pragma once

#include <functional>
#include <string>

namespace oncegate {

// Append-only, hash-chained audit trail: one JSON object per line. A dedicated writer thread
// appends records; each line gets "prev", the SHA-256 of the line before it, so that editing or
// removing a line breaks the chain (verifiable offline).
class AuditLog {
 public:
  // Called with true once the record is recorded (strict: written and synced), or with false
  // when it could not be: the caller must then not hand out the data it audits.
  using Durable = std::function<void(bool recorded)>;

  virtual ~AuditLog() = default;

  // `record` is one complete JSON object. With strict durability `durable` runs (on the writer
  // thread) once the line is written and fsynced; with batch durability it runs at once, on the
  // caller's thread, and the writer flushes and fsyncs in the background. A record the log
  // cannot take (see FileAuditLog) is answered false at once, on the caller's thread.
  virtual void append(std::string record, Durable durable) = 0;

  // False while records cannot be written (the last write or sync failed).
  virtual bool healthy() const = 0;
};

}  // namespace oncegate
