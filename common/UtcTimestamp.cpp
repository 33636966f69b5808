#include "common/UtcTimestamp.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace oncegate {

namespace {

struct UtcNow {
  std::tm tm{};
  int millis = 0;
};

UtcNow utcNow(std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  UtcNow out;
  out.millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  gmtime_r(&seconds, &out.tm);
  return out;
}

}  // namespace

std::string utcTimestamp() { return utcTimestamp(std::chrono::system_clock::now()); }

std::string utcTimestamp(std::chrono::system_clock::time_point at) {
  const auto now = utcNow(at);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", now.tm.tm_year + 1900,
                now.tm.tm_mon + 1, now.tm.tm_mday, now.tm.tm_hour, now.tm.tm_min, now.tm.tm_sec,
                now.millis);
  return buffer;
}

std::string utcTimestampSeconds() {
  const auto now = utcNow();
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &now.tm);
  return buffer;
}

std::string compactUtcTimestamp() {
  const auto now = utcNow();
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &now.tm);
  return buffer;
}

}  // namespace oncegate
