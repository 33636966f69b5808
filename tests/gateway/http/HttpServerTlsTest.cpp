// HttpServer over TLS on real loopback sockets with certificates the test makes: the protocol
// versions it accepts, what plaintext and silent clients get, a certificate reload that spares
// open connections, and the client certificate it hands to the handler.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "TestCertificate.h"
#include "TlsTestClient.h"
#include "common/Error.h"
#include "gateway/http/EventLoops.h"
#include "gateway/http/HttpServer.h"
#include "gateway/http/TlsServerContext.h"

namespace oncegate {
namespace {

using testing::TestCertificate;
using testing::TlsTestClient;
using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kPatience{5};

// Answers 200 with the client certificate hash it was given, and keeps the last one.
class CertificateEchoHandler : public HttpHandler {
 public:
  void handle(HttpRequest request, Respond respond) override {
    {
      std::lock_guard lock(mutex_);
      lastCertificate_ = request.clientCertificateSha256;
    }
    HttpResponse response;
    response.body = R"({"certificate":")" + request.clientCertificateSha256 + R"("})";
    respond(std::move(response));
  }
  HttpResponse refuse(const Error&) override {
    HttpResponse response;
    response.status = 400;
    response.body = R"({"error":"refused"})";
    return response;
  }

 private:
  std::mutex mutex_;
  std::string lastCertificate_;
};

int statusOf(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(answer.substr(9, 3));
}

// Everything a plain TCP client receives until the server closes (or kPatience runs out), and
// whether it closed.
std::pair<std::string, bool> plainExchange(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string received;
  bool closed = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    if (!bytes.empty()) ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    const auto deadline = Clock::now() + kPatience;
    while (Clock::now() < deadline) {
      pollfd ready{fd, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      char chunk[4096];
      const auto count = ::recv(fd, chunk, sizeof chunk, 0);
      if (count <= 0) {
        closed = true;
        break;
      }
      received.append(chunk, static_cast<std::size_t>(count));
    }
  }
  ::close(fd);
  return {received, closed};
}

class HttpServerTlsTest : public ::testing::Test {
 protected:
  void start(const TlsMaterial& material) {
    HttpServerConfig config;
    config.port = 0;
    config.readTimeout = std::chrono::milliseconds(300);
    server_.emplace(config, loops_, handler_, std::make_shared<const TlsServerContext>(material));
    server_->start();
    loops_.start();
  }
  void TearDown() override {
    loops_.stop();
    server_.reset();
  }
  TlsMaterial serverMaterial(const TestCertificate& certificate, bool withClientCa = false) {
    return {certificate.certificatePem(), certificate.keyPem(),
            withClientCa ? clientCa_.certificatePem() : std::string()};
  }
  TlsTestClient::Options trusting(TlsTestClient::Version version = TlsTestClient::Version::Any) {
    TlsTestClient::Options options;
    options.trustedCaPem = ca_.certificatePem();
    options.version = version;
    return options;
  }
  TlsTestClient::Options presenting(const TestCertificate& certificate) {
    auto options = trusting();
    options.certificatePem = certificate.certificatePem();
    options.keyPem = certificate.keyPem();
    return options;
  }

  TestCertificate ca_ = TestCertificate::authority("test server CA");
  TestCertificate clientCa_ = TestCertificate::authority("test client CA");
  TestCertificate serverCertificate_ =
      TestCertificate::issued(ca_, "127.0.0.1", TestCertificate::Use::Server);
  CertificateEchoHandler handler_;
  EventLoops loops_{1};
  std::optional<HttpServer> server_;
};

TEST_F(HttpServerTlsTest, AnswersOverTls12AndTls13) {
  start(serverMaterial(serverCertificate_));
  for (const auto& [version, name] : {std::pair{TlsTestClient::Version::Tls12, "TLSv1.2"},
                                      std::pair{TlsTestClient::Version::Tls13, "TLSv1.3"}}) {
    TlsTestClient client(server_->port(), trusting(version));
    ASSERT_TRUE(client.connected()) << name << ": " << client.error();
    EXPECT_EQ(client.protocol(), name);
    EXPECT_EQ(client.serverCertificateSha256(), serverCertificate_.sha256());
    EXPECT_EQ(statusOf(client.get("/x")), 200) << name;
  }
}

TEST_F(HttpServerTlsTest, RefusesTls11) {
  start(serverMaterial(serverCertificate_));
  TlsTestClient client(server_->port(), trusting(TlsTestClient::Version::Tls11));
  EXPECT_FALSE(client.connected());
}

TEST_F(HttpServerTlsTest, PlaintextHttpGetsNoAnswerAndTheConnectionCloses) {
  start(serverMaterial(serverCertificate_));
  const auto [received, closed] = plainExchange(server_->port(), "GET /x HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(closed);
  EXPECT_EQ(received.find("HTTP/"), std::string::npos);
  EXPECT_EQ(received.find("certificate"), std::string::npos);
}

TEST_F(HttpServerTlsTest, AHandshakeThatNeverBeginsIsClosedAfterTheReadTimeout) {
  start(serverMaterial(serverCertificate_));
  const auto began = Clock::now();
  const auto [received, closed] = plainExchange(server_->port(), "");
  EXPECT_TRUE(closed);
  EXPECT_TRUE(received.empty());
  EXPECT_LT(Clock::now() - began, std::chrono::seconds(3));
}

TEST_F(HttpServerTlsTest, AReloadServesTheNewCertificateToNewConnectionsOnly) {
  start(serverMaterial(serverCertificate_));
  TlsTestClient before(server_->port(), trusting());
  ASSERT_TRUE(before.connected()) << before.error();
  ASSERT_EQ(statusOf(before.get("/x")), 200);

  const auto renewed = TestCertificate::issued(ca_, "127.0.0.1", TestCertificate::Use::Server);
  server_->replaceTls(std::make_shared<const TlsServerContext>(serverMaterial(renewed)));

  TlsTestClient after(server_->port(), trusting());
  ASSERT_TRUE(after.connected()) << after.error();
  EXPECT_EQ(after.serverCertificateSha256(), renewed.sha256());
  EXPECT_EQ(statusOf(after.get("/x")), 200);
  // The keep-alive connection opened before goes on, with the certificate it began with.
  EXPECT_EQ(statusOf(before.get("/x")), 200);
  EXPECT_EQ(before.serverCertificateSha256(), serverCertificate_.sha256());
}

TEST_F(HttpServerTlsTest, TheHandlerGetsTheVerifiedClientCertificateOnly) {
  start(serverMaterial(serverCertificate_, true));
  const auto known =
      TestCertificate::issued(clientCa_, "retirement-app", TestCertificate::Use::Client);
  {
    TlsTestClient client(server_->port(), presenting(known));
    ASSERT_TRUE(client.connected()) << client.error();
    const auto answer = client.get("/x");
    EXPECT_EQ(statusOf(answer), 200);
    EXPECT_NE(answer.find(known.sha256()), std::string::npos) << answer;
  }
  {  // No certificate: the connection is served (an API key may follow), with no hash.
    TlsTestClient client(server_->port(), trusting());
    ASSERT_TRUE(client.connected()) << client.error();
    const auto answer = client.get("/x");
    EXPECT_EQ(statusOf(answer), 200);
    EXPECT_NE(answer.find(R"({"certificate":""})"), std::string::npos) << answer;
  }
  // Another CA's certificate, or the right CA's expired one: no request is served (with TLS 1.3
  // the client learns it at its first read).
  const auto otherCa = TestCertificate::authority("another CA");
  for (const auto& refused :
       {TestCertificate::issued(otherCa, "intruder", TestCertificate::Use::Client),
        TestCertificate::issued(clientCa_, "expired", TestCertificate::Use::Client, true)}) {
    TlsTestClient client(server_->port(), presenting(refused));
    if (client.connected()) {
      EXPECT_EQ(client.get("/x"), "");
    }
  }
}

TEST(TlsServerContextTest, RefusesAKeyThatDoesNotMatchTheCertificate) {
  const auto ca = TestCertificate::authority("ca");
  const auto one = TestCertificate::issued(ca, "127.0.0.1", TestCertificate::Use::Server);
  const auto two = TestCertificate::issued(ca, "127.0.0.1", TestCertificate::Use::Server);
  try {
    TlsServerContext context(TlsMaterial{one.certificatePem(), two.keyPem(), {}});
    FAIL() << "accepted a key of another certificate";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_NE(e.message().find("tls.key does not match tls.cert"), std::string::npos)
        << e.message();
  }
}

TEST(TlsServerContextTest, RefusesAnExpiredCertificate) {
  const auto ca = TestCertificate::authority("ca");
  const auto expired = TestCertificate::issued(ca, "127.0.0.1", TestCertificate::Use::Server, true);
  try {
    TlsServerContext context(TlsMaterial{expired.certificatePem(), expired.keyPem(), {}});
    FAIL() << "accepted an expired certificate";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("tls.cert has expired"), std::string::npos) << e.message();
  }
}

TEST(TlsServerContextTest, RefusesTextThatIsNoPem) {
  const auto ca = TestCertificate::authority("ca");
  const auto server = TestCertificate::issued(ca, "127.0.0.1", TestCertificate::Use::Server);
  EXPECT_THROW(TlsServerContext(TlsMaterial{"not a certificate", server.keyPem(), {}}), Error);
  EXPECT_THROW(TlsServerContext(TlsMaterial{server.certificatePem(), "not a key", {}}), Error);
  EXPECT_THROW(TlsServerContext(TlsMaterial{server.certificatePem(), server.keyPem(), "not a CA"}),
               Error);
}

}  // namespace
}  // namespace oncegate
