#include "gateway/http/HttpServer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/Error.h"
#include "gateway/http/EventLoops.h"
#include "gateway/http/HttpSession.h"
#include "gateway/http/OpenSessions.h"
#include "gateway/http/TlsServerContext.h"

namespace oncegate {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using http_session::HttpSession;
using http_session::TlsStream;

// Accepts connections and hands each to an HttpSession (HttpSession.h) on the next loop.
class HttpServer::Listener : public std::enable_shared_from_this<HttpServer::Listener> {
 public:
  Listener(const HttpServerConfig& config, EventLoops& loops, HttpHandler& handler)
      : config_(config),
        loops_(loops),
        handler_(handler),
        acceptor_(loops.at(0)),
        retryTimer_(loops.at(0)) {}

  // Asio's view of the context: a second reference to the same SSL_CTX, which each connection's
  // SSL object references in turn, so that a connection keeps the context it began with.
  struct Tls {
    std::shared_ptr<const TlsServerContext> context;
    std::unique_ptr<net::ssl::context> asio;
  };

  void useTls(std::shared_ptr<const TlsServerContext> context) {
    std::shared_ptr<Tls> tls;
    if (context) {
      SSL_CTX_up_ref(context->native());
      tls = std::make_shared<Tls>(
          Tls{context, std::make_unique<net::ssl::context>(context->native())});
    }
    std::lock_guard lock(tlsMutex_);
    tls_ = std::move(tls);
  }

  void open() {
    beast::error_code ec;
    const auto address = net::ip::make_address(config_.host, ec);
    if (ec)
      throw Error(ErrorCode::InvalidConfig, "listen: '" + config_.host + "' is not an IP address");
    const tcp::endpoint endpoint(address, config_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      throw Error(ErrorCode::InvalidConfig, "cannot listen on " + config_.host + ":" +
                                                std::to_string(config_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
  }

  void doAccept() {
    auto& loop = loops_.at(next_++ % loops_.size());
    acceptor_.async_accept(loop,
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->onAccept(ec, std::move(socket));
                           });
  }

  void onAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) return backOff(ec);
    backoff_ = std::chrono::milliseconds::zero();
    socket.set_option(tcp::no_delay(true), ec);
    const bool refused = open_->connections.load() >= config_.maxConnections;
    std::shared_ptr<Tls> tls;
    {
      std::lock_guard lock(tlsMutex_);
      tls = tls_;
    }
    if (tls) {
      std::make_shared<HttpSession<TlsStream>>(config_, handler_, open_, refused, std::move(socket),
                                               *tls->asio)
          ->start();
    } else {
      std::make_shared<HttpSession<tcp::socket>>(config_, handler_, open_, refused,
                                                 std::move(socket))
          ->start();
    }
    doAccept();
  }

  // An accept that failed (out of descriptors or memory) fails again if retried at once, and the
  // loop would spin on it: wait, longer after each failure in a row, then accept again.
  void backOff(beast::error_code ec) {
    open_->acceptErrors.fetch_add(1);
    ++errorsSinceLog_;
    backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kLongestBackoff);
    const auto now = std::chrono::steady_clock::now();
    if (lastErrorLog_ == std::chrono::steady_clock::time_point{} ||
        now - lastErrorLog_ >= kErrorLogInterval) {
      spdlog::error(
          "cannot accept connections: {} ({} failures since the last report); retrying in {} ms; "
          "raise the open files limit (ulimit -n) or lower limits.max_connections",
          ec.message(), errorsSinceLog_, backoff_.count());
      errorsSinceLog_ = 0;
      lastErrorLog_ = now;
    }
    retryTimer_.expires_after(backoff_);
    retryTimer_.async_wait([self = shared_from_this()](beast::error_code timerEc) {
      if (timerEc || !self->acceptor_.is_open()) return;
      self->doAccept();
    });
  }

  void close() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->retryTimer_.cancel();
    });
  }

  std::uint16_t port() const { return port_; }

  HttpServerCounts counts() const {
    HttpServerCounts counts;
    counts.connections = open_->connections.load();
    counts.inFlight = open_->inFlight.load();
    counts.connectionsRefused = open_->connectionsRefused.load();
    counts.requestsShed = open_->requestsShed.load();
    counts.acceptErrors = open_->acceptErrors.load();
    return counts;
  }

  std::size_t drain(std::chrono::milliseconds grace) {
    open_->draining = true;
    close();
    std::vector<std::shared_ptr<DrainableSession>> sessions;
    {
      std::lock_guard lock(open_->mutex);
      for (const auto& [key, session] : open_->sessions) {
        if (auto alive = session.lock()) sessions.push_back(std::move(alive));
      }
    }
    for (const auto& session : sessions) session->drain();
    sessions.clear();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (open_->answering.load() != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kDrainPoll);
    }
    return open_->answering.load();
  }

 private:
  static constexpr std::chrono::milliseconds kDrainPoll{10};
  static constexpr std::chrono::milliseconds kFirstBackoff{10};
  static constexpr std::chrono::milliseconds kLongestBackoff{1'000};
  static constexpr std::chrono::seconds kErrorLogInterval{10};

  std::shared_ptr<OpenSessions> open_ = std::make_shared<OpenSessions>();
  HttpServerConfig config_;
  EventLoops& loops_;
  HttpHandler& handler_;
  tcp::acceptor acceptor_;
  std::size_t next_ = 0;
  std::uint16_t port_ = 0;
  std::mutex tlsMutex_;  // a reload replaces tls_ while the acceptor reads it
  std::shared_ptr<Tls> tls_;
  // Accept errors: the timer and these are used on the acceptor's loop only.
  net::steady_timer retryTimer_;
  std::chrono::milliseconds backoff_{0};
  std::uint64_t errorsSinceLog_ = 0;
  std::chrono::steady_clock::time_point lastErrorLog_{};
};

HttpServer::HttpServer(const HttpServerConfig& config, EventLoops& loops, HttpHandler& handler,
                       std::shared_ptr<const TlsServerContext> tls)
    : listener_(std::make_shared<Listener>(config, loops, handler)) {
  listener_->useTls(std::move(tls));
}

void HttpServer::replaceTls(std::shared_ptr<const TlsServerContext> tls) {
  listener_->useTls(std::move(tls));
}

HttpServer::~HttpServer() { stopAccepting(); }

void HttpServer::start() {
  listener_->open();
  listener_->doAccept();
}

void HttpServer::stopAccepting() { listener_->close(); }

std::size_t HttpServer::drain(std::chrono::milliseconds grace) { return listener_->drain(grace); }

std::uint16_t HttpServer::port() const { return listener_->port(); }

HttpServerCounts HttpServer::counts() const { return listener_->counts(); }

}  // namespace oncegate
