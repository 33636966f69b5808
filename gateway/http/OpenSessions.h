#pragma once

// Private to gateway/http: what HttpServer's listener and its sessions share.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace oncegate {

// What a drain needs of a session, whatever its stream.
class DrainableSession {
 public:
  virtual ~DrainableSession() = default;
  virtual void drain() = 0;
};

// The open sessions, so that a drain can reach each of them, and how many requests are being
// answered. Shared by the listener and every session (a session may outlive the listener).
struct OpenSessions {
  std::mutex mutex;
  std::unordered_map<const DrainableSession*, std::weak_ptr<DrainableSession>> sessions;
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> answering{0};    // requests handed to the handler and not yet written
  std::atomic<std::size_t> connections{0};  // open sessions, refused ones not counted
  std::atomic<std::size_t> inFlight{0};     // requests with the handler (limits.max_in_flight)
  std::atomic<std::uint64_t> connectionsRefused{0};
  std::atomic<std::uint64_t> requestsShed{0};
  std::atomic<std::uint64_t> acceptErrors{0};
};

}  // namespace oncegate
