#pragma once

#include <atomic>
#include <cstdint>

namespace oncegate {

// Where a reader of one column last found it in a row, so that the next row of the same layout
// is looked at there first (Row::find). A cached row is cold in memory: comparing its column
// names one by one touched a cache line per column, ~3% of a hot request. Shared by the threads
// that read the column, hence atomic; relaxed, as a stale position only costs the full search.
class ColumnPosition {
 public:
  ColumnPosition() = default;
  ColumnPosition(const ColumnPosition& other) : index_(other.get()) {}
  ColumnPosition& operator=(const ColumnPosition& other) {
    set(other.get());
    return *this;
  }

  std::uint32_t get() const { return index_.load(std::memory_order_relaxed); }
  void set(std::uint32_t index) { index_.store(index, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint32_t> index_{0};
};

}  // namespace oncegate
