// TLS on the real binary with certificates the test makes: HTTPS with an API key, a client
// authenticated by its certificate alone, certificates and keys that must not pass, the admin
// listener kept apart from the data API, and a certificate reloaded on SIGHUP while the gateway
// goes on serving.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "ExchangeLog.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCertificate.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TlsTestClient.h"
#include "UnusedPort.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kPatience{10};

const std::string kKeyAppKey = "tls-it-key-app-key";
const std::string kAdminToken = "tls-it-dba-token";
const std::string kCompany = "91330110MA2TLS0001";
const std::string kResolve = R"({"purpose":"permit","subject":{"type":"org","code":")" + kCompany +
                             R"("},"fields":["org.name"]})";

// One exchange on a TLS connection, recorded for the OpenAPI check like HttpClient's.
HttpResult tlsExchange(TlsTestClient& client, const std::string& request) {
  auto answer = HttpClient::parse(client.exchange(request));
  ExchangeLog::record(request, answer);
  return answer;
}

std::string getRequest(const std::string& path, const std::string& bearer = {}) {
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  return request + "\r\n";
}

std::string postRequest(const std::string& path, const std::string& body,
                        const std::string& bearer = {}) {
  std::string request =
      "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  return request + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = "/tmp/oncegate-it-tls-" + randomHex(8) + ".db";
    runSqliteSql(database_,
                 "CREATE TABLE firm (code TEXT PRIMARY KEY, name TEXT);"
                 "INSERT INTO firm VALUES ('" +
                     kCompany + "', '加密传输有限公司');");
    adminPort_ = unusedLoopbackPort();
    ConfigFiles files;
    files["tls/gateway.crt"] = server_.certificatePem();
    files["tls/gateway.key"] = server_.keyPem();
    files["tls/clients-ca.crt"] = clientCa_.certificatePem();
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl }\n"
        "hash_key: " +
        randomHex(40) +
        "\ntls: { cert: tls/gateway.crt, key: tls/gateway.key, client_ca: tls/clients-ca.crt }\n"
        "admin_listen: 127.0.0.1:" +
        std::to_string(adminPort_) +
        "\nadmin:\n  tokens:\n"
        "    - { name: dba-wu, role: dba, token_sha256: " +
        sha256sum(kAdminToken) + " }\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\" }\n"
        "subjects:\n"
        "  - { id: org, key: code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - { id: registry.firm, source: registry, subject: org,\n"
        "      query: \"SELECT name FROM firm WHERE code = :c\", params: { c: subject.code } }\n"
        "fields:\n"
        "  - { id: org.name, dataset: registry.firm, column: name }\n"
        "clients:\n"
        "  - { id: key-app, api_key_sha256: " +
        sha256sum(kKeyAppKey) +
        ", purposes: [permit] }\n"
        "  - { id: cert-app, cert_sha256: " +
        certApp_.sha256() +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: grant, clients: [key-app, cert-app], purposes: [permit], allow: [\"org.*\"] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
  }

  void TearDown() override {
    gateway_.reset();
    std::remove(database_.c_str());
  }

  TlsTestClient::Options trusting() const {
    TlsTestClient::Options options;
    options.trustedCaPem = ca_.certificatePem();
    return options;
  }
  TlsTestClient::Options presenting(const TestCertificate& certificate) const {
    auto options = trusting();
    options.certificatePem = certificate.certificatePem();
    options.keyPem = certificate.keyPem();
    return options;
  }

  TestCertificate ca_ = TestCertificate::authority("tls-it server CA");
  TestCertificate clientCa_ = TestCertificate::authority("tls-it client CA");
  TestCertificate server_ = TestCertificate::issued(ca_, "127.0.0.1", TestCertificate::Use::Server);
  TestCertificate certApp_ =
      TestCertificate::issued(clientCa_, "cert-app", TestCertificate::Use::Client);
  std::string database_;
  std::uint16_t adminPort_ = 0;
  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(TlsTest, ResolvesOverHttpsWithAnApiKey) {
  TlsTestClient client(gateway_->port(), trusting());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.serverCertificateSha256(), server_.sha256());
  const auto answer = tlsExchange(client, postRequest("/v1/resolve", kResolve, kKeyAppKey));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(TestJson(answer.body).at("/fields/org.name/value"), "加密传输有限公司");
  // Plain HTTP on the HTTPS port gets no answer.
  EXPECT_EQ(HttpClient(gateway_->port()).get("/healthz").status, 0);
}

TEST_F(TlsTest, AClientIsAuthenticatedByItsCertificateWithoutAnApiKey) {
  TlsTestClient client(gateway_->port(), presenting(certApp_));
  ASSERT_TRUE(client.connected()) << client.error();
  const auto answer = tlsExchange(client, postRequest("/v1/resolve", kResolve));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(TestJson(answer.body).at("/fields/org.name/status"), "ok");
  // Without a certificate and without a key: 401.
  TlsTestClient anonymous(gateway_->port(), trusting());
  EXPECT_EQ(tlsExchange(anonymous, postRequest("/v1/resolve", kResolve)).status, 401);
}

TEST_F(TlsTest, ACertificateFromAnotherCaIsRefused) {
  const auto otherCa = TestCertificate::authority("tls-it intruder CA");
  // Issued to the same name, but not by the client CA.
  const auto forged = TestCertificate::issued(otherCa, "cert-app", TestCertificate::Use::Client);
  TlsTestClient client(gateway_->port(), presenting(forged));
  if (client.connected()) {
    const auto answer = tlsExchange(client, postRequest("/v1/resolve", kResolve));
    EXPECT_TRUE(answer.status == 0 || answer.status == 401) << answer.status;
  }
}

TEST_F(TlsTest, AKnownCertificateWithAnotherClientsKeyIs401) {
  TlsTestClient client(gateway_->port(), presenting(certApp_));
  ASSERT_TRUE(client.connected()) << client.error();
  const auto answer = tlsExchange(client, postRequest("/v1/resolve", kResolve, kKeyAppKey));
  EXPECT_EQ(answer.status, 401) << answer.body;
  EXPECT_EQ(TestJson(answer.body).at("/error"), "unauthenticated");
}

TEST_F(TlsTest, TheAdminApiIsServedOnTheAdminListenerOnly) {
  TlsTestClient main(gateway_->port(), trusting());
  ASSERT_TRUE(main.connected()) << main.error();
  EXPECT_EQ(tlsExchange(main, getRequest("/admin/v1/sources", kAdminToken)).status, 404);
  TlsTestClient admin(adminPort_, trusting());
  ASSERT_TRUE(admin.connected()) << admin.error();
  EXPECT_EQ(admin.serverCertificateSha256(), server_.sha256());
  EXPECT_EQ(tlsExchange(admin, getRequest("/admin/v1/sources", kAdminToken)).status, 200);
  EXPECT_EQ(tlsExchange(admin, postRequest("/v1/resolve", kResolve, kKeyAppKey)).status, 404);
  EXPECT_EQ(tlsExchange(admin, getRequest("/metrics")).status, 404);
  // Health answers on both, so that a probe can watch either listener.
  EXPECT_EQ(tlsExchange(admin, getRequest("/healthz")).status, 200);
  EXPECT_EQ(tlsExchange(main, getRequest("/healthz")).status, 200);
}

TEST_F(TlsTest, SighupServesANewCertificateToNewConnectionsAndKeepsOpenOnes) {
  TlsTestClient open(gateway_->port(), trusting());
  ASSERT_TRUE(open.connected()) << open.error();
  ASSERT_EQ(tlsExchange(open, getRequest("/healthz")).status, 200);

  // A reload that fails keeps the certificate in force.
  std::ofstream(gateway_->directory() / "tls/gateway.key") << "not a key\n";
  ASSERT_EQ(::kill(gateway_->pid(), SIGHUP), 0);
  auto deadline = Clock::now() + kPatience;
  while (gateway_->logs().find("TLS reload failed") == std::string::npos &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(gateway_->logs(), HasSubstr("tls.key holds no unencrypted PEM private key"));
  {
    TlsTestClient client(gateway_->port(), trusting());
    ASSERT_TRUE(client.connected()) << client.error();
    EXPECT_EQ(client.serverCertificateSha256(), server_.sha256());
  }

  const auto renewed = TestCertificate::issued(ca_, "127.0.0.1", TestCertificate::Use::Server);
  std::ofstream(gateway_->directory() / "tls/gateway.crt") << renewed.certificatePem();
  std::ofstream(gateway_->directory() / "tls/gateway.key") << renewed.keyPem();
  ASSERT_EQ(::kill(gateway_->pid(), SIGHUP), 0);
  std::string seen;
  deadline = Clock::now() + kPatience;
  while (seen != renewed.sha256() && Clock::now() < deadline) {
    TlsTestClient client(gateway_->port(), trusting());
    ASSERT_TRUE(client.connected()) << client.error();
    seen = client.serverCertificateSha256();
    if (seen == renewed.sha256()) {
      EXPECT_EQ(tlsExchange(client, postRequest("/v1/resolve", kResolve, kKeyAppKey)).status, 200);
    }
  }
  EXPECT_EQ(seen, renewed.sha256());
  // The connection opened before the reload goes on with its certificate.
  EXPECT_EQ(tlsExchange(open, getRequest("/healthz")).status, 200);
  EXPECT_EQ(open.serverCertificateSha256(), server_.sha256());
}

TEST(TlsConfigTest, AClientCertificateHashWithoutAClientCaStopsTheGateway) {
  const auto ca = TestCertificate::authority("ca");
  const auto server = TestCertificate::issued(ca, "127.0.0.1", TestCertificate::Use::Server);
  ConfigFiles files;
  files["tls/gateway.crt"] = server.certificatePem();
  files["tls/gateway.key"] = server.keyPem();
  files["gateway.yaml"] = "hash_key: " + randomHex(40) +
                          "\ntls: { cert: tls/gateway.crt, key: tls/gateway.key }\n"
                          "include: [clients.yaml]\n";
  files["clients.yaml"] =
      "clients:\n  - { id: portal, cert_sha256: " + sha256sum("x") + ", purposes: [p] }\n";
  const auto [code, logs] = GatewayProcess::runToExit(files);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(logs, HasSubstr("clients.yaml:2"));
  EXPECT_THAT(logs, HasSubstr("no tls.client_ca"));
}

}  // namespace
}  // namespace oncegate::testing
