// Signed answers end to end on the real binaries: the gateway signs every /v1/resolve,
// /v1/verify and prefill answer with the key of its signing: section (generated here, written to
// files that gateway.yaml references by ${file:...}); oncegatectl verify-receipt accepts each
// answer with the keys of the gateway's /v1/keys URL and of a saved copy of it, and refuses one
// changed byte of the body or of the signature; after a key rotation by SIGHUP an answer signed
// before still verifies; and a Python script that shares no code with the gateway (base64url,
// JWS signing input, Ed25519 from `cryptography`) verifies the same answers.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCertificate.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "common/Base64Url.h"
#include "common/Ed25519PrivateKey.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace fs = std::filesystem;

const std::string kClientKey = "signed-answers-client-key-1";
const std::string kHolder = "330106197502020021";
const std::string kCase = "GJ-2026-000777";

struct ProgramRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Runs `argv` (no shell in between), with stdout and stderr kept apart.
ProgramRun runProgram(const std::vector<std::string>& args) {
  char pattern[] = "/tmp/oncegate-signed-run-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  if (made == nullptr) return {};
  const fs::path directory(made);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open((directory / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open((directory / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ProgramRun run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, readFile(directory / "out"),
                 readFile(directory / "err")};
  fs::remove_all(directory);
  return run;
}

std::string ctl() { return (fs::path(ONCEGATE_BINARY_DIR) / "gateway" / "oncegatectl").string(); }
std::string pythonVerifier() {
  return (fs::path(ONCEGATE_SOURCE_DIR) / "tests" / "integration" / "verify_signed_answer.py")
      .string();
}

// The Oncegate-Signature header of an answer; empty when it has none.
std::string signatureHeader(const HttpResult& response) {
  const auto found = response.headers.find("oncegate-signature");
  return found == response.headers.end() ? std::string() : found->second;
}

// The "kid" of an Oncegate-Signature value.
std::string keyIdOf(const std::string& signature) {
  const auto header = base64UrlDecode(signature.substr(0, signature.find('.')));
  return header ? TestJson(*header).at("/kid") : "<malformed>";
}

class SignedAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = "/tmp/oncegate-it-signed-" + randomHex(8) + ".db";
    runSqliteSql(database_,
                 "CREATE TABLE sgn_fund_account (holder TEXT PRIMARY KEY, holder_name TEXT, "
                 "balance TEXT);"
                 "INSERT INTO sgn_fund_account VALUES ('" +
                     kHolder + "', '李四', '8812.50');");
    work_ = fs::path("/tmp") / ("oncegate-it-signed-files-" + randomHex(8));
    fs::create_directories(work_);
    files_["keys/answers-1.pem"] = first_.toPem();
    files_["gateway.yaml"] = gatewayYaml(
        "  keys:\n    - { id: answers-1, private_key: \"${file:keys/answers-1.pem}\" }\n");
    files_["documents.yaml"] =
        "sources:\n"
        "  - { id: fund, department: 公积金中心, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\" }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "datasets:\n"
        "  - { id: fund.account, source: fund, subject: person,\n"
        "      query: \"SELECT holder_name, balance FROM sgn_fund_account WHERE holder = :h\",\n"
        "      params: { h: subject.id_card } }\n"
        "fields:\n"
        "  - { id: fund.holder_name, dataset: fund.account, column: holder_name }\n"
        "  - { id: fund.balance, dataset: fund.account, column: balance, type: decimal }\n"
        "forms:\n"
        "  - { id: loan, title: 公积金贷款, purpose: loan, subject: person,\n"
        "      fields: [fund.holder_name, fund.balance, { id: applicant.contract, supplied_by: "
        "applicant }] }\n"
        "clients:\n"
        "  - { id: loan-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [loan] }\n"
        "policies:\n"
        "  - { id: loan-grant, clients: [loan-app], purposes: [loan], allow: [\"fund.*\"] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files_);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    std::remove(database_.c_str());
    fs::remove_all(work_);
  }

  static std::string gatewayYaml(const std::string& signing) {
    return "listen: 127.0.0.1:1\nthreads: 2\n"
           "hash_key: signed-answers-hash-key-0123456789abcdef\n"
           // strict: the answer is then handed over by the audit writer's thread
           "audit: { path: audit/trail.jsonl, durability: strict }\n"
           "include: [documents.yaml]\n"
           "signing:\n" +
           signing;
  }

  std::string keysUrl() const {
    return "http://127.0.0.1:" + std::to_string(gateway_->port()) + "/v1/keys";
  }

  // One signed answer, saved as a workflow system files it: the body's bytes and the header.
  struct Saved {
    HttpResult response;
    fs::path body;
    fs::path signature;
  };
  Saved ask(const std::string& name, const std::string& path, const std::string& request) {
    Saved saved{client_->post(path, request, kClientKey), work_ / (name + ".json"),
                work_ / (name + ".sig")};
    writeFile(saved.body, saved.response.body);
    writeFile(saved.signature, signatureHeader(saved.response));
    return saved;
  }
  Saved resolve(const std::string& name) {
    return ask(name, "/v1/resolve",
               R"({"purpose":"loan","case":")" + kCase +
                   R"(","subject":{"type":"person","id_card":")" + kHolder +
                   R"("},"fields":["fund.holder_name","fund.balance"]})");
  }

  ProgramRun verifyReceipt(const Saved& saved, const std::string& keys) const {
    return runProgram(
        {ctl(), "verify-receipt", saved.body.string(), saved.signature.string(), "--keys", keys});
  }

  Ed25519PrivateKey first_ = Ed25519PrivateKey::generate();
  std::string database_;
  fs::path work_;
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(SignedAnswerTest, EveryDataAnswerStatesWhatItAnswersAndVerifiesTwoWays) {
  const auto jwks = client_->get("/v1/keys");
  ASSERT_EQ(jwks.status, 200);
  EXPECT_EQ(jwks.body, R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" +
                           base64UrlEncode(first_.publicKey().raw()) +
                           R"(","kid":"answers-1","alg":"EdDSA","use":"sig"}]})");
  const auto jwksFile = work_ / "keys.json";
  writeFile(jwksFile, jwks.body);

  const std::vector<Saved> answers = {
      resolve("resolve"),
      ask("verify", "/v1/verify",
          R"({"purpose":"loan","subject":{"type":"person","id_card":")" + kHolder +
              R"("},"claims":{"fund.holder_name":"李四"}})"),
      ask("prefill", "/v1/forms/loan/prefill",
          R"({"case":")" + kCase + R"(","subject":{"type":"person","id_card":")" + kHolder +
              R"("}})")};
  for (const auto& saved : answers) {
    SCOPED_TRACE(saved.body.filename().string());
    ASSERT_EQ(saved.response.status, 200) << saved.response.body;
    const TestJson body(saved.response.body);
    const auto requestId = body.at("/request_id");
    // The statement comes right after request_id, in this order.
    EXPECT_THAT(saved.response.body,
                StartsWith(R"({"request_id":")" + requestId + R"(","issued_at":")"));
    EXPECT_THAT(body.at("/issued_at"),
                ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));
    EXPECT_EQ(body.at("/client"), "loan-app");
    EXPECT_EQ(body.at("/purpose"), "loan");
    EXPECT_EQ(body.at("/subject"), R"({"type":"person","id_card":")" + kHolder + R"("})");
    EXPECT_EQ(keyIdOf(signatureHeader(saved.response)), "answers-1");

    for (const auto& keys : {keysUrl(), jwksFile.string()}) {
      const auto valid = verifyReceipt(saved, keys);
      EXPECT_EQ(valid.status, 0) << keys << ": " << valid.err;
      EXPECT_THAT(valid.out, HasSubstr("VALID: signed by key 'answers-1'"));
      EXPECT_THAT(valid.out, HasSubstr("request_id: " + requestId + "\n"));
      EXPECT_THAT(valid.out, HasSubstr("client: loan-app\n"));
    }
    const auto python = runProgram({"python3", pythonVerifier(), saved.body.string(),
                                    saved.signature.string(), jwksFile.string()});
    EXPECT_EQ(python.status, 0) << python.out << python.err;
    EXPECT_EQ(python.out, "valid answers-1\n");
  }
  EXPECT_EQ(TestJson(answers[0].response.body).at("/case"), kCase);
  EXPECT_EQ(TestJson(answers[1].response.body).at("/case"), "null");
  EXPECT_EQ(TestJson(answers[1].response.body).at("/fields/fund.holder_name/match"), "true");
  EXPECT_EQ(TestJson(answers[2].response.body).at("/form"), "loan");

  // The signing key can also come from the configuration itself.
  const auto fromConfig =
      runProgram({ctl(), "verify-receipt", answers[0].body.string(), readFile(answers[0].signature),
                  "--config", gateway_->directory().string()});
  EXPECT_EQ(fromConfig.status, 0) << fromConfig.err;
}

TEST_F(SignedAnswerTest, OneChangedByteOfBodyOrSignatureIsCaught) {
  const auto saved = resolve("answer");
  ASSERT_EQ(saved.response.status, 200);
  ASSERT_EQ(verifyReceipt(saved, keysUrl()).status, 0);

  // "8812.50" becomes "8812.60": the amount a forger would want to change.
  auto body = saved.response.body;
  const auto at = body.find("8812.50");
  ASSERT_NE(at, std::string::npos);
  body[at + 5] = '6';
  writeFile(saved.body, body);
  auto refused = verifyReceipt(saved, keysUrl());
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("does not match this body"));
  writeFile(work_ / "keys.json", client_->get("/v1/keys").body);
  const auto python = runProgram({"python3", pythonVerifier(), saved.body.string(),
                                  saved.signature.string(), (work_ / "keys.json").string()});
  EXPECT_EQ(python.status, 1);
  EXPECT_EQ(python.out, "bad signature\n");

  writeFile(saved.body, saved.response.body);
  auto signature = signatureHeader(saved.response);
  auto& last = signature[signature.size() - 10];
  last = last == 'A' ? 'B' : 'A';
  writeFile(saved.signature, signature);
  refused = verifyReceipt(saved, keysUrl());
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("NOT VALID"));

  // An id no key has, and a value that is not a JWS.
  const auto header = base64UrlEncode(R"({"alg":"EdDSA","kid":"answers-0"})");
  writeFile(saved.signature, header + signature.substr(signature.find('.')));
  refused = verifyReceipt(saved, keysUrl());
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("no published key has the id 'answers-0'"));
  writeFile(saved.signature, "not a signature");
  EXPECT_EQ(verifyReceipt(saved, keysUrl()).status, 1);
}

TEST_F(SignedAnswerTest, AnAnswerSignedBeforeAKeyRotationStillVerifies) {
  const auto before = resolve("before");
  ASSERT_EQ(before.response.status, 200);
  ASSERT_EQ(keyIdOf(signatureHeader(before.response)), "answers-1");

  // The operator's rotation: a new key first, the old one kept as a public key.
  const auto second = Ed25519PrivateKey::generate();
  const auto directory = gateway_->directory();
  writeFile(directory / "keys" / "answers-2.pem", second.toPem());
  const auto firstPublic = runProgram(
      {"openssl", "pkey", "-in", (directory / "keys" / "answers-1.pem").string(), "-pubout"});
  ASSERT_EQ(firstPublic.status, 0) << firstPublic.err;
  writeFile(directory / "keys" / "answers-1.pub.pem", firstPublic.out);
  writeFile(directory / "gateway.yaml",
            gatewayYaml("  keys:\n"
                        "    - { id: answers-2, private_key: \"${file:keys/answers-2.pem}\" }\n"
                        "    - { id: answers-1, public_key: keys/answers-1.pub.pem, "
                        "publish_until: 2099-12-31 }\n"));
  ASSERT_EQ(::kill(gateway_->pid(), SIGHUP), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Saved after = resolve("after");
  while (keyIdOf(signatureHeader(after.response)) != "answers-2" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    after = resolve("after");
  }
  EXPECT_EQ(keyIdOf(signatureHeader(after.response)), "answers-2");

  const auto keys = TestJson(client_->get("/v1/keys").body);
  EXPECT_EQ(keys.at("/keys/0/kid"), "answers-2");
  EXPECT_EQ(keys.at("/keys/1/kid"), "answers-1");
  for (const auto& saved : {before, after}) {
    const auto valid = verifyReceipt(saved, keysUrl());
    EXPECT_EQ(valid.status, 0) << valid.err;
  }
  EXPECT_THAT(verifyReceipt(before, keysUrl()).out, HasSubstr("signed by key 'answers-1'"));

  // A rotation to a key that is not Ed25519 changes nothing, and the log names the key by its id.
  const auto p256 =
      runProgram({"openssl", "genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"});
  ASSERT_EQ(p256.status, 0) << p256.err;
  writeFile(directory / "keys" / "answers-3.pem", p256.out);
  writeFile(directory / "gateway.yaml",
            gatewayYaml("  keys:\n"
                        "    - { id: answers-3, private_key: \"${file:keys/answers-3.pem}\" }\n"
                        "    - { id: answers-2, private_key: \"${file:keys/answers-2.pem}\" }\n"));
  ASSERT_EQ(::kill(gateway_->pid(), SIGHUP), 0);
  const auto logged = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (gateway_->logs().find("gateway.yaml not reloaded") == std::string::npos &&
         std::chrono::steady_clock::now() < logged) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto logs = gateway_->logs();
  EXPECT_THAT(logs, HasSubstr("signing key 'answers-3'"));
  EXPECT_THAT(logs, ::testing::Not(HasSubstr(p256.out.substr(28, 40))));
  EXPECT_EQ(keyIdOf(signatureHeader(resolve("refused").response)), "answers-2");
}

// The keys of an https:// URL are read only from a server whose certificate the given CA signed
// (here the same keys served by a second instance with tls:).
TEST_F(SignedAnswerTest, KeysFetchedOverHttpsComeFromACertifiedServerOnly) {
  const auto saved = resolve("answer");
  ASSERT_EQ(saved.response.status, 200);
  const auto authority = TestCertificate::authority("signed-answers CA");
  const auto server = TestCertificate::issued(authority, "127.0.0.1", TestCertificate::Use::Server);
  auto files = files_;
  files["tls/gateway.crt"] = server.certificatePem();
  files["tls/gateway.key"] = server.keyPem();
  files["gateway.yaml"] += "tls: { cert: tls/gateway.crt, key: tls/gateway.key }\n";
  const GatewayProcess tls(files);
  writeFile(work_ / "ca.pem", authority.certificatePem());
  writeFile(work_ / "other-ca.pem", TestCertificate::authority("another CA").certificatePem());
  const auto url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/v1/keys";
  const auto arguments = [&](const std::string& ca) {
    return std::vector<std::string>{ctl(),
                                    "verify-receipt",
                                    saved.body.string(),
                                    saved.signature.string(),
                                    "--keys",
                                    url,
                                    "--ca",
                                    ca};
  };
  const auto valid = runProgram(arguments((work_ / "ca.pem").string()));
  EXPECT_EQ(valid.status, 0) << valid.err;
  EXPECT_THAT(valid.out, HasSubstr("VALID: signed by key 'answers-1'"));
  const auto refused = runProgram(arguments((work_ / "other-ca.pem").string()));
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("cannot fetch the keys from " + url));
}

TEST_F(SignedAnswerTest, WithoutSigningAnswersAreUnsignedAndTheKeySetIsEmpty) {
  auto files = files_;
  files["gateway.yaml"] =
      "listen: 127.0.0.1:1\nthreads: 1\n"
      "hash_key: signed-answers-hash-key-0123456789abcdef\n"
      "audit: { path: audit/trail.jsonl, durability: batch }\n"
      "include: [documents.yaml]\n";
  const GatewayProcess unsigned_(files);
  const HttpClient client(unsigned_.port());
  const auto keys = client.get("/v1/keys");
  EXPECT_EQ(keys.status, 200);
  EXPECT_EQ(keys.body, R"({"keys":[]})");
  const auto answer = client.post("/v1/resolve",
                                  R"({"purpose":"loan","subject":{"type":"person","id_card":")" +
                                      kHolder + R"("},"fields":["fund.balance"]})",
                                  kClientKey);
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.headers.count("oncegate-signature"), 0U);
  EXPECT_THAT(answer.body, StartsWith(R"({"request_id":")"));
  EXPECT_EQ(TestJson(answer.body).at("/issued_at"), "<missing>");
}

}  // namespace
}  // namespace oncegate::testing
