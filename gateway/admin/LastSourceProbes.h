#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace oncegate {

// The last connection test (POST /admin/v1/sources/{id}/test) of each source in force, so that
// the Sources page can show when a source was last seen to answer without probing it again: a
// source that serves no requests has no other sign of life. Kept in memory, per instance.
class LastSourceProbes {
 public:
  struct Probe {
    std::chrono::system_clock::time_point at;
    bool ok = false;
    double connectMs = 0;
    std::optional<double> queryMs;  // when ok
    std::string errorCode;          // when not ok: errorCodeName, never the driver's text
  };

  void record(const std::string& source, Probe probe);
  std::optional<Probe> last(std::string_view source) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Probe> probes_;
};

}  // namespace oncegate
