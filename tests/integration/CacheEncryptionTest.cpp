// What someone who can read the shared cache learns: nothing. The real gateway caches rows of
// several subjects in a real Redis (its own, started here, with an ACL user and password), and
// every key and every value in that Redis is then searched for the subjects' identifiers, names
// and amounts in every encoding we could think of. Also: keys rotate without a flush, a gateway
// with an unrelated key sees misses (not errors), and a refused Redis login stops the start.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "UnusedPort.h"

extern char** environ;

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

const std::string kKey = "cache-crypto-key-0001";
const std::string kRedisUser = "og";

struct Person {
  std::string idCard;
  std::string name;
  std::string amount;
};

// Distinctive enough that finding one by chance in random bytes is out of the question.
const std::vector<Person> kPeople = {
    {"ZX9188776655443321", "Quillonmere Vantablack", "918273.64"},
    {"ZX9188776655443322", "欧阳娜娜丽", "5550123.07"},
    {"ZX9188776655443323", "Þórðarsdóttir Ýrr", "40404.19"},
};
const std::vector<std::string> kFields = {"person.name", "person.amount", "person.id_echo"};

// A redis-server of this test's own: default user off, one ACL user with a password. Stopped
// (SIGTERM, waited for) when the object goes.
class AclRedis {
 public:
  AclRedis() : port_(unusedLoopbackPort()), password_("pw-" + randomHex(24)) {
    const std::string portText = std::to_string(port_);
    std::vector<std::string> args = {
        "redis-server", "--port", portText, "--bind",   "127.0.0.1", "--save",        "",
        "--appendonly", "no",     "--user", kRedisUser, "on",        ">" + password_, "~*",
        "&*",           "+@all",  "--user", "default",  "off"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    const int failed = posix_spawnp(&pid_, "redis-server", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (failed != 0) throw std::runtime_error("cannot start redis-server");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!answersPing()) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("redis-server on port " + portText + " never answered PING");
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  ~AclRedis() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  AclRedis(const AclRedis&) = delete;
  AclRedis& operator=(const AclRedis&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& password() const { return password_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

  // A logged-in connection (the caller frees it); nullptr when Redis does not answer yet.
  redisContext* connect() const {
    redisContext* context = redisConnect("127.0.0.1", port_);
    if (context == nullptr || context->err != 0) {
      if (context != nullptr) redisFree(context);
      return nullptr;
    }
    auto* reply = static_cast<redisReply*>(
        redisCommand(context, "AUTH %s %s", kRedisUser.c_str(), password_.c_str()));
    const bool ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
    if (!ok) {
      redisFree(context);
      return nullptr;
    }
    return context;
  }

 private:
  bool answersPing() const {
    redisContext* context = connect();
    if (context == nullptr) return false;
    auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
    const bool pong = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
                      std::string(reply->str, reply->len) == "PONG";
    if (reply != nullptr) freeReplyObject(reply);
    redisFree(context);
    return pong;
  }

  std::uint16_t port_;
  std::string password_;
  pid_t pid_ = -1;
};

using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

Reply command(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  Reply reply(static_cast<redisReply*>(redisCommandArgv(context, static_cast<int>(argv.size()),
                                                        argv.data(), lengths.data())),
              &freeReplyObject);
  if (!reply) throw std::runtime_error("redis connection lost");
  return reply;
}

// Every string a reply holds, nested arrays flattened (HGETALL, LRANGE, XRANGE, ...).
void collectStrings(const redisReply* reply, std::vector<std::string>& out) {
  if (reply->str != nullptr) out.emplace_back(reply->str, reply->len);
  for (std::size_t i = 0; i < reply->elements; ++i) collectStrings(reply->element[i], out);
}

// What Redis holds, as raw bytes: every key name and every value, whatever the key's type.
struct RedisContents {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

RedisContents everything(const AclRedis& redis) {
  std::unique_ptr<redisContext, decltype(&redisFree)> context(redis.connect(), &redisFree);
  if (!context) throw std::runtime_error("cannot log in to the test's Redis");
  RedisContents out;
  std::string cursor = "0";
  do {
    const auto step = command(context.get(), {"SCAN", cursor, "COUNT", "1000"});
    cursor.assign(step->element[0]->str, step->element[0]->len);
    for (std::size_t i = 0; i < step->element[1]->elements; ++i) {
      const auto* key = step->element[1]->element[i];
      out.keys.emplace_back(key->str, key->len);
    }
  } while (cursor != "0");
  for (const auto& key : out.keys) {
    const auto type = command(context.get(), {"TYPE", key});
    const std::string kind(type->str, type->len);
    Reply value(nullptr, &freeReplyObject);
    if (kind == "string") value = command(context.get(), {"GET", key});
    if (kind == "hash") value = command(context.get(), {"HGETALL", key});
    if (kind == "list") value = command(context.get(), {"LRANGE", key, "0", "-1"});
    if (kind == "set") value = command(context.get(), {"SMEMBERS", key});
    if (kind == "zset") value = command(context.get(), {"ZRANGE", key, "0", "-1", "WITHSCORES"});
    if (kind == "stream") value = command(context.get(), {"XRANGE", key, "-", "+"});
    if (!value) throw std::runtime_error("a key of an unexpected type: " + kind);
    collectStrings(value.get(), out.values);
  }
  const auto keyspace = command(context.get(), {"INFO", "keyspace"});
  const std::string info(keyspace->str, keyspace->len);
  EXPECT_THAT(info, Not(HasSubstr("db1:"))) << "only the configured database holds keys";
  return out;
}

std::string hexOf(std::string_view text, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (const unsigned char c : text) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

std::string base64Of(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= text.size(); i += 3) {
    const unsigned bits = (static_cast<unsigned char>(text[i]) << 16) |
                          (static_cast<unsigned char>(text[i + 1]) << 8) |
                          static_cast<unsigned char>(text[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(bits >> shift) & 0x3f];
  }
  return out;  // the trailing partial group is left out: it depends on what follows
}

// JSON's \uXXXX form of every non-ASCII character (UTF-16 code units, lower-case hex).
std::string jsonEscaped(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    unsigned code = c & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) code = (code << 6) | (text[i + k] & 0x3f);
    i += extra + 1;
    char unit[8];
    std::snprintf(unit, sizeof unit, "\\u%04x", code);
    out += unit;
  }
  return out;
}

std::string utf16le(std::string_view ascii) {
  std::string out;
  for (const char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

// `secret` as it could be written: plain, JSON-escaped, hex, UTF-16, base64 at each alignment.
std::vector<std::string> encodingsOf(const std::string& secret) {
  std::vector<std::string> out = {secret, jsonEscaped(secret), hexOf(secret, false),
                                  hexOf(secret, true), utf16le(secret)};
  for (std::size_t skip = 0; skip < 3; ++skip) {
    // Base64 of the text from `skip` on: whatever precedes it, the groups that follow are these.
    const auto encoded = base64Of(std::string_view(secret).substr(skip));
    if (encoded.size() >= 8) out.push_back(encoded);
  }
  return out;
}

class CacheEncryptionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_ = "/tmp/oncegate-it-cachecrypto-" + randomHex(8) + ".db";
    std::string sql = "CREATE TABLE person (id_card TEXT PRIMARY KEY, name TEXT, amount NUMERIC);";
    for (const auto& person : kPeople) {
      sql += "INSERT INTO person VALUES ('" + person.idCard + "', '" + person.name + "', " +
             person.amount + ");";
    }
    runSqliteSql(database_, sql);
  }
  static void TearDownTestSuite() { std::remove(database_.c_str()); }

  // A configuration on `redis` whose values are sealed with `keys` (newest first); the password
  // comes from the environment (ONCEGATE_TEST_REDIS_PASSWORD), as a deployment would give it.
  ConfigFiles config(const std::vector<std::string>& keys, bool local) const {
    std::string keyList;
    for (const auto& key : keys) keyList += (keyList.empty() ? "" : ", ") + key;
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\n"
        "threads: 2\n"
        "redis: { url: \"" +
        redis_.url() + "\", user: " + kRedisUser +
        ", password: \"${ONCEGATE_TEST_REDIS_PASSWORD}\" }\n"
        "cache: { local: " +
        (local ? "true" : "false") + ", encryption_keys: [" + keyList +
        "] }\n"
        "audit: { path: audit/trail.jsonl, durability: batch }\n"
        "hash_key: " +
        hashKey_ + "\nmask_key: " + randomHex(40) +
        "\n"
        "include: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: registry, department: registry office, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\" }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^ZX[0-9]{16}$\" }\n"
        "datasets:\n"
        "  - id: registry.person\n"
        "    source: registry\n"
        "    subject: person\n"
        "    query: SELECT name, amount, id_card FROM person WHERE id_card = :id\n"
        "    params: { id: subject.id_card }\n"
        "    ttl: 10m\n"
        "fields:\n"
        "  - { id: person.name, dataset: registry.person, column: name }\n"
        "  - { id: person.amount, dataset: registry.person, column: amount, type: decimal, "
        "scale: 2 }\n"
        "  - { id: person.id_echo, dataset: registry.person, column: id_card }\n"
        "clients:\n"
        "  - { id: crypto-app, api_key_sha256: " +
        sha256sum(kKey) +
        ", purposes: [check] }\n"
        "policies:\n"
        "  - { id: crypto-grant, clients: [crypto-app], purposes: [check], allow: [\"person.*\"] "
        "}\n";
    return files;
  }

  std::map<std::string, std::string> env() const {
    return {{"ONCEGATE_TEST_REDIS_PASSWORD", redis_.password()}};
  }

  static std::string resolveBody(const Person& person) {
    std::string body = R"({"purpose":"check","subject":{"type":"person","id_card":")" +
                       person.idCard + R"("},"fields":[)";
    for (std::size_t i = 0; i < kFields.size(); ++i) {
      body += (i ? ",\"" : "\"") + kFields[i] + "\"";
    }
    return body + "]}";
  }

  // Asks for every person's fields; expects every value right and `cached` as given.
  static void resolveEveryone(const HttpClient& client, const std::string& cached) {
    for (const auto& person : kPeople) {
      const auto response = client.post("/v1/resolve", resolveBody(person), kKey);
      ASSERT_EQ(response.status, 200) << response.body;
      TestJson json(response.body);
      EXPECT_EQ(json.at("/fields/person.name/value"), person.name);
      EXPECT_EQ(json.at("/fields/person.amount/value"), person.amount);
      EXPECT_EQ(json.at("/fields/person.id_echo/value"), person.idCard);
      for (const auto& field : kFields) {
        EXPECT_EQ(json.at("/fields/" + field + "/cached"), cached) << field << " " << person.name;
      }
    }
  }

  static std::string database_;
  AclRedis redis_;
  std::string hashKey_ = randomHex(40);
  std::string key1_ = randomHex(64);
  std::string key2_ = randomHex(64);
};

std::string CacheEncryptionTest::database_;

TEST_F(CacheEncryptionTest, RedisHoldsNoIdentifierNameOrAmountInAnyEncoding) {
  {
    // With the local tier on, the invalidation channel's connection logs in too.
    GatewayProcess gateway(config({key1_}, true), env());
    HttpClient client(gateway.port());
    resolveEveryone(client, "false");
    EXPECT_EQ(sourceQueries(client, "registry"), static_cast<long>(kPeople.size()));
    // Every connection the gateway opened is logged in as the ACL user (the default user is
    // off, so an unauthenticated one could do nothing, but would say so in the logs).
    // Two I/O loops' cache connections and the invalidation channel's subscriber.
    std::unique_ptr<redisContext, decltype(&redisFree)> context(redis_.connect(), &redisFree);
    const auto gatewayConnections = [&] {
      const auto clients = command(context.get(), {"CLIENT", "LIST"});
      const std::string list(clients->str, clients->len);
      EXPECT_THAT(list, Not(HasSubstr("user=default")));
      std::size_t count = 0;
      std::istringstream lines(list);
      for (std::string line; std::getline(lines, line);) {
        if (line.find(" name=oncegate ") != std::string::npos &&
            line.find(" user=" + kRedisUser + " ") != std::string::npos) {
          ++count;
        }
      }
      return count;
    };
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (gatewayConnections() < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_GE(gatewayConnections(), 3U);
    gateway.stop();
    EXPECT_THAT(gateway.logs(), Not(HasSubstr("refused")));
    EXPECT_THAT(gateway.logs(), Not(HasSubstr(redis_.password())));
  }

  const auto contents = everything(redis_);
  ASSERT_EQ(contents.keys.size(), kPeople.size()) << "one entry per person's row";
  std::vector<std::string> secrets;
  for (const auto& person : kPeople) {
    secrets.insert(secrets.end(), {person.idCard, person.name, person.amount});
  }
  for (const auto& secret : secrets) {
    for (const auto& encoded : encodingsOf(secret)) {
      for (const auto& key : contents.keys) {
        EXPECT_THAT(key, Not(HasSubstr(encoded))) << "a key shows " << secret;
      }
      for (const auto& value : contents.values) {
        EXPECT_THAT(value, Not(HasSubstr(encoded))) << "a value shows " << secret;
      }
    }
  }
  // Each value is sealed: version 1, key id, nonce, ciphertext, tag.
  for (const auto& value : contents.values) {
    ASSERT_GE(value.size(), 33U);
    EXPECT_EQ(value[0], '\x01');
  }
}

TEST_F(CacheEncryptionTest, ANewKeyPrependedStillReadsWhatTheOldKeyWrote) {
  {
    GatewayProcess writer(config({key1_}, false), env());
    resolveEveryone(HttpClient(writer.port()), "false");
  }
  // Rotation: the new key first, the old one kept for what is cached. No flush in between.
  GatewayProcess rotated(config({key2_, key1_}, false), env());
  HttpClient client(rotated.port());
  resolveEveryone(client, "true");
  EXPECT_EQ(sourceQueries(client, "registry"), 0) << "the old key's values were not read";
  EXPECT_EQ(metricValue(client, R"(oncegate_cache_undecryptable_total{tier="redis"})"), 0);
}

TEST_F(CacheEncryptionTest, AnUnrelatedKeySeesMissesNotErrors) {
  {
    GatewayProcess writer(config({key1_}, false), env());
    resolveEveryone(HttpClient(writer.port()), "false");
  }
  GatewayProcess stranger(config({key2_}, false), env());
  HttpClient client(stranger.port());
  resolveEveryone(client, "false");  // every answer right, from the source
  EXPECT_EQ(sourceQueries(client, "registry"), static_cast<long>(kPeople.size()));
  EXPECT_EQ(metricValue(client, R"(oncegate_cache_undecryptable_total{tier="redis"})"),
            static_cast<long>(kPeople.size()));
  EXPECT_EQ(metricValue(client, R"(oncegate_cache_errors_total{tier="redis"})"), 0);
}

// runToExit starts the binary without --listen: an address no interface has makes a gateway
// that got past its Redis check exit at once (1, cannot bind) instead of serving.
void listenNowhere(ConfigFiles& files) {
  auto& yaml = files["gateway.yaml"];
  const std::string listen = "listen: 127.0.0.1:1";
  yaml.replace(yaml.find(listen), listen.size(), "listen: 192.0.2.1:1");
}

TEST_F(CacheEncryptionTest, AWrongRedisPasswordStopsTheStartWithoutShowingIt) {
  const std::string wrong = "not-the-password-" + randomHex(12);
  auto files = config({key1_}, false);
  auto& yaml = files["gateway.yaml"];
  const std::string reference = "${ONCEGATE_TEST_REDIS_PASSWORD}";
  yaml.replace(yaml.find(reference), reference.size(), wrong);
  listenNowhere(files);
  const auto [code, logs] = GatewayProcess::runToExit(files);
  EXPECT_EQ(code, 2) << logs;
  EXPECT_THAT(logs, HasSubstr("refused AUTH"));
  EXPECT_THAT(logs, HasSubstr("WRONGPASS"));
  EXPECT_THAT(logs, HasSubstr("check redis: in gateway.yaml"));
  EXPECT_THAT(logs, Not(HasSubstr(wrong)));
  EXPECT_THAT(logs, Not(HasSubstr(redis_.password())));
}

TEST_F(CacheEncryptionTest, NoCredentialsForARedisThatWantsThemStopsTheStart) {
  auto files = config({key1_}, false);
  auto& yaml = files["gateway.yaml"];
  const auto start = yaml.find("redis: {");
  yaml.replace(start, yaml.find('\n', start) - start, "redis: " + redis_.url());
  listenNowhere(files);
  const auto [code, logs] = GatewayProcess::runToExit(files);
  EXPECT_EQ(code, 2) << logs;
  EXPECT_THAT(logs, HasSubstr("NOAUTH"));
}

}  // namespace
}  // namespace oncegate::testing
