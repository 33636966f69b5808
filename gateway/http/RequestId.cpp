#include "gateway/http/RequestId.h"

#include <random>

namespace oncegate {

std::string newRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  auto bits = random();
  for (auto& c : id) {
    c = kHex[bits & 0xF];
    bits >>= 4;
  }
  return id;
}

}  // namespace oncegate
