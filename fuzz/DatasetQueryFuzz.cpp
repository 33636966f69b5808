// The SQL placeholder rewriter (Dataset::parse turns `:name` into `?`) on any query text. The
// target declares, one by one, the params the dataset asks for, until it is accepted or refused
// for another reason. An accepted dataset must bind exactly what its SQL holds: every `?` the
// rewriter wrote has one param, the rest of the text is copied unchanged, and each param is a
// `:name` of the query as written. Every input is read in each SQL dialect (standard, MariaDB).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/SqlDialect.h"
#include "fuzz/FuzzProperty.h"
#include "mappings/Dataset.h"

namespace oncegate {
namespace {

// The refusal that names a placeholder without a param: "...: placeholder :NAME has no entry in
// params". Returns NAME, or empty for any other refusal.
std::string missingParam(const std::string& message) {
  static constexpr std::string_view kBefore = "placeholder :";
  static constexpr std::string_view kAfter = " has no entry in params";
  const auto begin = message.find(kBefore);
  if (begin == std::string::npos || !message.ends_with(kAfter)) return {};
  const auto nameBegin = begin + kBefore.size();
  return message.substr(nameBegin, message.size() - kAfter.size() - nameBegin);
}

void check(const std::string& query, SqlDialect dialect) {
  YAML::Node item;
  item["id"] = "fuzz.dataset";
  item["source"] = "fuzz";
  item["subject"] = "person";
  item["query"] = query;
  item["params"] = YAML::Node(YAML::NodeType::Map);
  const auto origin = std::make_shared<const std::string>("fuzz.yaml");
  // Each round declares one more param; a query has at most one placeholder per two bytes.
  for (std::size_t round = 0; round <= query.size() / 2 + 1; ++round) {
    try {
      const auto dataset = Dataset::parse(ConfigNode(item, origin), dialect);
      const auto& sql = dataset.sql();
      const auto marks = static_cast<std::size_t>(std::count(sql.begin(), sql.end(), '?'));
      const auto written = static_cast<std::size_t>(std::count(query.begin(), query.end(), '?'));
      fuzzRequire(!dataset.params().empty(), "an accepted dataset has a param");
      fuzzRequire(marks == written + dataset.params().size(),
                  "every ? the rewriter wrote has exactly one param");
      std::size_t removed = 0;
      for (const auto& param : dataset.params()) {
        fuzzRequire(query.find(":" + param.name) != std::string::npos,
                    "each param is a :name of the query");
        fuzzRequire(param.kind == DatasetParam::Kind::SubjectKey && param.ref == "id_card",
                    "each param is bound as it was declared");
        removed += param.name.size();  // ":name" became "?"
      }
      fuzzRequire(sql.size() + removed == query.size(),
                  "the rest of the query is copied unchanged");
      fuzzRequire(dataset.query() == query, "the query is kept as written");
      return;
    } catch (const Error& error) {
      fuzzRequire(error.code() == ErrorCode::InvalidConfig, "a query is refused as InvalidConfig");
      const auto name = missingParam(error.message());
      if (name.empty()) return;
      const YAML::Node declared = item["params"];
      fuzzRequire(!std::as_const(declared)[name].IsDefined(),
                  "a declared param is not asked for again");
      item["params"][name] = "subject.id_card";
    }
  }
  fuzzRequire(false, "the rewriter asks for no more params than the query has placeholders");
}

}  // namespace
}  // namespace oncegate

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string query(reinterpret_cast<const char*>(data), size);
  oncegate::check(query, oncegate::SqlDialect::Standard);
  oncegate::check(query, oncegate::SqlDialect::MySql);
  return 0;
}
