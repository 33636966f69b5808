#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "common/Error.h"
#include "gateway/service/DataAnswer.h"
#include "gateway/service/DataRequest.h"
#include "policies/ClientRateLimiter.h"
#include "policies/VerifyAttemptLimiter.h"

namespace oncegate {

class AuditLog;
class GatewayStats;
class LiveConfiguration;
class PlanExecutor;
struct Client;
struct GatewaySnapshot;

// A data request from decision to answer, apart from HTTP: checks the request against the
// client and the policies (purpose, case, subject, limits), decides every field, plans and runs
// the queries for the fields that may be read, settles each field from its dataset's outcome,
// masks, and audits the access before the answer is handed back (with strict durability, once
// the record is on disk). Refusals (401, 403) are audited too.
//
// Lives on the I/O threads: serve() must be called on one (the executor runs on that loop), and
// `done` runs exactly once, on that thread or on the audit writer's.
class DataRequestService {
 public:
  struct Call {
    std::shared_ptr<const GatewaySnapshot> snapshot;  // taken once, kept to the end
    const Client* client = nullptr;                   // null: not authenticated
    DataRequestKind kind = DataRequestKind::Resolve;
    DataRequest request;
    std::string form;  // the form of a prefill
    std::string requestId;
    std::string traceId;  // for the audit record; may be empty
    std::string route;
    std::string subjectKey;  // the subject's key value once validated; empty before
    // Runs on the I/O thread once the answer is settled, before it is audited, so that the API
    // renders (and signs) it there: with strict durability `done` runs on the audit writer's
    // thread, which should only hand answers over.
    std::function<void(const Call&, const DataAnswer&)> settled;
  };
  using Outcome = std::variant<DataAnswer, Error>;
  using Done = std::function<void(Outcome)>;

  // Registers with `live` so that the rate limiter forgets clients a reload removes.
  // `stats` (null: not counted) receives each answered field's status.
  DataRequestService(LiveConfiguration& live, PlanExecutor& executor, AuditLog& audit,
                     GatewayStats* stats = nullptr);
  DataRequestService(const DataRequestService&) = delete;
  DataRequestService& operator=(const DataRequestService&) = delete;

  // The client a bearer token and/or a verified TLS client certificate (SHA-256 hex) name in
  // `snapshot`, or null (none, or the two name different clients).
  static const Client* authenticate(const GatewaySnapshot& snapshot, std::string_view token,
                                    std::string_view certificateSha256);

  // Takes one request from `client`'s rate limit (its own, or limits.default_rate_limit of
  // `snapshot`). A request over it is not audited: nothing was read or decided, and a flood must
  // not become a flood of fsyncs.
  ClientRateLimiter::Decision throttle(const GatewaySnapshot& snapshot, const Client& client);

  // Audits a request refused as a whole (unauthenticated or forbidden) and then hands `error` to
  // `done`: the refusal serves no data, so it is answered even if it could not be recorded.
  void refuse(std::shared_ptr<Call> call, Error error, Done done);

  // Serves an authenticated, parsed request.
  void serve(std::shared_ptr<Call> call, Done done);

  // Audits a call that reads no field (the citizen's access listing) as a data request's
  // record, with no fields, and then tells `recorded` whether the record was written.
  void record(const std::shared_ptr<Call>& call, unsigned status,
              std::function<void(bool)> recorded);

 private:
  struct Run;
  void settle(const std::shared_ptr<Run>& run);
  // Counts one guess at `field` for the call's client and subject; past limits.verify_attempts
  // marks `answer` limited and returns false.
  bool verifyAttemptAllowed(const Call& call, const std::string& field, DataAnswer::Field& answer);

  PlanExecutor& executor_;
  AuditLog& audit_;
  GatewayStats* stats_;
  // Across snapshots: a reload must not hand every client a fresh burst.
  ClientRateLimiter limiter_;
  // Across snapshots too: a reload must not hand every client fresh guesses.
  VerifyAttemptLimiter verifyAttempts_;
};

}  // namespace oncegate
