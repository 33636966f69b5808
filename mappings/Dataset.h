#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "common/SqlDialect.h"
#include "mappings/DatasetParam.h"

namespace oncegate {

// One parameterised query on one source that yields at most one row per key. Its `:name`
// placeholders are rewritten to positional `?` at load (with the lexical rules of its source's
// SQL dialect), so executing it needs no parsing.
class Dataset {
 public:
  static constexpr std::chrono::milliseconds kDefaultTtl = std::chrono::minutes(10);
  // A cached "no row" lives less long than a row: the row may appear soon (a new employee).
  static constexpr std::chrono::milliseconds kDefaultNotFoundTtl = std::chrono::seconds(30);

  // One item of a `datasets:` list: { id, source, subject, query, params, ttl, not_found_ttl,
  // description }. References to sources, subjects and fields are checked by MappingCatalog.
  // `dialect` is the SQL dialect of the source it names (odbcDialect).
  static Dataset parse(const ConfigNode& item, SqlDialect dialect = SqlDialect::Standard);

  const std::string& id() const { return id_; }
  const std::string& source() const { return source_; }
  const std::string& subject() const { return subject_; }
  const std::string& query() const { return query_; }  // as written in the configuration
  const std::string& sql() const { return sql_; }      // with positional `?` placeholders
  // One entry per `?` of sql(), in order (a name used twice appears twice).
  const std::vector<DatasetParam>& params() const { return params_; }
  std::chrono::milliseconds ttl() const { return ttl_; }
  // Never longer than ttl(): when not_found_ttl is not written it is min(30s, ttl).
  std::chrono::milliseconds notFoundTtl() const { return notFoundTtl_; }
  // sha256 hex of the source, the SQL and the parameter references: part of cache keys, so that
  // editing a query makes its old cache entries unreachable.
  const std::string& fingerprint() const { return fingerprint_; }
  const std::string& description() const { return description_; }
  const std::string& location() const { return location_; }

  // True when a parameter is another field's value (the dataset runs after that field's).
  bool chained() const;

 private:
  std::string id_;
  std::string source_;
  std::string subject_;
  std::string query_;
  std::string sql_;
  std::vector<DatasetParam> params_;
  std::chrono::milliseconds ttl_ = kDefaultTtl;
  std::chrono::milliseconds notFoundTtl_ = kDefaultNotFoundTtl;
  std::string fingerprint_;
  std::string description_;
  std::string location_;
};

}  // namespace oncegate
