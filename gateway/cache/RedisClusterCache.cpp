#include "gateway/cache/RedisClusterCache.h"

#include <async.h>
#include <hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "common/Error.h"
#include "gateway/cache/CacheKey.h"
#include "gateway/cache/RedisAsioAdapter.h"
#include "gateway/cache/RedisBlockingClient.h"
#include "gateway/cache/RedisLogin.h"

namespace oncegate {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {
// A node that could not be reached is not tried again by a loop before this.
constexpr milliseconds kReconnectDelay{200};
// Refreshes asked for within this of the last one wait for its end: one per burst.
constexpr milliseconds kRefreshSpacing{100};
constexpr milliseconds kMapReadTimeout{500};
constexpr milliseconds kEraseTimeout{2000};
// A reply redirects a command at most this many times (MOVED then ASK, say) before it is a miss.
constexpr int kMaxRedirects = 2;

CacheAnswer redisMiss() {
  CacheAnswer answer;
  answer.tier = CacheTier::Redis;
  answer.markMissedIn(CacheTier::Redis);
  return answer;
}

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381": the node named, or nullopt.
std::optional<RedisAddress> redirectTarget(std::string_view error) {
  const auto space = error.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return RedisAddress::parse(error.substr(space + 1));
}

bool startsWith(const redisReply* reply, std::string_view prefix) {
  return reply->len >= prefix.size() && std::string_view(reply->str, prefix.size()) == prefix;
}
}  // namespace

struct RedisClusterCache::Counters {
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> misses{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> undecryptable{0};
  std::atomic<std::uint64_t> moved{0};
  std::atomic<std::uint64_t> asked{0};
  std::atomic<std::uint64_t> mapRefreshes{0};
};

// One hiredis connection from one loop to one cluster node, touched on that loop's thread only.
// It connects when first used and again, no sooner than kReconnectDelay after a failure, when
// used after losing its node; every failure asks for a fresh map (the node may be gone).
class RedisClusterCache::NodeConnection : public std::enable_shared_from_this<NodeConnection> {
 public:
  // Called exactly once per command: with the reply, or nullptr when the connection went away.
  using ReplyHandler = std::function<void(const redisReply*)>;

  NodeConnection(asio::io_context& loop, RedisEndpoint endpoint, RedisClusterCache& cache)
      : loop_(loop), endpoint_(std::move(endpoint)), cache_(cache) {}

  // Queues a command; false (and `handler` dropped) when the node is not reachable now.
  bool send(const std::vector<std::string_view>& arguments, ReplyHandler handler) {
    if (!ensureConnected()) return false;
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(arguments.size());
    lengths.reserve(arguments.size());
    for (const auto argument : arguments) {
      argv.push_back(argument.data());
      lengths.push_back(argument.size());
    }
    // hiredis owns it until onReply, which it calls exactly once (without a reply when closing).
    auto* privdata = new ReplyHandler(std::move(handler));
    if (redisAsyncCommandArgv(context_, &NodeConnection::onReply, privdata,
                              static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
      delete privdata;
      return false;
    }
    return true;
  }

  // Frees the connection: its pending commands are answered with nullptr. Not from inside a
  // hiredis callback of this connection.
  void drop(const char* why) {
    redisAsyncContext* context = context_;
    if (context == nullptr) return;
    context_ = nullptr;
    markDown(why);
    redisAsyncFree(context);
  }

  void close() {
    closed_ = true;
    redisAsyncContext* context = context_;
    context_ = nullptr;
    if (context != nullptr) redisAsyncFree(context);
  }

 private:
  bool ensureConnected() {
    if (context_ != nullptr) return true;
    if (closed_ || Clock::now() < retryAt_) return false;
    redisAsyncContext* context = redisAsyncConnect(endpoint_.host.c_str(), endpoint_.port);
    if (context == nullptr || context->err != 0) {
      if (context != nullptr) redisAsyncFree(context);
      markDown("cannot connect");
      return false;
    }
    if (!RedisAsioAdapter::attach(loop_, context)) {
      redisAsyncFree(context);
      markDown("cannot watch the socket");
      return false;
    }
    context->data = this;
    context_ = context;
    redisAsyncSetConnectCallback(context, &NodeConnection::onConnect);
    redisAsyncSetDisconnectCallback(context, &NodeConnection::onDisconnect);
    // Written first when the socket connects, ahead of any command.
    queueRedisLogin(context, endpoint_, &NodeConnection::onSetupReply);
    return true;
  }

  void markDown(const char* why) {
    retryAt_ = Clock::now() + kReconnectDelay;
    if (closed_) return;
    if (!reportedDown_) {
      reportedDown_ = true;
      spdlog::warn(
          "redis cluster node {}:{} unavailable ({}); its keys miss until it is back or "
          "another master serves them",
          endpoint_.host, endpoint_.port, why);
    }
    cache_.requestRefresh();
  }

  static void onConnect(const redisAsyncContext* context, int status) {
    auto* self = static_cast<NodeConnection*>(context->data);
    if (self->context_ != context) return;
    if (status != REDIS_OK) {
      self->context_ = nullptr;  // hiredis frees it after this callback
      self->markDown(context->errstr);
      return;
    }
    if (self->reportedDown_) {
      self->reportedDown_ = false;
      spdlog::info("redis cluster node {}:{} connected", self->endpoint_.host,
                   self->endpoint_.port);
    }
  }

  static void onDisconnect(const redisAsyncContext* context, int status) {
    auto* self = static_cast<NodeConnection*>(context->data);
    if (self->context_ != context) return;  // dropped on purpose
    self->context_ = nullptr;
    self->markDown(status == REDIS_OK ? "connection closed" : context->errstr);
  }

  static void onSetupReply(redisAsyncContext* context, void* reply, void*) {
    auto* self = static_cast<NodeConnection*>(context->data);
    const auto* answer = static_cast<const redisReply*>(reply);
    if (answer == nullptr || answer->type != REDIS_REPLY_ERROR) return;
    spdlog::error("redis cluster node {}:{}: setup command refused: {}", self->endpoint_.host,
                  self->endpoint_.port, std::string(answer->str, answer->len));
    self->cache_.counters_->errors++;
    if (self->context_ == context) redisAsyncDisconnect(context);
  }

  static void onReply(redisAsyncContext*, void* reply, void* privdata) {
    std::unique_ptr<ReplyHandler> handler(static_cast<ReplyHandler*>(privdata));
    // The handler may complete a request (C code calls us): no exception may cross it.
    try {
      (*handler)(static_cast<const redisReply*>(reply));
    } catch (const std::exception& e) {
      spdlog::error("redis cluster cache: a reply handler threw: {}", e.what());
    } catch (...) {
      spdlog::error("redis cluster cache: a reply handler threw");
    }
  }

  asio::io_context& loop_;
  RedisEndpoint endpoint_;
  RedisClusterCache& cache_;
  redisAsyncContext* context_ = nullptr;
  Clock::time_point retryAt_{};
  bool reportedDown_ = false;
  bool closed_ = false;
};

// One loop's side of the cache: its connections (one per node it talked to) and its lookups.
class RedisClusterCache::LoopRouter : public std::enable_shared_from_this<LoopRouter> {
 public:
  LoopRouter(asio::io_context& loop, RedisClusterCache& cache, milliseconds timeout,
             std::shared_ptr<const CacheValueCipher> cipher)
      : loop_(loop), cache_(cache), timeout_(timeout), cipher_(std::move(cipher)) {}

  void start() { thread_.store(std::this_thread::get_id()); }
  bool ownedByThisThread() const { return thread_.load() == std::this_thread::get_id(); }

  void lookup(const std::vector<std::string>& keys, LookupDone done);
  void store(const std::string& key, const std::string& bytes, milliseconds ttl);

  void close() {
    closed_ = true;
    for (auto& [address, connection] : connections_) connection->close();
  }

 private:
  // One lookup: its answers fill in as the masters reply; the timer bounds the whole.
  struct PendingLookup {
    PendingLookup(asio::io_context& loop, const std::vector<std::string>& lookedUp,
                  LookupDone completion)
        : keys(lookedUp), answers(lookedUp.size()), done(std::move(completion)), timer(loop) {}
    std::vector<std::string> keys;
    std::vector<std::optional<CacheAnswer>> answers;  // nullopt: no reply yet
    std::size_t outstanding = 0;                      // commands not replied to yet
    LookupDone done;
    asio::steady_timer timer;
    bool finished = false;
    // The connections with commands of this lookup in flight: stalled ones when it times out.
    std::vector<std::weak_ptr<NodeConnection>> waitedOn;
  };

  NodeConnection& connectionTo(const RedisAddress& node) {
    const auto name = node.text();
    auto found = connections_.find(name);
    if (found == connections_.end()) {
      found = connections_
                  .emplace(name, std::make_shared<NodeConnection>(
                                     loop_, nodeEndpoint(cache_.endpoint_, node), cache_))
                  .first;
    }
    return *found->second;
  }

  // Sends one slot's MGET (after ASKING when `asking`) to `node`; false when it cannot go out.
  bool sendMget(const std::shared_ptr<PendingLookup>& pending, const RedisAddress& node,
                std::shared_ptr<const std::vector<std::size_t>> indices, bool asking,
                int redirectsLeft);
  void onMgetReply(const std::shared_ptr<PendingLookup>& pending,
                   const std::shared_ptr<const std::vector<std::size_t>>& indices,
                   const redisReply* reply, int redirectsLeft);
  void missAll(PendingLookup& pending, const std::vector<std::size_t>& indices);
  void settleOne(const std::shared_ptr<PendingLookup>& pending);
  void finish(PendingLookup& pending, bool timedOut);

  asio::io_context& loop_;
  RedisClusterCache& cache_;
  milliseconds timeout_;
  std::shared_ptr<const CacheValueCipher> cipher_;
  std::atomic<std::thread::id> thread_{};
  std::map<std::string, std::shared_ptr<NodeConnection>> connections_;
  bool closed_ = false;
};

void RedisClusterCache::LoopRouter::lookup(const std::vector<std::string>& keys, LookupDone done) {
  auto pending = std::make_shared<PendingLookup>(loop_, keys, std::move(done));
  const auto map = cache_.currentMap();
  if (!map) {
    cache_.requestRefresh();
    cache_.counters_->errors++;
    std::vector<std::size_t> all(keys.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    missAll(*pending, all);
    finish(*pending, false);
    return;
  }
  auto grouping = map->group(keys);
  if (!grouping.unserved.empty()) {
    cache_.requestRefresh();
    missAll(*pending, grouping.unserved);
  }
  // Counted before sending: a command may be answered (with nullptr) while the others go out.
  for (const auto& shard : grouping.shards) pending->outstanding += shard.slots.size();
  pending->outstanding += 1;  // this function's own hold, released below
  for (auto& shard : grouping.shards) {
    const RedisAddress& node = map->masters()[shard.master];
    for (auto& slot : shard.slots) {
      auto indices = std::make_shared<const std::vector<std::size_t>>(std::move(slot.keys));
      if (!sendMget(pending, node, indices, false, kMaxRedirects)) {
        cache_.counters_->errors++;
        missAll(*pending, *indices);
        --pending->outstanding;
      }
    }
  }
  if (pending->outstanding > 1) {
    pending->timer.expires_after(timeout_);
    pending->timer.async_wait(
        [self = shared_from_this(), pending](const boost::system::error_code& error) {
          if (error || pending->finished) return;
          self->finish(*pending, true);
          // Replies come in order: whatever is queued behind the late one is late too.
          for (const auto& weak : pending->waitedOn) {
            if (auto connection = weak.lock()) connection->drop("a lookup timed out");
          }
        });
  }
  settleOne(pending);
}

bool RedisClusterCache::LoopRouter::sendMget(
    const std::shared_ptr<PendingLookup>& pending, const RedisAddress& node,
    std::shared_ptr<const std::vector<std::size_t>> indices, bool asking, int redirectsLeft) {
  NodeConnection& connection = connectionTo(node);
  std::vector<std::string_view> arguments;
  if (asking && !connection.send({"ASKING"}, [](const redisReply*) {})) return false;
  arguments.reserve(indices->size() + 1);
  arguments.emplace_back("MGET");
  for (const auto index : *indices) arguments.emplace_back(pending->keys[index]);
  const bool sent = connection.send(arguments, [self = shared_from_this(), pending, indices,
                                                redirectsLeft](const redisReply* reply) {
    self->onMgetReply(pending, indices, reply, redirectsLeft);
  });
  if (sent) pending->waitedOn.push_back(connection.weak_from_this());
  return sent;
}

void RedisClusterCache::LoopRouter::onMgetReply(
    const std::shared_ptr<PendingLookup>& pending,
    const std::shared_ptr<const std::vector<std::size_t>>& indices, const redisReply* reply,
    int redirectsLeft) {
  if (pending->finished || closed_) return;
  Counters& counters = *cache_.counters_;
  if (reply != nullptr && reply->type == REDIS_REPLY_ERROR) {
    const bool moved = startsWith(reply, "MOVED ");
    const bool ask = startsWith(reply, "ASK ");
    const auto target =
        moved || ask ? redirectTarget(std::string_view(reply->str, reply->len)) : std::nullopt;
    if (moved) {
      counters.moved++;
      cache_.requestRefresh();
    }
    if (ask) counters.asked++;
    // A redirected command stays outstanding: its replacement settles it.
    if (target && redirectsLeft > 0 &&
        sendMget(pending, *target, indices, ask, redirectsLeft - 1)) {
      return;
    }
    // TRYAGAIN (keys of the slot on both sides of a migration), CLUSTERDOWN, ...: misses.
    if (!moved && !ask) {
      spdlog::debug("redis cluster lookup refused: {}", std::string(reply->str, reply->len));
    }
  }
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != indices->size()) {
    counters.errors++;
    missAll(*pending, *indices);
    settleOne(pending);
    return;
  }
  std::uint64_t hits = 0;
  std::uint64_t undecryptable = 0;
  for (std::size_t i = 0; i < indices->size(); ++i) {
    const std::size_t index = (*indices)[i];
    const redisReply* element = reply->element[i];
    CacheAnswer answer;
    answer.tier = CacheTier::Redis;
    if (element != nullptr && element->type == REDIS_REPLY_STRING) {
      answer.bytes =
          cipher_->open(pending->keys[index], std::string_view(element->str, element->len));
      if (answer.bytes) {
        ++hits;
        pending->answers[index] = std::move(answer);
        continue;
      }
      ++undecryptable;
    }
    answer.markMissedIn(CacheTier::Redis);
    pending->answers[index] = std::move(answer);
  }
  counters.hits += hits;
  counters.undecryptable += undecryptable;
  counters.misses += indices->size() - hits;
  settleOne(pending);
}

void RedisClusterCache::LoopRouter::missAll(PendingLookup& pending,
                                            const std::vector<std::size_t>& indices) {
  for (const auto index : indices) pending.answers[index] = redisMiss();
  cache_.counters_->misses += indices.size();
}

void RedisClusterCache::LoopRouter::settleOne(const std::shared_ptr<PendingLookup>& pending) {
  if (pending->finished) return;
  if (--pending->outstanding == 0) finish(*pending, false);
}

void RedisClusterCache::LoopRouter::finish(PendingLookup& pending, bool timedOut) {
  pending.finished = true;
  pending.timer.cancel();
  std::vector<CacheAnswer> result;
  result.reserve(pending.answers.size());
  std::uint64_t late = 0;
  for (auto& answer : pending.answers) {
    if (!answer) ++late;
    result.push_back(answer ? std::move(*answer) : redisMiss());
  }
  if (timedOut) cache_.counters_->timeouts++;
  cache_.counters_->misses += late;
  LookupDone done = std::move(pending.done);
  if (closed_ || !done) return;
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    spdlog::error("redis cluster cache: a lookup completion threw: {}", e.what());
  } catch (...) {
    spdlog::error("redis cluster cache: a lookup completion threw");
  }
}

void RedisClusterCache::LoopRouter::store(const std::string& key, const std::string& bytes,
                                          milliseconds ttl) {
  Counters& counters = *cache_.counters_;
  const auto map = cache_.currentMap();
  const RedisAddress* owner = map ? map->ownerOf(RedisClusterSlots::slotOf(key)) : nullptr;
  if (owner == nullptr) {
    cache_.requestRefresh();
    counters.errors++;
    return;
  }
  const auto sealed = cipher_->seal(key, bytes);
  if (!sealed) {  // no random bytes: better not cached than cached in clear
    counters.errors++;
    return;
  }
  struct Command {
    std::string key;
    std::string value;
    std::string ttl;
  };
  auto command = std::make_shared<const Command>(
      Command{key, std::move(*sealed), std::to_string(ttl.count())});
  // A MOVED store is sent once more, to the new owner; anything else just drops it.
  auto send = std::make_shared<std::function<bool(const RedisAddress&, bool)>>();
  *send = [self = shared_from_this(), command, weakSend = std::weak_ptr(send)](
              const RedisAddress& node, bool redirected) {
    return self->connectionTo(node).send(
        {"SET", command->key, command->value, "PX", command->ttl},
        [self, redirected, send = weakSend.lock()](const redisReply* reply) {
          Counters& tally = *self->cache_.counters_;
          if (reply != nullptr && reply->type == REDIS_REPLY_ERROR && startsWith(reply, "MOVED ") &&
              !redirected && !self->closed_) {
            tally.moved++;
            self->cache_.requestRefresh();
            const auto target = redirectTarget(std::string_view(reply->str, reply->len));
            if (target && send && (*send)(*target, true)) return;
          }
          if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) tally.errors++;
        });
  };
  if (!(*send)(*owner, false)) counters.errors++;
}

RedisClusterCache::RedisClusterCache(const RedisEndpoint& endpoint,
                                     const std::vector<asio::io_context*>& loops,
                                     milliseconds timeout,
                                     std::shared_ptr<const CacheValueCipher> cipher)
    : endpoint_(endpoint), counters_(std::make_shared<Counters>()) {
  routers_.reserve(loops.size());
  for (auto* loop : loops) {
    if (loop == nullptr) continue;
    auto router = std::make_shared<LoopRouter>(*loop, *this, timeout, cipher);
    routers_.push_back(router);
    asio::post(*loop, [router] { router->start(); });
  }
  refreshRequested_ = true;
  refresher_ = std::thread([this] { refreshLoop(); });
}

RedisClusterCache::~RedisClusterCache() {
  {
    std::lock_guard lock(refreshMutex_);
    stopping_ = true;
  }
  refreshWanted_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  for (auto& router : routers_) router->close();
}

RedisEndpoint RedisClusterCache::nodeEndpoint(const RedisEndpoint& endpoint,
                                              const RedisAddress& node) {
  RedisEndpoint out = endpoint;
  out.topology = RedisEndpoint::Topology::Standalone;
  out.seeds.clear();
  out.host = node.host;
  out.port = node.port;
  out.database = 0;  // Cluster has only database 0
  return out;
}

void RedisClusterCache::requestRefresh() {
  {
    std::lock_guard lock(refreshMutex_);
    if (refreshRequested_) return;
    refreshRequested_ = true;
  }
  refreshWanted_.notify_one();
}

void RedisClusterCache::refreshLoop() {
  bool reportedFailure = false;
  std::unique_lock lock(refreshMutex_);
  while (!stopping_) {
    refreshWanted_.wait(lock, [this] { return stopping_ || refreshRequested_; });
    if (stopping_) return;
    refreshRequested_ = false;
    lock.unlock();
    const bool refreshed = refreshNow();
    if (!refreshed && !reportedFailure) {
      spdlog::warn("redis cluster: no node answered CLUSTER SLOTS; retrying");
    }
    reportedFailure = !refreshed;
    lock.lock();
    // Whatever asks during the spacing is served by the next refresh, once; a failed refresh
    // is retried after the spacing even if nobody asks.
    refreshWanted_.wait_for(lock, kRefreshSpacing, [this] { return stopping_; });
    if (!refreshed) refreshRequested_ = true;
  }
}

bool RedisClusterCache::refreshNow() {
  std::vector<RedisAddress> candidates;
  if (const auto map = currentMap()) candidates = map->masters();
  for (const auto& seed : endpoint_.seeds) {
    if (std::find(candidates.begin(), candidates.end(), seed) == candidates.end()) {
      candidates.push_back(seed);
    }
  }
  for (const auto& node : candidates) {
    {
      std::lock_guard lock(refreshMutex_);
      if (stopping_) return false;
    }
    redisContext* context = nullptr;
    try {
      context = RedisBlockingClient::connect(nodeEndpoint(endpoint_, node), kMapReadTimeout,
                                             kMapReadTimeout);
    } catch (const Error& e) {
      spdlog::debug("redis cluster: cannot read the slot map from {}: {}", node.text(), e.detail());
      continue;
    }
    std::unique_ptr<redisContext, decltype(&redisFree)> owned(context, &redisFree);
    std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(
        static_cast<redisReply*>(redisCommand(context, "CLUSTER SLOTS")), &freeReplyObject);
    auto map = RedisClusterSlots::fromReply(reply.get(), node.host);
    // A node cut off from the others may serve no slot or only some: ask another.
    if (!map || !map->complete()) continue;
    auto fresh = std::make_shared<const RedisClusterSlots>(std::move(*map));
    std::shared_ptr<const RedisClusterSlots> previous;
    {
      std::lock_guard lock(mapMutex_);
      previous = std::exchange(map_, fresh);
    }
    if (!previous || previous->masters() != fresh->masters()) {
      std::string masters;
      for (const auto& master : fresh->masters())
        masters += (masters.empty() ? "" : ", ") + master.text();
      spdlog::info("redis cluster: slot map read from {}: masters {}", node.text(), masters);
    }
    counters_->mapRefreshes++;
    return true;
  }
  return false;
}

std::shared_ptr<const RedisClusterSlots> RedisClusterCache::currentMap() const {
  std::lock_guard lock(mapMutex_);
  return map_;
}

RedisClusterCache::LoopRouter* RedisClusterCache::routerOfThisThread() const {
  for (const auto& router : routers_) {
    if (router->ownedByThisThread()) return router.get();
  }
  return nullptr;
}

void RedisClusterCache::lookup(const std::vector<std::string>& keys, LookupDone done) {
  if (keys.empty()) {
    done({});
    return;
  }
  LoopRouter* router = routerOfThisThread();
  if (router == nullptr) {
    counters_->errors++;
    counters_->misses += keys.size();
    std::vector<CacheAnswer> misses(keys.size(), redisMiss());
    done(std::move(misses));
    return;
  }
  router->lookup(keys, std::move(done));
}

void RedisClusterCache::store(const std::string& key, std::string bytes, milliseconds ttl) {
  if (ttl <= milliseconds::zero()) return;
  LoopRouter* router = routerOfThisThread();
  if (router == nullptr) {
    counters_->errors++;
    return;
  }
  router->store(key, bytes, ttl);
}

std::uint64_t RedisClusterCache::erase(const std::string& key, bool wholeDataset) {
  auto map = currentMap();
  if (!map) {
    if (!refreshNow()) {
      throw Error(ErrorCode::CacheUnavailable, "the shared cache (Redis) did not answer; try again",
                  "redis cluster: no node answered CLUSTER SLOTS");
    }
    map = currentMap();
  }
  if (!wholeDataset) {
    const RedisAddress* owner = map->ownerOf(RedisClusterSlots::slotOf(key));
    if (owner == nullptr) {
      throw Error(ErrorCode::CacheUnavailable, "the shared cache (Redis) did not answer; try again",
                  "redis cluster: no master serves the key's slot");
    }
    RedisBlockingClient redis(nodeEndpoint(endpoint_, *owner), kEraseTimeout);
    return redis.unlink({key});
  }
  const auto pattern = RedisBlockingClient::globEscaped(key) + "*";
  std::uint64_t removed = 0;
  for (const auto& master : map->masters()) {
    RedisBlockingClient redis(nodeEndpoint(endpoint_, master), kEraseTimeout);
    std::string cursor = "0";
    do {
      auto [next, keys] = redis.scan(cursor, pattern);
      std::erase_if(keys, [&](const std::string& found) { return !isCacheKeyOf(found, key); });
      // UNLINK of several keys must stay within one slot (CROSSSLOT otherwise).
      std::map<std::uint16_t, std::vector<std::string>> bySlot;
      for (auto& found : keys) bySlot[RedisClusterSlots::slotOf(found)].push_back(std::move(found));
      for (const auto& [slot, slotKeys] : bySlot) removed += redis.unlink(slotKeys);
      cursor = std::move(next);
    } while (cursor != "0");
  }
  return removed;
}

CacheStats RedisClusterCache::stats() const {
  CacheStats out;
  out.hits = counters_->hits.load();
  out.misses = counters_->misses.load();
  out.errors = counters_->errors.load();
  out.timeouts = counters_->timeouts.load();
  out.undecryptable = counters_->undecryptable.load();
  return out;
}

RedisClusterStats RedisClusterCache::clusterStats() const {
  RedisClusterStats out;
  out.moved = counters_->moved.load();
  out.asked = counters_->asked.load();
  out.mapRefreshes = counters_->mapRefreshes.load();
  return out;
}

}  // namespace oncegate
