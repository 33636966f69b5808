#include "gateway/cache/RedisClusterSlots.h"

#include <hiredis.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>

namespace oncegate {

namespace {

// CRC16/XMODEM (polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with.
constexpr std::array<std::uint16_t, 256> crcTable() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    unsigned crc = byte << 8;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000U) != 0 ? (crc << 1) ^ 0x1021U : crc << 1;
    table[byte] = static_cast<std::uint16_t>(crc & 0xffffU);
  }
  return table;
}

constexpr auto kCrcTable = crcTable();

std::uint16_t crc16(std::string_view bytes) {
  unsigned crc = 0;
  for (const char c : bytes) {
    crc = ((crc << 8) ^ kCrcTable[((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xffU]) & 0xffffU;
  }
  return static_cast<std::uint16_t>(crc);
}

bool isInteger(const redisReply* reply) {
  return reply != nullptr && reply->type == REDIS_REPLY_INTEGER;
}

}  // namespace

std::uint16_t RedisClusterSlots::slotOf(std::string_view key) {
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<std::uint16_t>(crc16(key) % kSlotCount);
}

std::optional<RedisClusterSlots> RedisClusterSlots::fromReply(const redisReply* reply,
                                                              const std::string& askedHost) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) return std::nullopt;
  RedisClusterSlots map;
  for (std::size_t i = 0; i < reply->elements; ++i) {
    // [first slot, last slot, [host, port, id, ...] of the master, then its replicas]
    const redisReply* range = reply->element[i];
    if (range == nullptr || range->type != REDIS_REPLY_ARRAY || range->elements < 3) {
      return std::nullopt;
    }
    const redisReply* master = range->element[2];
    if (!isInteger(range->element[0]) || !isInteger(range->element[1]) || master == nullptr ||
        master->type != REDIS_REPLY_ARRAY || master->elements < 2 ||
        master->element[0]->type != REDIS_REPLY_STRING || !isInteger(master->element[1])) {
      return std::nullopt;
    }
    const long long first = range->element[0]->integer;
    const long long last = range->element[1]->integer;
    const long long port = master->element[1]->integer;
    if (first < 0 || last < first || last >= static_cast<long long>(kSlotCount) || port <= 0 ||
        port > std::numeric_limits<std::uint16_t>::max()) {
      return std::nullopt;
    }
    RedisAddress address{std::string(master->element[0]->str, master->element[0]->len),
                         static_cast<std::uint16_t>(port)};
    // "" (or "?", an unknown endpoint) names the node that answered.
    if (address.host.empty() || address.host == "?") address.host = askedHost;
    auto known = std::find(map.masters_.begin(), map.masters_.end(), address);
    if (known == map.masters_.end()) {
      if (map.masters_.size() ==
          static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max())) {
        return std::nullopt;
      }
      known = map.masters_.insert(map.masters_.end(), std::move(address));
    }
    const auto index = static_cast<std::int16_t>(known - map.masters_.begin());
    std::fill(map.owners_.begin() + first, map.owners_.begin() + last + 1, index);
  }
  return map;
}

const RedisAddress* RedisClusterSlots::ownerOf(std::uint16_t slot) const {
  if (slot >= kSlotCount || owners_[slot] == kNoMaster) return nullptr;
  return &masters_[static_cast<std::size_t>(owners_[slot])];
}

bool RedisClusterSlots::complete() const {
  return std::none_of(owners_.begin(), owners_.end(),
                      [](std::int16_t owner) { return owner == kNoMaster; });
}

RedisClusterSlots::Grouping RedisClusterSlots::group(const std::vector<std::string>& keys) const {
  Grouping out;
  // master -> slot -> keys; ordered so that a lookup's commands go out in a stable order.
  std::map<std::size_t, std::map<std::uint16_t, std::vector<std::size_t>>> byMaster;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto slot = slotOf(keys[i]);
    if (owners_[slot] == kNoMaster) {
      out.unserved.push_back(i);
      continue;
    }
    byMaster[static_cast<std::size_t>(owners_[slot])][slot].push_back(i);
  }
  out.shards.reserve(byMaster.size());
  for (auto& [master, slots] : byMaster) {
    ShardKeys shard{master, {}};
    shard.slots.reserve(slots.size());
    for (auto& [slot, indices] : slots) shard.slots.push_back({slot, std::move(indices)});
    out.shards.push_back(std::move(shard));
  }
  return out;
}

}  // namespace oncegate
