#include "gateway/audit/RefusalTally.h"

#include <algorithm>

#include "common/JsonWriter.h"
#include "common/UtcTimestamp.h"
#include "gateway/audit/AuditLog.h"

namespace oncegate {

RefusalTally::RefusalTally(AuditLog& log, std::chrono::milliseconds interval,
                           std::size_t maxAddresses)
    : log_(log), interval_(interval), maxAddresses_(maxAddresses), thread_([this] { run(); }) {}

RefusalTally::~RefusalTally() { stop(); }

void RefusalTally::add(Tally& tally, std::string_view route, TimePoint now) {
  if (tally.refusals++ == 0) tally.first = now;
  tally.last = now;
  auto entry = std::find_if(tally.routes.begin(), tally.routes.end(),
                            [&](const auto& counted) { return counted.first == route; });
  if (entry == tally.routes.end()) {
    if (tally.routes.size() + 1 >= kMaxRoutesPerAddress) route = kOtherRoutes;
    entry = std::find_if(tally.routes.begin(), tally.routes.end(),
                         [&](const auto& counted) { return counted.first == route; });
    if (entry == tally.routes.end()) entry = tally.routes.emplace(tally.routes.end(), route, 0);
  }
  ++entry->second;
}

void RefusalTally::count(std::string_view remoteAddress, std::string_view route) {
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mutex_);
  // The other-addresses entry is kept apart from the cap so that it always has room.
  auto found = tallies_.find(std::string(remoteAddress));
  if (found == tallies_.end()) {
    const bool full =
        tallies_.size() - tallies_.count(std::string(kOtherAddresses)) >= maxAddresses_;
    found = tallies_.try_emplace(std::string(full ? kOtherAddresses : remoteAddress)).first;
  }
  add(found->second, route, now);
}

void RefusalTally::write(const std::string& address, const Tally& tally) {
  std::string record;
  JsonWriter json(record);
  json.beginObject().key("time").string(utcTimestamp()).key("event").string(kEvent);
  json.key("remote").string(address);
  json.key("count").integer(static_cast<std::int64_t>(tally.refusals));
  json.key("from").string(utcTimestamp(tally.first));
  json.key("until").string(utcTimestamp(tally.last));
  json.key("routes").beginObject();
  for (const auto& [route, refusals] : tally.routes) {
    json.key(route).integer(static_cast<std::int64_t>(refusals));
  }
  json.endObject().endObject();
  // Nobody waits for these records: what they count has been answered already.
  log_.append(std::move(record), [](bool) {});
}

void RefusalTally::flush() {
  std::lock_guard flushing(flushing_);
  Tallies ended;
  {
    std::lock_guard lock(mutex_);
    ended.swap(tallies_);
  }
  std::vector<const Tallies::value_type*> ordered;
  ordered.reserve(ended.size());
  for (const auto& entry : ended) ordered.push_back(&entry);
  std::sort(ordered.begin(), ordered.end(),
            [](const auto* a, const auto* b) { return a->second.first < b->second.first; });
  for (const auto* entry : ordered) write(entry->first, entry->second);
}

void RefusalTally::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

void RefusalTally::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  flush();
}

}  // namespace oncegate
