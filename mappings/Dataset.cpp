#include "mappings/Dataset.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/Digest.h"

namespace oncegate {

namespace {

bool isIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isIdentifierChar(char c) { return isIdentifierStart(c) || (c >= '0' && c <= '9'); }

struct RewrittenQuery {
  std::string sql;
  std::vector<std::string> names;  // one per `?`, in order
};

// Copies a quoted run starting at query[i] (a string literal or a quoted identifier) into `out`.
// A doubled quote inside is an escaped quote and simply closes and reopens the run. Returns the
// index after the closing quote, or npos when the run is not closed.
std::size_t copyQuoted(std::string_view query, std::size_t i, std::string& out) {
  const char quote = query[i];
  const auto close = query.find(quote, i + 1);
  if (close == std::string_view::npos) return close;
  out.append(query.substr(i, close + 1 - i));
  return close + 1;
}

// Rewrites `:name` placeholders to `?`, leaving string literals, quoted identifiers, comments
// and PostgreSQL `::type` casts untouched. Fails through `node` on what cannot be bound safely.
RewrittenQuery rewritePlaceholders(std::string_view query, const ConfigNode& node) {
  RewrittenQuery out;
  out.sql.reserve(query.size());
  std::size_t i = 0;
  while (i < query.size()) {
    const char c = query[i];
    const char next = i + 1 < query.size() ? query[i + 1] : '\0';
    if (c == '\'' || c == '"') {
      i = copyQuoted(query, i, out.sql);
      if (i == std::string_view::npos) {
        node.fail(c == '\'' ? "query has an unterminated string literal"
                            : "query has an unterminated quoted identifier");
      }
    } else if (c == '-' && next == '-') {
      const auto end = std::min(query.find('\n', i), query.size());
      out.sql.append(query.substr(i, end - i));
      i = end;
    } else if (c == '/' && next == '*') {
      const auto close = query.find("*/", i + 2);
      if (close == std::string_view::npos) node.fail("query has an unterminated /* comment");
      out.sql.append(query.substr(i, close + 2 - i));
      i = close + 2;
    } else if (c == ':' && next == ':') {
      out.sql.append("::");
      i += 2;
    } else if (c == ':' && isIdentifierStart(next)) {
      std::size_t end = i + 1;
      while (end < query.size() && isIdentifierChar(query[end])) ++end;
      out.names.emplace_back(query.substr(i + 1, end - i - 1));
      out.sql.push_back('?');
      i = end;
    } else if (c == '?') {
      // A bare `?` would shift every later parameter: names are the only way to bind.
      node.fail("query uses '?': write named placeholders such as :id_card");
    } else {
      out.sql.push_back(c);
      ++i;
    }
  }
  return out;
}

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

Dataset Dataset::parse(const ConfigNode& item) {
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
  auto rewritten = rewritePlaceholders(dataset.query_, queryNode);
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
