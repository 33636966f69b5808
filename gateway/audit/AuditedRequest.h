#pragma once

#include <string>
#include <utility>
#include <vector>

namespace oncegate {

// What a policy replay needs of one audited data request (/v1/resolve or /v1/verify): who asked
// which fields for which purpose, and whether a case number was given. The case number and the
// subject are deliberately not kept, so nothing built from it carries a subject identifier.
struct AuditedRequest {
  std::string time;  // as recorded: "2026-03-31T17:45:10.123Z"
  std::string requestId;
  std::string route;
  unsigned status = 0;  // the HTTP status the request got (403 refusals record no fields)
  std::string client;
  std::string purpose;
  bool casePresent = false;
  // Field id and the status the gateway answered with ("ok", "denied", "verify_only", ...), in
  // the order recorded.
  std::vector<std::pair<std::string, std::string>> fields;
};

}  // namespace oncegate
