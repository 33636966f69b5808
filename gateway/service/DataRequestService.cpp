#include "gateway/service/DataRequestService.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include "common/JsonWriter.h"
#include "common/UtcTimestamp.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/service/PlanExecutor.h"
#include "gateway/stats/GatewayStats.h"
#include "mappings/Form.h"
#include "mappings/SubjectType.h"
#include "policies/Mask.h"

namespace oncegate {

namespace {

using Clock = std::chrono::steady_clock;
using Kind = DataRequestKind;

// Room reserved up front for audit records, so that they are written without growing their
// buffer again and again (sizes seen on the demo's requests).
constexpr std::size_t kAuditRecordBase = 384;
constexpr std::size_t kBytesPerField = 96;

const char* outcomeName(DatasetOutcome::State state) {
  switch (state) {
    case DatasetOutcome::State::Found:
      return "found";
    case DatasetOutcome::State::NotFound:
      return "not_found";
    default:
      return "unavailable";
  }
}

}  // namespace

// One request being served: the call, each field's decision, the plan and what it found.
struct DataRequestService::Run {
  struct Decided {
    const Field* field = nullptr;
    PolicyDecision decision;
    std::optional<std::size_t> plan;  // its dataset's entry in `plan`, while it waits for data
    std::string claim;                // verify only
  };

  std::shared_ptr<Call> call;
  Done done;
  DataAnswer answer;
  std::vector<Decided> decided;  // parallel to answer.fields
  const Form* form = nullptr;
  ResolutionPlan plan;
  std::vector<DatasetOutcome> outcomes;
};

namespace {

// The subject's key name and value, when the request names a known subject type and a valid key.
std::optional<std::pair<std::string_view, std::string>> validatedSubject(
    const DataRequestService::Call& call) {
  const SubjectType* type = call.snapshot != nullptr
                                ? call.snapshot->config.mappings.subject(call.request.subjectType)
                                : nullptr;
  if (type == nullptr) return std::nullopt;
  if (!call.subjectKey.empty()) return std::pair{std::string_view(type->key()), call.subjectKey};
  try {
    return std::pair{std::string_view(type->key()), type->keyValueOf(call.request.subjectKeys)};
  } catch (const Error&) {
    return std::nullopt;
  }
}

// The audit line of a data request: who asked what about whom, for which purpose and case, what
// was decided for each field, and where each dataset came from.
std::string auditRecord(const DataRequestService::Call& call, unsigned status,
                        const std::vector<DataAnswer::Field>& fields, const ResolutionPlan* plan,
                        const std::vector<DatasetOutcome>& outcomes, const Form* form = nullptr) {
  std::string out;
  out.reserve(kAuditRecordBase + kBytesPerField * fields.size());
  JsonWriter json(out);
  json.beginObject().key("time").string(utcTimestamp()).key("request_id").string(call.requestId);
  if (!call.traceId.empty()) json.key("trace_id").string(call.traceId);
  json.key("route").string(call.route).key("status").integer(status);
  json.key("client");
  call.client != nullptr ? json.string(call.client->id) : json.null();
  // The client's department as configured when it asked: auditors search by it, and the
  // citizen's view names it.
  json.key("department");
  call.client != nullptr ? json.string(call.client->department) : json.null();
  // Accesses under a confidential policy (an investigation) stay out of the citizen's view until
  // this day; the central store indexes it, the auditors' search ignores it.
  if (call.client != nullptr && call.snapshot != nullptr) {
    const auto discloseAfter =
        call.snapshot->config.policies.discloseAfter(call.client->id, call.request.purpose);
    if (!discloseAfter.empty()) json.key("disclose_after").string(discloseAfter);
  }
  json.key("purpose").string(call.request.purpose);
  json.key("case").string(call.request.caseNumber);
  // The subject's key only once validated (never the keys as sent): the audit trail must name
  // the subject that was served, and nothing the caller added beside it.
  json.key("subject").beginObject().key("type").string(call.request.subjectType);
  if (const auto subject = validatedSubject(call)) json.key(subject->first).string(subject->second);
  json.endObject();
  // The form a prefill filled and how many entries it has (the applicant's included), as
  // configured when it was asked: the sharing report's denominator must not move when the form
  // is edited later.
  if (form != nullptr) {
    json.key("form").string(form->id());
    json.key("form_total").integer(static_cast<std::int64_t>(form->entries().size()));
  }
  json.key("fields").beginObject();
  for (const auto& field : fields) json.key(field.id).string(fieldStatusName(field.status));
  json.endObject();
  json.key("datasets").beginArray();
  for (std::size_t i = 0; plan != nullptr && i < plan->datasets.size() && i < outcomes.size();
       ++i) {
    const auto& dataset = *plan->datasets[i].dataset;
    const auto& outcome = outcomes[i];
    json.beginObject().key("id").string(dataset.id()).key("source").string(dataset.source());
    json.key("from").string(outcome.fromCache ? "cache" : "source");
    if (!outcome.fromCache && outcome.latencyMs) {
      json.key("ms").number(std::round(*outcome.latencyMs * 1000) / 1000);
    }
    json.key("outcome").string(outcomeName(outcome.state)).endObject();
  }
  json.endArray().endObject();
  return out;
}

// What the applicant still fills in: the entries the form leaves to them, and every field the
// departments could not give (not found, denied, verify-only, unavailable).
DataAnswer::Form summarise(const Form& form, const std::vector<DataAnswer::Field>& fields) {
  DataAnswer::Form summary;
  summary.id = form.id();
  std::size_t next = 0;
  for (const auto& entry : form.entries()) {
    if (entry.suppliedByApplicant) {
      summary.toSupply.push_back(entry.field);
      continue;
    }
    // Answers follow the form's order; a field listed twice was answered once.
    const auto* field =
        next < fields.size() && fields[next].id == entry.field ? &fields[next++] : nullptr;
    if (field == nullptr) continue;
    if (field->status == FieldStatus::Ok) {
      ++summary.filled;
    } else {
      summary.toSupply.push_back(entry.field);
    }
  }
  summary.total = static_cast<std::int64_t>(form.entries().size());
  const double rate =
      summary.total == 0 ? 0.0
                         : static_cast<double>(summary.filled) / static_cast<double>(summary.total);
  summary.sharingRate = std::round(rate * 1000) / 1000;
  return summary;
}

}  // namespace

DataRequestService::DataRequestService(LiveConfiguration& live, PlanExecutor& executor,
                                       AuditLog& audit, GatewayStats* stats)
    : executor_(executor), audit_(audit), stats_(stats) {
  live.onInstall([this](const GatewaySnapshot& snapshot) {
    limiter_.retainOnly(snapshot.config.clients.clients(), true);
    verifyAttempts_.retainOnly(snapshot.config.clients.clients());
  });
}

const Client* DataRequestService::authenticate(const GatewaySnapshot& snapshot,
                                               std::string_view token,
                                               std::string_view certificateSha256) {
  return snapshot.config.clients.authenticate(token, certificateSha256);
}

ClientRateLimiter::Decision DataRequestService::throttle(const GatewaySnapshot& snapshot,
                                                         const Client& client) {
  return limiter_.tryAcquire(client, ClientRateLimiter::Clock::now(),
                             &snapshot.config.gateway.defaultRateLimit);
}

void DataRequestService::refuse(std::shared_ptr<Call> call, Error error, Done done) {
  // The fields a forbidden request asked for are recorded as refused: who tried to read what
  // matters to an auditor, and a policy replay can show what a change would let through.
  std::vector<DataAnswer::Field> refused;
  if (error.code() == ErrorCode::Forbidden) {
    const auto add = [&](const std::string& id) {
      refused.push_back(DataAnswer::Field{id, FieldStatus::Refused, {}, {}, {}, {}, false});
    };
    if (call->kind != Kind::Verify) {
      for (const auto& id : call->request.fields) add(id);
    } else {
      for (const auto& [id, claim] : call->request.claims) add(id);
    }
  }
  const unsigned status = error.code() == ErrorCode::Forbidden ? 403 : 401;
  if (stats_ != nullptr) {
    for (const auto& field : refused) stats_->countFieldOutcome(fieldStatusName(field.status));
  }
  audit_.append(auditRecord(*call, status, refused, nullptr, {}),
                [done = std::move(done), error = std::move(error)](bool /*recorded*/) mutable {
                  done(std::move(error));
                });
}

void DataRequestService::record(const std::shared_ptr<Call>& call, unsigned status,
                                std::function<void(bool)> recorded) {
  audit_.append(auditRecord(*call, status, {}, nullptr, {}), std::move(recorded));
}

void DataRequestService::serve(std::shared_ptr<Call> call, Done done) {
  auto run = std::make_shared<Run>();
  run->call = std::move(call);
  run->done = std::move(done);
  Call& c = *run->call;
  const GatewaySnapshot& snapshot = *c.snapshot;
  const Configuration& config = snapshot.config;
  std::string subjectKey;
  const SubjectType* type = nullptr;
  try {
    if (c.kind == Kind::Prefill) {
      // The form says the purpose and the fields; the caller says whom, and the case.
      run->form = config.mappings.form(c.form);
      if (run->form == nullptr) throw Error(ErrorCode::NotFound, "no form '" + c.form + "'");
      c.request.purpose = run->form->purpose();
      if (c.request.subjectType != run->form->subject()) {
        throw Error(ErrorCode::BadRequest, "form '" + run->form->id() +
                                               "' is about subject type '" + run->form->subject() +
                                               "', not '" + c.request.subjectType + "'");
      }
      for (const auto& entry : run->form->entries()) {
        if (!entry.suppliedByApplicant) c.request.fields.push_back(entry.field);
      }
    }
    if (!c.client->allowsPurpose(c.request.purpose)) {
      throw Error(ErrorCode::Forbidden, "purpose '" + c.request.purpose +
                                            "' is not allowed for client '" + c.client->id + "'");
    }
    type = config.mappings.subject(c.request.subjectType);
    if (type == nullptr) {
      throw Error(ErrorCode::BadRequest, "unknown subject type '" + c.request.subjectType + "'");
    }
    subjectKey = type->keyValueOf(c.request.subjectKeys);
    c.subjectKey = subjectKey;
    if (c.request.caseNumber.empty() &&
        config.policies.requiresCase(c.client->id, c.request.purpose,
                                     std::chrono::system_clock::now())) {
      throw Error(ErrorCode::Forbidden,
                  "a case number (\"case\") is required for purpose '" + c.request.purpose + "'");
    }
    const std::size_t asked =
        c.kind != Kind::Verify ? c.request.fields.size() : c.request.claims.size();
    if (asked > config.gateway.maxFields) {
      throw Error(ErrorCode::BadRequest, "too many fields: " + std::to_string(asked) +
                                             " asked, limits.max_fields is " +
                                             std::to_string(config.gateway.maxFields));
    }
  } catch (Error& e) {
    if (e.code() == ErrorCode::Forbidden)
      return refuse(run->call, std::move(e), std::move(run->done));
    return run->done(std::move(e));
  }

  // Decide every field first, then plan only those that may be read: a denied field costs no
  // query.
  const auto now = std::chrono::system_clock::now();
  const auto policies = config.policies.forPurpose(c.client->id, c.request.purpose);
  std::vector<const Field*> planned;
  const auto decide = [&](const std::string& id, std::string claim) {
    // A field asked twice is answered once. A scan of those decided so far: a request has a few
    // dozen fields (limits.max_fields bounds them), and hashing every id cost more than this.
    const auto& answered = run->answer.fields;
    if (std::any_of(answered.begin(), answered.end(),
                    [&](const DataAnswer::Field& field) { return field.id == id; })) {
      return;
    }
    DataAnswer::Field field;
    field.id = id;
    Run::Decided decided;
    decided.claim = std::move(claim);
    decided.field = config.mappings.field(id);
    if (decided.field == nullptr || &config.mappings.subjectOf(*decided.field) != type) {
      field.status = FieldStatus::UnknownField;
    } else {
      decided.decision = policies.decide(id, decided.field->sharing(), now);
      using Effect = PolicyDecision::Effect;
      if (decided.decision.effect == Effect::Deny) {
        field.status = FieldStatus::Denied;
        field.reason = decided.decision.reason;
      } else if (decided.decision.effect == Effect::VerifyOnly && c.kind != Kind::Verify) {
        field.status = FieldStatus::VerifyOnly;
        field.reason = "verify-only grant: ask /v1/verify with a claim";
      } else if (c.kind == Kind::Verify && decided.decision.mask != MaskKind::None) {
        // A match against the unmasked value would let repeated guesses recover what the mask
        // hides: only a verify_only grant or an unmasked read makes a field verifiable.
        field.status = FieldStatus::Denied;
        field.reason = "the grant masks this field (" +
                       std::string(maskKindName(decided.decision.mask)) +
                       "): a masked field cannot be verified";
      } else if (c.kind == Kind::Verify && !verifyAttemptAllowed(c, id, field)) {
        // Answered without a query; the audit record says "limited".
      } else {
        planned.push_back(decided.field);
        decided.plan = 0;  // set once planned, below
      }
    }
    run->answer.fields.push_back(std::move(field));
    run->decided.push_back(std::move(decided));
  };
  if (c.kind != Kind::Verify) {
    run->answer.fields.reserve(c.request.fields.size());
    for (const auto& id : c.request.fields) decide(id, {});
  } else {
    run->answer.fields.reserve(c.request.claims.size());
    for (const auto& [id, claim] : c.request.claims) decide(id, claim);
  }
  try {
    run->plan = snapshot.planner.plan(planned);
  } catch (Error& e) {
    return run->done(std::move(e));
  }
  // Each field waiting for data takes the plan entry of its dataset (a plan has a few datasets).
  for (auto& decided : run->decided) {
    if (!decided.plan) continue;
    const auto& datasets = run->plan.datasets;
    for (std::size_t i = 0; i < datasets.size(); ++i) {
      if (datasets[i].dataset->id() == decided.field->dataset()) decided.plan = i;
    }
  }
  const auto deadline = Clock::now() + config.gateway.requestTimeout;
  executor_.run(config.mappings, snapshot.sources, run->plan, Value::string(subjectKey), deadline,
                [this, run](std::vector<DatasetOutcome> outcomes) {
                  run->outcomes = std::move(outcomes);
                  settle(run);
                });
}

bool DataRequestService::verifyAttemptAllowed(const Call& call, const std::string& field,
                                              DataAnswer::Field& answer) {
  const auto& gateway = call.snapshot->config.gateway;
  const auto& limit = gateway.verifyAttempts;
  const auto key = VerifyAttemptLimiter::keyOf(gateway.hashKey, call.client->id,
                                               call.request.subjectType, call.subjectKey, field);
  const auto decision =
      verifyAttempts_.tryAttempt(call.client->id, key, limit, VerifyAttemptLimiter::Clock::now());
  if (decision.allowed) return true;
  const auto retry = std::chrono::ceil<std::chrono::seconds>(decision.retryAfter).count();
  answer.status = FieldStatus::Limited;
  answer.reason = "more than " + std::to_string(limit.count) +
                  " verify attempts at this field of this subject (limits.verify_attempts); "
                  "retry after " +
                  std::to_string(retry) + " s";
  // Never the subject: the request id leads to it in the audit trail.
  spdlog::warn("request {} client={} field={}: over limits.verify_attempts", call.requestId,
               call.client->id, field);
  return false;
}

void DataRequestService::settle(const std::shared_ptr<Run>& run) {
  const Call& call = *run->call;
  const auto& maskKey = call.snapshot->config.gateway.maskKey;
  // Cached rows are cold in memory (10,000 subjects' rows outgrow the last-level cache): start
  // loading every field's column and value first, so that their misses overlap instead of
  // coming one field after another (~4% of a hot request on one core).
  for (const auto& decided : run->decided) {
    if (!decided.plan) continue;
    const auto& row = run->outcomes[*decided.plan].row;
    if (row != nullptr) decided.field->prefetchFrom(*row);
  }
  for (std::size_t i = 0; i < run->answer.fields.size(); ++i) {
    auto& field = run->answer.fields[i];
    const auto& decided = run->decided[i];
    if (!decided.plan) continue;
    const auto& outcome = run->outcomes[*decided.plan];
    field.source = run->plan.datasets[*decided.plan].dataset->source();
    field.cached = outcome.fromCache;
    switch (outcome.state) {
      case DatasetOutcome::State::Found: {
        std::optional<Value> value;
        try {
          value = decided.field->valueFrom(*outcome.row);
        } catch (const Error& e) {
          spdlog::warn("request {} field {}: {}", call.requestId, field.id, e.message());
          field.status = FieldStatus::Unavailable;
          break;
        }
        if (value->isNull()) {
          field.status = FieldStatus::NotFound;
        } else if (call.kind == Kind::Verify) {
          field.status = FieldStatus::Ok;
          field.match = value->toString() == decided.claim;
        } else {
          field.status = FieldStatus::Ok;
          field.value = applyMask(decided.decision.mask, std::move(*value), maskKey);
        }
        break;
      }
      case DatasetOutcome::State::NotFound:
        field.status = FieldStatus::NotFound;
        break;
      default:
        field.status = FieldStatus::Unavailable;
    }
  }
  if (run->form != nullptr) run->answer.form = summarise(*run->form, run->answer.fields);
  run->answer.settledAt = std::chrono::system_clock::now();
  if (call.settled) call.settled(call, run->answer);
  if (stats_ != nullptr) {
    for (const auto& field : run->answer.fields)
      stats_->countFieldOutcome(fieldStatusName(field.status));
  }
  // With strict durability the answer leaves only once its audit line is on disk.
  audit_.append(auditRecord(call, 200, run->answer.fields, &run->plan, run->outcomes, run->form),
                [run](bool recorded) {
                  if (!recorded) {
                    return run->done(Error(ErrorCode::Overloaded,
                                           "the audit trail cannot be written: no data is served "
                                           "until it can"));
                  }
                  run->done(std::move(run->answer));
                });
}

}  // namespace oncegate
