#pragma once

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace oncegate {

// The gateway's I/O threads: one io_context per thread, so a connection, its cache round trips
// and its response all stay on one thread with no locks or strands. ODBC never runs here.
class EventLoops {
 public:
  explicit EventLoops(std::size_t count);
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& at(std::size_t index) { return *contexts_[index]; }
  std::vector<boost::asio::io_context*> all();

  // Starts one thread per loop; each runs until stop().
  void start();
  // Stops every loop and joins the threads.
  void stop();

  // The loop whose thread is calling, or nullptr off the I/O threads.
  static boost::asio::io_context* current();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<std::thread> threads_;
};

}  // namespace oncegate
