#include "gateway/cache/RedisCache.h"

#include <async.h>
#include <hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "gateway/cache/CacheKey.h"
#include "gateway/cache/RedisAsioAdapter.h"
#include "gateway/cache/RedisBlockingClient.h"
#include "gateway/cache/RedisLogin.h"
#include "gateway/cache/RedisSentinelDiscovery.h"

namespace oncegate {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {
constexpr milliseconds kFirstReconnectDelay{100};
// Each reply of an admin's invalidation (one SCAN step or UNLINK batch) must come within this.
constexpr milliseconds kEraseTimeout{2000};
constexpr milliseconds kMaxReconnectDelay{2000};
// A connect that neither succeeds nor fails (a host that drops SYNs) is abandoned after this.
constexpr milliseconds kConnectTimeout{2000};

// Error replies that say this node cannot serve as the master now (a failover demoted it, it is
// loading its data, it lost its master): with Sentinel, the sentinels are asked again.
bool meansNotTheMaster(const redisReply* reply) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ERROR) return false;
  const std::string_view text(reply->str, reply->len);
  return text.starts_with("READONLY") || text.starts_with("LOADING") ||
         text.starts_with("MASTERDOWN");
}

// The answers of a lookup that got no usable reply: every key missed in Redis.
std::vector<CacheAnswer> redisMisses(std::size_t count) {
  std::vector<CacheAnswer> answers(count);
  for (auto& answer : answers) {
    answer.tier = CacheTier::Redis;
    answer.markMissedIn(CacheTier::Redis);
  }
  return answers;
}
}  // namespace

struct RedisCache::Counters {
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> misses{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> undecryptable{0};
};

// One hiredis connection, living on one loop: every member is touched on that loop's thread only
// (apart from thread_, read by other threads to find their own connection).
class RedisCache::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& loop, RedisEndpoint endpoint, milliseconds timeout,
             std::shared_ptr<Counters> counters, std::shared_ptr<const CacheValueCipher> cipher,
             std::shared_ptr<RedisSentinelDiscovery> discovery)
      : loop_(loop),
        endpoint_(std::move(endpoint)),
        discovery_(std::move(discovery)),
        timeout_(timeout),
        counters_(std::move(counters)),
        cipher_(std::move(cipher)),
        reconnectTimer_(loop),
        connectTimer_(loop),
        resolver_(loop) {}

  // Runs on the loop: from now on this thread's lookups use this connection.
  void start() {
    thread_.store(std::this_thread::get_id());
    connect();
  }

  bool ownedByThisThread() const { return thread_.load() == std::this_thread::get_id(); }

  void lookup(const std::vector<std::string>& keys, LookupDone done);
  void store(const std::string& key, const std::string& bytes, milliseconds ttl);

  // Runs on the loop when the sentinels name another master: pending lookups finish with misses
  // and the connection moves at once, whatever the reconnect delay had become.
  void followMaster() {
    if (closed_ || !discovery_) return;
    const auto master = discovery_->master();
    if (!master || (master->host == endpoint_.host && master->port == endpoint_.port &&
                    state_ != State::Down)) {
      return;
    }
    drop();
    markHealthy();
    // A pending reconnect's handler connects when cancelled (see scheduleReconnect).
    if (reconnectPending_) {
      reconnectTimer_.cancel();
    } else {
      connect();
    }
  }

  // Called by the cache's destructor, with the loop stopped.
  void close() {
    closed_ = true;
    reconnectTimer_.cancel();
    connectTimer_.cancel();
    resolver_.cancel();
    drop();
  }

 private:
  // One MGET in flight. The reply callback and the timeout race; whichever comes first finishes.
  struct PendingLookup {
    PendingLookup(asio::io_context& loop, const std::vector<std::string>& lookedUp,
                  LookupDone completion)
        : count(lookedUp.size()), keys(lookedUp), done(std::move(completion)), timer(loop) {}
    std::size_t count;
    std::vector<std::string> keys;  // what each value was sealed under
    LookupDone done;
    asio::steady_timer timer;
    bool finished = false;
  };

  enum class State { Down, Connecting, Connected };

  void connect();
  void connectTo(const std::string& address);
  void drop();
  void scheduleReconnect();
  void markDown(const char* why);
  void markHealthy() { reconnectDelay_ = kFirstReconnectDelay; }
  void finish(PendingLookup& pending, std::vector<CacheAnswer> result);
  void finishWithMisses(PendingLookup& pending, bool timedOut);

  static void onConnect(const redisAsyncContext* context, int status);
  static void onDisconnect(const redisAsyncContext* context, int status);
  static void onSetupReply(redisAsyncContext* context, void* reply, void* privdata);
  static void onRoleReply(redisAsyncContext* context, void* reply, void* privdata);
  // With Sentinel: `reply` says this node is not the master now; disconnects (and so asks again).
  void leaveIfNotTheMaster(redisAsyncContext* context, const redisReply* reply);
  static void onLookupReply(redisAsyncContext* context, void* reply, void* privdata);
  static void onStoreReply(redisAsyncContext* context, void* reply, void* privdata);

  asio::io_context& loop_;
  RedisEndpoint endpoint_;  // with Sentinel, host and port are the master's as last discovered
  std::shared_ptr<RedisSentinelDiscovery> discovery_;  // Sentinel only
  milliseconds timeout_;
  std::shared_ptr<Counters> counters_;
  std::shared_ptr<const CacheValueCipher> cipher_;
  std::atomic<std::thread::id> thread_{};
  redisAsyncContext* context_ = nullptr;
  State state_ = State::Down;
  bool closed_ = false;
  bool reconnectPending_ = false;
  bool reportedDown_ = false;
  milliseconds reconnectDelay_ = kFirstReconnectDelay;
  asio::steady_timer reconnectTimer_;
  asio::steady_timer connectTimer_;
  asio::ip::tcp::resolver resolver_;
  bool resolving_ = false;
  // The host's addresses as last resolved; each connect attempt takes the next one, and a new
  // resolution starts when all have been tried (a host name may point elsewhere over time).
  std::vector<std::string> addresses_;
  std::size_t nextAddress_ = 0;
};

void RedisCache::Connection::connect() {
  if (closed_ || context_ != nullptr || resolving_) return;
  if (discovery_) {
    // Only reads what the discovery's thread found: no sentinel I/O on this loop.
    const auto master = discovery_->master();
    if (!master) return markDown("no sentinel has told where the master is yet");
    if (master->host != endpoint_.host || master->port != endpoint_.port) {
      endpoint_.host = master->host;
      endpoint_.port = master->port;
      addresses_.clear();
      nextAddress_ = 0;
    }
  }
  boost::system::error_code notAnAddress;
  asio::ip::make_address(endpoint_.host, notAnAddress);
  if (!notAnAddress) return connectTo(endpoint_.host);
  if (nextAddress_ < addresses_.size()) return connectTo(addresses_[nextAddress_++]);
  // hiredis would resolve a host name inside redisAsyncConnect, blocking this I/O loop for as
  // long as DNS takes: asio resolves it off the loop, and hiredis is given an address.
  resolving_ = true;
  resolver_.async_resolve(
      endpoint_.host, std::to_string(endpoint_.port),
      [self = shared_from_this()](const boost::system::error_code& error,
                                  const asio::ip::tcp::resolver::results_type& results) {
        self->resolving_ = false;
        if (self->closed_ || error == asio::error::operation_aborted) return;
        self->addresses_.clear();
        self->nextAddress_ = 0;
        for (const auto& entry : results) {
          self->addresses_.push_back(entry.endpoint().address().to_string());
        }
        if (error || self->addresses_.empty()) {
          const std::string why = "cannot resolve " + self->endpoint_.host + ": " +
                                  (error ? error.message() : std::string("no address"));
          return self->markDown(why.c_str());
        }
        self->connectTo(self->addresses_[self->nextAddress_++]);
      });
}

void RedisCache::Connection::connectTo(const std::string& address) {
  redisAsyncContext* context = redisAsyncConnect(address.c_str(), endpoint_.port);
  if (context == nullptr) {
    markDown("out of memory");
    return;
  }
  if (context->err != 0) {
    const std::string why = context->errstr;
    redisAsyncFree(context);
    markDown(why.c_str());
    return;
  }
  if (!RedisAsioAdapter::attach(loop_, context)) {
    redisAsyncFree(context);
    markDown("cannot watch the socket");
    return;
  }
  context->data = this;
  context_ = context;
  state_ = State::Connecting;
  redisAsyncSetConnectCallback(context, &Connection::onConnect);
  redisAsyncSetDisconnectCallback(context, &Connection::onDisconnect);

  // Sent at once: hiredis writes them first when the socket connects, ahead of any lookup.
  queueRedisLogin(context, endpoint_, &Connection::onSetupReply);
  // A master demoted by a failover still answers, as a replica: reads stale, writes refused.
  if (discovery_) redisAsyncCommand(context, &Connection::onRoleReply, nullptr, "ROLE");

  connectTimer_.expires_after(kConnectTimeout);
  connectTimer_.async_wait(
      [self = shared_from_this(), context](const boost::system::error_code& error) {
        if (error || self->context_ != context || self->state_ != State::Connecting) return;
        self->drop();
        self->markDown("connect timed out");
      });
}

// Frees the hiredis context: its pending callbacks run with no reply, so their lookups complete
// with misses (unless closing). Safe to call at any time, but not from inside a hiredis callback.
void RedisCache::Connection::drop() {
  redisAsyncContext* context = context_;
  if (context == nullptr) return;
  context_ = nullptr;
  state_ = State::Down;
  connectTimer_.cancel();
  redisAsyncFree(context);
}

void RedisCache::Connection::markDown(const char* why) {
  state_ = State::Down;
  if (discovery_ && !closed_) discovery_->suspect(RedisAddress{endpoint_.host, endpoint_.port});
  if (!reportedDown_ && !closed_) {
    reportedDown_ = true;
    spdlog::warn("redis cache {}:{} unavailable ({}); serving misses and reconnecting",
                 endpoint_.host, endpoint_.port, why);
  }
  scheduleReconnect();
}

void RedisCache::Connection::scheduleReconnect() {
  if (closed_ || reconnectPending_) return;
  reconnectPending_ = true;
  reconnectTimer_.expires_after(reconnectDelay_);
  reconnectDelay_ = std::min(reconnectDelay_ * 2, kMaxReconnectDelay);
  // Cancelled by followMaster() to connect at once, or by close() (then connect() does nothing).
  reconnectTimer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    self->reconnectPending_ = false;
    self->connect();
  });
}

void RedisCache::Connection::onConnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<Connection*>(context->data);
  if (self->context_ != context) return;
  if (status != REDIS_OK) {
    // hiredis frees the context right after this callback.
    self->context_ = nullptr;
    self->connectTimer_.cancel();
    self->markDown(context->errstr);
    return;
  }
  self->state_ = State::Connected;
  self->connectTimer_.cancel();
  if (self->reportedDown_) {
    self->reportedDown_ = false;
    spdlog::info("redis cache {}:{} connected", self->endpoint_.host, self->endpoint_.port);
  }
}

void RedisCache::Connection::onDisconnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<Connection*>(context->data);
  if (self->context_ != context) return;  // dropped on purpose: drop() already cleared it
  self->context_ = nullptr;
  self->markDown(status == REDIS_OK ? "connection closed" : context->errstr);
}

void RedisCache::Connection::onSetupReply(redisAsyncContext* context, void* reply, void*) {
  auto* self = static_cast<Connection*>(context->data);
  const auto* answer = static_cast<const redisReply*>(reply);
  if (answer == nullptr || answer->type != REDIS_REPLY_ERROR) return;
  // A refused AUTH or SELECT would turn every lookup into an error reply: start over instead.
  spdlog::error("redis cache {}:{}: setup command refused: {}", self->endpoint_.host,
                self->endpoint_.port, std::string(answer->str, answer->len));
  self->counters_->errors++;
  if (self->context_ == context) redisAsyncDisconnect(context);
}

void RedisCache::Connection::onRoleReply(redisAsyncContext* context, void* reply, void*) {
  auto* self = static_cast<Connection*>(context->data);
  const auto* answer = static_cast<const redisReply*>(reply);
  if (answer == nullptr) return;
  if (RedisSentinelDiscovery::saysMaster(answer)) return;
  spdlog::warn("redis cache {}:{} is no longer the master; asking the sentinels again",
               self->endpoint_.host, self->endpoint_.port);
  if (self->context_ == context) redisAsyncDisconnect(context);
}

void RedisCache::Connection::leaveIfNotTheMaster(redisAsyncContext* context,
                                                 const redisReply* reply) {
  if (!discovery_ || context_ != context || !meansNotTheMaster(reply)) return;
  spdlog::warn("redis cache {}:{} answered {}; asking the sentinels again", endpoint_.host,
               endpoint_.port, std::string(reply->str, std::min<std::size_t>(reply->len, 64)));
  redisAsyncDisconnect(context);
}

void RedisCache::Connection::lookup(const std::vector<std::string>& keys, LookupDone done) {
  auto pending = std::make_shared<PendingLookup>(loop_, keys, std::move(done));
  if (context_ == nullptr || state_ == State::Down) {
    finishWithMisses(*pending, false);
    return;
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(keys.size() + 1);
  lengths.reserve(keys.size() + 1);
  argv.push_back("MGET");
  lengths.push_back(4);
  for (const auto& key : keys) {
    argv.push_back(key.data());
    lengths.push_back(key.size());
  }
  // hiredis owns this pointer until it calls onLookupReply, which it always does exactly once
  // (with no reply when the connection goes away).
  auto* privdata = new std::shared_ptr<PendingLookup>(pending);
  if (redisAsyncCommandArgv(context_, &Connection::onLookupReply, privdata,
                            static_cast<int>(argv.size()), argv.data(),
                            lengths.data()) != REDIS_OK) {
    delete privdata;
    finishWithMisses(*pending, false);
    return;
  }
  pending->timer.expires_after(timeout_);
  pending->timer.async_wait(
      [self = shared_from_this(), pending](const boost::system::error_code& error) {
        if (error || pending->finished) return;
        self->finishWithMisses(*pending, true);
        // Replies come in order, so everything queued behind this one is late too.
        self->drop();
        self->markDown("a lookup timed out");
      });
}

void RedisCache::Connection::onLookupReply(redisAsyncContext* context, void* reply,
                                           void* privdata) {
  std::unique_ptr<std::shared_ptr<PendingLookup>> holder(
      static_cast<std::shared_ptr<PendingLookup>*>(privdata));
  auto* self = static_cast<Connection*>(context->data);
  PendingLookup& pending = **holder;
  if (pending.finished) return;  // answered after its timeout: nobody waits for it any more
  const auto* answer = static_cast<const redisReply*>(reply);
  if (answer == nullptr || answer->type != REDIS_REPLY_ARRAY || answer->elements != pending.count) {
    self->leaveIfNotTheMaster(context, answer);
    self->finishWithMisses(pending, false);
    return;
  }
  self->markHealthy();
  std::vector<CacheAnswer> result(pending.count);
  std::uint64_t hits = 0;
  std::uint64_t undecryptable = 0;
  for (std::size_t i = 0; i < pending.count; ++i) {
    const redisReply* element = answer->element[i];
    result[i].tier = CacheTier::Redis;
    if (element != nullptr && element->type == REDIS_REPLY_STRING) {
      result[i].bytes =
          self->cipher_->open(pending.keys[i], std::string_view(element->str, element->len));
      if (result[i].bytes) {
        ++hits;
        continue;
      }
      ++undecryptable;
    }
    result[i].markMissedIn(CacheTier::Redis);
  }
  self->counters_->hits += hits;
  self->counters_->undecryptable += undecryptable;
  self->counters_->misses += pending.count - hits;
  self->finish(pending, std::move(result));
}

void RedisCache::Connection::finishWithMisses(PendingLookup& pending, bool timedOut) {
  (timedOut ? counters_->timeouts : counters_->errors)++;
  counters_->misses += pending.count;
  finish(pending, redisMisses(pending.count));
}

void RedisCache::Connection::finish(PendingLookup& pending, std::vector<CacheAnswer> result) {
  pending.finished = true;
  pending.timer.cancel();
  LookupDone done = std::move(pending.done);
  if (closed_ || !done) return;
  // The completion may run inside a hiredis callback (C code): no exception may cross it.
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    spdlog::error("redis cache: a lookup completion threw: {}", e.what());
  } catch (...) {
    spdlog::error("redis cache: a lookup completion threw");
  }
}

void RedisCache::Connection::store(const std::string& key, const std::string& bytes,
                                   milliseconds ttl) {
  if (context_ == nullptr || state_ == State::Down) {
    counters_->errors++;
    return;
  }
  const auto sealed = cipher_->seal(key, bytes);
  if (!sealed) {  // no random bytes: better not cached than cached in clear
    counters_->errors++;
    return;
  }
  if (redisAsyncCommand(context_, &Connection::onStoreReply, nullptr, "SET %b %b PX %lld",
                        key.data(), key.size(), sealed->data(), sealed->size(),
                        static_cast<long long>(ttl.count())) != REDIS_OK) {
    counters_->errors++;
  }
}

void RedisCache::Connection::onStoreReply(redisAsyncContext* context, void* reply, void*) {
  auto* self = static_cast<Connection*>(context->data);
  const auto* answer = static_cast<const redisReply*>(reply);
  if (answer == nullptr || answer->type == REDIS_REPLY_ERROR) self->counters_->errors++;
  self->leaveIfNotTheMaster(context, answer);
}

RedisCache::RedisCache(const RedisEndpoint& endpoint, const std::vector<asio::io_context*>& loops,
                       milliseconds timeout, std::shared_ptr<const CacheValueCipher> cipher)
    : endpoint_(endpoint), counters_(std::make_shared<Counters>()) {
  if (endpoint.topology == RedisEndpoint::Topology::Sentinel) {
    discovery_ = RedisSentinelDiscovery::of(endpoint);
  }
  connections_.reserve(loops.size());
  std::vector<std::pair<asio::io_context*, std::shared_ptr<Connection>>> onLoops;
  for (auto* loop : loops) {
    if (loop == nullptr) continue;
    auto connection =
        std::make_shared<Connection>(*loop, endpoint, timeout, counters_, cipher, discovery_);
    connections_.push_back(connection);
    onLoops.emplace_back(loop, connection);
    // Registers the loop's thread and connects, both on that thread.
    asio::post(*loop, [connection] { connection->start(); });
  }
  if (discovery_) {
    masterMoved_ = discovery_->listen([onLoops] {
      for (const auto& onLoop : onLoops) {
        asio::post(*onLoop.first, [connection = onLoop.second] { connection->followMaster(); });
      }
    });
  }
}

RedisCache::~RedisCache() {
  // No more posts to the loops from the discovery's thread once this returns.
  if (discovery_) discovery_->unlisten(masterMoved_);
  for (auto& connection : connections_) {
    try {
      connection->close();
    } catch (const std::exception& e) {  // a timer that cannot be cancelled: nothing to do
      spdlog::error("redis cache: closing a connection failed: {}", e.what());
    }
  }
}

RedisCache::Connection* RedisCache::connectionOfThisThread() const {
  for (const auto& connection : connections_) {
    if (connection->ownedByThisThread()) return connection.get();
  }
  return nullptr;
}

void RedisCache::lookup(const std::vector<std::string>& keys, LookupDone done) {
  if (keys.empty()) {
    done({});
    return;
  }
  Connection* connection = connectionOfThisThread();
  if (connection == nullptr) {
    counters_->errors++;
    counters_->misses += keys.size();
    done(redisMisses(keys.size()));
    return;
  }
  connection->lookup(keys, std::move(done));
}

void RedisCache::store(const std::string& key, std::string bytes, milliseconds ttl) {
  if (ttl <= milliseconds::zero()) return;
  Connection* connection = connectionOfThisThread();
  if (connection == nullptr) {
    counters_->errors++;
    return;
  }
  connection->store(key, bytes, ttl);
}

CacheStats RedisCache::stats() const {
  CacheStats out;
  out.hits = counters_->hits.load();
  out.misses = counters_->misses.load();
  out.errors = counters_->errors.load();
  out.timeouts = counters_->timeouts.load();
  out.undecryptable = counters_->undecryptable.load();
  return out;
}

std::uint64_t RedisCache::erase(const std::string& key, bool wholeDataset) {
  RedisBlockingClient redis(endpoint_, kEraseTimeout);
  if (!wholeDataset) return redis.unlink({key});
  const auto pattern = RedisBlockingClient::globEscaped(key) + "*";
  std::uint64_t removed = 0;
  std::string cursor = "0";
  do {
    auto [next, keys] = redis.scan(cursor, pattern);
    std::erase_if(keys, [&](const std::string& found) { return !isCacheKeyOf(found, key); });
    removed += redis.unlink(keys);
    cursor = std::move(next);
  } while (cursor != "0");
  return removed;
}

}  // namespace oncegate
