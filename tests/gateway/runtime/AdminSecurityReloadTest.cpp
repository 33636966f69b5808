#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "TrackedSource.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/AdminSecurityReload.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"

namespace oncegate {
namespace {

namespace fs = std::filesystem;
using testing::TrackedSource;

const std::string kTokenA(64, 'a');
const std::string kTokenB(64, 'b');

class AdminSecurityReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "oncegate-reload-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
    writeGateway(kTokenA, "");
    write("sources.yaml",
          "sources:\n  - { id: hr, department: hr, odbc: \"DSN=hr;PWD=${file:hr.pwd}\" }\n");
    write("hr.pwd", "first\n");
    std::lock_guard lock(live_.changeMutex());
    live_.install(live_.build(loadConfiguration(directory_), 3, nullptr));
  }
  void TearDown() override { fs::remove_all(directory_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(directory_ / name) << text;
  }
  void writeGateway(const std::string& token, const std::string& secrets) {
    write("gateway.yaml",
          "hash_key: 0123456789abcdef0123456789abcdef\n"
          "include: [sources.yaml]\n"
          "admin:\n"
          "  tokens: [{ name: ops, role: dba, token_sha256: " +
              token + " }]\n" + secrets);
  }
  std::string tokenInForce() const {
    return live_.current()->config.gateway.adminTokens.at(0).tokenSha256;
  }

  fs::path directory_;
  SnapshotRetirer retirer_;
  LiveConfiguration live_{[](const SourceConfig& config) -> std::shared_ptr<Source> {
                            return std::make_shared<TrackedSource>(
                                config.id, std::make_shared<TrackedSource::Destruction>());
                          },
                          retirer_};
};

TEST_F(AdminSecurityReloadTest, InstallsTheNewTokensAndBindingsKeepingTheVersion) {
  writeGateway(kTokenB, "  secrets: { hr: [HR_PWD] }\n");
  AdminSecurityReload reload(live_, directory_);
  EXPECT_TRUE(reload.reload());
  EXPECT_EQ(tokenInForce(), kTokenB);
  EXPECT_EQ(live_.current()->config.gateway.adminSecrets.at("hr"),
            (std::vector<std::string>{"HR_PWD"}));
  EXPECT_EQ(live_.current()->version, 3U);
  EXPECT_NE(live_.current()->config.source("hr"), nullptr);
}

TEST_F(AdminSecurityReloadTest, AGatewayFileThatDoesNotLoadKeepsThePreviousTokens) {
  const auto before = live_.current();
  write("gateway.yaml", "hash_key: 0123456789abcdef0123456789abcdef\nadmin: { tokens: [ }\n");
  AdminSecurityReload reload(live_, directory_);
  EXPECT_FALSE(reload.reload());
  writeGateway("not-a-hash", "");
  EXPECT_FALSE(reload.reload());
  EXPECT_EQ(live_.current(), before);
  EXPECT_EQ(tokenInForce(), kTokenA);
}

TEST_F(AdminSecurityReloadTest, RereadsTheSecretFilesOfTheDocumentsInForce) {
  write("hr.pwd", "rotated\n");
  AdminSecurityReload reload(live_, directory_);
  EXPECT_TRUE(reload.reload());
  EXPECT_EQ(live_.current()->config.source("hr")->odbc, "DSN=hr;PWD=rotated");
}

TEST_F(AdminSecurityReloadTest, TokensTakeEffectEvenWhenTheNewBindingsDoNotResolve) {
  // An admin document bound to HR_PWD is in force; the new gateway.yaml drops the binding.
  ::setenv("ONCEGATE_TEST_RELOAD_HR_PWD", "secret", 1);
  writeGateway(kTokenA, "  secrets: { hr: [ONCEGATE_TEST_RELOAD_HR_PWD] }\n");
  AdminSecurityReload reload(live_, directory_);
  ASSERT_TRUE(reload.reload());
  {
    std::lock_guard lock(live_.changeMutex());
    const auto current = live_.current();
    auto body = ConfigNode::parse(
        R"({"id":"hr","department":"hr","odbc":"DSN=hr;PWD=${ONCEGATE_TEST_RELOAD_HR_PWD}"})",
        "request body");
    auto next =
        buildConfiguration(current->config.gateway, {ConfigDocument{"sources", "hr", body}});
    live_.install(live_.build(std::move(next), 4, current.get()));
  }
  writeGateway(kTokenB, "");
  EXPECT_TRUE(reload.reload());
  EXPECT_EQ(tokenInForce(), kTokenB);
  EXPECT_EQ(live_.current()->config.source("hr")->odbc, "DSN=hr;PWD=secret");
}

}  // namespace
}  // namespace oncegate
