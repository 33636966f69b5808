#include "mappings/Dataset.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/Digest.h"
#include "mappings/PlaceholderRewriter.h"

namespace oncegate {

namespace {

DatasetParam parseParam(const std::string& name, const ConfigNode& value) {
  static constexpr std::string_view kSubjectPrefix = "subject.";
  static constexpr std::string_view kFieldPrefix = "field.";
  const auto ref = value.asString();
  DatasetParam param;
  param.name = name;
  param.location = value.location();
  if (ref.starts_with(kSubjectPrefix) && ref.size() > kSubjectPrefix.size()) {
    param.kind = DatasetParam::Kind::SubjectKey;
    param.ref = ref.substr(kSubjectPrefix.size());
  } else if (ref.starts_with(kFieldPrefix) && ref.size() > kFieldPrefix.size()) {
    param.kind = DatasetParam::Kind::Field;
    param.ref = ref.substr(kFieldPrefix.size());
  } else {
    value.fail("parameter '" + name + "' must be subject.KEY or field.FIELD_ID, not '" + ref + "'");
  }
  return param;
}

}  // namespace

Dataset Dataset::parse(const ConfigNode& item, SqlDialect dialect) {
  item.allowOnlyKeys(
      {"id", "source", "subject", "query", "params", "ttl", "not_found_ttl", "description"});
  Dataset dataset;
  dataset.id_ = item.at("id").asString();
  dataset.source_ = item.at("source").asString();
  dataset.subject_ = item.at("subject").asString();
  dataset.location_ = item.location();
  if (auto description = item.find("description")) dataset.description_ = description->asString();

  const auto queryNode = item.at("query");
  dataset.query_ = queryNode.asString();
  auto rewritten = PlaceholderRewriter(dialect).rewrite(dataset.query_);
  if (!rewritten.problem.empty()) queryNode.fail(rewritten.problem);
  dataset.sql_ = std::move(rewritten.sql);
  if (rewritten.names.empty()) {
    queryNode.fail("query has no :name placeholder: a dataset must be keyed by its params");
  }

  std::vector<std::pair<DatasetParam, ConfigNode>> declared;
  const auto paramsNode = item.at("params");
  for (const auto& [name, value] : paramsNode.entries()) {
    declared.emplace_back(parseParam(name, value), value);
  }
  for (const auto& name : rewritten.names) {
    auto found = std::find_if(declared.begin(), declared.end(),
                              [&](const auto& entry) { return entry.first.name == name; });
    if (found == declared.end()) {
      queryNode.fail("placeholder :" + name + " has no entry in params");
    }
    dataset.params_.push_back(found->first);
  }
  for (const auto& [param, node] : declared) {
    if (std::find(rewritten.names.begin(), rewritten.names.end(), param.name) ==
        rewritten.names.end()) {
      node.fail("parameter '" + param.name + "' is not used in the query");
    }
  }

  if (auto ttl = item.find("ttl")) {
    dataset.ttl_ = ttl->asDuration();
    if (dataset.ttl_.count() <= 0) ttl->fail("ttl must be greater than zero");
  }
  if (auto notFound = item.find("not_found_ttl")) {
    dataset.notFoundTtl_ = notFound->asDuration();
    if (dataset.notFoundTtl_ > dataset.ttl_) notFound->fail("not_found_ttl must not exceed ttl");
  } else {
    dataset.notFoundTtl_ = std::min(kDefaultNotFoundTtl, dataset.ttl_);
  }

  std::string identity = dataset.source_ + "\n" + dataset.sql_;
  for (const auto& param : dataset.params_) {
    identity += "\n";
    identity += param.kind == DatasetParam::Kind::SubjectKey ? "subject." : "field.";
    identity += param.ref;
  }
  dataset.fingerprint_ = sha256Hex(identity);
  return dataset;
}

bool Dataset::chained() const {
  return std::any_of(params_.begin(), params_.end(), [](const DatasetParam& param) {
    return param.kind == DatasetParam::Kind::Field;
  });
}

}  // namespace oncegate
