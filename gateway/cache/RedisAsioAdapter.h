#pragma once

struct redisAsyncContext;

namespace boost::asio {
class io_context;
}

namespace oncegate {

// Drives a hiredis async connection from an Asio event loop (hiredis ships no Asio adapter):
// it waits for read/write readiness on the connection's socket when hiredis asks for it and
// calls hiredis' handlers. The adapter lives as long as the hiredis context and is freed by
// hiredis' cleanup hook; it never closes the socket, which hiredis owns.
class RedisAsioAdapter {
 public:
  // Hooks `context` to `loop`. Call on the loop's thread, right after redisAsyncConnect and
  // before redisAsyncSetConnectCallback (which asks for the first write event). False when the
  // context already has an adapter or no socket.
  static bool attach(boost::asio::io_context& loop, redisAsyncContext* context);
};

}  // namespace oncegate
