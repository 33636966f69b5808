// The discovery's rules with a fake sentinel answer: the order in which sentinels are asked,
// what a silent one changes (nothing), what counts as a master switch, who is told, and the
// +switch-master message. RedisSentinelTest (integration) runs it against real sentinels.

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include "gateway/cache/RedisSentinelDiscovery.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using Answer = RedisSentinelDiscovery::SentinelAnswer;

const RedisAddress kMasterX{"10.0.0.1", 6379};
const RedisAddress kMasterY{"10.0.0.2", 6380};

// Three sentinels on refused loopback ports: the thread's subscription attempt fails at once.
RedisEndpoint sentinelEndpoint() {
  RedisEndpoint endpoint;
  endpoint.topology = RedisEndpoint::Topology::Sentinel;
  endpoint.masterName = "m";
  endpoint.seeds = {{"127.0.0.1", 1}, {"127.0.0.1", 2}, {"127.0.0.1", 3}};
  return endpoint;
}

Answer master(const RedisAddress& address) { return {Answer::Kind::Master, address, ""}; }
Answer noAnswer() { return {Answer::Kind::NoAnswer, {}, "connection refused"}; }
Answer unknown() { return {Answer::Kind::UnknownMaster, {}, ""}; }

// What each sentinel says (by port), settable while the discovery runs; records who was asked.
class FakeSentinels {
 public:
  void set(std::vector<Answer> answers) {
    std::lock_guard lock(mutex_);
    answers_ = std::move(answers);
  }
  std::vector<std::uint16_t> asked() {
    std::lock_guard lock(mutex_);
    return asked_;
  }
  RedisSentinelDiscovery::AskSentinel ask() {
    return [this](const RedisAddress& sentinel) {
      std::lock_guard lock(mutex_);
      asked_.push_back(sentinel.port);
      return answers_.at(sentinel.port - 1);
    };
  }

 private:
  std::mutex mutex_;
  std::vector<Answer> answers_;
  std::vector<std::uint16_t> asked_;
};

TEST(RedisSentinelDiscoveryTest, AsksInOrderPastSilentAndUnknowingSentinels) {
  FakeSentinels sentinels;
  sentinels.set({noAnswer(), unknown(), master(kMasterX)});
  RedisSentinelDiscovery discovery(sentinelEndpoint(), sentinels.ask());
  EXPECT_FALSE(discovery.masterKnown());
  EXPECT_EQ(discovery.discover(), kMasterX);
  EXPECT_EQ(sentinels.asked(), (std::vector<std::uint16_t>{1, 2, 3}));
  EXPECT_EQ(discovery.master(), kMasterX);
  EXPECT_EQ(discovery.switches(), 0U);  // a first discovery is no switch
}

TEST(RedisSentinelDiscoveryTest, StopsAtTheFirstSentinelThatNamesTheMaster) {
  FakeSentinels sentinels;
  sentinels.set({master(kMasterX), master(kMasterY), master(kMasterY)});
  RedisSentinelDiscovery discovery(sentinelEndpoint(), sentinels.ask());
  EXPECT_EQ(discovery.discover(), kMasterX);
  EXPECT_EQ(sentinels.asked(), (std::vector<std::uint16_t>{1}));
}

// Sentinels all down says nothing about the master: the data node may well be up.
TEST(RedisSentinelDiscoveryTest, SilentSentinelsKeepTheLastKnownMaster) {
  FakeSentinels sentinels;
  sentinels.set({master(kMasterX), noAnswer(), noAnswer()});
  RedisSentinelDiscovery discovery(sentinelEndpoint(), sentinels.ask());
  ASSERT_EQ(discovery.discover(), kMasterX);
  sentinels.set({noAnswer(), noAnswer(), unknown()});
  EXPECT_EQ(discovery.discover(), std::nullopt);
  EXPECT_EQ(discovery.master(), kMasterX);
  EXPECT_TRUE(discovery.masterKnown());
}

TEST(RedisSentinelDiscoveryTest, AMovedMasterIsCountedAndToldToListenersUntilTheyLeave) {
  FakeSentinels sentinels;
  sentinels.set({master(kMasterX), noAnswer(), noAnswer()});
  RedisSentinelDiscovery discovery(sentinelEndpoint(), sentinels.ask());
  int told = 0;
  const auto id = discovery.listen([&told] { ++told; });
  discovery.discover();
  discovery.discover();  // the same answer again: nothing new
  EXPECT_EQ(told, 1);
  sentinels.set({master(kMasterY), noAnswer(), noAnswer()});
  discovery.discover();
  EXPECT_EQ(told, 2);
  EXPECT_EQ(discovery.switches(), 1U);
  discovery.unlisten(id);
  sentinels.set({master(kMasterX), noAnswer(), noAnswer()});
  discovery.discover();
  EXPECT_EQ(told, 2);
  EXPECT_EQ(discovery.switches(), 2U);
}

// On its thread: the first answer reaches waitForMaster(), and a client suspecting the master
// makes the sentinels be asked again at once (not at the next periodic check).
TEST(RedisSentinelDiscoveryTest, TheThreadFindsTheMasterAndAsksAgainWhenItIsSuspected) {
  // Declared before the discovery, whose thread uses them until it is destroyed.
  std::mutex mutex;
  std::condition_variable moved;
  int told = 0;
  FakeSentinels sentinels;
  sentinels.set({master(kMasterX), noAnswer(), noAnswer()});
  RedisSentinelDiscovery discovery(sentinelEndpoint(), sentinels.ask());
  discovery.listen([&] {
    std::lock_guard lock(mutex);
    ++told;
    moved.notify_all();
  });
  discovery.start();
  EXPECT_EQ(discovery.waitForMaster(5s), kMasterX);

  sentinels.set({master(kMasterY), noAnswer(), noAnswer()});
  discovery.suspect(kMasterY);  // not the master known: ignored
  discovery.suspect(kMasterX);
  const auto suspectedAt = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex);
  ASSERT_TRUE(moved.wait_for(lock, 5s, [&] { return told == 2; }));
  EXPECT_LT(std::chrono::steady_clock::now() - suspectedAt,
            RedisSentinelDiscovery::kRecheckInterval);
  lock.unlock();
  EXPECT_EQ(discovery.master(), kMasterY);
  EXPECT_EQ(discovery.switches(), 1U);
  discovery.stop();
}

TEST(RedisSentinelDiscoveryTest, ReadsTheNewMasterOfItsOwnSwitchMessagesOnly) {
  EXPECT_EQ(RedisSentinelDiscovery::parseSwitchMaster("m 10.0.0.1 6379 10.0.0.2 6380", "m"),
            kMasterY);
  EXPECT_EQ(RedisSentinelDiscovery::parseSwitchMaster("other 10.0.0.1 6379 10.0.0.2 6380", "m"),
            std::nullopt);
  for (const char* bad : {"", "m", "m 10.0.0.1 6379 10.0.0.2", "m 10.0.0.1 6379 10.0.0.2 0",
                          "m 10.0.0.1 6379 10.0.0.2 70000", "m 10.0.0.1 6379 10.0.0.2 6380 x",
                          "m 10.0.0.1 6379  6380"}) {
    EXPECT_EQ(RedisSentinelDiscovery::parseSwitchMaster(bad, "m"), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace oncegate
