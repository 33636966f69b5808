#include "policies/VerifyAttemptLimiter.h"

#include <algorithm>
#include <set>

#include "common/Digest.h"

namespace oncegate {

namespace {

// 128 bits of the HMAC: collisions stay out of reach, and each window's key stays small.
constexpr std::size_t kKeyHexDigits = 32;

std::chrono::milliseconds waitUntil(VerifyAttemptLimiter::Clock::time_point when,
                                    VerifyAttemptLimiter::Clock::time_point now) {
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::ceil<std::chrono::milliseconds>(when - now));
}

}  // namespace

VerifyAttemptLimiter::VerifyAttemptLimiter(std::size_t windowsPerClient)
    : windowsPerClient_(std::max<std::size_t>(windowsPerClient, 1)) {}

std::string VerifyAttemptLimiter::keyOf(std::string_view secret, std::string_view client,
                                        std::string_view subjectType, std::string_view subject,
                                        std::string_view field) {
  // NUL separates the parts: none of them holds one (ids and keys are validated text).
  std::string message;
  message.reserve(client.size() + subjectType.size() + subject.size() + field.size() + 3);
  message.append(client).push_back('\0');
  message.append(subjectType).push_back('\0');
  message.append(subject).push_back('\0');
  message.append(field);
  return hmacSha256Hex(secret, message).substr(0, kKeyHexDigits);
}

void VerifyAttemptLimiter::closeExpired(Partition& partition, const VerifyAttemptLimit& limit,
                                        Clock::time_point now) {
  auto& queue = partition.byOpening;
  while (!queue.empty() && now - queue.front().second >= limit.per) {
    const auto found = partition.windows.find(queue.front().first);
    if (found != partition.windows.end() && found->second.opened == queue.front().second) {
      partition.windows.erase(found);
    }
    queue.pop_front();
  }
}

VerifyAttemptLimiter::Decision VerifyAttemptLimiter::tryAttempt(std::string_view client,
                                                                const std::string& key,
                                                                const VerifyAttemptLimit& limit,
                                                                Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& partition = partitions_[std::string(client)];
  closeExpired(partition, limit, now);
  const auto found = partition.windows.find(key);
  if (found == partition.windows.end()) {
    if (partition.windows.size() >= windowsPerClient_) {
      return {false, waitUntil(partition.byOpening.front().second + limit.per, now)};
    }
    partition.windows.emplace(key, Window{now, 1});
    partition.byOpening.emplace_back(key, now);
    return {};
  }
  auto& window = found->second;
  if (window.used >= limit.count) return {false, waitUntil(window.opened + limit.per, now)};
  ++window.used;
  return {};
}

void VerifyAttemptLimiter::retainOnly(const std::vector<Client>& clients) {
  std::set<std::string_view> kept;
  for (const auto& client : clients) kept.insert(client.id);
  std::lock_guard lock(mutex_);
  std::erase_if(partitions_, [&](const auto& entry) { return !kept.contains(entry.first); });
}

std::size_t VerifyAttemptLimiter::windowCount() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [client, partition] : partitions_) count += partition.windows.size();
  return count;
}

}  // namespace oncegate
