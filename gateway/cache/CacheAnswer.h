#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gateway/cache/CacheTier.h"
#include "gateway/cache/RowCodec.h"

namespace oncegate {

// What a lookup answered for one key: the bytes, if a tier had them, and which tiers were asked,
// so that hits and misses can be counted per tier (a row found in Redis was first missed by
// the local tier in front of it). Two bytes of bookkeeping beside the bytes: no allocation.
struct CacheAnswer {
  std::optional<std::string> bytes;    // nullopt: no tier asked had the key (or see `row`)
  // Instead of the bytes, from a tier that keeps its entries decoded (the in-process one): a hit
  // then costs neither decoding nor copying. Shared, as the entry may be replaced meanwhile.
  std::shared_ptr<const CachedRow> row;
  CacheTier tier = CacheTier::Memory;  // with bytes: the tier that had them
  std::uint8_t missedTiers = 0;        // bit (1 << tier) per tier asked that did not have it

  bool hit() const { return bytes.has_value() || row != nullptr; }
  bool missedIn(CacheTier asked) const { return (missedTiers & bitOf(asked)) != 0; }
  void markMissedIn(CacheTier asked) { missedTiers |= bitOf(asked); }

 private:
  static constexpr std::uint8_t bitOf(CacheTier tier) {
    return static_cast<std::uint8_t>(1U << static_cast<unsigned>(tier));
  }
};

}  // namespace oncegate
