#include "connectors/CircuitBreaker.h"

namespace oncegate {

CircuitBreaker::CircuitBreaker(int failures, std::chrono::milliseconds openFor)
    : threshold_(failures), openFor_(openFor) {}

bool CircuitBreaker::allow(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!opened_) return true;
  if (now < openUntil_ || trialOut_) return false;
  trialOut_ = true;  // half open: this query tells whether the source is back
  return true;
}

void CircuitBreaker::succeeded() {
  std::lock_guard lock(mutex_);
  failuresInARow_ = 0;
  opened_ = false;
  trialOut_ = false;
}

void CircuitBreaker::failed(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  ++failuresInARow_;
  if (trialOut_ || failuresInARow_ >= threshold_) {
    opened_ = true;
    openUntil_ = now + openFor_;
  }
  trialOut_ = false;
}

bool CircuitBreaker::open(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return opened_ && (now < openUntil_ || trialOut_);
}

}  // namespace oncegate
