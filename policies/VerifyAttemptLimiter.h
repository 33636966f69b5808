#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "policies/Client.h"
#include "policies/VerifyAttemptLimit.h"

namespace oncegate {

// Counts /v1/verify guesses per client, subject and field, so that repeated guesses cannot
// recover a value that the client may only verify (issue 9, finding 3).
//
// A window opens at a key's first guess and lasts `limit.per`; within it `limit.count` guesses
// are allowed. Keys are keyed hashes (keyOf): the subject is never held in clear.
//
// Memory is bounded per client: at most `windowsPerClient` open windows. A client that has that
// many open is refused new ones until its oldest expire (it fails closed): evicting old windows
// instead would let a client reset its count at one subject by guessing at many others, and a
// shared bound would let one client shut verification for every other.
//
// Thread-safe (one mutex: verification is a small share of the traffic, and a guess costs a
// hash lookup and, now and then, the removal of expired windows from the front of a queue).
class VerifyAttemptLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // About 100 bytes each: some 10 MB for a client that has every window open.
  static constexpr std::size_t kDefaultWindowsPerClient = 100'000;

  struct Decision {
    bool allowed = true;
    // When refused: how long until the window in the way closes (rounded up, at least 1 ms).
    std::chrono::milliseconds retryAfter{0};
  };

  explicit VerifyAttemptLimiter(std::size_t windowsPerClient = kDefaultWindowsPerClient);

  // The key of one client's guesses at one field of one subject: an HMAC under `secret`.
  static std::string keyOf(std::string_view secret, std::string_view client,
                           std::string_view subjectType, std::string_view subject,
                           std::string_view field);

  // Counts one guess with `key` (from keyOf) for `client`, or refuses it (a refusal is not
  // counted).
  Decision tryAttempt(std::string_view client, const std::string& key,
                      const VerifyAttemptLimit& limit, Clock::time_point now);

  // Forgets the windows of clients not in `clients` (removed by a reload).
  void retainOnly(const std::vector<Client>& clients);

  std::size_t windowCount() const;

 private:
  struct Window {
    Clock::time_point opened;
    std::int64_t used = 0;
  };
  struct Partition {
    std::unordered_map<std::string, Window> windows;
    std::deque<std::pair<std::string, Clock::time_point>> byOpening;  // oldest first
  };

  static void closeExpired(Partition& partition, const VerifyAttemptLimit& limit,
                           Clock::time_point now);

  const std::size_t windowsPerClient_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Partition> partitions_;
};

}  // namespace oncegate
