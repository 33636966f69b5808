#include "gateway/audit/AuditTrailReader.h"

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "common/Error.h"
#include "gateway/audit/AuditLine.h"

namespace oncegate {

namespace {

namespace dom = simdjson::dom;
using TimePoint = AuditTrailReader::TimePoint;

// What the filter makes of one line.
// What the filter makes of one line. Visited: taken, but not counted against the limit.
enum class Verdict { Taken, Visited, Ignored, Malformed, TooOld };

std::optional<int> digitsAt(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Calls `visit` with each non-empty line of the file, last line first, until it returns false.
// Lines are split on '\n' only after the bytes around a block boundary are joined, so a
// multi-byte character cut by a boundary comes out whole (0x0A never occurs inside one).
// Returns false when `budget` bytes were read before the start of the file was reached.
template <typename Visit>
bool eachLineBackwards(const std::filesystem::path& path, std::size_t blockSize,
                       std::uint64_t budget, Visit&& visit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) return true;  // no request audited yet
    throw Error(ErrorCode::Internal, "the audit trail cannot be read",
                "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  in.seekg(0, std::ios::end);
  const auto fileEnd = in.tellg();
  if (fileEnd < 0) {
    throw Error(ErrorCode::Internal, "the audit trail cannot be read",
                "cannot find the end of " + path.string());
  }
  auto position = static_cast<std::uint64_t>(fileEnd);
  std::string buffer;
  std::string head;  // the start of the file's next line back, whose beginning is not read yet
  std::uint64_t read = 0;
  while (position > 0) {
    if (read >= budget) return false;
    const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(blockSize, position));
    position -= size;
    buffer.resize(size + head.size());
    in.seekg(static_cast<std::streamoff>(position));
    if (!in.read(buffer.data(), static_cast<std::streamsize>(size))) {
      throw Error(ErrorCode::Internal, "the audit trail cannot be read",
                  "short read in " + path.string());
    }
    std::copy(head.begin(), head.end(), buffer.begin() + static_cast<std::ptrdiff_t>(size));
    read += size;
    std::size_t end = buffer.size();
    for (;;) {
      const auto newline = std::string_view(buffer.data(), end).rfind('\n');
      if (newline == std::string_view::npos) break;
      const auto line = std::string_view(buffer).substr(newline + 1, end - newline - 1);
      if (!line.empty() && !visit(line)) return true;
      end = newline;
    }
    head.assign(buffer, 0, end);
  }
  if (!head.empty()) visit(std::string_view(head));
  return true;
}

bool routeMatches(std::string_view wanted, std::string_view route) {
  if (wanted.ends_with('*')) return route.starts_with(wanted.substr(0, wanted.size() - 1));
  return route == wanted;
}

std::optional<std::string_view> stringMember(dom::object object, std::string_view key) {
  std::string_view text;
  if (object[key].get_string().get(text)) return std::nullopt;
  return text;
}

// The trail newest first: `path`, then the files rotation renamed it to (PATH.<UTC time>, whose
// names sort by time), newest first.
std::vector<std::filesystem::path> trailFiles(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> rotated;
  const auto prefix = path.filename().string() + ".";
  std::error_code error;
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().filename().string().starts_with(prefix)) rotated.push_back(entry.path());
  }
  std::sort(rotated.begin(), rotated.end(), std::greater<>());
  rotated.insert(rotated.begin(), path);
  return rotated;
}

// Reads the newest lines matching `filter`, across rotated files; `take(line, record)` decides
// on the lines that pass the time, route and client conditions.
template <typename Take>
AuditTrailReader::Scan scanBackwards(const std::filesystem::path& path, std::size_t blockSize,
                                     const AuditTrailReader::Filter& filter, Take&& take) {
  AuditTrailReader::Scan scan;
  const std::size_t limit = std::clamp<std::size_t>(filter.limit, 1, AuditTrailReader::kMaxLimit);
  std::size_t taken = 0;
  dom::parser parser;
  const auto judge = [&](std::string_view line) {
    // A line the writer finished ends with its "prev" hash; a torn one does not.
    if (!AuditLine::prevOf(line)) return Verdict::Malformed;
    // DOM, not On-Demand: the whole line is validated, since raw lines are passed on verbatim
    // inside an answer, and keys are looked up in any order.
    dom::element element;
    dom::object record;
    if (parser.parse(line.data(), line.size(), true).get(element) ||
        element.get_object().get(record)) {
      return Verdict::Malformed;
    }
    const auto timeText = stringMember(record, "time");
    const auto time = timeText ? AuditTrailReader::parseTime(*timeText) : std::nullopt;
    if (!time) return Verdict::Malformed;
    if (filter.until && *time >= *filter.until) return Verdict::Ignored;
    if (filter.since && *time < *filter.since) {
      return *time < *filter.since - AuditTrailReader::kClockSlack ? Verdict::TooOld
                                                                   : Verdict::Ignored;
    }
    // Records without a route (a rotation record) match only when no route is asked for.
    const auto route = stringMember(record, "route");
    if (!filter.routes.empty() &&
        (!route ||
         std::none_of(filter.routes.begin(), filter.routes.end(),
                      [&](const std::string& wanted) { return routeMatches(wanted, *route); }))) {
      return Verdict::Ignored;
    }
    if (filter.client && stringMember(record, "client") != std::string_view(*filter.client)) {
      return Verdict::Ignored;
    }
    return take(line, record);
  };
  bool done = false;
  std::uint64_t budget = filter.scanBudget;
  for (const auto& file : trailFiles(path)) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    const bool reachedStart =
        eachLineBackwards(file, blockSize, budget, [&](std::string_view line) {
          ++scan.linesRead;
          switch (judge(line)) {
            case Verdict::Taken:
              if (++taken == limit) {
                scan.limitReached = true;
                done = true;
              }
              return !done;
            case Verdict::Visited:
              return true;
            case Verdict::Malformed:
              ++scan.skipped;
              return true;
            case Verdict::Ignored:
              return true;
            case Verdict::TooOld:
              done = true;
              return false;
          }
          return true;
        });
    if (!reachedStart) {
      scan.budgetExhausted = true;
      break;
    }
    if (done) break;
    budget -= std::min<std::uint64_t>(budget, error ? 0 : size);
    if (budget == 0) {
      scan.budgetExhausted = true;
      break;
    }
  }
  return scan;
}

}  // namespace

AuditTrailReader::AuditTrailReader(std::filesystem::path path, std::size_t blockSize)
    : path_(std::move(path)), blockSize_(std::max<std::size_t>(blockSize, 1)) {}

AuditTrailReader::Lines AuditTrailReader::recentLines(const Filter& filter) const {
  Lines out;
  out.scan = scanBackwards(path_, blockSize_, filter, [&](std::string_view line, dom::object) {
    out.lines.emplace_back(line);
    return Verdict::Taken;
  });
  return out;
}

AuditTrailReader::Scan AuditTrailReader::eachLine(
    const Filter& filter, const std::function<void(std::string_view)>& visit) const {
  return scanBackwards(path_, blockSize_, filter, [&](std::string_view line, dom::object) {
    visit(line);
    return Verdict::Visited;
  });
}

AuditTrailReader::Requests AuditTrailReader::recentRequests(Filter filter) const {
  if (filter.routes.empty()) {
    filter.routes = {std::string(kResolveRoute), std::string(kVerifyRoute)};
  }
  Requests out;
  out.scan = scanBackwards(path_, blockSize_, filter, [&](std::string_view, dom::object record) {
    const auto client = stringMember(record, "client");
    // A refused key: no client, no policy (an empty one, written by no gateway, neither).
    if (!client || client->empty()) return Verdict::Ignored;
    AuditedRequest request;
    request.client = std::string(*client);
    request.time = std::string(stringMember(record, "time").value_or(""));
    request.route = std::string(stringMember(record, "route").value_or(""));
    request.requestId = std::string(stringMember(record, "request_id").value_or(""));
    request.purpose = std::string(stringMember(record, "purpose").value_or(""));
    request.casePresent = !stringMember(record, "case").value_or("").empty();
    std::uint64_t status = 0;
    if (record["status"].get_uint64().get(status)) return Verdict::Malformed;
    request.status = static_cast<unsigned>(status);
    dom::object fields;
    if (record["fields"].get_object().get(fields)) return Verdict::Malformed;
    for (const auto member : fields) {
      std::string_view recorded;
      if (member.value.get_string().get(recorded)) return Verdict::Malformed;
      request.fields.emplace_back(std::string(member.key), std::string(recorded));
    }
    out.requests.push_back(std::move(request));
    return Verdict::Taken;
  });
  return out;
}

std::optional<TimePoint> AuditTrailReader::parseTime(std::string_view text) {
  using namespace std::chrono;
  const auto year = digitsAt(text, 0, 4);
  const auto month = digitsAt(text, 5, 2);
  const auto day = digitsAt(text, 8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') return std::nullopt;
  // The clock counts nanoseconds in 64 bits: years past 2262 do not fit.
  if (*year < kMinYear || *year > kMaxYear) return std::nullopt;
  const year_month_day date{std::chrono::year(*year),
                            std::chrono::month(static_cast<unsigned>(*month)),
                            std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  TimePoint time = sys_days(date);
  if (text.size() == 10) return time;

  const auto hour = digitsAt(text, 11, 2);
  const auto minute = digitsAt(text, 14, 2);
  const auto second = digitsAt(text, 17, 2);
  if (text[10] != 'T' || !hour || !minute || !second || text[13] != ':' || text[16] != ':' ||
      *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  time += hours(*hour) + minutes(*minute) + seconds(*second);
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    const std::size_t start = at;
    nanoseconds fraction{0};
    nanoseconds unit{100'000'000};
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      fraction += unit * (text[at] - '0');  // digits past nanoseconds add nothing
      unit /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
    time += duration_cast<TimePoint::duration>(fraction);
  }
  if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
  return time;
}

}  // namespace oncegate
