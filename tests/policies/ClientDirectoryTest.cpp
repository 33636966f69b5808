#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/Digest.h"
#include "common/Error.h"
#include "policies/ClientDirectory.h"

namespace oncegate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<Client> clientsFrom(const std::string& text) {
  return parseClients(ConfigNode::parse(text, "test.yaml"));
}

std::string clientYaml(const std::string& id, const std::string& key,
                       const std::string& purposes = "[retirement]") {
  return "- id: " + id + "\n  department: Organisation Department\n  api_key_sha256: \"" +
         sha256Hex(key) + "\"\n  purposes: " + purposes + "\n";
}

std::string errorOf(const std::string& text) {
  try {
    ClientDirectory::build(clientsFrom(text));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  return "no error";
}

TEST(ClientDirectoryTest, ParsesClient) {
  const auto clients = clientsFrom(clientYaml("retirement-app", "k1", "[retirement, pension]"));
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0].id, "retirement-app");
  EXPECT_EQ(clients[0].department, "Organisation Department");
  EXPECT_EQ(clients[0].apiKeySha256, sha256Hex("k1"));
  EXPECT_THAT(clients[0].purposes, ElementsAre("retirement", "pension"));
  EXPECT_EQ(clients[0].location, "test.yaml:1");
  EXPECT_TRUE(clients[0].allowsPurpose("pension"));
  EXPECT_FALSE(clients[0].allowsPurpose("audit"));
}

TEST(ClientDirectoryTest, AuthenticatesByTheHashOfThePresentedKey) {
  const auto directory = ClientDirectory::build(
      clientsFrom(clientYaml("retirement-app", "key-one") + clientYaml("audit-app", "key-two")));
  const Client* first = directory.authenticate("key-one");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->id, "retirement-app");
  const Client* second = directory.authenticate("key-two");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->id, "audit-app");
  EXPECT_EQ(directory.authenticate("key-three"), nullptr);
  EXPECT_EQ(directory.authenticate(""), nullptr);
  // The stored hash itself is not a key.
  EXPECT_EQ(directory.authenticate(sha256Hex("key-one")), nullptr);
}

TEST(ClientDirectoryTest, FindsById) {
  const auto directory = ClientDirectory::build(clientsFrom(clientYaml("retirement-app", "k")));
  ASSERT_NE(directory.find("retirement-app"), nullptr);
  EXPECT_EQ(directory.find("retirement-app")->apiKeySha256, sha256Hex("k"));
  EXPECT_EQ(directory.find("other"), nullptr);
  EXPECT_EQ(directory.clients().size(), 1u);
}

TEST(ClientDirectoryTest, RejectsDuplicateId) {
  EXPECT_EQ(errorOf(clientYaml("app", "k1") + clientYaml("app", "k2")),
            "test.yaml:5: duplicate client id 'app' (first defined at test.yaml:1)");
}

TEST(ClientDirectoryTest, RejectsSharedKeyHash) {
  EXPECT_EQ(errorOf(clientYaml("a", "same") + clientYaml("b", "same")),
            "test.yaml:5: client 'b' has the same api_key_sha256 as client 'a': each client "
            "needs its own key");
}

TEST(ClientDirectoryTest, ReportsAllDuplicatesTogether) {
  const auto message =
      errorOf(clientYaml("a", "k1") + clientYaml("a", "k2") + clientYaml("c", "k1"));
  EXPECT_THAT(message, HasSubstr("test.yaml:5: duplicate client id 'a'"));
  EXPECT_THAT(message, HasSubstr("\ntest.yaml:9: client 'c' has the same api_key_sha256"));
}

TEST(ClientDirectoryTest, RejectsHashThatIsNotLowerCaseHex) {
  std::string upper = sha256Hex("k");
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_THAT(errorOf("- id: a\n  api_key_sha256: \"" + upper + "\"\n  purposes: [x]\n"),
              HasSubstr("test.yaml:2: api_key_sha256 must be 64 lower-case hex digits"));
  EXPECT_THAT(errorOf("- id: a\n  api_key_sha256: abc123\n  purposes: [x]\n"),
              HasSubstr("test.yaml:2: api_key_sha256 must be 64 lower-case hex digits"));
}

TEST(ClientDirectoryTest, RejectsClientWithoutPurposes) {
  EXPECT_THAT(errorOf("- id: a\n  api_key_sha256: \"" + sha256Hex("k") + "\"\n  purposes: []\n"),
              HasSubstr("test.yaml:3: a client needs at least one purpose"));
}

TEST(ClientDirectoryTest, RejectsAClientWithNeitherKeyNorCertificateHash) {
  EXPECT_THAT(errorOf("- id: a\n  purposes: [x]\n"),
              HasSubstr("test.yaml:1: client 'a' needs api_key_sha256 or cert_sha256"));
}

// A client that authenticates by TLS certificate: its SHA-256 stands for the certificate.
std::string certificateClientYaml(const std::string& id, const std::string& certificate,
                                  const std::string& key = {}) {
  std::string yaml = "- id: " + id + "\n  cert_sha256: \"" + sha256Hex(certificate) + "\"\n";
  if (!key.empty()) yaml += "  api_key_sha256: \"" + sha256Hex(key) + "\"\n";
  return yaml + "  purposes: [retirement]\n";
}

TEST(ClientDirectoryTest, AClientMayHaveACertificateHashAndNoKey) {
  const auto directory =
      ClientDirectory::build(clientsFrom(certificateClientYaml("portal", "portal-cert")));
  EXPECT_EQ(directory.find("portal")->certSha256, sha256Hex("portal-cert"));
  EXPECT_TRUE(directory.find("portal")->apiKeySha256.empty());
}

TEST(ClientDirectoryTest, AuthenticatesByAVerifiedCertificate) {
  const auto directory = ClientDirectory::build(
      clientsFrom(certificateClientYaml("portal", "portal-cert", "portal-key") +
                  clientYaml("other", "other-key")));
  const auto* portal = directory.find("portal");
  EXPECT_EQ(directory.authenticate("", sha256Hex("portal-cert")), portal);
  // The certificate and the same client's key agree.
  EXPECT_EQ(directory.authenticate("portal-key", sha256Hex("portal-cert")), portal);
  // A known certificate with another client's key, or with a wrong key: neither is trusted.
  EXPECT_EQ(directory.authenticate("other-key", sha256Hex("portal-cert")), nullptr);
  EXPECT_EQ(directory.authenticate("wrong", sha256Hex("portal-cert")), nullptr);
  // A verified certificate no client names leaves the key to decide.
  EXPECT_EQ(directory.authenticate("other-key", sha256Hex("unknown-cert")),
            directory.find("other"));
  EXPECT_EQ(directory.authenticate("", sha256Hex("unknown-cert")), nullptr);
}

TEST(ClientDirectoryTest, RejectsSharedCertificateHash) {
  EXPECT_THAT(errorOf(certificateClientYaml("a", "cert") + certificateClientYaml("b", "cert")),
              HasSubstr("client 'b' has the same cert_sha256 as client 'a'"));
}

TEST(ClientDirectoryTest, RejectsACertificateHashThatIsNotLowerCaseHex) {
  EXPECT_THAT(errorOf("- id: a\n  cert_sha256: \"AB12\"\n  purposes: [x]\n"),
              HasSubstr("test.yaml:2: cert_sha256 must be 64 lower-case hex digits"));
}

TEST(ClientDirectoryTest, RejectsUnknownKey) {
  EXPECT_THAT(errorOf(clientYaml("a", "k") + "  api_key: plain-text\n"),
              HasSubstr("test.yaml:5: unknown key 'api_key'"));
}

TEST(ClientDirectoryTest, MayListAccessesOnlyWhenItsDocumentSaysSo) {
  EXPECT_FALSE(clientsFrom(clientYaml("a", "k"))[0].canListAccesses);
  EXPECT_TRUE(clientsFrom(clientYaml("a", "k") + "  can_list_accesses: true\n")[0].canListAccesses);
  EXPECT_FALSE(
      clientsFrom(clientYaml("a", "k") + "  can_list_accesses: false\n")[0].canListAccesses);
}

TEST(ClientDirectoryTest, RejectsCanListAccessesThatIsNotABool) {
  EXPECT_THAT(errorOf(clientYaml("a", "k") + "  can_list_accesses: sometimes\n"),
              HasSubstr("test.yaml:5: expected true or false"));
}

std::vector<Client> clientsWithRateLimit(const std::string& rateLimit) {
  return clientsFrom(clientYaml("a", "k") + "  rate_limit:" + rateLimit);
}

std::string rateLimitErrorOf(const std::string& rateLimit) {
  return errorOf(clientYaml("a", "k") + "  rate_limit:" + rateLimit);
}

TEST(ClientDirectoryTest, ParsesRateLimit) {
  const auto clients = clientsWithRateLimit("\n    per_second: 20\n    burst: 50\n");
  ASSERT_TRUE(clients[0].rateLimit.has_value());
  EXPECT_EQ(clients[0].rateLimit->perSecond, 20.0);
  EXPECT_EQ(clients[0].rateLimit->burst, 50);
}

TEST(ClientDirectoryTest, ClientWithoutRateLimitHasNone) {
  EXPECT_FALSE(clientsFrom(clientYaml("a", "k"))[0].rateLimit.has_value());
}

TEST(ClientDirectoryTest, BurstDefaultsToOneSecondOfRequestsRoundedUp) {
  EXPECT_EQ(clientsWithRateLimit(" { per_second: 20 }\n")[0].rateLimit->burst, 20);
  EXPECT_EQ(clientsWithRateLimit(" { per_second: 2.5 }\n")[0].rateLimit->burst, 3);
  EXPECT_EQ(clientsWithRateLimit(" { per_second: 0.2 }\n")[0].rateLimit->perSecond, 0.2);
  EXPECT_EQ(clientsWithRateLimit(" { per_second: 0.2 }\n")[0].rateLimit->burst, 1);
}

TEST(ClientDirectoryTest, RejectsRateLimitThatIsNotAMapping) {
  EXPECT_EQ(rateLimitErrorOf(" 20\n"), "test.yaml:5: expected a mapping");
}

TEST(ClientDirectoryTest, RejectsUnknownRateLimitKey) {
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: 20\n    per_minute: 600\n"),
            "test.yaml:7: unknown key 'per_minute'");
}

TEST(ClientDirectoryTest, RejectsRateLimitWithoutPerSecond) {
  EXPECT_EQ(rateLimitErrorOf(" { burst: 5 }\n"), "test.yaml:5: missing required key 'per_second'");
}

constexpr const char* kPerSecondRange =
    "per_second must be a number of requests from 0.001 to 1000000";

TEST(ClientDirectoryTest, RejectsZeroPerSecond) {
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: 0\n"),
            std::string("test.yaml:6: ") + kPerSecondRange);
}

TEST(ClientDirectoryTest, RejectsNegativePerSecond) {
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: -5\n"),
            std::string("test.yaml:6: ") + kPerSecondRange);
}

TEST(ClientDirectoryTest, RejectsPerSecondThatIsNotANumber) {
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: fast\n"),
            std::string("test.yaml:6: ") + kPerSecondRange);
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: .inf\n"),
            std::string("test.yaml:6: ") + kPerSecondRange);
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: [1]\n"),
            std::string("test.yaml:6: ") + kPerSecondRange);
}

TEST(ClientDirectoryTest, RejectsZeroBurst) {
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: 5\n    burst: 0\n"),
            "test.yaml:7: expected a number from 1 to 100000");
}

TEST(ClientDirectoryTest, RejectsNegativeBurst) {
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: 5\n    burst: -1\n"),
            "test.yaml:7: expected a number from 1 to 100000");
}

TEST(ClientDirectoryTest, RejectsFractionalBurst) {
  EXPECT_EQ(rateLimitErrorOf("\n    per_second: 5\n    burst: 1.5\n"),
            "test.yaml:7: expected a whole number");
}

}  // namespace
}  // namespace oncegate
