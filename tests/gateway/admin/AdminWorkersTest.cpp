#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gateway/admin/AdminWorkers.h"

namespace oncegate {
namespace {

using Admission = AdminWorkers::Admission;

// Holds the workers inside a task until opened, and tells when they are all inside.
class Gate {
 public:
  void pass() {
    std::unique_lock lock(mutex_);
    ++inside_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void waitUntilInside(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return inside_ >= count; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int inside_ = 0;
  bool open_ = false;
};

// Opens the gate when the test ends, however it ends, so that a failed expectation cannot leave
// the workers held and the test hanging in their stop().
struct OpenAtExit {
  Gate& gate;
  ~OpenAtExit() { gate.open(); }
};

TEST(AdminWorkersTest, RunsEveryQueuedTaskOnItsThreads) {
  std::atomic<int> ran = 0;
  {
    AdminWorkers workers(2, 8);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(workers.submit([&] { ran.fetch_add(1); }), Admission::Queued);
    }
    workers.stop();
  }
  EXPECT_EQ(ran.load(), 8);
}

TEST(AdminWorkersTest, PastTheBoundATaskIsRefusedAtOnceAndNotRun) {
  Gate gate;
  std::atomic<int> ran = 0;
  AdminWorkers workers(2, 3);
  const OpenAtExit openAtExit{gate};
  // Both threads busy: what follows waits in the queue.
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(workers.submit([&] { gate.pass(); }), Admission::Queued);
  }
  gate.waitUntilInside(2);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(workers.submit([&] { ran.fetch_add(1); }), Admission::Queued);
  }
  bool refusedRan = false;
  EXPECT_EQ(workers.submit([&] { refusedRan = true; }), Admission::Full);

  gate.open();
  workers.stop();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(refusedRan);
}

TEST(AdminWorkersTest, StopFinishesWhatWasQueuedAndRefusesWhatComesLater) {
  Gate gate;
  std::atomic<int> ran = 0;
  AdminWorkers workers(1, 4);
  const OpenAtExit openAtExit{gate};
  ASSERT_EQ(workers.submit([&] { gate.pass(); }), Admission::Queued);
  gate.waitUntilInside(1);
  ASSERT_EQ(workers.submit([&] { ran.fetch_add(1); }), Admission::Queued);
  ASSERT_EQ(workers.submit([&] { ran.fetch_add(1); }), Admission::Queued);

  std::thread stopper([&] { workers.stop(); });
  // stop() has begun once submits are refused as stopped; until then a probe may still queue
  // (and run), which changes nothing below.
  std::atomic<int> probesRan = 0;
  while (workers.submit([&] { probesRan.fetch_add(1); }) != Admission::Stopped) {
    std::this_thread::yield();
  }
  EXPECT_EQ(ran.load(), 0);  // still held: stop() waits for them
  gate.open();
  stopper.join();
  EXPECT_EQ(ran.load(), 2);
  EXPECT_EQ(workers.submit([] {}), Admission::Stopped);
}

TEST(AdminWorkersTest, ATaskThatThrowsDoesNotTakeItsThread) {
  std::atomic<int> ran = 0;
  AdminWorkers workers(1, 4);
  ASSERT_EQ(workers.submit([] { throw std::runtime_error("boom"); }), Admission::Queued);
  ASSERT_EQ(workers.submit([&] { ran.fetch_add(1); }), Admission::Queued);
  workers.stop();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace oncegate
