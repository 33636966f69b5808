#include "policies/Policy.h"

#include <algorithm>
#include <charconv>

namespace oncegate {

namespace {

constexpr bool kDefaultRequireCase = false;

std::vector<FieldPattern> parsePatterns(const std::optional<ConfigNode>& list) {
  std::vector<FieldPattern> patterns;
  if (!list) return patterns;
  for (const auto& item : list->items()) {
    auto pattern = FieldPattern::parse(item.asString());
    if (!pattern) {
      item.fail("bad field pattern '" + item.asString() + "' (expected a field id, prefix.* or *)");
    }
    patterns.push_back(std::move(*pattern));
  }
  return patterns;
}

// The years a valid_until may name: expiry is a system_clock time point, whose nanoseconds since
// 1970 in 64 bits end in 2262; a year beyond them overflowed (undefined behaviour).
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2200;

std::optional<std::chrono::sys_days> parseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  const char* begin = text.data();
  if (std::from_chars(begin, begin + 4, year).ptr != begin + 4 ||
      std::from_chars(begin + 5, begin + 7, month).ptr != begin + 7 ||
      std::from_chars(begin + 8, begin + 10, day).ptr != begin + 10) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!date.ok() || year < kMinYear || year > kMaxYear) return std::nullopt;
  return std::chrono::sys_days(date);
}

// `confidential: true` needs the day its accesses may be shown to the citizen, and a
// disclose_after means nothing without confidential: true; either alone is a mistake.
void parseConfidentiality(const ConfigNode& item, std::string& discloseAfter) {
  const auto confidential = item.find("confidential");
  const auto date = item.find("disclose_after");
  const bool isConfidential = confidential && confidential->asBool();
  if (isConfidential && !date) {
    confidential->fail(
        "a confidential policy needs disclose_after: YYYY-MM-DD, the day from which its accesses "
        "are shown to the citizen");
  }
  if (!date) return;
  if (!isConfidential) {
    date->fail("disclose_after is only for a policy with confidential: true");
  }
  discloseAfter = date->asString();
  if (!parseDate(discloseAfter)) {
    date->fail("disclose_after must be a date written YYYY-MM-DD, from " +
               std::to_string(kMinYear) + "-01-01 to " + std::to_string(kMaxYear) + "-12-31");
  }
}

const FieldPattern* narrowestMatch(const std::vector<FieldPattern>& patterns,
                                   std::string_view field) {
  const FieldPattern* best = nullptr;
  for (const auto& pattern : patterns) {
    if (pattern.matches(field) &&
        (best == nullptr || pattern.specificity() > best->specificity())) {
      best = &pattern;
    }
  }
  return best;
}

}  // namespace

Policy Policy::parse(const ConfigNode& item) {
  item.allowOnlyKeys({"id", "clients", "purposes", "allow", "deny", "verify_only", "mask",
                      "valid_until", "require_case", "confidential", "disclose_after",
                      "description"});
  Policy policy;
  policy.id_ = item.at("id").asString();
  policy.location_ = item.location();
  const auto clients = item.at("clients");
  policy.clients_ = clients.asStringList();
  if (policy.clients_.empty()) clients.fail("a policy needs at least one client");
  const auto purposes = item.at("purposes");
  policy.purposes_ = purposes.asStringList();
  if (policy.purposes_.empty()) purposes.fail("a policy needs at least one purpose");

  policy.allow_ = parsePatterns(item.find("allow"));
  policy.deny_ = parsePatterns(item.find("deny"));
  policy.verifyOnly_ = parsePatterns(item.find("verify_only"));
  if (policy.allow_.empty() && policy.deny_.empty() && policy.verifyOnly_.empty()) {
    item.fail("policy '" + policy.id_ + "' has no allow, deny or verify_only patterns");
  }

  if (auto masks = item.find("mask")) {
    for (const auto& [patternText, kindNode] : masks->entries()) {
      auto pattern = FieldPattern::parse(patternText);
      if (!pattern) {
        kindNode.fail("bad field pattern '" + patternText +
                      "' in mask (expected a field id, prefix.* or *)");
      }
      auto kind = parseMaskKind(kindNode.asString());
      if (!kind) {
        kindNode.fail("unknown mask '" + kindNode.asString() +
                      "' (expected show_last_4, show_first_1, hash, year_only, redact or none)");
      }
      policy.masks_.push_back({std::move(*pattern), *kind});
    }
  }

  if (auto validUntil = item.find("valid_until")) {
    policy.validUntilText_ = validUntil->asString();
    auto lastDay = parseDate(policy.validUntilText_);
    if (!lastDay) {
      validUntil->fail("valid_until must be a date written YYYY-MM-DD, from " +
                       std::to_string(kMinYear) + "-01-01 to " + std::to_string(kMaxYear) +
                       "-12-31");
    }
    policy.expiresAt_ = TimePoint(*lastDay + std::chrono::days(1));
  }
  policy.requireCase_ = kDefaultRequireCase;
  if (auto requireCase = item.find("require_case")) policy.requireCase_ = requireCase->asBool();
  parseConfidentiality(item, policy.discloseAfter_);
  if (auto description = item.find("description")) policy.description_ = description->asString();
  return policy;
}

const FieldPattern* Policy::allowMatch(std::string_view field) const {
  return narrowestMatch(allow_, field);
}

bool Policy::denies(std::string_view field) const {
  return narrowestMatch(deny_, field) != nullptr;
}

bool Policy::verifiesOnly(std::string_view field) const {
  return narrowestMatch(verifyOnly_, field) != nullptr;
}

MaskKind Policy::maskFor(std::string_view field) const {
  const MaskRule* best = nullptr;
  for (const auto& rule : masks_) {
    if (rule.pattern.matches(field) &&
        (best == nullptr || rule.pattern.specificity() > best->pattern.specificity())) {
      best = &rule;
    }
  }
  return best == nullptr ? MaskKind::None : best->kind;
}

std::vector<Policy> parsePolicies(const ConfigNode& list) {
  std::vector<Policy> policies;
  for (const auto& item : list.items()) policies.push_back(Policy::parse(item));
  return policies;
}

}  // namespace oncegate
