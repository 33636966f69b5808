#include "gateway/cache/RedisBlockingClient.h"

#include <hiredis.h>
#include <sys/time.h>

#include <memory>

#include "common/Error.h"
#include "gateway/cache/RedisSentinelDiscovery.h"

namespace oncegate {

namespace {

constexpr long long kScanCount = 1000;

timeval timevalOf(std::chrono::milliseconds duration) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(duration.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((duration.count() % 1000) * 1000);
  return tv;
}

Error unavailable(std::string detail) {
  return Error(ErrorCode::CacheUnavailable, "the shared cache (Redis) did not answer; try again",
               std::move(detail));
}

// Redis answered with an error reply; to everyone but open() just an unavailable cache.
class RefusedReply : public Error {
 public:
  RefusedReply(const std::string& command, std::string text)
      : Error(ErrorCode::CacheUnavailable, "the shared cache (Redis) did not answer; try again",
              "redis " + command + " refused: " + text),
        command_(command),
        text_(std::move(text)) {}
  // Names the command, never its arguments: AUTH's hold the password.
  std::string refusal() const { return "refused " + command_ + ": " + text_; }

 private:
  std::string command_;
  std::string text_;
};

}  // namespace

struct RedisBlockingClient::Reply {
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply{nullptr, &freeReplyObject};
};

RedisBlockingClient::RedisBlockingClient(const RedisEndpoint& endpoint,
                                         std::chrono::milliseconds timeout)
    : context_(connect(endpoint, timeout, timeout)) {}

redisContext* RedisBlockingClient::connect(const RedisEndpoint& endpoint,
                                           std::chrono::milliseconds connectTimeout,
                                           std::chrono::milliseconds replyTimeout) {
  return open(endpoint, connectTimeout, replyTimeout, ErrorCode::CacheUnavailable);
}

void RedisBlockingClient::checkLogin(const RedisEndpoint& endpoint,
                                     std::chrono::milliseconds timeout) {
  redisFree(open(endpoint, timeout, timeout, ErrorCode::InvalidConfig));
}

redisContext* RedisBlockingClient::open(const RedisEndpoint& configured,
                                        std::chrono::milliseconds connectTimeout,
                                        std::chrono::milliseconds replyTimeout, ErrorCode refusal) {
  if (configured.topology != RedisEndpoint::Topology::Sentinel) {
    return openNode(configured, connectTimeout, replyTimeout, refusal, false);
  }
  const auto discovery = RedisSentinelDiscovery::of(configured);
  const auto master = discovery->waitForMaster(connectTimeout);
  if (!master) {
    throw unavailable("redis " + discovery->description() + ": no sentinel told where it is");
  }
  RedisEndpoint endpoint = configured;
  endpoint.host = master->host;
  endpoint.port = master->port;
  try {
    return openNode(endpoint, connectTimeout, replyTimeout, refusal, true);
  } catch (const Error&) {
    // Down, or no longer the master: the sentinels are asked again for the next attempt.
    discovery->suspect(*master);
    throw;
  }
}

redisContext* RedisBlockingClient::openNode(const RedisEndpoint& endpoint,
                                            std::chrono::milliseconds connectTimeout,
                                            std::chrono::milliseconds replyTimeout,
                                            ErrorCode refusal, bool mustBeMaster) {
  redisContext* context =
      redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, timevalOf(connectTimeout));
  if (context == nullptr) throw unavailable("redis connect: out of memory");
  // Borrowed by run() for the setup commands, freed on any failure.
  RedisBlockingClient setup;
  setup.context_ = context;
  if (context->err != 0) {
    throw unavailable("redis connect to " + endpoint.host + ": " + context->errstr);
  }
  if (redisSetTimeout(context, timevalOf(replyTimeout)) != REDIS_OK) {
    throw unavailable("redis connect to " + endpoint.host + ": " + context->errstr);
  }
  redisEnableKeepAlive(context);
  const auto setupCommand = [&](const std::vector<std::string>& arguments) {
    try {
      setup.run(arguments);
    } catch (const RefusedReply& e) {  // no reply at all stays "unavailable"
      if (refusal == ErrorCode::CacheUnavailable) throw;
      throw Error(refusal, "Redis at " + endpoint.host + ":" + std::to_string(endpoint.port) + " " +
                               e.refusal() +
                               "; check redis: in gateway.yaml (user, password, database)");
    }
  };
  if (!endpoint.password.empty()) {
    if (endpoint.username.empty()) {
      setupCommand({"AUTH", endpoint.password});
    } else {
      setupCommand({"AUTH", endpoint.username, endpoint.password});
    }
  }
  if (endpoint.database != 0) setupCommand({"SELECT", std::to_string(endpoint.database)});
  // Also the first command a server that wants a password and got none refuses (NOAUTH).
  setupCommand({"CLIENT", "SETNAME", endpoint.clientName});
  if (mustBeMaster) {
    if (!RedisSentinelDiscovery::saysMaster(setup.run({"ROLE"}).reply.get())) {
      throw unavailable("redis at " + endpoint.host + ":" + std::to_string(endpoint.port) +
                        " is no longer the master");
    }
  }
  setup.context_ = nullptr;  // handed to the caller
  return context;
}

RedisBlockingClient::~RedisBlockingClient() {
  if (context_ != nullptr) redisFree(context_);
}

RedisBlockingClient::Reply RedisBlockingClient::run(const std::vector<std::string>& arguments) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& argument : arguments) {
    argv.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  Reply out;
  out.reply.reset(static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!out.reply) throw unavailable("redis " + arguments.front() + ": " + context_->errstr);
  if (out.reply->type == REDIS_REPLY_ERROR) {
    throw RefusedReply(arguments.front(), std::string(out.reply->str, out.reply->len));
  }
  return out;
}

std::pair<std::string, std::vector<std::string>> RedisBlockingClient::scan(
    const std::string& cursor, const std::string& pattern) {
  const auto answer = run({"SCAN", cursor, "MATCH", pattern, "COUNT", std::to_string(kScanCount)});
  const redisReply* reply = answer.reply.get();
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[1]->type != REDIS_REPLY_ARRAY) {
    throw unavailable("redis SCAN: unexpected reply");
  }
  std::pair<std::string, std::vector<std::string>> out;
  out.first.assign(reply->element[0]->str, reply->element[0]->len);
  const redisReply* keys = reply->element[1];
  for (std::size_t i = 0; i < keys->elements; ++i) {
    out.second.emplace_back(keys->element[i]->str, keys->element[i]->len);
  }
  return out;
}

std::uint64_t RedisBlockingClient::unlink(const std::vector<std::string>& keys) {
  if (keys.empty()) return 0;
  std::vector<std::string> arguments{"UNLINK"};
  arguments.insert(arguments.end(), keys.begin(), keys.end());
  const auto answer = run(arguments);
  return answer.reply->type == REDIS_REPLY_INTEGER
             ? static_cast<std::uint64_t>(answer.reply->integer)
             : 0;
}

std::string RedisBlockingClient::globEscaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '^' || c == '-') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace oncegate
