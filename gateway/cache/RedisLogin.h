#pragma once

#include <async.h>

#include "gateway/cache/RedisEndpoint.h"

namespace oncegate {

// Queues what every async connection to a data node sends before anything else: AUTH (with the
// ACL user when there is one), SELECT of a database other than 0, CLIENT SETNAME. hiredis writes
// them first when the socket connects. `onReply` hears each of their replies (a refusal among
// them means the connection is unusable). One copy, because it handles the password.
void queueRedisLogin(redisAsyncContext* context, const RedisEndpoint& endpoint,
                     redisCallbackFn* onReply);

}  // namespace oncegate
