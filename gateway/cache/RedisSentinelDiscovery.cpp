#include "gateway/cache/RedisSentinelDiscovery.h"

#include <hiredis.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "common/Error.h"

namespace oncegate {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Answer = RedisSentinelDiscovery::SentinelAnswer;

// A subscribed sentinel is pinged this often; one silent for kSilenceLimit is taken for dead.
constexpr milliseconds kPingInterval{1000};
constexpr milliseconds kSilenceLimit{3000};
// With no sentinel to listen to, the master is asked for this often instead.
constexpr milliseconds kPollWithoutSubscription{1000};
constexpr std::string_view kSwitchChannel = "+switch-master";

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;
struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

timeval timevalOf(milliseconds duration) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(duration.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((duration.count() % 1000) * 1000);
  return tv;
}

std::string_view textOf(const redisReply* reply) {
  if (reply == nullptr ||
      (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS)) {
    return {};
  }
  return {reply->str, reply->len};
}

std::optional<std::uint16_t> portOf(std::string_view text) {
  std::uint16_t port = 0;
  const auto* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, port);
  if (result.ec != std::errc{} || result.ptr != end || port == 0) return std::nullopt;
  return port;
}

// A connection to one sentinel, logged in; nullptr with `why` set when it did not answer in time
// or refused the password.
Context connectSentinel(const RedisAddress& sentinel, const std::string& password,
                        std::string& why) {
  const auto timeout = timevalOf(RedisSentinelDiscovery::kSentinelTimeout);
  Context context(redisConnectWithTimeout(sentinel.host.c_str(), sentinel.port, timeout));
  if (!context) {
    why = "out of memory";
    return nullptr;
  }
  if (context->err != 0 || redisSetTimeout(context.get(), timeout) != REDIS_OK) {
    why = context->errstr;
    return nullptr;
  }
  redisEnableKeepAlive(context.get());
  if (!password.empty()) {
    const Reply reply(static_cast<redisReply*>(
        redisCommand(context.get(), "AUTH %b", password.data(), password.size())));
    if (!reply) {
      why = context->errstr;
      return nullptr;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      why = "refused AUTH: " + std::string(reply->str, reply->len);
      return nullptr;
    }
  }
  return context;
}

Answer askOverNetwork(const RedisAddress& sentinel, const std::string& password,
                      const std::string& masterName) {
  Answer answer;
  const Context context = connectSentinel(sentinel, password, answer.why);
  if (!context) return answer;
  const Reply reply(static_cast<redisReply*>(redisCommand(
      context.get(), "SENTINEL get-master-addr-by-name %b", masterName.data(), masterName.size())));
  if (!reply) {
    answer.why = context->errstr;
  } else if (reply->type == REDIS_REPLY_NIL) {
    answer.kind = Answer::Kind::UnknownMaster;
  } else if (reply->type == REDIS_REPLY_ERROR) {
    answer.why = std::string(reply->str, reply->len);
  } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
             !textOf(reply->element[0]).empty() && portOf(textOf(reply->element[1]))) {
    answer.kind = Answer::Kind::Master;
    answer.master.host = std::string(textOf(reply->element[0]));
    answer.master.port = *portOf(textOf(reply->element[1]));
  } else {
    answer.why = "unexpected answer to SENTINEL get-master-addr-by-name";
  }
  return answer;
}

std::string joined(const std::vector<RedisAddress>& addresses) {
  std::string out;
  for (const auto& address : addresses) {
    if (!out.empty()) out += ',';
    out += address.text();
  }
  return out;
}

}  // namespace

std::shared_ptr<RedisSentinelDiscovery> RedisSentinelDiscovery::of(const RedisEndpoint& endpoint) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<RedisSentinelDiscovery>> shared;
  // Kept in memory only: the sentinel password is part of what tells two setups apart.
  std::string key = endpoint.masterName + '\n' + endpoint.sentinelPassword + '\n';
  for (const auto& seed : endpoint.seeds) key += seed.text() + ',';
  std::lock_guard lock(mutex);
  std::erase_if(shared, [](const auto& entry) { return entry.second.expired(); });
  if (auto existing = shared[key].lock()) return existing;
  auto discovery = std::make_shared<RedisSentinelDiscovery>(endpoint);
  discovery->start();
  shared[key] = discovery;
  return discovery;
}

RedisSentinelDiscovery::RedisSentinelDiscovery(const RedisEndpoint& endpoint, AskSentinel ask)
    : endpoint_(endpoint), ask_(std::move(ask)) {
  if (!ask_) {
    ask_ = [password = endpoint_.sentinelPassword, name = endpoint_.masterName](
               const RedisAddress& sentinel) { return askOverNetwork(sentinel, password, name); };
  }
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    throw Error(ErrorCode::Internal, "cannot follow the Redis master through Sentinel",
                std::string("eventfd: ") + std::strerror(errno));
  }
}

RedisSentinelDiscovery::~RedisSentinelDiscovery() {
  stop();
  ::close(wakeFd_);
}

void RedisSentinelDiscovery::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void RedisSentinelDiscovery::stop() {
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
}

std::string RedisSentinelDiscovery::description() const {
  return "master " + endpoint_.masterName + " via sentinels " + joined(endpoint_.seeds);
}

std::optional<RedisAddress> RedisSentinelDiscovery::master() const {
  std::lock_guard lock(mutex_);
  return master_;
}

std::optional<RedisAddress> RedisSentinelDiscovery::waitForMaster(milliseconds patience) const {
  std::unique_lock lock(mutex_);
  known_.wait_for(lock, patience, [this] { return master_.has_value(); });
  return master_;
}

void RedisSentinelDiscovery::suspect(const RedisAddress& suspected) {
  {
    std::lock_guard lock(mutex_);
    if (master_ && *master_ != suspected) return;  // already moved on
  }
  suspected_ = true;
  wake();
}

std::uint64_t RedisSentinelDiscovery::listen(MasterMoved moved) {
  std::lock_guard lock(listenersMutex_);
  const auto id = nextListener_++;
  listeners_.emplace(id, std::move(moved));
  return id;
}

void RedisSentinelDiscovery::unlisten(std::uint64_t id) {
  std::lock_guard lock(listenersMutex_);
  listeners_.erase(id);
}

std::optional<RedisAddress> RedisSentinelDiscovery::discover() {
  std::string whys;
  for (const auto& sentinel : endpoint_.seeds) {
    const auto answer = ask_(sentinel);
    if (answer.kind == SentinelAnswer::Kind::Master) {
      if (reportedNone_) {
        spdlog::info("redis sentinel {} answers for master {} again", sentinel.text(),
                     endpoint_.masterName);
      }
      reportedNone_ = false;
      record(answer.master);
      return answer.master;
    }
    if (!whys.empty()) whys += "; ";
    whys += sentinel.text() + ": " +
            (answer.kind == SentinelAnswer::Kind::UnknownMaster ? "does not know the master"
                                                                : answer.why);
  }
  if (!reportedNone_) {
    spdlog::warn(
        "redis sentinel: no sentinel told where master {} is ({}); keeping the last known "
        "master, asking again; check redis.sentinel and redis.master in gateway.yaml",
        endpoint_.masterName, whys);
  }
  reportedNone_ = true;
  return std::nullopt;
}

void RedisSentinelDiscovery::record(const std::optional<RedisAddress>& found) {
  if (!found) return;
  {
    std::lock_guard lock(mutex_);
    if (master_ == found) return;
    if (master_) {
      switches_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("redis sentinel: master {} moved from {} to {}", endpoint_.masterName,
                   master_->text(), found->text());
    } else {
      spdlog::info("redis sentinel: master {} is at {}", endpoint_.masterName, found->text());
    }
    master_ = found;
  }
  known_.notify_all();
  std::lock_guard lock(listenersMutex_);
  for (const auto& [id, moved] : listeners_) moved();
}

void RedisSentinelDiscovery::wake() {
  const std::uint64_t one = 1;
  // A full counter (never in practice) already means "wake up": the result is not needed.
  [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
}

void RedisSentinelDiscovery::pause(milliseconds delay) {
  pollfd wakeup{wakeFd_, POLLIN, 0};
  if (::poll(&wakeup, 1, static_cast<int>(delay.count())) > 0) {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(wakeFd_, &count, sizeof count);
  }
}

void RedisSentinelDiscovery::run() {
  auto retryDelay = kFirstRetryDelay;
  while (!stopping_) {
    suspected_ = false;
    if (!discover()) {
      pause(retryDelay);
      retryDelay = std::min(retryDelay * 2, kMaxRetryDelay);
      continue;
    }
    retryDelay = kFirstRetryDelay;
    if (!followSwitches()) pause(kPollWithoutSubscription);
  }
}

// hiredis' blocking context is used by hand here (poll on its socket, then read what came), as
// RedisPubSubChannel does: a subscriber must also wake up for stop() and suspect().
bool RedisSentinelDiscovery::followSwitches() {
  Context subscriber;
  std::string why;
  for (const auto& sentinel : endpoint_.seeds) {
    subscriber = connectSentinel(sentinel, endpoint_.sentinelPassword, why);
    if (!subscriber) continue;
    const Reply reply(static_cast<redisReply*>(redisCommand(
        subscriber.get(), "SUBSCRIBE %b", kSwitchChannel.data(), kSwitchChannel.size())));
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        textOf(reply->element[0]) == "subscribe") {
      break;
    }
    subscriber.reset();
  }
  if (!subscriber) return false;
  // A switch may have happened between the question and the subscription: ask once more now
  // that none can be missed.
  if (const auto found = discover(); !found) return true;

  const auto recheckAt = Clock::now() + kRecheckInterval;
  auto lastHeard = Clock::now();
  auto lastPing = lastHeard;
  while (!stopping_ && !suspected_) {
    const auto now = Clock::now();
    if (now >= recheckAt || now - lastHeard > kSilenceLimit) return true;
    if (now - lastPing >= kPingInterval) {
      int done = 0;
      redisAppendCommand(subscriber.get(), "PING");
      while (done == 0) {
        if (redisBufferWrite(subscriber.get(), &done) != REDIS_OK) return true;
      }
      lastPing = now;
    }
    const auto wait = std::clamp(std::chrono::duration_cast<milliseconds>(
                                     std::min(lastPing + kPingInterval, recheckAt) - now),
                                 milliseconds(1), kPingInterval);
    pollfd watched[2] = {{subscriber->fd, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    if (::poll(watched, 2, static_cast<int>(wait.count())) <= 0) continue;
    if ((watched[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto read = ::read(wakeFd_, &count, sizeof count);
    }
    if (watched[0].revents == 0) continue;
    if (redisBufferRead(subscriber.get()) != REDIS_OK) return true;
    lastHeard = Clock::now();
    while (true) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(subscriber.get(), &raw) != REDIS_OK) return true;
      if (raw == nullptr) break;
      const Reply reply(static_cast<redisReply*>(raw));
      if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
          textOf(reply->element[0]) == "message") {
        record(parseSwitchMaster(textOf(reply->element[2]), endpoint_.masterName));
      }
    }
  }
  return true;
}

bool RedisSentinelDiscovery::saysMaster(const redisReply* roleReply) {
  return roleReply != nullptr && roleReply->type == REDIS_REPLY_ARRAY && roleReply->elements > 0 &&
         textOf(roleReply->element[0]) == "master";
}

std::optional<RedisAddress> RedisSentinelDiscovery::parseSwitchMaster(std::string_view payload,
                                                                      std::string_view masterName) {
  std::vector<std::string_view> words;
  while (!payload.empty()) {
    const auto space = payload.find(' ');
    words.push_back(payload.substr(0, space));
    if (space == std::string_view::npos) break;
    payload.remove_prefix(space + 1);
  }
  if (words.size() != 5 || words[0] != masterName || words[3].empty()) return std::nullopt;
  const auto port = portOf(words[4]);
  if (!port) return std::nullopt;
  return RedisAddress{std::string(words[3]), *port};
}

}  // namespace oncegate
