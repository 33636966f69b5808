#include "gateway/reports/SharingReportParameters.h"

#include <array>
#include <cstdio>
#include <utility>

#include "common/Error.h"
#include "gateway/audit/AuditTrailReader.h"

namespace oncegate {

namespace {

using Grouping = SharingReportParameters::Grouping;
using Interval = SharingReportParameters::Interval;
using Format = SharingReportParameters::Format;

constexpr std::array<std::pair<std::string_view, Grouping>, 5> kGroupings = {{
    {"form", Grouping::Form},
    {"department", Grouping::Department},
    {"client", Grouping::Client},
    {"source", Grouping::Source},
    {"field", Grouping::Field},
}};
constexpr std::array<std::pair<std::string_view, Interval>, 2> kIntervals = {{
    {"hour", Interval::Hour},
    {"day", Interval::Day},
}};

std::optional<SharingReportParameters::TimePoint> timeOf(std::string_view name,
                                                         const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  const auto time = AuditTrailReader::parseTime(*text);
  if (!time) {
    throw Error(ErrorCode::BadRequest, std::string(name) +
                                           " must be a UTC date or time: 2026-12-05 or "
                                           "2026-12-05T03:00:00Z");
  }
  return time;
}

}  // namespace

SharingReportParameters SharingReportParameters::parse(
    const std::function<std::optional<std::string>(std::string_view)>& valueOf, TimePoint now) {
  SharingReportParameters parameters;
  // By default up to the end of the current second (`to` is exclusive): a report asked for
  // right after a request counts it.
  parameters.to =
      timeOf("to", valueOf("to"))
          .value_or(std::chrono::floor<std::chrono::seconds>(now) + std::chrono::seconds(1));
  parameters.from = timeOf("from", valueOf("from")).value_or(parameters.to - kDefaultPeriod);
  if (parameters.from >= parameters.to) {
    throw Error(ErrorCode::BadRequest, "from must be before to (to is exclusive)");
  }
  if (parameters.to - parameters.from > kMaxPeriod) {
    throw Error(ErrorCode::BadRequest,
                "the period from..to is longer than 400 days: ask for a shorter one");
  }
  if (const auto by = valueOf("by")) {
    bool known = false;
    for (const auto& [name, grouping] : kGroupings) {
      if (*by == name) {
        parameters.by = grouping;
        known = true;
      }
    }
    if (!known) {
      throw Error(ErrorCode::BadRequest, "by must be form, department, client, source or field");
    }
  }
  if (const auto interval = valueOf("interval")) {
    bool known = false;
    for (const auto& [name, value] : kIntervals) {
      if (*interval == name) {
        parameters.interval = value;
        known = true;
      }
    }
    if (!known) throw Error(ErrorCode::BadRequest, "interval must be hour or day");
  } else {
    parameters.interval =
        parameters.to - parameters.from <= kHourlyUpTo ? Interval::Hour : Interval::Day;
  }
  if (const auto format = valueOf("format")) {
    if (*format == "json") {
      parameters.format = Format::Json;
    } else if (*format == "csv") {
      parameters.format = Format::Csv;
    } else {
      throw Error(ErrorCode::BadRequest, "format must be json or csv");
    }
  }
  return parameters;
}

std::string_view SharingReportParameters::nameOf(Grouping grouping) {
  for (const auto& [name, value] : kGroupings) {
    if (value == grouping) return name;
  }
  return "form";
}

std::string_view SharingReportParameters::nameOf(Interval interval) {
  return interval == Interval::Hour ? "hour" : "day";
}

std::string SharingReportParameters::timeText(TimePoint time) {
  using namespace std::chrono;
  const auto seconds = floor<std::chrono::seconds>(time);
  const auto day = floor<days>(seconds);
  const year_month_day date(day);
  const hh_mm_ss clock(seconds - day);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

}  // namespace oncegate
