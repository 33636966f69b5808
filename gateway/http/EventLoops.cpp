#include "gateway/http/EventLoops.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace oncegate {

namespace {
thread_local boost::asio::io_context* currentLoop = nullptr;
}

EventLoops::EventLoops(std::size_t count) {
  contexts_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
  }
}

EventLoops::~EventLoops() { stop(); }

std::vector<boost::asio::io_context*> EventLoops::all() {
  std::vector<boost::asio::io_context*> out;
  for (auto& context : contexts_) out.push_back(context.get());
  return out;
}

void EventLoops::start() {
  for (auto& context : contexts_) {
    threads_.emplace_back([loop = context.get()] {
      currentLoop = loop;
      auto guard = boost::asio::make_work_guard(*loop);
      loop->run();
      currentLoop = nullptr;
    });
  }
}

void EventLoops::stop() {
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

boost::asio::io_context* EventLoops::current() { return currentLoop; }

}  // namespace oncegate
