#include "gateway/auditstore/AuditSearchParameters.h"

#include <charconv>

#include "common/Error.h"
#include "gateway/auditstore/AuditSubjectHashes.h"

namespace oncegate::AuditSearchParameters {

namespace {

std::optional<std::string> timeOf(std::string_view name, const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto time = AuditSearch::canonicalTime(*text);
  if (!time) {
    throw Error(ErrorCode::BadRequest, std::string(name) +
                                           " must be a UTC date or time: 2026-03-31 or "
                                           "2026-03-31T17:45:10Z");
  }
  return time;
}

std::size_t limitOf(const std::optional<std::string>& text) {
  if (!text) return AuditSearch::kDefaultLimit;
  std::size_t limit = 0;
  const auto* end = text->data() + text->size();
  const auto [stop, error] = std::from_chars(text->data(), end, limit);
  if (error != std::errc() || stop != end || limit < 1 || limit > AuditSearch::kMaxLimit) {
    throw Error(ErrorCode::BadRequest,
                "limit must be a whole number from 1 to " + std::to_string(AuditSearch::kMaxLimit));
  }
  return limit;
}

}  // namespace

AuditSearch::Filter filterFrom(
    const std::function<std::optional<std::string>(std::string_view)>& valueOf,
    const MappingCatalog& mappings, std::string_view hashKey) {
  AuditSearch::Filter filter;
  const auto subject = valueOf("subject");
  const auto subjectType = valueOf("subject_type");
  if (subject) {
    filter.subjectHashes = auditSubjectHashes(mappings, hashKey, *subject, subjectType);
  } else if (subjectType) {
    throw Error(ErrorCode::BadRequest,
                "subject_type says how to read subject: give the subject's ID too");
  }
  filter.caseNumber = valueOf("case");
  filter.client = valueOf("client");
  filter.department = valueOf("department");
  filter.purpose = valueOf("purpose");
  filter.field = valueOf("field");
  filter.outcome = valueOf("outcome");
  filter.since = timeOf("since", valueOf("since"));
  filter.until = timeOf("until", valueOf("until"));
  filter.limit = limitOf(valueOf("limit"));
  filter.cursor = valueOf("cursor");
  return filter;
}

}  // namespace oncegate::AuditSearchParameters
