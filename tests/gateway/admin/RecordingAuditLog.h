#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "gateway/audit/AuditLog.h"

namespace oncegate::testing {

// An audit log that keeps every record in memory, durable at once: what the admin tests read to
// check what a call recorded.
class RecordingAuditLog final : public AuditLog {
 public:
  void append(std::string record, Durable durable) override {
    {
      std::lock_guard lock(mutex_);
      records_.push_back(std::move(record));
    }
    durable(true);
  }
  bool healthy() const override { return true; }
  std::vector<std::string> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> records_;
};

}  // namespace oncegate::testing
