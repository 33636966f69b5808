#include "gateway/reports/ConsistencyCheck.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/LogText.h"
#include "gateway/auditstore/SubjectIndexKey.h"
#include "gateway/reports/ConsistencyComparison.h"
#include "gateway/runtime/DatasetDryRun.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "mappings/MappingCatalog.h"

namespace oncegate {

namespace {

// What one source said of one field for one subject.
struct Reading {
  enum class State { Value, Missing, Unavailable };
  State state = State::Missing;
  Value value;
};

// A dataset's outcome for one subject, read once however many of its fields carry the
// indicator.
struct DatasetReading {
  Reading::State state = Reading::State::Missing;
  std::optional<Row> row;
};

DatasetReading readDataset(const GatewaySnapshot& snapshot, const Dataset& dataset,
                           const std::string& subject, std::set<std::string>& sourcesLogged) {
  DatasetReading reading;
  const auto steps = DatasetDryRun::run(snapshot, dataset.id(), Value::string(subject));
  for (const auto& step : steps) {
    if (step.outcome != DatasetDryRun::Step::Outcome::Failed) continue;
    reading.state = Reading::State::Unavailable;
    // Once per source and run: a source that is down would otherwise log once per subject. The
    // message names the source and SQLSTATE; the driver's text stays in the detail, unlogged,
    // as it may quote what was bound.
    const auto& source = step.dataset->source();
    if (step.error && sourcesLogged.insert(source).second) {
      spdlog::warn("consistency check: source {} failed: {}", logText(source),
                   logText(step.error->message()));
    }
    return reading;
  }
  if (!steps.empty() && steps.back().outcome == DatasetDryRun::Step::Outcome::Found) {
    reading.state = Reading::State::Value;
    reading.row = steps.back().row;
  }
  return reading;
}

Reading readField(const Field& field, const DatasetReading& dataset) {
  Reading reading;
  reading.state = dataset.state;
  if (dataset.state != Reading::State::Value) return reading;
  try {
    reading.value = field.valueFrom(*dataset.row);
  } catch (const Error&) {
    // The mapping and the data disagree (a renamed column): the field cannot be read.
    reading.state = Reading::State::Unavailable;
    return reading;
  }
  if (reading.value.isNull()) reading.state = Reading::State::Missing;
  return reading;
}

double rounded(double rate) { return std::round(rate * 1000.0) / 1000.0; }

}  // namespace

double ConsistencyCheck::SourceTally::agreementRate() const {
  if (compared == 0) return 0.0;
  return rounded(static_cast<double>(agreed) / static_cast<double>(compared));
}

ConsistencyCheck::Fields ConsistencyCheck::fieldsOf(const MappingCatalog& catalog,
                                                    std::string_view indicator) {
  Fields fields;
  std::vector<const Field*> carrying;
  for (const auto& field : catalog.fields()) {
    if (!field.indicator() || field.indicator()->id != indicator) continue;
    carrying.push_back(&field);
    if (field.indicator()->authoritative) {
      fields.authoritative = &field;
    } else {
      fields.others.push_back(&field);
    }
  }
  const std::string quoted = "indicator '" + std::string(indicator) + "'";
  if (carrying.empty()) {
    throw Error(ErrorCode::BadRequest,
                "no field carries " + quoted + " (fields name theirs with indicator: { id })");
  }
  if (fields.authoritative == nullptr) {
    throw Error(ErrorCode::BadRequest,
                quoted +
                    " has no authoritative field to compare with: mark the one source of "
                    "record with indicator: { id, authoritative: true }");
  }
  if (fields.others.empty()) {
    throw Error(ErrorCode::BadRequest, quoted + " is carried by field '" +
                                           fields.authoritative->id() +
                                           "' alone: there is no second source to compare it with");
  }
  const auto& type = catalog.subjectOf(*fields.authoritative);
  for (const Field* other : fields.others) {
    if (&catalog.subjectOf(*other) != &type) {
      throw Error(ErrorCode::BadRequest,
                  quoted + " is carried by fields about different subject types ('" +
                      fields.authoritative->id() + "' is about '" + type.id() + "', '" +
                      other->id() + "' about '" + catalog.subjectOf(*other).id() +
                      "'): one indicator is one datum about one kind of subject");
    }
  }
  return fields;
}

ConsistencyCheck::Report ConsistencyCheck::run(const GatewaySnapshot& snapshot,
                                               std::string_view indicator,
                                               const std::vector<std::string>& subjects) {
  const auto& catalog = snapshot.config.mappings;
  const auto fields = fieldsOf(catalog, indicator);
  const auto& subjectType = catalog.subjectOf(*fields.authoritative);
  Report report;
  report.indicator = std::string(indicator);
  report.authoritative = fields.authoritative;
  report.authoritativeSource = catalog.datasetOf(*fields.authoritative).source();
  for (const Field* field : fields.others) {
    SourceTally tally;
    tally.field = field;
    tally.source = catalog.datasetOf(*field).source();
    report.sources.push_back(std::move(tally));
  }
  std::set<std::string> sourcesLogged;
  const auto count = std::min(subjects.size(), kMaxSample);
  for (std::size_t s = 0; s < count; ++s) {
    const auto& subject = subjects[s];
    ++report.subjectsSampled;
    std::map<const Dataset*, DatasetReading> datasets;
    const auto read = [&](const Field& field) {
      const Dataset& dataset = catalog.datasetOf(field);
      auto found = datasets.find(&dataset);
      if (found == datasets.end()) {
        found = datasets.emplace(&dataset, readDataset(snapshot, dataset, subject, sourcesLogged))
                    .first;
      }
      return readField(field, found->second);
    };
    const auto authoritative = read(*fields.authoritative);
    if (authoritative.state == Reading::State::Missing) ++report.authoritativeMissing;
    if (authoritative.state == Reading::State::Unavailable) ++report.authoritativeUnavailable;
    Disagreement disagreement;
    for (auto& tally : report.sources) {
      const auto other = read(*tally.field);
      if (other.state == Reading::State::Unavailable ||
          authoritative.state == Reading::State::Unavailable) {
        ++tally.unavailable;
      } else if (other.state == Reading::State::Missing ||
                 authoritative.state == Reading::State::Missing) {
        ++tally.missing;
      } else if (ConsistencyComparison::agree(authoritative.value, other.value)) {
        ++tally.compared;
        ++tally.agreed;
      } else {
        ++tally.compared;
        ++tally.disagreed;
        disagreement.fields.push_back(tally.field->id());
      }
    }
    if (!disagreement.fields.empty()) {
      disagreement.subject = maskSubject(subject);
      disagreement.subjectHash =
          subjectIndexHash(snapshot.config.gateway.hashKey, subjectType.id(), subject);
      report.disagreements.push_back(std::move(disagreement));
    }
  }
  return report;
}

void ConsistencyCheck::writeMembers(const Report& report, JsonWriter& json) {
  json.key("indicator").string(report.indicator);
  json.key("authoritative").beginObject();
  json.key("field")
      .string(report.authoritative->id())
      .key("source")
      .string(report.authoritativeSource);
  json.key("missing").integer(static_cast<std::int64_t>(report.authoritativeMissing));
  json.key("unavailable").integer(static_cast<std::int64_t>(report.authoritativeUnavailable));
  json.endObject();
  json.key("subjects_sampled").integer(static_cast<std::int64_t>(report.subjectsSampled));
  json.key("sources").beginArray();
  for (const auto& tally : report.sources) {
    json.beginObject().key("field").string(tally.field->id()).key("source").string(tally.source);
    json.key("compared").integer(static_cast<std::int64_t>(tally.compared));
    json.key("agreed").integer(static_cast<std::int64_t>(tally.agreed));
    json.key("disagreed").integer(static_cast<std::int64_t>(tally.disagreed));
    json.key("missing").integer(static_cast<std::int64_t>(tally.missing));
    json.key("unavailable").integer(static_cast<std::int64_t>(tally.unavailable));
    json.key("agreement_rate").number(tally.agreementRate()).endObject();
  }
  json.endArray().key("disagreements").beginArray();
  for (const auto& disagreement : report.disagreements) {
    json.beginObject().key("subject").string(disagreement.subject);
    json.key("subject_hash").string(disagreement.subjectHash).key("fields").beginArray();
    for (const auto& field : disagreement.fields) json.string(field);
    json.endArray().endObject();
  }
  json.endArray();
}

std::string ConsistencyCheck::maskSubject(std::string_view key) {
  // Start of every UTF-8 character (continuation bytes are 10xxxxxx).
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if ((static_cast<unsigned char>(key[i]) & 0xC0U) != 0x80U) starts.push_back(i);
  }
  if (starts.size() <= kShownCharacters) return std::string(starts.size(), '*');
  const auto hidden = starts.size() - kShownCharacters;
  return std::string(hidden, '*') + std::string(key.substr(starts[hidden]));
}

}  // namespace oncegate
