#pragma once

#include <filesystem>

#include "gateway/reports/AuditRecordFeed.h"

namespace oncegate {

// The audit records of this instance's own trail (audit.path), the files rotation renamed
// included, read with AuditTrailReader.
class TrailRecordFeed final : public AuditRecordFeed {
 public:
  explicit TrailRecordFeed(std::filesystem::path path);

  std::string_view name() const override { return "trail"; }
  void each(TimePoint from, TimePoint to,
            const std::function<void(std::string_view line)>& visit) override;

 private:
  std::filesystem::path path_;
};

}  // namespace oncegate
