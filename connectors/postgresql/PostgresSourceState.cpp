#include "connectors/postgresql/PostgresSourceState.h"

#include <boost/asio/executor_work_guard.hpp>

#include "connectors/postgresql/PostgresLoopPool.h"

namespace oncegate::postgres {

namespace net = boost::asio;

namespace {

using Loop = net::io_context;

}  // namespace

thread_local Loop* privateLoopOfThisThread = nullptr;

std::shared_ptr<PostgresLoopPool> PostgresSourceState::poolFor(Loop& loop, bool shared) {
  std::lock_guard lock(mutex);
  if (closing) return nullptr;
  for (auto& [known, pool] : pools) {
    if (known == &loop) return pool;
  }
  auto pool = std::make_shared<PostgresLoopPool>(*this, loop, connectionsPerLoop(shared));
  pools.emplace_back(&loop, pool);
  sharedOf.emplace_back(&loop, shared);
  return pool;
}

Loop* PostgresSourceState::privateLoop() {
  std::lock_guard lock(mutex);
  if (closing) return nullptr;
  if (!ownLoop) {
    ownLoop = std::make_unique<Loop>(1);
    ownLoopRaw.store(ownLoop.get());
    ownThread = std::thread([loop = ownLoop.get()] {
      privateLoopOfThisThread = loop;
      auto guard = net::make_work_guard(*loop);
      loop->run();
    });
  }
  return ownLoop.get();
}

void PostgresSourceState::closePools(bool sharedOnly) {
  std::vector<std::shared_ptr<PostgresLoopPool>> toClose;
  {
    std::lock_guard lock(mutex);
    for (std::size_t i = 0; i < pools.size(); ++i) {
      if (!sharedOnly || sharedOf[i].second) toClose.push_back(pools[i].second);
    }
  }
  for (auto& pool : toClose) pool->close();
  std::lock_guard lock(mutex);
  poolsClosed.notify_all();
}

}  // namespace oncegate::postgres
