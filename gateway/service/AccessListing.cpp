#include "gateway/service/AccessListing.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "common/LogText.h"
#include "common/UtcTimestamp.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/auditstore/AuditSearch.h"
#include "gateway/auditstore/SubjectIndexKey.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "mappings/SubjectType.h"

namespace oncegate {

namespace {

using SteadyClock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;

constexpr std::size_t kDateLength = 10;  // YYYY-MM-DD

std::string utcDate(SystemClock::time_point at) {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(at)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

Error unreadable() {
  return Error(ErrorCode::SourceUnavailable,
               "who accessed this subject's data cannot be listed now: the central audit record "
               "cannot be read; retry later");
}

}  // namespace

struct AccessListing::Job {
  std::shared_ptr<DataRequestService::Call> call;
  std::string subjectHash;
  std::string from;
  std::string until;
  std::string today;
  std::string store;
  std::chrono::seconds statementTimeout{1};
  SteadyClock::time_point deadline;
  Done done;
};

AccessListing::AccessListing(DataRequestService& service, std::function<std::string()> today)
    : service_(service), today_(std::move(today)) {
  if (!today_) today_ = [] { return utcDate(SystemClock::now()); };
  threads_.reserve(kThreads);
  for (std::size_t i = 0; i < kThreads; ++i) threads_.emplace_back([this] { work(); });
}

AccessListing::~AccessListing() { stop(); }

std::pair<std::string, std::string> AccessListing::period(const std::string& from,
                                                          const std::string& to) {
  const auto start = AuditTrailReader::parseTime(from);
  if (!start) {
    throw Error(ErrorCode::BadRequest,
                "from must be an ISO 8601 date or UTC time: 2026-01-01 or 2026-01-01T08:00:00Z");
  }
  const auto end = AuditTrailReader::parseTime(to);
  if (!end) {
    throw Error(ErrorCode::BadRequest,
                "to must be an ISO 8601 date or UTC time: 2026-12-31 or 2026-12-31T18:00:00Z");
  }
  if (*end < *start) throw Error(ErrorCode::BadRequest, "to is before from");
  const std::chrono::year_month_day first{std::chrono::floor<std::chrono::days>(*start)};
  const auto sinceMidnight = *start - std::chrono::floor<std::chrono::days>(*start);
  auto last = first + std::chrono::years(kMaxSpanYears);
  // 29 February plus five years is no date: the period ends on 1 March then.
  const auto limit =
      std::chrono::sys_days(last.ok() ? last : last.year() / std::chrono::March / 1) +
      sinceMidnight;
  if (*end > limit) {
    throw Error(ErrorCode::BadRequest, "the period from from to to is longer than " +
                                           std::to_string(kMaxSpanYears) +
                                           " years: ask for a shorter one");
  }
  // A date names its whole day; a time is included, to the millisecond the store keeps.
  const auto until =
      to.size() == kDateLength ? *end + std::chrono::days(1) : *end + std::chrono::milliseconds(1);
  return {utcTimestamp(*start), utcTimestamp(until)};
}

void AccessListing::list(std::shared_ptr<DataRequestService::Call> call, AccessListRequest request,
                         Done done) {
  call->request.subjectType = request.subjectType;
  call->request.subjectKeys = request.subjectKeys;
  if (!call->client->canListAccesses) {
    return service_.refuse(
        std::move(call),
        Error(ErrorCode::Forbidden, "client '" + call->client->id +
                                        "' may not list accesses (its document has no "
                                        "can_list_accesses: true)"),
        [done = std::move(done)](DataRequestService::Outcome outcome) {
          done(std::get<Error>(std::move(outcome)));
        });
  }
  auto job = std::make_shared<Job>();
  const auto& config = call->snapshot->config;
  try {
    const SubjectType* type = config.mappings.subject(request.subjectType);
    if (type == nullptr) {
      throw Error(ErrorCode::BadRequest, "unknown subject type '" + request.subjectType + "'");
    }
    call->subjectKey = type->keyValueOf(request.subjectKeys);
    job->subjectHash = subjectIndexHash(config.gateway.hashKey, type->id(), call->subjectKey);
    std::tie(job->from, job->until) = period(request.from, request.to);
  } catch (const Error& e) {
    return done(e);
  }
  job->call = std::move(call);
  job->today = today_();
  job->store = config.gateway.audit.store;
  const auto timeout = config.gateway.requestTimeout;
  job->statementTimeout =
      std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(timeout));
  job->deadline = SteadyClock::now() + timeout;
  job->done = std::move(done);
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < kQueueBound) {
      queue_.push_back(job);
      queued_.notify_one();
      return;
    }
  }
  job->done(Error(ErrorCode::Overloaded,
                  "too many access listings are waiting (or the gateway is stopping); retry"));
}

void AccessListing::stop() {
  std::deque<std::shared_ptr<Job>> unanswered;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    unanswered.swap(queue_);
  }
  queued_.notify_all();
  for (auto& job : unanswered) {
    job->done(Error(ErrorCode::Overloaded, "the gateway is stopping; retry on another instance"));
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void AccessListing::work() {
  std::unique_ptr<odbc::OdbcClient> connection;
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    run(*job, connection);
  }
}

void AccessListing::run(Job& job, std::unique_ptr<odbc::OdbcClient>& connection) {
  const auto& requestId = job.call->requestId;
  // Audited once the outcome is known: a listing that found nothing or failed is a call made.
  const auto finish = [this, &job](unsigned status, Outcome outcome) {
    service_.record(job.call, status,
                    [done = std::move(job.done), outcome = std::move(outcome)](bool recorded) {
                      if (!recorded && std::holds_alternative<Answer>(outcome)) {
                        return done(Error(ErrorCode::Overloaded,
                                          "the audit trail cannot be written: nothing is listed "
                                          "until it can"));
                      }
                      done(outcome);
                    });
  };
  if (SteadyClock::now() > job.deadline) {
    return finish(503, Error(ErrorCode::Overloaded,
                             "the access listing waited longer than the request timeout; retry"));
  }
  std::vector<AuditSearch::Record> records;
  try {
    if (!connection) {
      connection =
          std::make_unique<odbc::OdbcClient>(job.store, "audit store", job.statementTimeout);
    }
    AuditSearch search(*connection);
    records = search.accessesOf(job.subjectHash, job.from, job.until, job.today);
  } catch (const Error& e) {
    // The driver's text goes to the log only; the connection is made afresh next time.
    spdlog::warn("request {}: the audit store cannot be read: {}", requestId, logText(e.message()));
    if (!e.detail().empty()) spdlog::debug("request {}: {}", requestId, logText(e.detail()));
    connection.reset();
    return finish(503, unreadable());
  } catch (const std::exception& e) {
    spdlog::error("request {}: listing accesses failed: {}", requestId, logText(e.what()));
    connection.reset();
    return finish(503, unreadable());
  }
  Answer answer;
  answer.truncated = records.size() > AuditSearch::kMaxAccesses;
  if (answer.truncated) records.resize(AuditSearch::kMaxAccesses);
  answer.accesses.reserve(records.size());
  for (auto& record : records) {
    answer.accesses.push_back(Access{std::move(record.time), std::move(record.department),
                                     std::move(record.client), std::move(record.purpose),
                                     std::move(record.caseNumber), std::move(record.fields)});
  }
  finish(200, std::move(answer));
}

}  // namespace oncegate
