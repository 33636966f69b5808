#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "TrackedSource.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/SnapshotRetirer.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using testing::TrackedSource;
using Destruction = TrackedSource::Destruction;

// A snapshot holding one tracked source (the configuration itself is empty: the retirer never
// reads it).
std::unique_ptr<const GatewaySnapshot> snapshotWith(const std::shared_ptr<Destruction>& end,
                                                    std::uint64_t version = 1) {
  SourceSet sources;
  sources.add(std::make_shared<TrackedSource>("hr", end));
  return std::make_unique<const GatewaySnapshot>(buildConfiguration(GatewayConfig{}, {}),
                                                 std::move(sources), version);
}

// Runs `action` on a thread of its own; true when it returned within the limit. A thread that
// does not return is detached with the test failed, so that a regression fails rather than hangs
// (the latch it waits on is released by the caller afterwards).
bool returnsPromptly(std::function<void()> action, std::thread::id* ranOn = nullptr) {
  auto returned = std::make_shared<std::promise<std::thread::id>>();
  auto future = returned->get_future();
  std::thread thread([returned, action = std::move(action)] {
    action();
    returned->set_value(std::this_thread::get_id());
  });
  if (future.wait_for(10s) != std::future_status::ready) {
    thread.detach();
    return false;
  }
  if (ranOn != nullptr) *ranOn = future.get();
  thread.join();
  return true;
}

// The retirer's counters are read under its lock but not signalled: spin (yielding) until `met`.
template <typename Condition>
bool eventually(Condition met) {
  const auto limit = std::chrono::steady_clock::now() + 10s;
  while (!met()) {
    if (std::chrono::steady_clock::now() > limit) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(SnapshotRetirerTest, TheLastReferenceDroppedOnAThreadOnlyQueuesTheSnapshot) {
  SnapshotRetirer retirer;
  auto end = std::make_shared<Destruction>();
  end->hold();  // closing the source hangs, as on a frozen database host
  auto snapshot = retirer.adopt(snapshotWith(end));

  std::thread::id dropper;
  const bool returned =
      returnsPromptly([snapshot = std::move(snapshot)]() mutable { snapshot.reset(); }, &dropper);
  EXPECT_TRUE(returned) << "dropping the last reference waited for the source to close";
  ASSERT_TRUE(end->waitUntilStarted());
  EXPECT_FALSE(end->finished());
  EXPECT_NE(end->thread(), dropper);
  EXPECT_NE(end->thread(), std::this_thread::get_id());
  EXPECT_EQ(retirer.retired(), 0U);

  end->release();
  ASSERT_TRUE(end->waitUntilFinished());
  EXPECT_TRUE(eventually([&] { return retirer.retired() == 1; }));
  EXPECT_EQ(retirer.retiring(), 0U);
}

TEST(SnapshotRetirerTest, EverySnapshotIsDestroyedOnTheOneRetirerThread) {
  SnapshotRetirer retirer;
  std::vector<std::shared_ptr<Destruction>> ends;
  std::vector<std::thread> droppers;
  for (int i = 0; i < 4; ++i) {
    ends.push_back(std::make_shared<Destruction>());
    droppers.emplace_back(
        [snapshot = retirer.adopt(snapshotWith(ends.back()))]() mutable { snapshot.reset(); });
  }
  for (auto& dropper : droppers) dropper.join();
  for (const auto& end : ends) ASSERT_TRUE(end->waitUntilFinished());
  for (const auto& end : ends) EXPECT_EQ(end->thread(), ends.front()->thread());
  EXPECT_NE(ends.front()->thread(), std::this_thread::get_id());
  for (const auto& dropper : droppers) EXPECT_NE(ends.front()->thread(), dropper.get_id());
  EXPECT_TRUE(eventually([&] { return retirer.retired() == 4; }));
}

TEST(SnapshotRetirerTest, ItsDestructorDestroysEverythingQueuedAndWhatThatQueues) {
  auto retirer = std::make_unique<SnapshotRetirer>();
  auto first = std::make_shared<Destruction>();
  auto chained = std::make_shared<Destruction>();
  auto queued = std::make_shared<Destruction>();
  // Closing the first snapshot's source lets go of the last reference of another snapshot.
  first->alsoDrop(retirer->adopt(snapshotWith(chained, 2)));
  first->hold();
  ASSERT_TRUE(
      returnsPromptly([held = retirer->adopt(snapshotWith(first, 1))]() mutable { held.reset(); }));
  ASSERT_TRUE(first->waitUntilStarted());
  // Queued while the retirer thread is busy with the first.
  retirer->adopt(snapshotWith(queued, 3)).reset();
  EXPECT_FALSE(queued->started());
  EXPECT_EQ(retirer->retiring(), 1U);

  std::thread::id stopper;
  std::thread stopping([&] {
    stopper = std::this_thread::get_id();
    retirer.reset();
  });
  first->release();
  stopping.join();

  for (const auto& end : {first, chained, queued}) EXPECT_TRUE(end->finished());
  // All on the retirer's thread, none inline in the destructor's caller.
  EXPECT_EQ(chained->thread(), first->thread());
  EXPECT_EQ(queued->thread(), first->thread());
  EXPECT_NE(first->thread(), stopper);
}

TEST(SnapshotRetirerTest, AReferenceDroppedAfterTheRetirerIsGoneIsDestroyedInline) {
  auto retirer = std::make_unique<SnapshotRetirer>();
  auto end = std::make_shared<Destruction>();
  auto snapshot = retirer->adopt(snapshotWith(end));
  retirer.reset();
  EXPECT_FALSE(end->started());

  snapshot.reset();
  EXPECT_TRUE(end->finished());
  EXPECT_EQ(end->thread(), std::this_thread::get_id());
}

}  // namespace
}  // namespace oncegate
