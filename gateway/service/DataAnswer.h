#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/Value.h"
#include "gateway/service/FieldStatus.h"

namespace oncegate {

// A settled data request, ready to render: every asked field once, in the order asked, with
// values already masked. Never holds an unmasked value.
struct DataAnswer {
  struct Field {
    std::string id;
    FieldStatus status = FieldStatus::Unavailable;
    std::optional<Value> value;  // Ok, resolve and prefill: the value as the policy's mask shows it
    std::optional<bool> match;   // Ok, verify: whether the claim equals the value
    std::string reason;          // Denied, VerifyOnly: why, for the caller
    std::string source;          // the source consulted, when a dataset was asked
    bool cached = false;         // whether that dataset came from the cache
  };
  // For a prefill: what the applicant still has to supply and how much the departments filled.
  struct Form {
    std::string id;
    std::vector<std::string> toSupply;
    std::int64_t filled = 0;
    std::int64_t total = 0;
    double sharingRate = 0;  // filled / total, rounded to three decimals
  };

  std::vector<Field> fields;
  std::optional<Form> form;
  // When the service settled the answer: a signed answer states it as its `issued_at`.
  std::chrono::system_clock::time_point settledAt;
};

}  // namespace oncegate
