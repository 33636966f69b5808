#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace oncegate {

// What a sharing report is asked for: the period, the grouping, the series' interval and the
// format. GET /admin/v1/reports/sharing's query parameters and `oncegatectl report`'s options
// are the same words, read here once.
struct SharingReportParameters {
  using TimePoint = std::chrono::system_clock::time_point;

  enum class Grouping { Form, Department, Client, Source, Field };
  enum class Interval { Hour, Day };
  enum class Format { Json, Csv };

  // Every name parse() reads.
  static constexpr std::string_view kNames[] = {"from", "to", "by", "interval", "format"};
  // Without `from`: this long before `to`.
  static constexpr std::chrono::hours kDefaultPeriod{24 * 30};
  // The longest period one report covers: every record in it is read.
  static constexpr std::chrono::hours kMaxPeriod{24 * 400};
  // Periods up to this long get an hourly series unless an interval is asked for.
  static constexpr std::chrono::hours kHourlyUpTo{48};

  TimePoint from;  // inclusive
  TimePoint to;    // exclusive
  Grouping by = Grouping::Form;
  Interval interval = Interval::Hour;
  Format format = Format::Json;

  // The parameters `valueOf` gives (valueOf(name): the value, or nullopt when absent): `from`
  // and `to` as UTC dates or times (a date is its 00:00Z), `to` defaulting to the end of
  // now's second and `from` to kDefaultPeriod before `to`; `by`, `interval`, `format` by name.
  // Throws Error(BadRequest) naming the parameter at fault: an unparsable time, from >= to, a
  // period over kMaxPeriod, an unknown grouping, interval or format.
  static SharingReportParameters parse(
      const std::function<std::optional<std::string>(std::string_view)>& valueOf, TimePoint now);

  static std::string_view nameOf(Grouping grouping);
  static std::string_view nameOf(Interval interval);
  // "2026-12-05T03:00:00Z": how the report writes its times (whole seconds, UTC).
  static std::string timeText(TimePoint time);
};

}  // namespace oncegate
