#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/http/HttpExchange.h"

namespace oncegate {

// One /admin/v1 call from arrival to answer: what was asked, by whom, about what, and how it
// ended. The router fills who and what; the endpoint sets the outcome (and the subject, when it
// reads personal data); the router then renders the admin audit record from it.
struct AdminCall {
  HttpRequest request;
  std::string requestId;
  std::chrono::steady_clock::time_point started;
  std::string path;                   // the target without its query
  std::vector<std::string> segments;  // of the path after /admin/v1/, %-decoded
  std::string tokenName;              // empty until authenticated
  std::string role;
  std::string kind;
  std::string id;
  std::string outcome;
  // Whom a call read personal data about (a dry run, a per-subject invalidation): the audit trail
  // is where that belongs, as for /v1 requests.
  std::string subjectType;
  std::string subjectKey;
  std::string subjectValue;
  // How many subjects a report read about (a consistency check), when it read any: a count, for
  // the many subjects such a run reads must not fill the audit record with their identifiers.
  std::optional<std::int64_t> subjectsRead;
  // The pending change this call proposed, approved, rejected, withdrew or read (its id).
  std::string change;

  // The admin audit record of this call answered with `status`: who did what to which document
  // and how it ended; never the body (it may hold secrets).
  std::string auditRecord(unsigned status) const;
};

}  // namespace oncegate
