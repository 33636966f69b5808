#include "gateway/store/StoreSync.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/store/ControlStore.h"
#include "gateway/store/StoreChangeChannel.h"

namespace oncegate {

StoreSync::StoreSync(ControlStore& store, GatewayConfig gateway, LiveConfiguration& live,
                     std::vector<StoredDocument> operatorDocuments)
    : store_(store),
      gateway_(std::move(gateway)),
      operatorDocuments_(std::move(operatorDocuments)),
      live_(live) {}

StoreSync::~StoreSync() { stop(); }

void StoreSync::load() {
  std::lock_guard lock(live_.changeMutex());
  auto snapshot = build(nullptr);
  spdlog::info("control store: serving version {} ({} documents)", snapshot->version,
               snapshot->config.documents.size());
  live_.install(std::move(snapshot));
}

bool StoreSync::catchUp() {
  std::lock_guard lock(live_.changeMutex());
  const auto current = live_.current();
  if (store_.version() <= current->version) return false;
  auto next = build(current.get());
  if (next->version <= current->version) return false;
  live_.install(next);
  spdlog::info("control store: now serving version {} (was {})", next->version, current->version);
  return true;
}

std::shared_ptr<const GatewaySnapshot> StoreSync::build(const GatewaySnapshot* current) {
  // The version is read first: should another instance change the store in between, this one
  // claims the older version and catches up at the next poll, rather than claiming what it does
  // not serve.
  const auto version = store_.version();
  auto stored = store_.current();
  // In the order the files list kinds (sources first), so that messages read the same way.
  const auto& kinds = ControlStore::kinds();
  const auto rank = [&](const StoredDocument& document) {
    return std::find(kinds.begin(), kinds.end(), document.kind) - kinds.begin();
  };
  std::stable_sort(stored.begin(), stored.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  std::vector<ConfigDocument> documents;
  documents.reserve(stored.size());
  for (const auto& document : stored) {
    const bool fromOperatorFiles = std::any_of(
        operatorDocuments_.begin(), operatorDocuments_.end(), [&](const StoredDocument& own) {
          return own.kind == document.kind && own.id == document.id && own.body == document.body;
        });
    documents.push_back(ConfigDocument{
        document.kind, document.id,
        ConfigNode::parse(document.body, "store:" + document.kind + "/" + document.id),
        fromOperatorFiles});
  }
  // gateway.yaml's settings in force: a SIGHUP may have renewed its admin section since start.
  const auto& gateway = current != nullptr ? current->config.gateway : gateway_;
  return live_.build(buildConfiguration(gateway, std::move(documents)), version, current);
}

void StoreSync::start(std::chrono::milliseconds interval, StoreChangeChannel* changes) {
  {
    std::lock_guard lock(pollMutex_);
    stopping_ = false;
    woken_ = false;
  }
  poller_ = std::thread([this, interval] { poll(interval); });
  if (changes == nullptr) return;
  changes->start([this](std::optional<std::uint64_t> version) {
    // Its own announcements come back too: a version already served needs no store call.
    if (!version || *version > live_.current()->version) wake();
  });
  std::lock_guard lock(channelMutex_);
  changes_ = changes;
}

void StoreSync::stop() {
  {
    std::lock_guard lock(channelMutex_);
    if (changes_ != nullptr) changes_->stop();
    changes_ = nullptr;
  }
  {
    std::lock_guard lock(pollMutex_);
    stopping_ = true;
  }
  pollWakeup_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void StoreSync::announce(std::uint64_t version) {
  std::lock_guard lock(channelMutex_);
  if (changes_ != nullptr) changes_->publish(version);
}

void StoreSync::wake() {
  {
    std::lock_guard lock(pollMutex_);
    woken_ = true;
  }
  pollWakeup_.notify_all();
}

void StoreSync::poll(std::chrono::milliseconds interval) {
  // The last problem reported: a store that stays down, or documents that stay invalid, are
  // logged once, not at every poll.
  std::string reported;
  std::unique_lock lock(pollMutex_);
  while (true) {
    pollWakeup_.wait_for(lock, interval, [this] { return stopping_ || woken_; });
    if (stopping_) break;
    woken_ = false;
    lock.unlock();
    std::string problem;
    try {
      catchUp();
    } catch (const Error& e) {
      problem = e.message() + (e.detail().empty() ? "" : ": " + e.detail());
    } catch (const std::exception& e) {
      problem = e.what();
    }
    if (!problem.empty() && problem != reported) {
      spdlog::warn("control store: could not catch up, still serving version {}: {}",
                   live_.current()->version, problem);
    } else if (problem.empty() && !reported.empty()) {
      spdlog::info("control store: caught up again at version {}", live_.current()->version);
    }
    reported = std::move(problem);
    lock.lock();
  }
}

}  // namespace oncegate
