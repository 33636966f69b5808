#include "gateway/reports/SharingReportAccumulator.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_set>
#include <utility>

#include "gateway/audit/AuditTrailReader.h"
#include "gateway/reports/AuditRecordFeed.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "mappings/Form.h"
#include "mappings/MappingCatalog.h"

namespace oncegate {

namespace {

namespace dom = simdjson::dom;
using Grouping = SharingReportParameters::Grouping;
using Key = std::optional<std::string>;

double rateOf(std::int64_t served, std::int64_t total) {
  if (total <= 0) return 0;
  return std::round(static_cast<double>(served) / static_cast<double>(total) * 1000) / 1000;
}

bool isDataRoute(std::string_view route) {
  return route == AuditTrailReader::kResolveRoute || route == AuditTrailReader::kVerifyRoute ||
         (route.starts_with("/v1/forms/") && route.ends_with("/prefill"));
}

Key stringOrNull(dom::object object, std::string_view name) {
  std::string_view text;
  if (object[name].get_string().get(text) || text.empty()) return std::nullopt;
  return std::string(text);
}

// Nearest rank: the smallest value with at least `percent`% of the values at or below it. In
// whole numbers, so that no floating-point rounding can move a rank.
double percentile(const std::vector<double>& sorted, std::size_t percent) {
  const std::size_t rank = (percent * sorted.size() + 99) / 100;
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double millis(double value) { return std::round(value * 1000) / 1000; }

// Orders groups by key, the group without a key last.
struct KeyOrder {
  bool operator()(const Key& a, const Key& b) const {
    if (a.has_value() != b.has_value()) return a.has_value();
    return a.has_value() && *a < *b;
  }
};

}  // namespace

double SharingReport::Counts::sharingRate() const { return rateOf(fieldsServed, formFields); }
double SharingReport::Bucket::sharingRate() const { return rateOf(fieldsServed, formFields); }

// What one counted audit record says.
struct SharingReportAccumulator::Record {
  SharingReportParameters::TimePoint time;
  Key form;
  Key client;
  Key department;
  std::optional<std::int64_t> formTotal;
  std::vector<std::pair<std::string, std::string>> fields;  // id, outcome
  std::unordered_set<std::string> cachedDatasets;
};

struct SharingReportAccumulator::State {
  dom::parser parser;
  std::map<Key, SharingReport::Counts, KeyOrder> groups;
  SharingReport::Counts totals;
  std::map<std::string, std::vector<double>> latencies;  // source -> ms
  std::vector<SharingReport::Bucket> series;
  std::chrono::system_clock::duration step{};  // of the series
};

SharingReportAccumulator::SharingReportAccumulator(SharingReportParameters parameters,
                                                   const MappingCatalog& mappings)
    : parameters_(parameters), mappings_(mappings), state_(std::make_unique<State>()) {
  const std::chrono::system_clock::duration step =
      parameters_.interval == SharingReportParameters::Interval::Hour
          ? std::chrono::system_clock::duration(std::chrono::hours(1))
          : std::chrono::system_clock::duration(std::chrono::days(1));
  state_->step = step;
  // Buckets start on whole hours or days (UTC), the first at or before `from`.
  auto start = parameters_.from - (parameters_.from.time_since_epoch() % step);
  for (; start < parameters_.to; start += step) {
    state_->series.push_back(SharingReport::Bucket{start, 0, 0, 0, 0});
  }
}

SharingReportAccumulator::~SharingReportAccumulator() = default;

bool SharingReportAccumulator::add(std::string_view line) {
  dom::element element;
  dom::object object;
  if (state_->parser.parse(line.data(), line.size(), true).get(element) ||
      element.get_object().get(object)) {
    return false;
  }
  std::string_view route;
  std::uint64_t status = 0;
  std::string_view timeText;
  if (object["route"].get_string().get(route) || !isDataRoute(route) ||
      object["status"].get_uint64().get(status) || status != 200 ||
      object["time"].get_string().get(timeText)) {
    return false;
  }
  const auto time = AuditTrailReader::parseTime(timeText);
  if (!time || *time < parameters_.from || *time >= parameters_.to) return false;
  Record record;
  record.time = *time;
  record.form = stringOrNull(object, "form");
  if (!record.form && route.starts_with("/v1/forms/") && route.ends_with("/prefill")) {
    // Written before records named their form: the path does.
    const auto id = route.substr(10, route.size() - 10 - 8);
    if (!id.empty()) record.form = std::string(id);
  }
  record.client = stringOrNull(object, "client");
  record.department = stringOrNull(object, "department");
  std::int64_t formTotal = 0;
  if (!object["form_total"].get_int64().get(formTotal)) record.formTotal = formTotal;
  dom::object fields;
  if (object["fields"].get_object().get(fields)) return false;
  for (const auto member : fields) {
    std::string_view outcome;
    if (member.value.get_string().get(outcome)) return false;
    record.fields.emplace_back(std::string(member.key), std::string(outcome));
  }
  dom::array datasets;
  if (!object["datasets"].get_array().get(datasets)) {
    for (const auto entry : datasets) {
      std::string_view id;
      std::string_view from;
      std::string_view source;
      if (entry["id"].get_string().get(id) || entry["from"].get_string().get(from)) continue;
      if (from == "cache") record.cachedDatasets.emplace(id);
      double ms = 0;
      if (from == "source" && !entry["source"].get_string().get(source) &&
          !entry["ms"].get_double().get(ms)) {
        state_->latencies[std::string(source)].push_back(ms);
      }
    }
  }
  count(record);
  return true;
}

void SharingReportAccumulator::count(const Record& record) {
  // A prefill's form as configured now: which documents its entries replace. Its size comes
  // from the record (as the form was when asked), the configuration only for older records.
  const Form* form = record.form ? mappings_.form(*record.form) : nullptr;
  const std::int64_t asked = static_cast<std::int64_t>(record.fields.size());
  std::int64_t formFields = asked;
  if (record.form) {
    if (record.formTotal) {
      formFields = *record.formTotal;
    } else if (form != nullptr) {
      formFields = static_cast<std::int64_t>(form->entries().size());
    }
  }
  const bool byField = parameters_.by == Grouping::Field || parameters_.by == Grouping::Source;
  const auto fieldKey = [&](const std::string& id) -> Key {
    if (parameters_.by == Grouping::Field) return id;
    const Field* field = mappings_.field(id);
    if (field == nullptr) return std::nullopt;
    const Dataset* dataset = mappings_.dataset(field->dataset());
    if (dataset == nullptr) return std::nullopt;
    return dataset->source();
  };
  Key requestKey;
  switch (parameters_.by) {
    case Grouping::Form:
      requestKey = record.form;
      break;
    case Grouping::Department:
      requestKey = record.department;
      break;
    case Grouping::Client:
      requestKey = record.client;
      break;
    default:
      break;
  }

  std::set<Key, KeyOrder> touched;
  const auto groupOf = [&](const Key& key) -> SharingReport::Counts& {
    touched.insert(key);
    return state_->groups[key];
  };
  const auto countField = [&](SharingReport::Counts& counts, const std::string& id,
                              const std::string& outcome) {
    ++counts.fieldsAsked;
    if (outcome == "ok") {
      ++counts.fieldsServed;
      // Attributed through the configuration in force: a field no longer configured counts
      // as not cached.
      const Field* field = mappings_.field(id);
      if (field != nullptr && record.cachedDatasets.contains(field->dataset())) {
        ++counts.servedFromCache;
      }
    } else if (outcome == "denied") {
      ++counts.denied;
    } else if (outcome == "not_found") {
      ++counts.notFound;
    } else if (outcome == "unavailable") {
      ++counts.unavailable;
    } else if (outcome == "verify_only") {
      ++counts.verifyOnly;
    } else if (outcome == "unknown_field") {
      ++counts.unknownField;
    }
  };

  for (const auto& [id, outcome] : record.fields) {
    countField(state_->totals, id, outcome);
    auto& counts = groupOf(byField ? fieldKey(id) : requestKey);
    countField(counts, id, outcome);
    if (byField) ++counts.formFields;
  }
  state_->totals.formFields += formFields;
  if (!byField) {
    groupOf(requestKey).formFields += formFields;
  } else if (formFields > asked) {
    // The applicant's own entries belong to no source and no shared field.
    groupOf(std::nullopt).formFields += formFields - asked;
  }

  // A document is spared when every entry of the form naming it was served.
  if (form != nullptr) {
    std::map<std::string, std::vector<const FormEntry*>> naming;
    for (const auto& entry : form->entries()) {
      if (!entry.suppliedByApplicant && !entry.replaces.empty()) {
        naming[entry.replaces].push_back(&entry);
      }
    }
    for (const auto& [document, entries] : naming) {
      bool spared = true;
      std::set<Key, KeyOrder> keys;
      for (const auto* entry : entries) {
        const auto served = std::find_if(
            record.fields.begin(), record.fields.end(),
            [&](const auto& field) { return field.first == entry->field && field.second == "ok"; });
        spared = spared && served != record.fields.end();
        keys.insert(fieldKey(entry->field));
      }
      if (!spared) continue;
      ++state_->totals.documentsSpared;
      ++state_->totals.documents[document];
      // Grouped by field or source: the group holding every entry that names it, else none.
      const Key key = !byField ? requestKey : keys.size() == 1 ? *keys.begin() : Key();
      auto& counts = groupOf(key);
      ++counts.documentsSpared;
      ++counts.documents[document];
    }
  }

  ++state_->totals.requests;
  for (const auto& key : touched) ++state_->groups[key].requests;
  if (touched.empty()) ++groupOf(requestKey).requests;  // a request that asked nothing

  // The period lies within the buckets (add() checked the time), the first starting at or
  // before `from`.
  auto& bucket = state_->series[static_cast<std::size_t>(
      (record.time - state_->series.front().start) / state_->step)];
  ++bucket.requests;
  bucket.fieldsAsked += asked;
  bucket.fieldsServed += std::count_if(record.fields.begin(), record.fields.end(),
                                       [](const auto& field) { return field.second == "ok"; });
  bucket.formFields += formFields;
}

SharingReport SharingReportAccumulator::report(std::string computedFrom) const {
  SharingReport report;
  report.parameters = parameters_;
  report.computedFrom = std::move(computedFrom);
  for (const auto& [key, counts] : state_->groups) {
    SharingReport::Group group;
    group.key = key;
    if (!key) {
      group.label = "(none)";
    } else if (const Form* form = parameters_.by == Grouping::Form ? mappings_.form(*key) : nullptr;
               form != nullptr && !form->title().empty()) {
      group.label = form->title();
    } else {
      group.label = *key;
    }
    group.counts = counts;
    report.groups.push_back(std::move(group));
  }
  report.totals = state_->totals;
  for (const auto& [source, values] : state_->latencies) {
    auto sorted = values;
    std::sort(sorted.begin(), sorted.end());
    report.sources.push_back(SharingReport::SourceLatency{
        source, static_cast<std::int64_t>(sorted.size()), millis(percentile(sorted, 50)),
        millis(percentile(sorted, 90)), millis(percentile(sorted, 99)), millis(sorted.back())});
  }
  report.series = state_->series;
  return report;
}

SharingReport SharingReportAccumulator::compute(const SharingReportParameters& parameters,
                                                const MappingCatalog& mappings,
                                                AuditRecordFeed& feed) {
  SharingReportAccumulator accumulator(parameters, mappings);
  feed.each(parameters.from, parameters.to,
            [&accumulator](std::string_view line) { accumulator.add(line); });
  return accumulator.report(std::string(feed.name()));
}

}  // namespace oncegate
