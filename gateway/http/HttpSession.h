#pragma once

// Private to gateway/http, included by HttpServer.cpp alone: Beast and Asio compile slowly, and
// this template is instantiated there for both streams.

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/Error.h"
#include "gateway/http/HttpServer.h"
#include "gateway/http/HttpServerConfig.h"
#include "gateway/http/OpenSessions.h"
#include "gateway/http/TlsServerContext.h"

// The namespace keeps the aliases and constants below out of the files that include this one.
namespace oncegate::http_session {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<tcp::socket>;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Lingering close (as nginx's lingering_close): after an answer the server closes on, what the
// client still sends is read and discarded until it has been quiet for kLingerQuiet, for at most
// kLingerTotal or kLingerBytes, so that the client reads the answer instead of a reset (closing
// with unread bytes makes the kernel send RST, which discards the answer not yet read).
constexpr std::chrono::milliseconds kLingerQuiet{2'000};
constexpr std::chrono::milliseconds kLingerTotal{5'000};
constexpr std::size_t kLingerBytes = 16 * 1024 * 1024;
constexpr std::size_t kLingerChunk = 16 * 1024;
// The most a read asks the socket for at once (Beast's composed reads use the same).
constexpr std::size_t kReadChunk = 64 * 1024;
// Seconds a shed client is told to wait (Retry-After).
constexpr std::string_view kRetryAfterSeconds = "1";

// One client connection. Every handler runs on the connection's own loop (one thread per loop),
// so the session needs no strand. do_X starts an operation, on_X handles its completion.
// Stream is tcp::socket (plain HTTP) or TlsStream (HTTPS: a handshake comes first).
//
// Timeouts: every read and every asynchronous write runs under a deadline (setDeadline), and
// one timer per connection, the watchdog, closes the connection once the deadline has passed.
// Moving the deadline later costs nothing: the watchdog, when it goes off early, sleeps again
// until the deadline as it then stands. A timer per operation (beast::tcp_stream's) would re-arm
// the reactor's timerfd and post a cancellation through the event loop on every request.
template <class Stream>
class HttpSession final : public DrainableSession,
                          public std::enable_shared_from_this<HttpSession<Stream>> {
  using Shared = std::enable_shared_from_this<HttpSession<Stream>>;
  using Shared::shared_from_this;
  using Shared::weak_from_this;
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `streamArguments` build the stream: the accepted socket, and for TLS the context.
  // `refused`: the connection is past limits.max_connections; it is answered 503 at once.
  template <class... StreamArguments>
  HttpSession(const HttpServerConfig& config, HttpHandler& handler,
              std::shared_ptr<OpenSessions> open, bool refused,
              StreamArguments&&... streamArguments)
      : stream_(std::forward<StreamArguments>(streamArguments)...),
        watchdog_(stream_.get_executor()),
        config_(config),
        handler_(handler),
        refused_(refused),
        open_(std::move(open)) {
    if (!refused_) open_->connections.fetch_add(1);
  }

  ~HttpSession() {
    endAnswering();  // a handler that dropped its Respond must not hold a drain for its grace
    leaveHandler();
    if (!refused_) open_->connections.fetch_sub(1);
    std::lock_guard lock(open_->mutex);
    open_->sessions.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(open_->mutex);
      open_->sessions.emplace(this, weak_from_this());
    }
    // A drain sets draining before it lists the sessions: one accepted as it began is either
    // listed or sees the flag here, so none stays open for its idle timeout.
    const bool acceptedDuringDrain = open_->draining;
    beast::error_code ec;
    const auto remote = socket().remote_endpoint(ec);
    if (!ec) remoteAddress_ = remote.address().to_string();
    if (refused_) open_->connectionsRefused.fetch_add(1);
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kTls) {
        self->doHandshake();
      } else {
        self->doRequest();
      }
    });
    if (acceptedDuringDrain && !refused_) drain();
  }

  // The server is stopping: an idle connection closes now, a busy one after its answer. A request
  // that has begun to arrive is read to its end and answered 503: closing it would drop it without
  // an answer. Whether one has begun is known only once the pending read has handed over what it
  // took from the socket, so the read is cancelled and onReadError decides; meanwhile the
  // connection counts as being answered, so that the drain waits for that decision.
  void drain() override {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->keepAlive_ = false;
      if (self->answering_) return;
      self->beginAnswering();
      self->drainAsked_ = true;
      beast::error_code ec;
      self->socket().cancel(ec);
    });
  }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_); }
  bool closed() { return !socket().is_open(); }

  // The pending read or write must end within `timeout` from now.
  void setDeadline(std::chrono::milliseconds timeout) {
    deadline_ = Clock::now() + timeout;
    if (deadline_ < watchdogAlarm_) armWatchdog();
  }

  // With the handler: no read or write is pending, and the handler has timeouts of its own.
  void clearDeadline() { deadline_ = Clock::time_point::max(); }

  void armWatchdog() {
    watchdogAlarm_ = deadline_;
    watchdog_.expires_at(deadline_);  // cancels an alarm set for later: onWatchdog ignores it
    watchdog_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec != net::error::operation_aborted) self->onWatchdog();
    });
  }

  void onWatchdog() {
    watchdogAlarm_ = Clock::time_point::max();
    if (closed() || deadline_ == Clock::time_point::max()) return;  // the next deadline re-arms it
    if (Clock::now() < deadline_) return armWatchdog();
    spdlog::debug("connection from {} timed out", remoteAddress_);
    close();  // the pending operation completes with an error, and its handler closes too
  }

  // A handshake gets the read timeout; one that fails (plaintext HTTP, an old protocol, a client
  // certificate the CA did not sign, a scanner) only closes the connection.
  void doHandshake() {
    if constexpr (kTls) {
      setDeadline(config_.readTimeout);
      stream_.async_handshake(
          net::ssl::stream_base::server,
          [self = shared_from_this()](beast::error_code ec) { self->onHandshake(ec); });
    }
  }

  void onHandshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("TLS handshake with {} failed: {}", remoteAddress_, ec.message());
      return close();
    }
    if constexpr (kTls) {
      clientCertificateSha256_ = TlsServerContext::verifiedPeerSha256(stream_.native_handle());
    }
    doRequest();
  }

  // The first request, or, past limits.max_connections, the refusal (load shedding before work
  // starts: no request is read, only discarded while lingering).
  void doRequest() {
    if (!refused_) return doRead();
    refuse(Error(ErrorCode::Overloaded,
                 "the gateway has limits.max_connections connections open; "
                 "send the request again in a moment"),
           true);
  }

  // The next request. Its bytes are read with the stream's own read_some and fed to the parser
  // here: Beast's composed http::async_read posts its completion through the event loop when
  // the bytes are already buffered, as nearly every request's body is, an extra pass through
  // the reactor per request.
  void doRead() {
    requestDeadlineSet_ = false;
    parser_.emplace();
    parser_->header_limit(config_.maxHeader);
    parser_->body_limit(config_.maxBody);
    // Idle keep-alive connections get idleTimeout for the next request; once bytes arrive the
    // whole request must come within readTimeout (set in doReadSome).
    setDeadline(firstRequest_ ? config_.readTimeout : config_.idleTimeout);
    if (buffer_.size() != 0) return parseBuffered();  // the client sent it with the previous one
    doReadSome();
  }

  void doReadSome() {
    // From the request's first byte, once: a deadline moved on at every read would let a client
    // that sends a byte at a time keep the connection for ever.
    if (!requestDeadlineSet_ && (parser_->got_some() || buffer_.size() != 0)) {
      requestDeadlineSet_ = true;
      setDeadline(config_.readTimeout);
    }
    stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, kReadChunk)),
                            [self = shared_from_this()](beast::error_code ec, std::size_t count) {
                              self->onReadSome(ec, count);
                            });
  }

  void onReadSome(beast::error_code ec, std::size_t count) {
    buffer_.commit(count);
    if (ec == net::error::eof) {
      // The client closed its side: a request cut short is malformed, none at all is the end.
      if (!parser_->got_some() && buffer_.size() == 0)
        return onReadError(http::error::end_of_stream);
      beast::error_code eofEc;
      parser_->put_eof(eofEc);
      if (eofEc) return onReadError(eofEc);
      return onRead();
    }
    if (ec) return onReadError(ec);
    parseBuffered();
  }

  // Parses what the buffer holds; reads more when the request is not whole yet.
  void parseBuffered() {
    for (;;) {
      const bool headerWasDone = parser_->is_header_done();
      beast::error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) return doReadSome();
      if (ec) return onReadError(ec);
      if (!headerWasDone && parser_->is_header_done() && !onHeader()) return;
      if (parser_->is_done()) return onRead();
      if (used == 0 || buffer_.size() == 0) return doReadSome();
    }
  }

  // The header is whole: checks what it announces before the body is read. False when the
  // request has been answered or the read goes on elsewhere (after 100 Continue).
  bool onHeader() {
    const auto length = parser_->content_length();
    if (length && *length > config_.maxBody) {
      refuse(Error(ErrorCode::PayloadTooLarge, "the request body is larger than limits.max_body"));
      return false;
    }
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: reserve them once, up front.
    parser_->get().body().reserve(static_cast<std::size_t>(length.value_or(0)) +
                                  simdjson::SIMDJSON_PADDING);
    // curl and libcurl send "Expect: 100-continue" with bodies over 1 KiB and wait a second for
    // the go-ahead before sending the body; answering at once saves every such request that
    // second.
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue") &&
        buffer_.size() == 0 && !parser_->is_done()) {
      setDeadline(config_.readTimeout);
      net::async_write(stream_, net::buffer(kContinue),
                       [self = shared_from_this()](beast::error_code writeEc, std::size_t) {
                         if (writeEc) return self->close();
                         self->doReadSome();
                       });
      return false;
    }
    return true;
  }

  void onReadError(beast::error_code ec) {
    if (ec == net::error::operation_aborted && drainAsked_ && !closed()) {
      drainAsked_ = false;
      if (!requestBegun()) return close();
      // Go on reading the same request (the parser keeps what it has); onRead answers it 503.
      return doReadSome();
    }
    if (ec == http::error::body_limit) {
      return refuse(
          Error(ErrorCode::PayloadTooLarge, "the request body is larger than limits.max_body"));
    }
    if (ec == http::error::header_limit) {
      return refuse(Error(ErrorCode::HeadersTooLarge, "the request headers are too large"));
    }
    if (closed() || ec == http::error::end_of_stream || ec == net::error::connection_reset ||
        ec == net::error::eof || ec == net::error::operation_aborted) {
      return close();
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return refuse(Error(ErrorCode::BadRequest, "malformed HTTP request"));
    }
    close();
  }

  void onRead() {
    firstRequest_ = false;
    clearDeadline();
    auto message = parser_->release();
    parser_.reset();  // so that requestBegun() speaks of the next request only
    keepAlive_ = message.keep_alive();
    clientKeepAlive_ = keepAlive_;
    http10_ = message.version() == 10;
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.authorization = std::string(message[http::field::authorization]);
    request.traceparent = std::string(message["traceparent"]);
    request.changeComment = std::string(message["X-Change-Comment"]);
    request.ifNoneMatch = std::string(message[http::field::if_none_match]);
    headRequest_ = message.method() == http::verb::head;
    request.remoteAddress = remoteAddress_;
    request.clientCertificateSha256 = clientCertificateSha256_;
    request.body = std::move(message.body());
    // Counted before draining is read: drain() sets draining before it reads the count, so
    // either it waits for this request or this request sees draining and is answered 503.
    beginAnswering();
    if (open_->draining) {
      return refuse(
          Error(ErrorCode::Overloaded, "the gateway is shutting down; send the request again"));
    }
    if (open_->inFlight.fetch_add(1) >= config_.maxInFlight) {
      open_->inFlight.fetch_sub(1);
      open_->requestsShed.fetch_add(1);
      // Shed before the handler runs; the connection stays usable for the retry.
      auto response =
          handler_.refuse(Error(ErrorCode::Overloaded,
                                "the gateway has limits.max_in_flight requests in flight; "
                                "send the request again in a moment"));
      response.headers.emplace_back("Retry-After", kRetryAfterSeconds);
      return doWrite(std::move(response));
    }
    withHandler_ = true;
    // The answer is posted, never written from inside the handler even on this thread: the
    // loop first reads and handles every other connection that one epoll_wait found ready, then
    // writes their answers back to back. A client woken by the first answer is still running
    // when the next ones arrive, so it is woken once per batch rather than once per answer (on a
    // busy core that wake-up, an inter-processor interrupt, cost ~10% of the gateway's time).
    handler_.handle(std::move(request), [self = shared_from_this()](HttpResponse response) {
      auto executor = self->stream_.get_executor();
      net::post(executor, [self, response = std::move(response)]() mutable {
        self->leaveHandler();
        self->doWrite(std::move(response));
      });
    });
  }

  // Answers `error` and closes the connection (with a lingering close: the client may still be
  // sending the request this answers).
  void refuse(const Error& error, bool retryAfter = false) {
    keepAlive_ = false;
    clientKeepAlive_ = false;  // what follows a refused request on this connection is not read
    lingerAfterAnswer_ = true;
    beginAnswering();  // a drain waits for the refusal to be written too
    auto response = handler_.refuse(error);
    if (retryAfter) response.headers.emplace_back("Retry-After", kRetryAfterSeconds);
    doWrite(std::move(response));
  }

  void leaveHandler() {
    if (!withHandler_) return;
    withHandler_ = false;
    open_->inFlight.fetch_sub(1);
  }

  // Some bytes of a request have come: parsed, buffered, or still in the socket.
  bool requestBegun() {
    if (buffer_.size() != 0 || (parser_ && parser_->got_some())) return true;
    beast::error_code ec;
    return socket().available(ec) != 0 && !ec;
  }

  void beginAnswering() {
    if (answering_) return;
    answering_ = true;
    open_->answering.fetch_add(1);
  }

  void endAnswering() {
    if (!answering_) return;
    answering_ = false;
    open_->answering.fetch_sub(1);
  }

  // The response is written as two buffers, a head composed here and the body as it is: the
  // answer of every request passes through here, and Beast's response object would allocate a
  // node per header field and run its serializer for what is a fixed shape.
  void doWrite(HttpResponse response) {
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(response.status);
    head_ += ' ';
    head_ += http::obsolete_reason(http::int_to_status(response.status));
    head_ += "\r\nServer: oncegate\r\nContent-Type: ";
    head_ += response.contentType;
    head_ += "\r\nContent-Length: ";
    head_ += std::to_string(response.body.size());
    if (!response.requestId.empty()) {
      head_ += "\r\nX-Request-Id: ";
      head_ += response.requestId;
    }
    if (!response.traceparent.empty()) {
      head_ += "\r\ntraceparent: ";
      head_ += response.traceparent;
    }
    for (const auto& [name, value] : response.headers) {
      head_ += "\r\n";
      head_ += name;
      head_ += ": ";
      head_ += value;
    }
    if (!keepAlive_) {
      head_ += "\r\nConnection: close";
    } else if (http10_) {
      head_ += "\r\nConnection: keep-alive";
    }
    head_ += "\r\n\r\n";
    body_ = std::move(response.body);
    // A HEAD answer states the length of what GET would send, and sends none of it.
    if (headRequest_) body_.clear();
    if constexpr (!kTls) {
      if (writeAtOnce()) return onWrite({});
    }
    setDeadline(config_.readTimeout);
    const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    net::async_write(
        stream_, buffers,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onWrite(ec); });
  }

  // An answer that fits the socket's send buffer (nearly all do) is written here, without
  // waiting: the asynchronous write would first arm its timeout, re-arming the reactor's timerfd
  // (a timerfd_settime) and then cancelling it, and post its completion through the reactor (an
  // extra epoll_wait): two or three system calls per request on the hot path, where nginx makes
  // three in all. Whatever the socket does not take at once (a slow reader, a large answer) is
  // left in head_/body_ and written asynchronously under the timeout as before.
  bool writeAtOnce() {
    auto& plain = socket();
    beast::error_code ec;
    if (!plain.non_blocking()) plain.non_blocking(true, ec);
    if (ec) return false;
    const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    const std::size_t written = plain.write_some(buffers, ec);
    if (ec) return false;  // would block, or failed: the asynchronous write meets it again
    if (written == head_.size() + body_.size()) return true;
    if (written < head_.size()) {
      head_.erase(0, written);
    } else {
      body_.erase(0, written - head_.size());
      head_.clear();
    }
    return false;
  }

  void onWrite(beast::error_code ec) {
    endAnswering();
    headRequest_ = false;  // a refusal before the next request is parsed has its body
    if (ec) return close();
    if (lingerAfterAnswer_) return linger();
    if (!keepAlive_) {
      // A drain ended keep-alive while this answer was on its way; the client, which asked for
      // keep-alive, may already have sent its next request: read it and answer it 503.
      if (open_->draining && clientKeepAlive_ && requestBegun()) {
        beginAnswering();
        return doRead();
      }
      return close();
    }
    doRead();
  }

  // Stops sending (the client sees the end of the answer), then reads and discards what the
  // client still sends until it stops, closes, or a bound is reached; then closes. Over TLS the
  // discarded bytes are read below the TLS layer: they are never decrypted, only drained.
  void linger() {
    lingerAfterAnswer_ = false;
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    lingerDeadline_ = std::chrono::steady_clock::now() + kLingerTotal;
    lingered_ = 0;
    buffer_.clear();
    lingerRead();
  }

  void lingerRead() {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        lingerDeadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0 || lingered_ >= kLingerBytes) return close();
    setDeadline(std::min(left, kLingerQuiet));
    socket().async_read_some(buffer_.prepare(kLingerChunk),
                             [self = shared_from_this()](beast::error_code ec, std::size_t count) {
                               if (ec) return self->close();
                               self->lingered_ += count;
                               self->lingerRead();
                             });
  }

  void close() {
    endAnswering();  // a request that began arriving at a drain and never completed
    if (closed()) return;
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_send, ec);
    socket().close(ec);
    watchdog_.cancel();  // its wait holds the session
  }

  Stream stream_;
  net::steady_timer watchdog_;
  Clock::time_point deadline_ = Clock::time_point::max();       // see setDeadline
  Clock::time_point watchdogAlarm_ = Clock::time_point::max();  // when it goes off; max: idle
  bool requestDeadlineSet_ = false;  // the request being read has its readTimeout deadline
  const HttpServerConfig config_;    // a copy: a session may outlive a reloaded server config
  HttpHandler& handler_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;  // the response being written: status line and headers
  std::string body_;
  bool http10_ = false;
  // The request being answered is a HEAD: its answer has no body.
  bool headRequest_ = false;
  std::string remoteAddress_;            // asked once per connection, not per request
  std::string clientCertificateSha256_;  // verified at the handshake; empty without one
  bool drainAsked_ = false;              // drain() cancelled the pending read: onReadError decides
  bool keepAlive_ = true;
  bool clientKeepAlive_ = true;  // what the last request asked for, whatever a drain decided
  bool firstRequest_ = true;
  bool answering_ = false;    // a request is with the handler or its answer is being written
  bool withHandler_ = false;  // counted in open_->inFlight
  const bool refused_;        // past limits.max_connections: answered 503, never read
  bool lingerAfterAnswer_ = false;
  std::chrono::steady_clock::time_point lingerDeadline_;
  std::size_t lingered_ = 0;  // bytes discarded while lingering
  std::shared_ptr<OpenSessions> open_;
};

}  // namespace oncegate::http_session
