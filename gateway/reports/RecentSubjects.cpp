#include "gateway/reports/RecentSubjects.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <unordered_set>

#include "common/Row.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditTrailReader.h"

namespace oncegate {

namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kPrefillRoutes = "/v1/forms/";

bool isDataRequest(std::string_view route) {
  return route == AuditTrailReader::kResolveRoute || route == AuditTrailReader::kVerifyRoute ||
         (route.starts_with(kPrefillRoutes) && route.ends_with("/prefill"));
}

// Collects distinct subjects in the order offered until `sample` are held.
class DistinctSubjects {
 public:
  explicit DistinctSubjects(std::size_t sample)
      : sample_(std::min(sample, RecentSubjects::kMaxSample)) {}

  void offer(std::string_view line, std::string_view subjectType) {
    auto subject = RecentSubjects::subjectOf(line, subjectType);
    if (subject.empty() || full()) return;
    if (seen_.insert(subject).second) ordered_.push_back(std::move(subject));
  }
  bool full() const { return ordered_.size() >= sample_; }
  std::vector<std::string> take() { return std::move(ordered_); }

 private:
  std::size_t sample_;
  std::unordered_set<std::string> seen_;
  std::vector<std::string> ordered_;
};

std::string textOf(const Row& row, std::string_view column) {
  const Value* value = row.find(column);
  return value == nullptr ? std::string() : value->toString();
}

std::int64_t integerOf(const Row& row, std::string_view column) {
  const Value* value = row.find(column);
  if (value == nullptr) return 0;
  if (value->kind() == ValueKind::Int) return value->asInt();
  // Drivers may hand BIGINT over as its text.
  std::int64_t number = 0;
  const auto& text = value->text();
  std::from_chars(text.data(), text.data() + text.size(), number);
  return number;
}

}  // namespace

std::string RecentSubjects::subjectOf(std::string_view line, std::string_view subjectType) {
  thread_local dom::parser parser;
  dom::object object;
  if (parser.parse(line.data(), line.size()).get_object().get(object) != simdjson::SUCCESS) {
    return {};
  }
  std::string_view route;
  if (object["route"].get_string().get(route) != simdjson::SUCCESS || !isDataRequest(route)) {
    return {};
  }
  dom::object subject;
  std::string_view type;
  if (object["subject"].get_object().get(subject) != simdjson::SUCCESS ||
      subject["type"].get_string().get(type) != simdjson::SUCCESS || type != subjectType) {
    return {};
  }
  // The validated subject is its type and one key: whichever member is not "type".
  for (const auto member : subject) {
    std::string_view value;
    if (member.key == "type" || member.value.get_string().get(value) != simdjson::SUCCESS) {
      continue;
    }
    return std::string(value);
  }
  return {};
}

std::vector<std::string> RecentSubjects::fromTrail(const std::filesystem::path& trail,
                                                   std::string_view subjectType,
                                                   std::size_t sample) {
  DistinctSubjects subjects(sample);
  const AuditTrailReader reader(trail);
  AuditTrailReader::Filter filter;
  filter.limit = AuditTrailReader::kMaxLimit;
  filter.routes = {std::string(AuditTrailReader::kResolveRoute),
                   std::string(AuditTrailReader::kVerifyRoute), std::string(kPrefillRoutes) + "*"};
  std::size_t read = 0;
  while (!subjects.full() && read < kMaxLinesRead) {
    auto page = reader.recentLines(filter);
    std::optional<AuditTrailReader::TimePoint> oldest;
    for (const auto& line : page.lines) {
      subjects.offer(line, subjectType);
      thread_local dom::parser parser;
      std::string_view time;
      if (parser.parse(line).get_object()["time"].get_string().get(time) == simdjson::SUCCESS) {
        if (auto parsed = AuditTrailReader::parseTime(time)) oldest = *parsed;
      }
    }
    read += page.lines.size();
    // The next page is what is older than this one's oldest record: records of that very
    // millisecond left beyond the page are the price of reading pages by time.
    if (!page.scan.limitReached || !oldest) break;
    filter.until = *oldest;
  }
  return subjects.take();
}

std::vector<std::string> RecentSubjects::fromStore(odbc::OdbcClient& store,
                                                   std::string_view subjectType,
                                                   std::size_t sample) {
  DistinctSubjects subjects(sample);
  constexpr std::int64_t kPage = 1000;
  const std::string select =
      "SELECT line, time, instance, seq FROM oncegate_audit_records WHERE subject_type = ? AND "
      "subject_hash <> '' AND (route = ? OR route = ? OR route LIKE ?)";
  const std::string order =
      " ORDER BY time DESC, instance DESC, seq DESC LIMIT " + std::to_string(kPage);
  std::vector<Value> base{Value::string(std::string(subjectType)),
                          Value::string(std::string(AuditTrailReader::kResolveRoute)),
                          Value::string(std::string(AuditTrailReader::kVerifyRoute)),
                          Value::string(std::string(kPrefillRoutes) + "%/prefill")};
  std::optional<Row> last;
  std::size_t read = 0;
  while (!subjects.full() && read < kMaxLinesRead) {
    std::vector<Row> rows;
    if (!last) {
      rows = store.query(select + order, base);
    } else {
      // Keyset paging: the rows strictly after the last one read, in the same order.
      auto params = base;
      const auto time = textOf(*last, "time");
      const auto instance = textOf(*last, "instance");
      params.push_back(Value::string(time));
      params.push_back(Value::string(time));
      params.push_back(Value::string(instance));
      params.push_back(Value::string(time));
      params.push_back(Value::string(instance));
      params.push_back(Value::integer(integerOf(*last, "seq")));
      rows = store.query(select +
                             " AND (time < ? OR (time = ? AND instance < ?) OR (time = ? AND "
                             "instance = ? AND seq < ?))" +
                             order,
                         params);
    }
    for (const auto& row : rows) subjects.offer(textOf(row, "line"), subjectType);
    read += rows.size();
    if (rows.size() < static_cast<std::size_t>(kPage)) break;
    last = rows.back();
  }
  return subjects.take();
}

}  // namespace oncegate
