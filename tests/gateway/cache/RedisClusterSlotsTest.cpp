#include <gtest/gtest.h>
#include <hiredis.h>

#include <memory>
#include <string>

#include "gateway/cache/RedisClusterSlots.h"

namespace oncegate {
namespace {

using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

// A reply as hiredis builds it from the bytes a server sends.
Reply parsed(const std::string& resp) {
  redisReader* reader = redisReaderCreate();
  redisReaderFeed(reader, resp.data(), resp.size());
  void* reply = nullptr;
  const int status = redisReaderGetReply(reader, &reply);
  redisReaderFree(reader);
  EXPECT_EQ(status, REDIS_OK);
  return Reply(static_cast<redisReply*>(reply), &freeReplyObject);
}

std::string bulk(const std::string& text) {
  return "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n";
}

// One CLUSTER SLOTS range: first, last, the master (host, port, id), one replica.
std::string range(int first, int last, const std::string& host, int port, int replicaPort) {
  return "*4\r\n:" + std::to_string(first) + "\r\n:" + std::to_string(last) + "\r\n*3\r\n" +
         bulk(host) + ":" + std::to_string(port) + "\r\n" + bulk("id" + std::to_string(port)) +
         "*3\r\n" + bulk(host) + ":" + std::to_string(replicaPort) + "\r\n" +
         bulk("id" + std::to_string(replicaPort));
}

// Three masters, the usual split of redis-cli --cluster create.
std::string threeMasters(const std::string& firstHost = "127.0.0.1") {
  return "*3\r\n" + range(0, 5460, firstHost, 7000, 7003) +
         range(5461, 10922, "127.0.0.1", 7001, 7004) + range(10923, 16383, "127.0.0.1", 7002, 7005);
}

TEST(RedisClusterSlotsTest, SlotsAreCrc16XmodemOfTheKeyModulo16384) {
  // The reference values of the Cluster specification and of CLUSTER KEYSLOT.
  EXPECT_EQ(RedisClusterSlots::slotOf("123456789"), 12739);  // CRC16/XMODEM check value 0x31C3
  EXPECT_EQ(RedisClusterSlots::slotOf("foo"), 12182);
  EXPECT_EQ(RedisClusterSlots::slotOf("bar"), 5061);
  EXPECT_EQ(RedisClusterSlots::slotOf("hello"), 866);
  EXPECT_EQ(RedisClusterSlots::slotOf(""), 0);
}

TEST(RedisClusterSlotsTest, AHashTagHashesOnlyWhatIsBetweenTheFirstBraces) {
  const auto user = RedisClusterSlots::slotOf("user1000");
  EXPECT_EQ(RedisClusterSlots::slotOf("{user1000}.following"), user);
  EXPECT_EQ(RedisClusterSlots::slotOf("{user1000}.followers"), user);
  EXPECT_EQ(RedisClusterSlots::slotOf("foo{bar}{zap}"), RedisClusterSlots::slotOf("bar"));
  // "{}" is no tag: the whole key is hashed.
  EXPECT_EQ(RedisClusterSlots::slotOf("foo{}{bar}"), 8363);
  EXPECT_NE(RedisClusterSlots::slotOf("foo{}{bar}"), RedisClusterSlots::slotOf("bar"));
  // The tag ends at the first '}' after the first '{': here it is "{bar".
  EXPECT_EQ(RedisClusterSlots::slotOf("foo{{bar}}zap"), 4015);
  EXPECT_EQ(RedisClusterSlots::slotOf("{bar"), 4015);
  // An unclosed brace is no tag either.
  EXPECT_EQ(RedisClusterSlots::slotOf("foo{bar"), 15278);
  EXPECT_NE(RedisClusterSlots::slotOf("foo{bar"), RedisClusterSlots::slotOf("bar"));
}

TEST(RedisClusterSlotsTest, ReadsTheMastersOfEachRangeFromClusterSlots) {
  const auto reply = parsed(threeMasters());
  const auto map = RedisClusterSlots::fromReply(reply.get(), "10.0.0.9");
  ASSERT_TRUE(map);
  EXPECT_TRUE(map->complete());
  ASSERT_EQ(map->masters().size(), 3U);
  EXPECT_EQ(map->ownerOf(0)->text(), "127.0.0.1:7000");
  EXPECT_EQ(map->ownerOf(5460)->text(), "127.0.0.1:7000");
  EXPECT_EQ(map->ownerOf(5461)->text(), "127.0.0.1:7001");
  EXPECT_EQ(map->ownerOf(12739)->text(), "127.0.0.1:7002");
  EXPECT_EQ(map->ownerOf(16383)->text(), "127.0.0.1:7002");
}

TEST(RedisClusterSlotsTest, AnEmptyHostNamesTheNodeThatAnswered) {
  const auto reply = parsed(threeMasters(""));
  const auto map = RedisClusterSlots::fromReply(reply.get(), "10.0.0.9");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->ownerOf(0)->text(), "10.0.0.9:7000");
}

TEST(RedisClusterSlotsTest, SlotsNobodyServesAreKnownAsSuch) {
  const auto reply = parsed("*1\r\n" + range(0, 100, "127.0.0.1", 7000, 7003));
  const auto map = RedisClusterSlots::fromReply(reply.get(), "127.0.0.1");
  ASSERT_TRUE(map);
  EXPECT_FALSE(map->complete());
  EXPECT_NE(map->ownerOf(100), nullptr);
  EXPECT_EQ(map->ownerOf(101), nullptr);
}

TEST(RedisClusterSlotsTest, RefusesWhatIsNotASlotMap) {
  EXPECT_FALSE(RedisClusterSlots::fromReply(nullptr, "h"));
  EXPECT_FALSE(RedisClusterSlots::fromReply(
      parsed("-ERR This instance has cluster support disabled\r\n").get(), "h"));
  EXPECT_FALSE(RedisClusterSlots::fromReply(parsed("*1\r\n*2\r\n:0\r\n:5\r\n").get(), "h"));
  EXPECT_FALSE(
      RedisClusterSlots::fromReply(parsed("*1\r\n" + range(5, 16384, "h", 1, 2)).get(), "h"));
  EXPECT_FALSE(RedisClusterSlots::fromReply(parsed("*1\r\n" + range(9, 3, "h", 1, 2)).get(), "h"));
  EXPECT_FALSE(
      RedisClusterSlots::fromReply(parsed("*1\r\n" + range(0, 3, "h", 70000, 2)).get(), "h"));
}

TEST(RedisClusterSlotsTest, GroupsALookupsKeysByMasterThenBySlot) {
  const auto map = RedisClusterSlots::fromReply(parsed(threeMasters()).get(), "127.0.0.1");
  ASSERT_TRUE(map);
  // slots: foo 12182 (7002), bar 5061 (7000), hello 866 (7000), {bar}x 5061 (7000).
  const std::vector<std::string> keys = {"foo", "bar", "hello", "{bar}x", "123456789"};
  const auto grouping = map->group(keys);
  EXPECT_TRUE(grouping.unserved.empty());
  ASSERT_EQ(grouping.shards.size(), 2U);
  const auto& first = grouping.shards[0];
  EXPECT_EQ(map->masters()[first.master].text(), "127.0.0.1:7000");
  ASSERT_EQ(first.slots.size(), 2U);
  EXPECT_EQ(first.slots[0].slot, 866);
  EXPECT_EQ(first.slots[0].keys, (std::vector<std::size_t>{2}));
  EXPECT_EQ(first.slots[1].slot, 5061);
  EXPECT_EQ(first.slots[1].keys, (std::vector<std::size_t>{1, 3}));
  const auto& second = grouping.shards[1];
  EXPECT_EQ(map->masters()[second.master].text(), "127.0.0.1:7002");
  ASSERT_EQ(second.slots.size(), 2U);
  EXPECT_EQ(second.slots[0].slot, 12182);
  EXPECT_EQ(second.slots[1].slot, 12739);
  EXPECT_EQ(second.slots[1].keys, (std::vector<std::size_t>{4}));
}

TEST(RedisClusterSlotsTest, KeysOfUnservedSlotsAreSetApart) {
  const auto map = RedisClusterSlots::fromReply(
      parsed("*1\r\n" + range(0, 5460, "127.0.0.1", 7000, 7003)).get(), "127.0.0.1");
  ASSERT_TRUE(map);
  const auto grouping = map->group({"foo", "bar"});
  EXPECT_EQ(grouping.unserved, (std::vector<std::size_t>{0}));
  ASSERT_EQ(grouping.shards.size(), 1U);
  EXPECT_EQ(grouping.shards[0].slots[0].keys, (std::vector<std::size_t>{1}));
}

}  // namespace
}  // namespace oncegate
