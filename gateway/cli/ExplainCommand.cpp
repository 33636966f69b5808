// oncegatectl explain: the decision the gateway would take for one field, with the policy that
// took it, so a security officer can check a grant before a client finds it missing.

#include <chrono>
#include <cstdio>
#include <optional>

#include "common/Error.h"
#include "common/SharingClass.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/service/PolicyExplanation.h"
#include "policies/MaskKind.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl explain DIR --client CLIENT --purpose PURPOSE --field FIELD\n"
    "                           [--at YYYY-MM-DD]\n"
    "Loads the configuration in DIR and prints what the gateway decides when CLIENT asks FIELD\n"
    "for PURPOSE: the effect (allow, verify_only, deny), the policy that decided, the reason,\n"
    "the mask, the field's sharing class and whether a case number is required. --at decides\n"
    "as at the start of that day (UTC) instead of now, to see what a valid_until changes.\n"
    "Exit status: 0 explained, 1 invalid configuration or unknown client or field, 2 usage.\n";

// "2027-12-31" as midnight UTC; a malformed or impossible date is a usage error.
PolicySet::TimePoint parseDay(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char tail = 0;
  const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                      std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &tail) == 3;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                         std::chrono::day{day}};
  if (!shaped || !date.ok()) {
    throw Error(ErrorCode::BadRequest, "--at wants a date YYYY-MM-DD, not '" + text + "'");
  }
  return std::chrono::sys_days{date};
}

std::string required(const CtlArguments& arguments, std::string_view name) {
  auto value = arguments.option(name);
  if (!value || value->empty()) {
    throw Error(ErrorCode::BadRequest, "--" + std::string(name) + " is required");
  }
  return *value;
}

int runExplain(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const std::string client = required(arguments, "client");
  const std::string purpose = required(arguments, "purpose");
  const std::string fieldId = required(arguments, "field");
  const auto at = arguments.option("at");
  const auto now = at ? parseDay(*at) : std::chrono::system_clock::now();

  const auto config = loadConfigurationReporting(arguments.positionals().at(0), err);
  if (!config) return kCtlExitFailed;
  std::optional<PolicyExplanation> explained;
  try {
    explained = PolicyExplanation::explain(*config, client, purpose, fieldId, now);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;
    err << e.message() << "\n";
    return kCtlExitFailed;
  }
  const auto& decided = *explained;
  out << "client:   " << decided.client << "\n"
      << "purpose:  " << decided.purpose << "\n"
      << "field:    " << decided.field << " (sharing class " << sharingClassName(decided.sharing)
      << ", dataset " << decided.dataset << ")\n"
      << "effect:   " << decided.effectName() << "\n"
      << "policy:   " << (decided.policy.empty() ? "(none: default rule)" : decided.policy) << "\n";
  if (!decided.reason.empty()) out << "reason:   " << decided.reason << "\n";
  if (decided.effect == PolicyDecision::Effect::Allow) {
    out << "mask:     " << maskKindName(decided.mask) << "\n";
  }
  out << "case:     " << (decided.caseRequired ? "required" : "not required") << "\n";
  return kCtlExitOk;
}

}  // namespace

CtlCommand explainCommand() {
  return CtlCommand{"explain", "show the policy decision for client x purpose x field",
                    kUsage,    {"client", "purpose", "field", "at"},
                    1,         runExplain};
}

}  // namespace oncegate
