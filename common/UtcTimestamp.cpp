#include "common/UtcTimestamp.h"

#include <algorithm>
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

// Every request and audit record asks for one: the date and time of day are formatted once per
// second per thread, and only the milliseconds each time.
std::string utcTimestamp(std::chrono::system_clock::time_point at) {
  struct SecondText {
    bool formatted = false;
    std::time_t second = 0;
    char text[32] = {};  // "YYYY-MM-DDTHH:MM:SS"
    std::size_t length = 0;
  };
  thread_local SecondText last;
  const auto sinceEpoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  // Rounded down, so that a time before 1970 has its milliseconds from 0 to 999 as well.
  auto seconds = sinceEpoch / 1000;
  if (sinceEpoch % 1000 < 0) --seconds;
  const auto second = static_cast<std::time_t>(seconds);
  const int millis = static_cast<int>(sinceEpoch - seconds * 1000);
  if (!last.formatted || second != last.second) {
    std::tm tm{};
    gmtime_r(&second, &tm);
    const int length = std::snprintf(last.text, sizeof last.text, "%04d-%02d-%02dT%02d:%02d:%02d",
                                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                     tm.tm_min, tm.tm_sec);
    last.length = std::min(static_cast<std::size_t>(std::max(length, 0)), sizeof last.text - 1);
    last.second = second;
    last.formatted = true;
  }
  std::string out;
  out.reserve(last.length + 5);
  out.append(last.text, last.length);
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  out += static_cast<char>('0' + millis / 10 % 10);
  out += static_cast<char>('0' + millis % 10);
  out += 'Z';
  return out;
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
