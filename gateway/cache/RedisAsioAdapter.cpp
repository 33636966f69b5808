#include "gateway/cache/RedisAsioAdapter.h"

#include <async.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace oncegate {

namespace {

namespace asio = boost::asio;

// The per-connection state behind the hooks. Every pending wait holds a shared_ptr to it, because
// a hiredis handler may run the cleanup hook (and so detach) while the wait is still queued.
class SocketWatch : public std::enable_shared_from_this<SocketWatch> {
 public:
  SocketWatch(asio::io_context& loop, redisAsyncContext* context)
      : context_(context), socket_(loop, context->c.fd) {}

  void keepAliveWhileAttached() { self_ = shared_from_this(); }

  static void addRead(void* data) { static_cast<SocketWatch*>(data)->wantRead(true); }
  static void delRead(void* data) { static_cast<SocketWatch*>(data)->wantRead(false); }
  static void addWrite(void* data) { static_cast<SocketWatch*>(data)->wantWrite(true); }
  static void delWrite(void* data) { static_cast<SocketWatch*>(data)->wantWrite(false); }
  static void cleanup(void* data) { static_cast<SocketWatch*>(data)->detach(); }

 private:
  void wantRead(bool want) {
    readWanted_ = want;
    if (want && !readWaiting_ && context_ != nullptr) {
      readWaiting_ = true;
      socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [self = shared_from_this()](const boost::system::error_code& error) {
                           self->readWaiting_ = false;
                           if (error || self->context_ == nullptr || !self->readWanted_) return;
                           // hiredis asks for the next read itself (addRead) when it wants one.
                           redisAsyncHandleRead(self->context_);
                         });
    }
  }

  void wantWrite(bool want) {
    writeWanted_ = want;
    if (want && !writeWaiting_ && context_ != nullptr) {
      writeWaiting_ = true;
      socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& error) {
                           self->writeWaiting_ = false;
                           if (error || self->context_ == nullptr || !self->writeWanted_) return;
                           redisAsyncHandleWrite(self->context_);
                         });
    }
  }

  void detach() {
    context_ = nullptr;
    readWanted_ = false;
    writeWanted_ = false;
    // hiredis closes the socket after cleanup: give it back instead of closing it twice.
    // release() also aborts the pending waits, whose handlers see context_ == nullptr.
    socket_.release();
    self_.reset();  // may destroy this object: nothing may follow
  }

  redisAsyncContext* context_;
  asio::posix::stream_descriptor socket_;
  std::shared_ptr<SocketWatch> self_;
  bool readWanted_ = false;
  bool writeWanted_ = false;
  bool readWaiting_ = false;
  bool writeWaiting_ = false;
};

}  // namespace

bool RedisAsioAdapter::attach(asio::io_context& loop, redisAsyncContext* context) {
  if (context == nullptr || context->ev.data != nullptr || context->c.fd < 0) return false;
  std::shared_ptr<SocketWatch> watch;
  try {
    watch = std::make_shared<SocketWatch>(loop, context);
  } catch (const boost::system::system_error&) {
    return false;  // the reactor refused the socket; the caller treats it as a failed connect
  }
  watch->keepAliveWhileAttached();
  context->ev.data = watch.get();
  context->ev.addRead = &SocketWatch::addRead;
  context->ev.delRead = &SocketWatch::delRead;
  context->ev.addWrite = &SocketWatch::addWrite;
  context->ev.delWrite = &SocketWatch::delWrite;
  context->ev.cleanup = &SocketWatch::cleanup;
  return true;
}

}  // namespace oncegate
