// oncegatectl verify-audit end to end on signed trails: the real binary on trails the real
// writer made with a real Ed25519 key, checking what an auditor or a cron job sees.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "OncegatectlRun.h"
#include "common/Base64Url.h"
#include "common/Digest.h"
#include "common/Ed25519PrivateKey.h"
#include "gateway/audit/AuditCheckpoint.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/audit/FileAuditLog.h"

namespace oncegate {
namespace {

using testing::CtlRun;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::runCtl;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> readLines(const std::filesystem::path& path) {
  std::istringstream in(readFile(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void writeLines(const std::filesystem::path& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& line : lines) out << line << '\n';
}

// Runs the real oncegatectl with `args` (no shell in between).
class VerifyAuditCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-verify-audit-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    ASSERT_NE(made, nullptr);
    dir_ = made;
    jwks_ = (dir_ / "keys.json").string();
    std::ofstream(jwks_) << jwks("2026-12", key_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A JWKS as GET /v1/keys serves it, with an RSA key first that the command must skip.
  static std::string jwks(const std::string& kid, const Ed25519PrivateKey& key) {
    return R"({"keys":[{"kty":"RSA","kid":"old-rsa","n":"AQAB","e":"AQAB"},)"
           R"({"kty":"OKP","crv":"Ed25519","x":")" +
           base64UrlEncode(key.publicKey().raw()) + R"(","kid":")" + kid +
           R"(","alg":"EdDSA","use":"sig"}]})";
  }

  // A trail of `count` records with a checkpoint every 4 lines and one at shutdown.
  std::string trail(int count, const std::string& name = "audit.jsonl") {
    const auto path = dir_ / name;
    AuditConfig config;
    config.path = path;
    config.checkpoint.records = 4;
    FileAuditLog log(config, AuditCheckpointSigner{"2026-12", key_});
    for (int i = 1; i <= count; ++i) {
      log.append(R"({"n":)" + std::to_string(i) + R"(,"client":"permit-app"})", {});
    }
    return path.string();
  }

  std::filesystem::path dir_;
  std::string jwks_;
  Ed25519PrivateKey key_ = Ed25519PrivateKey::generate();
};

TEST_F(VerifyAuditCommandTest, ASignedTrailVerifiesWithItsKeys) {
  const auto path = trail(10);  // 10 records, checkpoints on lines 5, 10 and 13
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 13u);
  const auto last = *AuditCheckpoint::parse(lines.back());

  const auto run = runCtl({"verify-audit", path, "--keys", jwks_});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("OK: chain intact, 13 lines in 1 file(s)"));
  EXPECT_THAT(run.out, HasSubstr("checkpoints: 3 verified (signatures checked with 1 key(s))"));
  EXPECT_THAT(run.out, HasSubstr("last checkpoint: records 13 at " + last.time + " (" + path +
                                 " line 13); 0 line(s) after it not protected"));
  EXPECT_THAT(run.err, IsEmpty());

  const auto unchecked = runCtl({"verify-audit", path});
  EXPECT_EQ(unchecked.status, 0) << unchecked.err;
  EXPECT_THAT(unchecked.out, HasSubstr("checkpoints: 3 found, heads and counts hold; signatures "
                                       "NOT checked (give --keys JWKS_FILE or --config DIR)"));
}

TEST_F(VerifyAuditCommandTest, ARewrittenChainFailsAtTheFirstCheckpointItsSignature) {
  const auto path = trail(10);
  auto lines = readLines(path);
  // Someone changes who asked on line 2 and recomputes every hash, checkpoint heads included.
  const auto at = lines[1].find("permit-app");
  lines[1].replace(at, 10, "statist-ap");
  std::string prev(AuditLine::kFirstPrev);
  for (auto& line : lines) {
    const std::string old(*AuditLine::prevOf(line));
    line = line.substr(0, line.size() - 66) + prev + "\"}";
    const auto head = line.find(R"("head":")" + old);
    if (head != std::string::npos) line.replace(head + 8, 64, prev);
    prev = sha256Hex(line);
  }
  writeLines(path, lines);

  const auto run = runCtl({"verify-audit", path, "--keys", jwks_});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("BROKEN: " + path +
                                 ": line 5 of 13: line 5 is a checkpoint "
                                 "whose signature does not verify with key '2026-12'"));
  EXPECT_THAT(run.out, IsEmpty());
}

TEST_F(VerifyAuditCommandTest, AnUnknownKidOrAnUnreadableJwksIsAFailure) {
  const auto path = trail(3);
  const auto other = (dir_ / "other.json").string();
  std::ofstream(other) << jwks("2026-06", key_);
  auto run = runCtl({"verify-audit", path, "--keys", other});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("line 4 is a checkpoint signed with key '2026-12', which is not "
                                 "among the keys given"));

  std::ofstream(other, std::ios::trunc) << R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k"}]})";
  run = runCtl({"verify-audit", path, "--keys", other});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err,
              HasSubstr(other + ": not a usable JWKS: the \"x\" of key 'k' is not base64url"));

  run = runCtl({"verify-audit", path, "--keys", (dir_ / "missing.json").string()});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("cannot read"));
}

TEST_F(VerifyAuditCommandTest, LinesAfterTheLastCheckpointAreShownUnprotected) {
  const auto path = trail(10);
  auto lines = readLines(path);
  lines.resize(8);  // cut after the checkpoint on line 5
  writeLines(path, lines);
  const auto run = runCtl({"verify-audit", path, "--keys", jwks_});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("checkpoints: 1 verified"));
  EXPECT_THAT(run.out, HasSubstr("last checkpoint: records 5 at "));
  EXPECT_THAT(run.out, HasSubstr("3 line(s) after it not protected by a checkpoint"));
}

TEST_F(VerifyAuditCommandTest, ATornLineLeftByACrashIsReportedAndTheRestVerified) {
  const auto path = trail(3);  // 3 records and the checkpoint at shutdown
  std::ofstream(path, std::ios::binary | std::ios::app) << R"({"time":"2026-12-05T01:0)";
  trail(2);  // the restart: a newline after the torn bytes, two records, a checkpoint
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 8u);
  const auto run = runCtl({"verify-audit", path, "--keys", jwks_});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("OK: chain intact, 8 lines in 1 file(s)"));
  EXPECT_THAT(run.out, HasSubstr("torn line: " + path +
                                 " line 5 (a write cut short by a crash): skipped, the next line "
                                 "chains to the line before it"));
  EXPECT_THAT(run.out, HasSubstr("checkpoints: 2 verified"));
  EXPECT_THAT(run.out, HasSubstr("last checkpoint: records 7 at "));

  // Torn bytes that the next line does not chain past are a break.
  auto edited = lines;
  edited[5] = edited[6];
  edited.erase(edited.begin() + 6);
  writeLines(path, edited);
  const auto broken = runCtl({"verify-audit", path, "--keys", jwks_});
  EXPECT_EQ(broken.status, 1);
  EXPECT_THAT(broken.err, HasSubstr("line 5 of 7"));
}

}  // namespace
}  // namespace oncegate
