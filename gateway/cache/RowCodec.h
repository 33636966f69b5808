#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/Row.h"

namespace oncegate {

// A cached dataset lookup result, decoded: the row, or nullopt for a cached "no row".
using CachedRow = std::optional<Row>;

// How a dataset lookup result is stored in the cache: a compact, length-prefixed binary form
// with a version byte. nullopt stands for "the source has no row" (a cached not_found).
std::string encodeCachedRow(const CachedRow& row);

// The inverse of encodeCachedRow. The outer nullopt means the bytes are corrupt or of an
// unknown version: callers treat that as a miss and query the source.
std::optional<CachedRow> decodeCachedRow(std::string_view bytes);

}  // namespace oncegate
