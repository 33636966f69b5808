#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace oncegate {

// A property a fuzz target checks beyond "does not crash". A violation aborts, so that libFuzzer
// keeps the input as a crash and the replay test fails; `what` says which property broke.
inline void fuzzRequire(bool holds, std::string_view what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property violated: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

}  // namespace oncegate
