#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/QueryOutcome.h"

namespace oncegate {

// Lets concurrent misses for the same dataset and key share one source query: the first caller
// for a key leads (runs the query), later callers wait for its outcome. Thread-safe.
class InflightQueries {
 public:
  using Waiter = std::function<void(const QueryOutcome&)>;

  // Registers `waiter` for `key`; true when the caller is the first and must run the query.
  bool join(const std::string& key, Waiter waiter);
  // Removes `key` and hands `outcome` to every waiter registered for it.
  void complete(const std::string& key, const QueryOutcome& outcome);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<Waiter>> waiting_;
};

}  // namespace oncegate
