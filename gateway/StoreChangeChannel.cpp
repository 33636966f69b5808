#include "gateway/StoreChangeChannel.h"

#include <hiredis.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <utility>

#include "common/Digest.h"
#include "common/Error.h"
#include "connectors/SourceConfig.h"
#include "gateway/cache/RedisBlockingClient.h"

namespace oncegate {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// 64 bits of SHA-256: enough to keep a few stores apart, short enough to read in PUBSUB CHANNELS.
constexpr std::size_t kChannelHashChars = 16;
// A subscriber that heard nothing, not even a PING's answer, for this long is taken for dead.
constexpr milliseconds kSilenceLimit = 2 * StoreChangeChannel::kPingInterval + milliseconds(1000);

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

std::string StoreChangeChannel::channelFor(std::string_view storeConnection) {
  return std::string(kChannelPrefix) +
         sha256Hex(redactConnectionString(storeConnection)).substr(0, kChannelHashChars);
}

std::string StoreChangeChannel::message(std::uint64_t version) { return std::to_string(version); }

std::optional<std::uint64_t> StoreChangeChannel::parseMessage(std::string_view payload) {
  std::uint64_t version = 0;
  const auto* end = payload.data() + payload.size();
  const auto parsed = std::from_chars(payload.data(), end, version);
  if (payload.empty() || parsed.ec != std::errc{} || parsed.ptr != end || version == 0) {
    return std::nullopt;
  }
  return version;
}

StoreChangeChannel::StoreChangeChannel(RedisEndpoint endpoint, std::string channel)
    : endpoint_(std::move(endpoint)), channel_(std::move(channel)) {
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    throw Error(ErrorCode::Internal, "cannot create the store change channel",
                std::string("eventfd: ") + std::strerror(errno));
  }
}

StoreChangeChannel::~StoreChangeChannel() {
  stop();
  ::close(wakeFd_);
}

void StoreChangeChannel::start(Listener listener) {
  listener_ = std::move(listener);
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void StoreChangeChannel::stop() {
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
  if (subscriber_ != nullptr) redisFree(subscriber_);
  if (publisher_ != nullptr) redisFree(publisher_);
  subscriber_ = nullptr;
  publisher_ = nullptr;
  subscribed_ = false;
}

void StoreChangeChannel::publish(std::uint64_t version) {
  {
    std::lock_guard lock(pendingMutex_);
    pending_ = std::max(pending_, version);
  }
  wake();
}

void StoreChangeChannel::wake() {
  const std::uint64_t one = 1;
  // A full counter (never in practice) already means "wake up": the result is not needed.
  [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
}

void StoreChangeChannel::drainWakeups() {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto read = ::read(wakeFd_, &count, sizeof count);
}

void StoreChangeChannel::run() {
  auto retryDelay = kFirstRetryDelay;
  while (!stopping_) {
    publishPending();
    if (subscriber_ == nullptr) {
      if (!subscribe()) {
        pause(retryDelay);
        retryDelay = std::min(retryDelay * 2, kMaxRetryDelay);
        continue;
      }
      retryDelay = kFirstRetryDelay;
      // Whatever was announced while this instance was not listening is caught up now.
      listener_(std::nullopt);
      continue;
    }
    listen();
  }
}

redisContext* StoreChangeChannel::connect(std::string& why) const {
  try {
    return RedisBlockingClient::connect(endpoint_, kConnectTimeout, kReplyTimeout);
  } catch (const Error& e) {
    why = e.detail();
    return nullptr;
  }
}

void StoreChangeChannel::publishPending() {
  std::uint64_t version = 0;
  {
    std::lock_guard lock(pendingMutex_);
    version = std::exchange(pending_, 0);
  }
  if (version == 0) return;
  std::string why;
  if (publisher_ == nullptr) publisher_ = connect(why);
  const auto text = message(version);
  if (publisher_ != nullptr && command(publisher_, why, "PUBLISH %b %b", channel_.data(),
                                       channel_.size(), text.data(), text.size())) {
    if (publishReported_) {
      spdlog::info("store changes: announcing on Redis {}:{} again", endpoint_.host,
                   endpoint_.port);
    }
    publishReported_ = false;
    return;
  }
  // Dropped, not retried: the other instances find the version at their next store poll.
  if (publisher_ != nullptr) redisFree(publisher_);
  publisher_ = nullptr;
  if (!publishReported_) {
    spdlog::warn(
        "store changes: could not announce version {} on Redis {}:{} ({}); other instances "
        "will find changes by polling the store until Redis is back",
        version, endpoint_.host, endpoint_.port, why);
  }
  publishReported_ = true;
}

bool StoreChangeChannel::subscribe() {
  std::string why;
  subscriber_ = connect(why);
  if (subscriber_ != nullptr) {
    const auto reply = command(subscriber_, why, "SUBSCRIBE %b", channel_.data(), channel_.size());
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        textOf(reply->element[0]) == "subscribe") {
      lastHeard_ = lastPing_ = Clock::now();
      subscribed_ = true;
      subscribeReported_ = false;
      spdlog::info("store changes: listening on Redis {}:{} channel {}", endpoint_.host,
                   endpoint_.port, channel_);
      return true;
    }
    if (reply) why = "unexpected answer to SUBSCRIBE";
    redisFree(subscriber_);
    subscriber_ = nullptr;
  }
  if (!subscribeReported_) {
    spdlog::warn(
        "store changes: cannot listen on Redis {}:{} ({}); other instances' changes arrive by "
        "polling the store; retrying",
        endpoint_.host, endpoint_.port, why);
  }
  subscribeReported_ = true;
  return false;
}

void StoreChangeChannel::dropSubscriber(const std::string& why) {
  redisFree(subscriber_);
  subscriber_ = nullptr;
  subscribed_ = false;
  spdlog::warn("store changes: lost Redis {}:{} ({}); polling the store meanwhile, reconnecting",
               endpoint_.host, endpoint_.port, why);
  subscribeReported_ = true;
}

void StoreChangeChannel::pause(milliseconds delay) {
  pollfd wakeup{wakeFd_, POLLIN, 0};
  if (::poll(&wakeup, 1, static_cast<int>(delay.count())) > 0) drainWakeups();
}

void StoreChangeChannel::listen() {
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
      listener_(parseMessage(textOf(reply->element[2])));
    }
  }
}

}  // namespace oncegate
