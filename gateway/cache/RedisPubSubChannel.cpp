#include "gateway/cache/RedisPubSubChannel.h"

#include <hiredis.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <utility>

#include "common/Error.h"
#include "gateway/cache/RedisBlockingClient.h"
#include "gateway/cache/RedisClusterCache.h"
#include "gateway/cache/RedisSentinelDiscovery.h"

namespace oncegate {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A subscriber that heard nothing, not even a PING's answer, for this long is taken for dead.
constexpr milliseconds kSilenceLimit = 2 * RedisPubSubChannel::kPingInterval + milliseconds(1000);

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string errorOf(const redisContext* context) {
  return context->errstr[0] != '\0' ? context->errstr : "connection lost";
}

// The reply, or nullopt with `why` set when there was none or it was an error.
Reply command(redisContext* context, std::string& why, const char* format, auto... args) {
  Reply reply(static_cast<redisReply*>(redisCommand(context, format, args...)));
  if (!reply) {
    why = errorOf(context);
  } else if (reply->type == REDIS_REPLY_ERROR) {
    why = std::string(reply->str, reply->len);
    reply.reset();
  }
  return reply;
}

std::string_view textOf(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS) return {};
  return {reply->str, reply->len};
}

}  // namespace

RedisPubSubChannel::RedisPubSubChannel(RedisEndpoint endpoint, std::string channel, Wording wording)
    : endpoint_(std::move(endpoint)), channel_(std::move(channel)), wording_(std::move(wording)) {
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    throw Error(ErrorCode::Internal, "cannot create a Redis pub/sub channel",
                std::string("eventfd: ") + std::strerror(errno));
  }
}

RedisPubSubChannel::~RedisPubSubChannel() {
  stop();
  ::close(wakeFd_);
}

std::string RedisPubSubChannel::where() const {
  if (endpoint_.topology == RedisEndpoint::Topology::Sentinel) {
    return "(Sentinel master " + endpoint_.masterName + ")";
  }
  return endpoint_.host + ":" + std::to_string(endpoint_.port);
}

void RedisPubSubChannel::start(Listener listener) {
  listener_ = std::move(listener);
  stopping_ = false;
  if (endpoint_.topology == RedisEndpoint::Topology::Sentinel) {
    discovery_ = RedisSentinelDiscovery::of(endpoint_);
    masterMovedListener_ = discovery_->listen([this] {
      masterMoved_ = true;
      wake();
    });
  }
  thread_ = std::thread([this] { run(); });
}

void RedisPubSubChannel::stop() {
  if (discovery_) discovery_->unlisten(masterMovedListener_);
  discovery_.reset();
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
  if (subscriber_ != nullptr) redisFree(subscriber_);
  if (publisher_ != nullptr) redisFree(publisher_);
  subscriber_ = nullptr;
  publisher_ = nullptr;
  subscribed_ = false;
}

void RedisPubSubChannel::publish(std::string message) {
  {
    std::lock_guard lock(pendingMutex_);
    if (pending_.size() == kMaxPending) {
      pending_.pop_front();
      if (!overflowReported_) {
        spdlog::warn("{}: Redis is not taking messages; dropping the oldest", wording_.what);
      }
      overflowReported_ = true;
    }
    pending_.push_back(std::move(message));
  }
  wake();
}

void RedisPubSubChannel::wake() {
  const std::uint64_t one = 1;
  // A full counter (never in practice) already means "wake up": the result is not needed.
  [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
}

void RedisPubSubChannel::drainWakeups() {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto read = ::read(wakeFd_, &count, sizeof count);
}

void RedisPubSubChannel::run() {
  auto retryDelay = kFirstRetryDelay;
  while (!stopping_) {
    if (masterMoved_.exchange(false)) followMaster();
    publishPending();
    if (subscriber_ == nullptr) {
      if (!subscribe()) {
        pause(retryDelay);
        retryDelay = std::min(retryDelay * 2, kMaxRetryDelay);
        continue;
      }
      retryDelay = kFirstRetryDelay;
      // Whatever was said while this instance was not listening may have been missed.
      listener_(std::nullopt);
      continue;
    }
    listen();
  }
}

redisContext* RedisPubSubChannel::connect(std::string& why) const {
  if (endpoint_.topology == RedisEndpoint::Topology::Cluster) {
    // Any node will do: Redis Cluster propagates PUBLISH to every node. The seeds in turn.
    for (const auto& seed : endpoint_.seeds) {
      try {
        return RedisBlockingClient::connect(RedisClusterCache::nodeEndpoint(endpoint_, seed),
                                            kConnectTimeout, kReplyTimeout);
      } catch (const Error& e) {
        why = seed.text() + ": " + e.detail();
      }
    }
    return nullptr;
  }
  try {
    return RedisBlockingClient::connect(endpoint_, kConnectTimeout, kReplyTimeout);
  } catch (const Error& e) {
    why = e.detail();
    return nullptr;
  }
}

void RedisPubSubChannel::publishPending() {
  std::deque<std::string> messages;
  {
    std::lock_guard lock(pendingMutex_);
    messages.swap(pending_);
    overflowReported_ = false;
  }
  if (messages.empty()) return;
  std::string why;
  if (publisher_ == nullptr) publisher_ = connect(why);
  while (publisher_ != nullptr && !messages.empty()) {
    const auto& text = messages.front();
    if (!command(publisher_, why, "PUBLISH %b %b", channel_.data(), channel_.size(), text.data(),
                 text.size())) {
      break;
    }
    messages.pop_front();
  }
  if (messages.empty()) {
    if (publishReported_) {
      spdlog::info("{}: publishing on Redis {} again", wording_.what, where());
    }
    publishReported_ = false;
    return;
  }
  // Dropped, not retried: the channel is only a hint.
  if (publisher_ != nullptr) redisFree(publisher_);
  publisher_ = nullptr;
  if (!publishReported_) {
    spdlog::warn("{}: could not publish on Redis {} ({}); {} until Redis is back", wording_.what,
                 where(), why, wording_.fallback);
  }
  publishReported_ = true;
}

bool RedisPubSubChannel::subscribe() {
  std::string why;
  subscriber_ = connect(why);
  if (subscriber_ != nullptr) {
    const auto reply = command(subscriber_, why, "SUBSCRIBE %b", channel_.data(), channel_.size());
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        textOf(reply->element[0]) == "subscribe") {
      lastHeard_ = lastPing_ = Clock::now();
      subscribed_ = true;
      subscribeReported_ = false;
      spdlog::info("{}: listening on Redis {} channel {}", wording_.what, where(), channel_);
      return true;
    }
    if (reply) why = "unexpected answer to SUBSCRIBE";
    redisFree(subscriber_);
    subscriber_ = nullptr;
  }
  if (!subscribeReported_) {
    spdlog::warn("{}: cannot listen on Redis {} ({}); {}; retrying", wording_.what, where(), why,
                 wording_.fallback);
  }
  subscribeReported_ = true;
  return false;
}

void RedisPubSubChannel::followMaster() {
  // Both reconnect on their next use, to the master the sentinels name now (and a subscriber
  // left on a demoted master would hear nothing published on the new one).
  if (publisher_ != nullptr) redisFree(publisher_);
  publisher_ = nullptr;
  if (subscriber_ == nullptr) return;
  redisFree(subscriber_);
  subscriber_ = nullptr;
  subscribed_ = false;
  spdlog::info("{}: the Redis master moved; subscribing on the new one", wording_.what);
}

void RedisPubSubChannel::dropSubscriber(const std::string& why) {
  redisFree(subscriber_);
  subscriber_ = nullptr;
  subscribed_ = false;
  spdlog::warn("{}: lost Redis {} ({}); {} meanwhile; reconnecting", wording_.what, where(), why,
               wording_.fallback);
  subscribeReported_ = true;
}

void RedisPubSubChannel::pause(milliseconds delay) {
  pollfd wakeup{wakeFd_, POLLIN, 0};
  if (::poll(&wakeup, 1, static_cast<int>(delay.count())) > 0) drainWakeups();
}

void RedisPubSubChannel::listen() {
  const auto now = Clock::now();
  if (now - lastHeard_ > kSilenceLimit) return dropSubscriber("no answer to PING");
  if (now - lastPing_ >= kPingInterval) {
    // Subscribed, Redis answers PING with ["pong", ""]: proof that the link still works.
    int done = 0;
    redisAppendCommand(subscriber_, "PING");
    while (done == 0) {
      if (redisBufferWrite(subscriber_, &done) != REDIS_OK) {
        return dropSubscriber(errorOf(subscriber_));
      }
    }
    lastPing_ = now;
  }
  const auto untilPing = std::chrono::duration_cast<milliseconds>(lastPing_ + kPingInterval - now);
  pollfd watched[2] = {{subscriber_->fd, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
  if (::poll(watched, 2, static_cast<int>(std::max(untilPing, milliseconds(1)).count())) <= 0) {
    return;
  }
  if ((watched[1].revents & POLLIN) != 0) drainWakeups();
  if (watched[0].revents == 0) return;
  // Readable: the read does not block (and the reply timeout bounds it anyway).
  if (redisBufferRead(subscriber_) != REDIS_OK) return dropSubscriber(errorOf(subscriber_));
  lastHeard_ = Clock::now();
  while (true) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(subscriber_, &raw) != REDIS_OK) {
      return dropSubscriber(errorOf(subscriber_));
    }
    if (raw == nullptr) return;
    const Reply reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        textOf(reply->element[0]) == "message") {
      received_.fetch_add(1, std::memory_order_relaxed);
      listener_(textOf(reply->element[2]));
    }
  }
}

}  // namespace oncegate
