#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/cache/RedisAddress.h"

struct redisReply;

namespace oncegate {

// A Redis Cluster's slot map as one node reported it (CLUSTER SLOTS): which master serves each
// of the 16384 hash slots. Immutable once read; a newer map replaces it as a whole.
class RedisClusterSlots {
 public:
  static constexpr std::size_t kSlotCount = 16384;

  // The keys of one lookup that one master serves, one group per slot: Cluster refuses a
  // multi-key command whose keys span slots (CROSSSLOT), even on one node.
  struct SlotKeys {
    std::uint16_t slot = 0;
    std::vector<std::size_t> keys;  // indices into the looked-up keys
  };
  struct ShardKeys {
    std::size_t master = 0;  // index into masters()
    std::vector<SlotKeys> slots;
  };
  struct Grouping {
    std::vector<ShardKeys> shards;
    std::vector<std::size_t> unserved;  // keys whose slot no master serves (a cluster in trouble)
  };

  // The hash slot of `key`: CRC16 (XMODEM) mod 16384 of the key, or of its hash tag, the part
  // between the first '{' and the next '}' when that part is not empty.
  static std::uint16_t slotOf(std::string_view key);

  // The map in a CLUSTER SLOTS reply from the node at `askedHost` (a node that does not know
  // its own address reports it as ""); nullopt when the reply is not one.
  static std::optional<RedisClusterSlots> fromReply(const redisReply* reply,
                                                    const std::string& askedHost);

  // nullptr when no master serves `slot`.
  const RedisAddress* ownerOf(std::uint16_t slot) const;
  const std::vector<RedisAddress>& masters() const { return masters_; }
  // Whether every slot has a master.
  bool complete() const;

  Grouping group(const std::vector<std::string>& keys) const;

 private:
  static constexpr std::int16_t kNoMaster = -1;

  std::vector<RedisAddress> masters_;
  std::vector<std::int16_t> owners_ = std::vector<std::int16_t>(kSlotCount, kNoMaster);
};

}  // namespace oncegate
