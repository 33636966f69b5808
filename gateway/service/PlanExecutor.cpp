#include "gateway/service/PlanExecutor.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <optional>

#include "common/Error.h"
#include "gateway/cache/CacheKey.h"
#include "gateway/cache/DatasetCache.h"
#include "gateway/cache/RowCodec.h"
#include "gateway/http/EventLoops.h"
#include "gateway/runtime/SourceSet.h"
#include "gateway/service/InflightQueries.h"
#include "gateway/stats/GatewayStats.h"

namespace oncegate {

namespace net = boost::asio;
using State = DatasetOutcome::State;

namespace {

// Logs a failed dataset query once (by the leader, not per waiting request). The driver's text is
// logged only for connection and timeout errors: a data error's text can quote the bound value,
// which may identify a person, so for those the SQLSTATE has to do.
void logSourceFailure(const std::string& datasetId, const Error& error) {
  const auto& state = error.sqlstate();
  const bool safeDetail = state.empty() || state.rfind("08", 0) == 0 || state.rfind("HYT", 0) == 0;
  spdlog::warn("dataset {}: {} (sqlstate {}){}{}", datasetId, error.message(),
               state.empty() ? "-" : state, safeDetail && !error.detail().empty() ? ": " : "",
               safeDetail ? error.detail() : std::string());
}

}  // namespace

// Lets source workers post to a loop only while the executor (and so the loops, which outlive it)
// is there. A source that answers after that (a query on a frozen host, abandoned at shutdown)
// finds the gate closed and its answer is dropped on its own thread.
class PlanExecutor::CompletionGate {
 public:
  template <typename Handler>
  void post(net::io_context& loop, Handler&& handler) {
    std::lock_guard lock(mutex_);
    if (open_) net::post(loop, std::forward<Handler>(handler));
  }
  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }

 private:
  std::mutex mutex_;
  bool open_ = true;
};

// The state of one plan execution. It lives on one loop thread: every completion (cache reply,
// source answer, timer) is brought back to that thread before touching it, so it needs no lock.
class PlanExecutor::Run : public std::enable_shared_from_this<PlanExecutor::Run> {
 public:
  Run(PlanExecutor& executor, const SourceSet& sources, const ResolutionPlan& plan,
      Value subjectKey, Clock::time_point deadline, Done done)
      : executor_(executor),
        sources_(sources),
        plan_(plan),
        subjectKey_(std::move(subjectKey)),
        deadline_(deadline),
        done_(std::move(done)),
        outcomes_(plan.datasets.size()),
        keys_(plan.datasets.size()),
        queried_(plan.datasets.size()),
        loop_(currentLoop()) {}

  void start() { startStage(0); }

 private:
  static net::io_context& currentLoop() {
    auto* loop = EventLoops::current();
    if (loop == nullptr)
      throw Error(ErrorCode::Internal, "PlanExecutor::run called off an I/O thread");
    return *loop;
  }

  // Binds a dataset's parameters as the plan says: the subject key, or a field of the row of an
  // upstream plan (an earlier stage, already settled). nullopt when the dataset cannot be asked
  // (upstream without a row, or unavailable): its outcome is then already set.
  std::optional<std::vector<Value>> bind(std::size_t index) {
    const DatasetPlan& plan = plan_.datasets[index];
    std::vector<Value> params;
    params.reserve(plan.bindings.size());
    for (const auto& binding : plan.bindings) {
      if (binding.field == nullptr) {
        params.push_back(subjectKey_);
        continue;
      }
      // Plans are ordered by stage and an upstream plan has a lower stage, so it sits earlier.
      const DatasetOutcome* upstream =
          binding.upstream < index ? &outcomes_[binding.upstream] : nullptr;
      if (upstream != nullptr && upstream->state == State::NotFound) {
        settle(index, State::NotFound, {});
        return std::nullopt;
      }
      if (upstream == nullptr || upstream->state != State::Found) {
        settle(index, State::Unavailable, "the dataset that yields its key is unavailable");
        return std::nullopt;
      }
      try {
        Value value = binding.field->valueFrom(*upstream->row);
        if (value.isNull()) {
          settle(index, State::NotFound, {});
          return std::nullopt;
        }
        params.push_back(std::move(value));
      } catch (const Error& e) {
        settle(index, State::Unavailable, e.message());
        return std::nullopt;
      }
    }
    return params;
  }

  void startStage(int stage) {
    stage_ = stage;
    std::vector<std::size_t> lookup;
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < plan_.datasets.size(); ++i) {
      if (plan_.datasets[i].stage != stage) continue;
      auto params = bind(i);
      if (!params) continue;
      const Dataset& dataset = *plan_.datasets[i].dataset;
      keys_[i] = makeCacheKey(dataset.id(), dataset.fingerprint(), *params, executor_.hashKey_);
      params_.emplace_back(i, std::move(*params));
      lookup.push_back(i);
      keys.push_back(keys_[i]);
    }
    if (lookup.empty()) return finishStage();
    pending_ = lookup.size();
    executor_.cache_.lookup(keys, [self = shared_from_this(), lookup](auto cached) {
      self->onCacheLookup(lookup, std::move(cached));
    });
  }

  void onCacheLookup(const std::vector<std::size_t>& indexes, std::vector<CacheAnswer> cached) {
    // A cache that answers after the deadline: the request is gone, and so may be its plan.
    if (finished_) return;
    for (std::size_t k = 0; k < indexes.size(); ++k) {
      const std::size_t index = indexes[k];
      if (k < cached.size()) countCacheAnswer(plan_.datasets[index].dataset->id(), cached[k]);
      // The in-process tier answers decoded rows; bytes (from Redis) are decoded here.
      std::shared_ptr<const CachedRow> row = k < cached.size() ? cached[k].row : nullptr;
      if (row == nullptr && k < cached.size() && cached[k].bytes) {
        if (auto decoded = decodeCachedRow(*cached[k].bytes)) {
          row = std::make_shared<const CachedRow>(std::move(*decoded));
        }
      }
      if (row != nullptr) {
        outcomes_[index].fromCache = true;
        if (*row) {
          outcomes_[index].row = std::shared_ptr<const Row>(row, &**row);
          complete(index, State::Found, {});
        } else {
          complete(index, State::NotFound, {});
        }
      } else {
        query(index);
      }
    }
  }

  void countCacheAnswer(const std::string& dataset, const CacheAnswer& answer) {
    GatewayStats* stats = executor_.stats_;
    if (stats == nullptr) return;
    for (const auto tier : {CacheTier::Local, CacheTier::Redis, CacheTier::Memory}) {
      if (answer.missedIn(tier)) stats->countCacheMiss(cacheTierName(tier), dataset);
    }
    if (answer.hit()) stats->countCacheHit(cacheTierName(answer.tier), dataset);
  }

  void query(std::size_t index) {
    const Dataset& dataset = *plan_.datasets[index].dataset;
    Source* source = sources_.find(dataset.source());
    if (source == nullptr) return complete(index, State::Unavailable, "source is not configured");
    armTimer();
    std::vector<Value> params;
    for (auto& [i, bound] : params_) {
      if (i == index) params = bound;
    }
    auto self = shared_from_this();
    queried_[index] = Clock::now();
    // dispatch, not post: a waiter woken on its own loop (the leader's, below) runs at once.
    const auto ticket = executor_.inflight_->join(
        keys_[index], deadline_, [self, index, loop = &loop_](const QueryOutcome& outcome) {
          net::dispatch(*loop, [self, index, outcome] { self->onQuery(index, outcome); });
        });
    if (!ticket.leads) {
      if (executor_.stats_ != nullptr) executor_.stats_->countInflightJoin();
      return;
    }
    // The source's answer comes back to this loop in one hop: there the cache is filled (even
    // when this request has given up on the dataset: the answer is still good for the next one;
    // the store is not made by this Run, whose plan may be gone by then) and then the waiters
    // of this flight are woken, so a request that has its answer also finds it in the cache.
    // It passes the executor's gate: once the executor is gone, so may be the loop.
    source->execute(
        SourceQuery{dataset.sql(), std::move(params)}, deadline_,
        [gate = executor_.gate_, inflight = executor_.inflight_, cache = &executor_.cache_,
         loop = &loop_, key = keys_[index], flight = ticket.flight, ttl = dataset.ttl(),
         notFoundTtl = dataset.notFoundTtl(), datasetId = dataset.id()](QueryOutcome outcome) {
          if (outcome.error) logSourceFailure(datasetId, *outcome.error);
          const auto lifetime = outcome.row ? ttl : notFoundTtl;
          gate->post(*loop, [inflight, cache, key, flight, lifetime, outcome = std::move(outcome)] {
            if (!outcome.error) cache->store(key, encodeCachedRow(outcome.row), lifetime);
            inflight->complete(key, flight, outcome);
          });
        });
  }

  // Runs on the loop; after finish() the request is gone and so may be its plan.
  void onQuery(std::size_t index, const QueryOutcome& outcome) {
    if (finished_ || outcomes_[index].state != State::Pending) return;
    outcomes_[index].latencyMs =
        std::chrono::duration<double, std::milli>(Clock::now() - queried_[index]).count();
    if (outcome.error) {
      return complete(index, State::Unavailable, outcome.error->message());
    }
    if (outcome.row) {
      outcomes_[index].row = std::make_shared<const Row>(*outcome.row);
      return complete(index, State::Found, {});
    }
    complete(index, State::NotFound, {});
  }

  // Sets an outcome decided while binding (no cache or source round trip is pending for it).
  void settle(std::size_t index, State state, std::string problem) {
    outcomes_[index].state = state;
    outcomes_[index].problem = std::move(problem);
  }

  void complete(std::size_t index, State state, std::string problem) {
    settle(index, state, std::move(problem));
    if (--pending_ == 0) finishStage();
  }

  void finishStage() {
    if (finished_) return;
    int next = -1;
    for (const auto& dataset : plan_.datasets) {
      if (dataset.stage > stage_ && (next < 0 || dataset.stage < next)) next = dataset.stage;
    }
    if (next >= 0) return startStage(next);
    finish();
  }

  void armTimer() {
    if (timer_) return;
    timer_.emplace(loop_, deadline_);
    timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      for (auto& outcome : self->outcomes_) {
        if (outcome.state == State::Pending) {
          outcome.state = State::Unavailable;
          outcome.problem = "no answer within the request budget";
        }
      }
      self->finish();
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (timer_) timer_->cancel();
    for (auto& outcome : outcomes_) {
      if (outcome.state == State::Pending) outcome.state = State::Unavailable;
    }
    auto done = std::move(done_);
    done(std::move(outcomes_));
  }

  PlanExecutor& executor_;
  const SourceSet& sources_;
  const ResolutionPlan& plan_;
  Value subjectKey_;
  Clock::time_point deadline_;
  Done done_;
  std::vector<DatasetOutcome> outcomes_;
  std::vector<std::string> keys_;
  std::vector<Clock::time_point> queried_;  // when each dataset's source query was asked for
  std::vector<std::pair<std::size_t, std::vector<Value>>> params_;
  net::io_context& loop_;
  std::optional<net::steady_timer> timer_;
  std::size_t pending_ = 0;
  int stage_ = 0;
  bool finished_ = false;
};

PlanExecutor::PlanExecutor(DatasetCache& cache, std::string hashKey, GatewayStats* stats)
    : cache_(cache),
      hashKey_(std::move(hashKey)),
      stats_(stats),
      inflight_(std::make_shared<InflightQueries>()),
      gate_(std::make_shared<CompletionGate>()) {}

// A source may answer after this (its worker was abandoned on a frozen host): the gate drops the
// answer, and the waiters are dropped now, on this thread, while their loops (and the timers
// bound to them) still exist; left in the table, they would be destroyed by that late source
// worker after the loops are gone.
PlanExecutor::~PlanExecutor() {
  gate_->close();
  inflight_->abandonAll();
}

void PlanExecutor::run(const MappingCatalog& /*catalog*/, const SourceSet& sources,
                       const ResolutionPlan& plan, Value subjectKey, Clock::time_point deadline,
                       Done done) {
  std::make_shared<Run>(*this, sources, plan, std::move(subjectKey), deadline, std::move(done))
      ->start();
}

}  // namespace oncegate
