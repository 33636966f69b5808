#include "common/Duration.h"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace oncegate {

namespace {

// Splits "10m" into 10 and "m"; fails on a missing or negative number.
bool splitNumber(std::string_view text, std::uint64_t& number, std::string_view& unit) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [next, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc{} || next == begin) return false;
  unit = std::string_view(next, static_cast<std::size_t>(end - next));
  return true;
}

template <std::size_t N>
std::optional<std::uint64_t> scale(
    std::uint64_t number, std::string_view unit,
    const std::array<std::pair<std::string_view, std::uint64_t>, N>& units) {
  for (const auto& [name, factor] : units) {
    if (name == unit) {
      if (number > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
      return number * factor;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> kUnits{
      {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
  std::uint64_t number = 0;
  std::string_view unit;
  if (!splitNumber(text, number, unit)) return std::nullopt;
  auto millis = scale(number, unit, kUnits);
  if (!millis || *millis > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(*millis));
}

std::optional<std::uint64_t> parseByteSize(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 7> kUnits{
      {{"", 1},
       {"KiB", 1024},
       {"MiB", 1024 * 1024},
       {"GiB", 1024 * 1024 * 1024},
       {"KB", 1000},
       {"MB", 1000 * 1000},
       {"GB", 1000 * 1000 * 1000}}};
  std::uint64_t number = 0;
  std::string_view unit;
  if (!splitNumber(text, number, unit)) return std::nullopt;
  return scale(number, unit, kUnits);
}

}  // namespace oncegate
