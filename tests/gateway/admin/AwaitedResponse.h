#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "gateway/http/HttpExchange.h"

namespace oncegate::testing {

// One answer of the admin router, given from whichever thread answers (an admin worker). Its
// state outlives the object, so that a test that ends early (a failed assertion) leaves nothing
// dangling for a late answer.
class AwaitedResponse {
 public:
  HttpHandler::Respond respond() {
    return [state = state_](HttpResponse response) {
      std::lock_guard lock(state->mutex);
      state->response = std::move(response);
      state->answered.notify_all();
    };
  }
  bool given() const {
    std::lock_guard lock(state_->mutex);
    return state_->response.has_value();
  }
  HttpResponse wait() {
    std::unique_lock lock(state_->mutex);
    state_->answered.wait(lock, [this] { return state_->response.has_value(); });
    return *state_->response;
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable answered;
    std::optional<HttpResponse> response;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace oncegate::testing
