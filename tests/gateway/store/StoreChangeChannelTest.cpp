// StoreChangeChannel: channel names and messages, then announcements between two channels on the
// real Redis of scripts/test-servers.sh, a reconnect after Redis drops the subscriber, and an
// unreachable Redis that slows nothing.

#include <gtest/gtest.h>
#include <hiredis.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "TestServers.h"
#include "UnusedPort.h"
#include "gateway/store/StoreChangeChannel.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Heard = std::optional<std::uint64_t>;

constexpr auto kPostgresStore =
    "Driver=PostgreSQL Unicode;Server=db1.example;Database=control;Uid=gateway;Pwd=s3cret-one";

TEST(StoreChangeChannelTest, IsNamedAfterTheStoreWithoutItsSecretsOrHosts) {
  const auto channel = StoreChangeChannel::channelFor(kPostgresStore);
  ASSERT_TRUE(channel.starts_with("oncegate:store:")) << channel;
  const auto hash = channel.substr(std::string_view("oncegate:store:").size());
  EXPECT_EQ(hash.size(), 16u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos) << hash;
  EXPECT_EQ(channel.find("s3cret"), std::string::npos);
  EXPECT_EQ(channel.find("db1"), std::string::npos);
  EXPECT_EQ(StoreChangeChannel::channelFor(kPostgresStore), channel);
}

TEST(StoreChangeChannelTest, OnlyThePasswordDoesNotTellStoresApart) {
  const std::string store = kPostgresStore;
  auto rotated = store;
  rotated.replace(rotated.find("s3cret-one"), 10, "s3cret-two");
  EXPECT_EQ(StoreChangeChannel::channelFor(rotated), StoreChangeChannel::channelFor(store));

  auto otherDatabase = store;
  otherDatabase.replace(otherDatabase.find("control"), 7, "control2");
  EXPECT_NE(StoreChangeChannel::channelFor(otherDatabase), StoreChangeChannel::channelFor(store));
  EXPECT_NE(StoreChangeChannel::channelFor("Driver=SQLite3;Database=/srv/a/control.db"),
            StoreChangeChannel::channelFor("Driver=SQLite3;Database=/srv/b/control.db"));
}

TEST(StoreChangeChannelTest, AMessageCarriesTheVersion) {
  EXPECT_EQ(StoreChangeChannel::message(42), "42");
  EXPECT_EQ(StoreChangeChannel::parseMessage(StoreChangeChannel::message(42)), Heard(42));
  EXPECT_EQ(StoreChangeChannel::parseMessage("18446744073709551615"),
            Heard(18446744073709551615ull));
}

TEST(StoreChangeChannelTest, AMessageThatIsNotAVersionIsNotUnderstood) {
  for (const std::string_view payload :
       {"", "0", "-1", "+1", " 3", "3 ", "12a", "0x10", "18446744073709551616", "version 3"}) {
    EXPECT_EQ(StoreChangeChannel::parseMessage(payload), std::nullopt) << payload;
  }
}

// What a listener heard, for a test thread to wait on.
class Ear {
 public:
  StoreChangeChannel::Listener listener() {
    return [this](Heard version) {
      {
        std::lock_guard lock(mutex_);
        heard_.push_back(version);
      }
      changed_.notify_all();
    };
  }

  // Whether `version` is heard (again) within `limit`, counting from the `index`th message.
  bool waitFor(Heard version, std::size_t index, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      for (auto i = index; i < heard_.size(); ++i) {
        if (heard_[i] == version) return true;
      }
      return false;
    });
  }

  std::vector<Heard> heard() {
    std::lock_guard lock(mutex_);
    return heard_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Heard> heard_;
};

RedisEndpoint testRedis(const std::string& clientName) {
  auto endpoint = RedisEndpoint::parse("redis://" + testing::redisAddress());
  if (!endpoint) throw std::runtime_error("bad ONCEGATE_TEST_REDIS");
  endpoint->clientName = clientName;
  return *endpoint;
}

std::string uniqueName(const std::string& what) {
  std::random_device random;
  return "oncegate-test-" + what + "-" + std::to_string(random());
}

bool waitSubscribed(const StoreChangeChannel& channel) {
  const auto deadline = Clock::now() + 3s;
  while (!channel.subscribed() && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  return channel.subscribed();
}

TEST(StoreChangeChannelTest, AnAnnouncementReachesTheOtherInstanceWithinASecond) {
  const auto name = StoreChangeChannel::channelFor(uniqueName("store"));
  // The ears outlive the channels: a channel's thread may call its listener until it stops.
  Ear firstEar, secondEar, elsewhereEar;
  StoreChangeChannel first(testRedis("og-test-first"), name);
  StoreChangeChannel second(testRedis("og-test-second"), name);
  StoreChangeChannel elsewhere(testRedis("og-test-elsewhere"),
                               StoreChangeChannel::channelFor(uniqueName("other-store")));
  first.start(firstEar.listener());
  second.start(secondEar.listener());
  elsewhere.start(elsewhereEar.listener());
  ASSERT_TRUE(waitSubscribed(first));
  ASSERT_TRUE(waitSubscribed(second));
  ASSERT_TRUE(waitSubscribed(elsewhere));
  // Subscribing says "look now": messages may have been missed before.
  EXPECT_TRUE(secondEar.waitFor(std::nullopt, 0, 1s));

  // That publishing never waits on Redis is WithoutRedisPublishingStaysInstantAndStopIsPrompt's
  // to show; timing one publish here failed under a loaded machine (12 ms).
  const auto before = Clock::now();
  first.publish(7);
  ASSERT_TRUE(secondEar.waitFor(7, 0, 1s));
  EXPECT_LT(Clock::now() - before, 1s);
  EXPECT_TRUE(firstEar.waitFor(7, 0, 1s));  // its own comes back too

  second.publish(8);
  EXPECT_TRUE(firstEar.waitFor(8, 0, 1s));
  EXPECT_TRUE(secondEar.waitFor(8, 0, 1s));
  EXPECT_EQ(first.received(), 2u);
  EXPECT_EQ(second.received(), 2u);

  // Another store's channel heard nothing but its own subscription.
  EXPECT_EQ(elsewhere.received(), 0u);
  EXPECT_EQ(elsewhereEar.heard(), std::vector<Heard>{std::nullopt});
}

// Kills the Redis connections named `clientName`, as a Redis restart would.
int killClients(const std::string& clientName) {
  const auto address = testing::redisAddress();
  const auto colon = address.rfind(':');
  redisContext* context =
      redisConnect(address.substr(0, colon).c_str(), std::stoi(address.substr(colon + 1)));
  if (context == nullptr || context->err != 0) throw std::runtime_error("cannot reach Redis");
  auto* list = static_cast<redisReply*>(redisCommand(context, "CLIENT LIST"));
  std::istringstream lines(std::string(list->str, list->len));
  freeReplyObject(list);
  int killed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" name=" + clientName + " ") == std::string::npos) continue;
    const auto id = line.substr(3, line.find(' ') - 3);  // "id=N ..."
    auto* reply = static_cast<redisReply*>(redisCommand(context, "CLIENT KILL ID %s", id.c_str()));
    killed += reply != nullptr && reply->type == REDIS_REPLY_INTEGER ? 1 : 0;
    freeReplyObject(reply);
  }
  redisFree(context);
  return killed;
}

TEST(StoreChangeChannelTest, ASubscriberThatRedisDroppedSubscribesAgainAndSaysLookNow) {
  const auto name = StoreChangeChannel::channelFor(uniqueName("store"));
  const auto listenerName = uniqueName("listener");
  Ear ear, unused;  // outlive the channels, whose threads call them
  StoreChangeChannel listening(testRedis(listenerName), name);
  StoreChangeChannel announcing(testRedis(uniqueName("announcer")), name);
  listening.start(ear.listener());
  announcing.start(unused.listener());
  ASSERT_TRUE(waitSubscribed(listening));
  ASSERT_TRUE(waitSubscribed(announcing));
  ASSERT_TRUE(ear.waitFor(std::nullopt, 0, 1s));
  const auto subscribedOnce = ear.heard().size();

  ASSERT_EQ(killClients(listenerName), 1);
  // Subscribed again: a "look now" after the first, within the first retry delays.
  EXPECT_TRUE(ear.waitFor(std::nullopt, subscribedOnce, 2s));
  ASSERT_TRUE(waitSubscribed(listening));
  announcing.publish(12);
  EXPECT_TRUE(ear.waitFor(12, 0, 1s));
}

TEST(StoreChangeChannelTest, WithoutRedisPublishingStaysInstantAndStopIsPrompt) {
  auto endpoint = testRedis("og-test-unreachable");
  endpoint.port = testing::unusedLoopbackPort();
  auto channel = std::make_unique<StoreChangeChannel>(endpoint, "oncegate:store:unreachable");
  Ear ear;
  channel->start(ear.listener());
  const auto before = Clock::now();
  for (std::uint64_t version = 1; version <= 100; ++version) channel->publish(version);
  EXPECT_LT(Clock::now() - before, 50ms);
  std::this_thread::sleep_for(500ms);  // several failed connects and publishes
  EXPECT_FALSE(channel->subscribed());
  EXPECT_TRUE(ear.heard().empty());

  const auto stopping = Clock::now();
  channel.reset();
  EXPECT_LT(Clock::now() - stopping, 1s);
}

}  // namespace
}  // namespace oncegate
