#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "common/Error.h"
#include "gateway/service/AccessListRequest.h"
#include "gateway/service/DataRequestService.h"

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// The citizen's view (POST /v1/accesses, Estonia's Data Tracker as the model): every data access
// (resolve, verify, prefill answered) to one subject's data in a period, across every instance,
// from the central audit record: when, which department and system, for which purpose and case,
// which fields with what outcome; never a value, and not the accesses made under a confidential
// policy before its disclose_after day. Only for clients whose document says
// can_list_accesses: true; the listing call is itself audited (route /v1/accesses, the subject
// as validated), refusals included.
//
// The query blocks, so it never runs on an I/O thread: list() checks the call there and queues
// the query for one of kThreads threads of its own, each with its own connection to the store.
// The queue is bounded (a full queue answers 503 at once), a query waiting longer than the
// request timeout is answered 503 without running, and each statement is bounded by the request
// timeout too (OdbcClient gives up a little after it).
class AccessListing {
 public:
  static constexpr std::size_t kThreads = 2;
  static constexpr std::size_t kQueueBound = 64;
  // The longest period one listing covers, in years: a portal pages by year, and a bound keeps
  // one call from scanning a subject's whole history.
  static constexpr int kMaxSpanYears = 5;

  struct Access {
    std::string time;
    std::string department;
    std::string client;
    std::string purpose;
    std::string caseNumber;
    std::vector<std::pair<std::string, std::string>> fields;  // id, outcome
  };
  struct Answer {
    std::vector<Access> accesses;
    bool truncated = false;  // more than AuditSearch::kMaxAccesses: ask for a shorter period
  };
  using Outcome = std::variant<Answer, Error>;
  using Done = std::function<void(Outcome)>;

  // Audits through `service` (which must outlive this). `today` says the UTC date (YYYY-MM-DD)
  // against which disclose_after is compared: tests pin it; by default the clock's.
  explicit AccessListing(DataRequestService& service, std::function<std::string()> today = nullptr);
  ~AccessListing();  // stop()s
  AccessListing(const AccessListing&) = delete;
  AccessListing& operator=(const AccessListing&) = delete;

  // On an I/O thread: `call` names the authenticated client, the snapshot, request id and
  // route; `request` the subject and period. `done` runs exactly once, on a listing thread or
  // the audit writer's (or here, for what fails at once).
  void list(std::shared_ptr<DataRequestService::Call> call, AccessListRequest request, Done done);

  // Answers what is still queued 503 (shutting down), lets running queries end, joins.
  void stop();

  // From and to as sent, to store times: [from, until). A date `to` covers that whole day; a
  // time `to` is included. Error(BadRequest) for a malformed time, to before from, or a period
  // over kMaxSpanYears.
  static std::pair<std::string, std::string> period(const std::string& from, const std::string& to);

 private:
  struct Job;
  void work();
  // Runs one queued job on this thread's connection (made on first use, dropped after a failure
  // so that the next job connects afresh).
  void run(Job& job, std::unique_ptr<odbc::OdbcClient>& connection);

  DataRequestService& service_;
  std::function<std::string()> today_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace oncegate
