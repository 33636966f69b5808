// Finding 1 of issue 9 and the SIGHUP reload of admin tokens, end to end on the real binary:
// a DBA token cannot make the gateway read out a secret of the process through a connection
// string it sends (not the hash key, not whether a variable is set, not another source's
// password sent to a host of its choice); a reference gateway.yaml binds to a source works for
// that source alone; a token replaced in gateway.yaml takes over on SIGHUP.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kDba = "secrets-dba-token-1";
const std::string kNewDba = "secrets-dba-token-2";
const std::string kClientKey = "secrets-it-client-key";
const std::string kOwner = "330106198001010012";

// A TCP listener on loopback that accepts nothing: the "host of the DBA's choice". Whether any
// client tried to connect is seen without accepting.
class Bait {
 public:
  Bait() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    port_ = ntohs(address.sin_port);
  }
  ~Bait() { ::close(fd_); }
  Bait(const Bait&) = delete;
  Bait& operator=(const Bait&) = delete;

  std::uint16_t port() const { return port_; }
  bool wasCalled() const {
    pollfd waiting{fd_, POLLIN, 0};
    return ::poll(&waiting, 1, 0) > 0;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// Parameter: whether the gateway runs on a control store (its documents then come from the
// store, which also holds what admin tokens wrote).
class AdminSecretsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    const auto tag = randomHex(8);
    landDb_ = "/tmp/oncegate-it-secrets-land-" + tag + ".db";
    hrDb_ = "/tmp/oncegate-it-secrets-hr-" + tag + ".db";
    storeDb_ = "/tmp/oncegate-it-secrets-store-" + tag + ".db";
    runSqliteSql(landDb_,
                 "CREATE TABLE parcel (owner TEXT PRIMARY KEY, district TEXT);"
                 "INSERT INTO parcel VALUES ('" +
                     kOwner + "', '西湖区');");
    runSqliteSql(hrDb_,
                 "CREATE TABLE employee (id_card TEXT PRIMARY KEY, name TEXT);"
                 "INSERT INTO employee VALUES ('" +
                     kOwner + "', '张三');");
    hashKey_ = randomHex(40);
    hrPassword_ = "Hr-Pw-" + randomHex(12);
    env_ = {{"ONCEGATE_IT_HASH_KEY", hashKey_},
            {"ONCEGATE_IT_LAND_DB", landDb_},
            {"ONCEGATE_IT_HR_DB", hrDb_},
            {"ONCEGATE_IT_HR_PASSWORD", hrPassword_}};
    files_["gateway.yaml"] = gatewayYaml(sha256sum(kDba));
    // The operator's own files may use any reference, bound or not (hr's is not).
    files_["documents.yaml"] =
        "sources:\n"
        "  - { id: land, department: 自然资源局, odbc: "
        "\"Driver=SQLite3;Database=${ONCEGATE_IT_LAND_DB}\" }\n"
        "  - { id: hr, department: 人社局, odbc: \"Driver=SQLite3;Database=${ONCEGATE_IT_HR_DB}\" "
        "}\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "datasets:\n"
        "  - { id: land.parcel, source: land, subject: person,\n"
        "      query: \"SELECT district FROM parcel WHERE owner = :o\", params: { o: "
        "subject.id_card } }\n"
        "  - { id: hr.employee, source: hr, subject: person,\n"
        "      query: \"SELECT name FROM employee WHERE id_card = :o\", params: { o: "
        "subject.id_card } }\n"
        "fields:\n"
        "  - { id: land.district, dataset: land.parcel, column: district }\n"
        "  - { id: person.name, dataset: hr.employee, column: name }\n"
        "clients:\n"
        "  - { id: housing-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [housing] }\n"
        "policies:\n"
        "  - { id: housing-grant, clients: [housing-app], purposes: [housing],\n"
        "      allow: [\"land.*\", \"person.name\"] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files_, env_);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    for (const auto& file : {landDb_, hrDb_, storeDb_}) std::remove(file.c_str());
  }

  std::string gatewayYaml(const std::string& dbaHash) const {
    return "listen: 127.0.0.1:1\nthreads: 2\n"
           "hash_key: \"${ONCEGATE_IT_HASH_KEY}\"\n"
           "audit: { path: audit/trail.jsonl, durability: batch }\n" +
           (GetParam() ? "store: \"Driver=SQLite3;Timeout=5000;Database=" + storeDb_ + "\"\n"
                       : std::string()) +
           "admin:\n"
           "  tokens:\n"
           "    - { name: dba-qian, role: dba, token_sha256: " +
           dbaHash +
           " }\n"
           "  secrets: { land: [ONCEGATE_IT_LAND_DB] }\n"
           "include: [documents.yaml]\n";
  }

  // A source document as a DBA sends it.
  static std::string sourceBody(const std::string& id, const std::string& odbc) {
    return R"({"id":")" + id + R"(","department":"某局","odbc":")" + odbc + R"(","timeout":"1s"})";
  }
  HttpResult testSource(const std::string& id, const std::string& odbc) const {
    return client_->post("/admin/v1/sources/" + id + "/test", sourceBody(id, odbc), kDba);
  }
  HttpResult putSource(const std::string& id, const std::string& odbc) const {
    return client_->send("PUT", "/admin/v1/sources/" + id, sourceBody(id, odbc), kDba);
  }
  std::string fieldValue(const std::string& field) const {
    const auto response =
        client_->post("/v1/resolve",
                      R"({"purpose":"housing","subject":{"type":"person","id_card":")" + kOwner +
                          R"("},"fields":[")" + field + R"("]})",
                      kClientKey);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body).at("/fields/" + field + "/value");
  }
  // An answer without what differs between any two answers (its request id).
  static std::string withoutRequestId(const HttpResult& result) {
    return std::regex_replace(result.body, std::regex(R"("request_id":"[^"]*")"), "");
  }

  std::string landDb_, hrDb_, storeDb_, hashKey_, hrPassword_;
  std::map<std::string, std::string> env_;
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_P(AdminSecretsTest, ADbaCannotReadTheHashKeyThroughAConnectionString) {
  for (const auto& answer :
       {testSource("probe", "Driver=SQLite3;Database=${ONCEGATE_IT_HASH_KEY}"),
        putSource("probe", "Driver=SQLite3;Database=${ONCEGATE_IT_HASH_KEY}")}) {
    EXPECT_EQ(answer.status, 400) << answer.body;
    EXPECT_THAT(answer.body, Not(HasSubstr(hashKey_)));
    EXPECT_THAT(answer.body, HasSubstr("is not bound to source 'probe'"));
  }
  EXPECT_EQ(client_->get("/admin/v1/sources/probe", kDba).status, 404);
  EXPECT_THAT(gateway_->logs(), Not(HasSubstr(hashKey_)));
}

TEST_P(AdminSecretsTest, ASetAndAnUnsetUnboundNameGetTheSameAnswer) {
  const auto set = testSource("probe", "Database=${ONCEGATE_IT_HR_PASSWORD}");
  const auto unset = testSource("probe", "Database=${ONCEGATE_IT_HR_PASSWORX}");
  EXPECT_EQ(set.status, 400);
  EXPECT_EQ(unset.status, set.status);
  auto setWords = withoutRequestId(set);
  setWords.replace(setWords.find("PASSWORD"), 8, "PASSWORX");
  EXPECT_EQ(setWords, withoutRequestId(unset));
  const auto putSet = putSource("probe", "Database=${ONCEGATE_IT_HR_PASSWORD}");
  const auto putUnset = putSource("probe", "Database=${ONCEGATE_IT_HR_PASSWORX}");
  EXPECT_EQ(putSet.status, 400);
  auto putSetWords = withoutRequestId(putSet);
  putSetWords.replace(putSetWords.find("PASSWORD"), 8, "PASSWORX");
  EXPECT_EQ(putSetWords, withoutRequestId(putUnset));
  EXPECT_THAT(set.body + putSet.body, Not(HasSubstr(hrPassword_)));
}

TEST_P(AdminSecretsTest, AnUnboundPasswordIsNeverSentToAHostOfTheDbasChoice) {
  Bait bait;
  const auto odbc =
      "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=" + std::to_string(bait.port()) +
      ";Database=hr;Uid=hr;PWD=${ONCEGATE_IT_HR_PASSWORD}";
  const auto tested = testSource("hr", odbc);
  EXPECT_EQ(tested.status, 400) << tested.body;
  const auto put = putSource("hr", odbc);
  EXPECT_EQ(put.status, 400) << put.body;
  EXPECT_FALSE(bait.wasCalled());
  // The operator's hr source is untouched.
  EXPECT_EQ(fieldValue("person.name"), "张三");
  EXPECT_THAT(gateway_->logs(), Not(HasSubstr(hrPassword_)));
}

TEST_P(AdminSecretsTest, ABoundReferenceWorksForItsOwnSourceOnly) {
  const auto put = putSource("land", "Driver=SQLite3;Database=${ONCEGATE_IT_LAND_DB}");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(fieldValue("land.district"), "西湖区");
  // Every answer shows the reference, never what it resolves to.
  const auto read = client_->get("/admin/v1/sources/land", kDba);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_THAT(read.body, HasSubstr("${ONCEGATE_IT_LAND_DB}"));
  const auto tested = client_->post("/admin/v1/sources/land/test", "", kDba);
  ASSERT_EQ(tested.status, 200) << tested.body;
  EXPECT_EQ(TestJson(tested.body).at("/ok"), "true");
  EXPECT_EQ(TestJson(tested.body).at("/connection"),
            "Driver=SQLite3;Database=${ONCEGATE_IT_LAND_DB}");
  const auto history = client_->get("/admin/v1/sources/land/history", kDba);
  EXPECT_EQ(history.status, GetParam() ? 200 : 404) << history.body;  // history needs a store
  for (const auto& body : {read.body, tested.body, history.body}) {
    EXPECT_THAT(body, Not(HasSubstr(landDb_)));
  }
  // The same reference for another source is refused.
  EXPECT_EQ(testSource("hr", "Driver=SQLite3;Database=${ONCEGATE_IT_LAND_DB}").status, 400);
  EXPECT_EQ(putSource("hr", "Driver=SQLite3;Database=${ONCEGATE_IT_LAND_DB}").status, 400);
  EXPECT_EQ(fieldValue("person.name"), "张三");
}

TEST_P(AdminSecretsTest, ATokenReplacedInGatewayYamlTakesOverOnSighup) {
  ASSERT_EQ(client_->get("/admin/v1/sources", kDba).status, 200);
  ASSERT_EQ(client_->get("/admin/v1/sources", kNewDba).status, 401);
  std::ofstream(gateway_->directory() / "gateway.yaml") << gatewayYaml(sha256sum(kNewDba));
  ASSERT_EQ(::kill(gateway_->pid(), SIGHUP), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (client_->get("/admin/v1/sources", kNewDba).status != 200 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(client_->get("/admin/v1/sources", kNewDba).status, 200);
  EXPECT_EQ(client_->get("/admin/v1/sources", kDba).status, 401);

  // A gateway.yaml that does not load keeps the tokens in force, and says why.
  std::ofstream(gateway_->directory() / "gateway.yaml") << "admin: { tokens: [ }\n";
  ASSERT_EQ(::kill(gateway_->pid(), SIGHUP), 0);
  const auto logged = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (gateway_->logs().find("gateway.yaml not reloaded") == std::string::npos &&
         std::chrono::steady_clock::now() < logged) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(gateway_->logs(), HasSubstr("gateway.yaml not reloaded"));
  EXPECT_EQ(client_->get("/admin/v1/sources", kNewDba).status, 200);
  EXPECT_EQ(fieldValue("land.district"), "西湖区");
}

std::string deployment(const ::testing::TestParamInfo<bool>& onAStore) {
  return onAStore.param ? "OnAStore" : "OnFiles";
}

INSTANTIATE_TEST_SUITE_P(FilesAndStore, AdminSecretsTest, ::testing::Values(false, true),
                         deployment);

}  // namespace
}  // namespace oncegate::testing
