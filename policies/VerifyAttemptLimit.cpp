#include "policies/VerifyAttemptLimit.h"

namespace oncegate {

VerifyAttemptLimit VerifyAttemptLimit::parse(const ConfigNode& node) {
  node.allowOnlyKeys({"count", "per"});
  VerifyAttemptLimit limit;
  if (auto v = node.find("count")) limit.count = v->asInt(1, kMaxCount);
  if (auto v = node.find("per")) {
    limit.per = v->asDuration();
    if (limit.per.count() == 0) v->fail("per must be above 0");
  }
  return limit;
}

}  // namespace oncegate
