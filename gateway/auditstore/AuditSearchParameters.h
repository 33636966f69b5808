#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/auditstore/AuditSearch.h"

namespace oncegate {

class MappingCatalog;

// The auditors' search asked by name: the query parameters of GET /admin/v1/audit and the
// options of `oncegatectl audit search` are the same words, read here once.
namespace AuditSearchParameters {

// Every name a search accepts (besides `format`, which says how the answer is written).
inline constexpr std::string_view kNames[] = {"subject",    "subject_type", "case",  "client",
                                              "department", "purpose",      "field", "outcome",
                                              "since",      "until",        "limit", "cursor"};

// The filter `valueOf` describes (valueOf(name): the value given, or nullopt). `subject` is an
// ID number as typed, hashed with `hashKey` as the store indexes it (auditSubjectHashes);
// `since`/`until` are UTC dates or times; `limit` 1..AuditSearch::kMaxLimit. Error(BadRequest)
// naming the parameter for anything malformed.
AuditSearch::Filter filterFrom(
    const std::function<std::optional<std::string>(std::string_view)>& valueOf,
    const MappingCatalog& mappings, std::string_view hashKey);

}  // namespace AuditSearchParameters

}  // namespace oncegate
