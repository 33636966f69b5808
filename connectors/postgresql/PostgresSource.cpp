#include "connectors/postgresql/PostgresSource.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <mutex>
#include <vector>

#include "connectors/postgresql/PostgresLoopPool.h"
#include "connectors/postgresql/PostgresQueryJob.h"
#include "connectors/postgresql/PostgresSourceState.h"

namespace oncegate {

namespace net = boost::asio;

namespace {

using Loop = net::io_context;

}  // namespace

using postgres::PostgresLoopPool;
using postgres::PostgresQueryJob;
using postgres::PostgresQueryJobPtr;
using postgres::PostgresSourceState;
using postgres::privateLoopOfThisThread;

PostgresSource::PostgresSource(SourceConfig config, std::shared_ptr<PostgresLoops> loops)
    : state_(std::make_shared<PostgresSourceState>(std::move(config), std::move(loops))) {
  if (state_->loops) {
    state_->enrolled = state_->loops->enroll([weak = std::weak_ptr<PostgresSourceState>(state_)] {
      if (auto state = weak.lock()) state->closePools(true);
    });
  }
}

PostgresSource::~PostgresSource() {
  PostgresSourceState& state = *state_;
  std::vector<std::pair<Loop*, std::shared_ptr<PostgresLoopPool>>> pools;
  std::vector<bool> shared;
  {
    std::lock_guard lock(state.mutex);
    state.closing = true;
    pools = state.pools;
    for (auto& [loop, isShared] : state.sharedOf) shared.push_back(isShared);
  }
  auto* current = state.loops ? state.loops->current() : nullptr;
  for (std::size_t i = 0; i < pools.size(); ++i) {
    Loop* loop = pools[i].first;
    const auto& pool = pools[i].second;
    const bool onThisThread = loop == current || loop == privateLoopOfThisThread;
    // Shared loops that have stopped were (or are being) closed by PostgresLoops::stop().
    if (shared[i] && !state.loops->running()) continue;
    if (onThisThread) {
      pool->close();
      continue;
    }
    net::post(*loop, [pool, self = state_] {
      pool->close();
      std::lock_guard lock(self->mutex);
      self->poolsClosed.notify_all();
    });
  }
  {
    std::unique_lock lock(state.mutex);
    state.poolsClosed.wait(lock, [&] {
      return std::all_of(pools.begin(), pools.end(),
                         [](const auto& entry) { return entry.second->closed.load(); });
    });
  }
  if (state.loops && state.enrolled != 0) state.loops->withdraw(state.enrolled);
  if (state.ownLoop) {
    state.ownLoop->stop();
    if (state.ownThread.joinable()) state.ownThread.join();
    state.ownLoop.reset();
  }
}

const std::string& PostgresSource::id() const { return state_->config.id; }

void PostgresSource::execute(SourceQuery query, Clock::time_point deadline, Completion done) {
  auto job = std::make_shared<PostgresQueryJob>();
  job->query = std::move(query);
  job->deadline = deadline;
  job->done = std::move(done);
  PostgresSourceState& state = *state_;
  const auto run = [](const std::shared_ptr<PostgresSourceState>& self, Loop& loop, bool shared,
                      const PostgresQueryJobPtr& queued) {
    if (auto pool = self->poolFor(loop, shared)) return pool->submit(queued);
    // The source is going: a call that raced with its destruction is dropped, never completed
    // after it (executeAndWait's own bound answers it).
  };
  if (auto* loop = state.loops ? state.loops->current() : nullptr)
    return run(state_, *loop, true, job);
  if (privateLoopOfThisThread != nullptr && privateLoopOfThisThread == state.ownLoopRaw.load()) {
    return run(state_, *privateLoopOfThisThread, false, job);
  }
  const bool shared = state.loops && state.loops->running();
  Loop* loop = shared ? state.loops->next() : state.privateLoop();
  if (loop == nullptr) return;
  net::post(*loop, [self = state_, loop, shared, job, run] { run(self, *loop, shared, job); });
}

SourceStats PostgresSource::stats() const {
  const PostgresSourceState& state = *state_;
  SourceStats stats;
  stats.queries = state.queries.load(std::memory_order_relaxed);
  stats.failures = state.failures.load(std::memory_order_relaxed);
  stats.connects = state.connects.load(std::memory_order_relaxed);
  stats.shortCircuited = state.shortCircuited.load(std::memory_order_relaxed);
  stats.timeouts = state.timeouts.load(std::memory_order_relaxed);
  stats.inUse = static_cast<std::uint64_t>(std::max<std::int64_t>(0, state.inUse.load()));
  stats.queued = static_cast<std::uint64_t>(std::max<std::int64_t>(0, state.queued.load()));
  stats.breakerOpen = state.breaker.open(Clock::now());
  stats.down = state.down.load(std::memory_order_relaxed);
  stats.queryDuration = state.queryDuration.snapshot();
  return stats;
}

std::unique_ptr<Source> makePostgresSource(const SourceConfig& config,
                                           std::shared_ptr<PostgresLoops> loops) {
  return std::make_unique<PostgresSource>(config, std::move(loops));
}

}  // namespace oncegate