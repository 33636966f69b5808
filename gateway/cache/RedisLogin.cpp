#include "gateway/cache/RedisLogin.h"

namespace oncegate {

void queueRedisLogin(redisAsyncContext* context, const RedisEndpoint& endpoint,
                     redisCallbackFn* onReply) {
  if (!endpoint.password.empty()) {
    if (endpoint.username.empty()) {
      redisAsyncCommand(context, onReply, nullptr, "AUTH %b", endpoint.password.data(),
                        endpoint.password.size());
    } else {
      redisAsyncCommand(context, onReply, nullptr, "AUTH %b %b", endpoint.username.data(),
                        endpoint.username.size(), endpoint.password.data(),
                        endpoint.password.size());
    }
  }
  if (endpoint.database != 0) {
    redisAsyncCommand(context, onReply, nullptr, "SELECT %d", endpoint.database);
  }
  if (!endpoint.clientName.empty()) {
    redisAsyncCommand(context, onReply, nullptr, "CLIENT SETNAME %b", endpoint.clientName.data(),
                      endpoint.clientName.size());
  }
}

}  // namespace oncegate
