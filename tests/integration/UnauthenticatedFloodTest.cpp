// A flood of requests without credentials against the real gateway: the audit file gets one
// record per address and interval with the count, and none of the text the flood carried.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> linesOf(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

TEST(UnauthenticatedFloodTest, IsAuditedAsOneRecordPerAddressWithItsCountAndNoneOfItsText) {
  const ConfigFiles files = {{"gateway.yaml",
                              "threads: 2\n"
                              "hash_key: 0123456789abcdef0123456789abcdef\n"
                              "audit: { path: audit.jsonl, durability: strict }\n"}};
  GatewayProcess gateway(files);
  HttpClient client(gateway.port());
  const std::string comment = "flood-comment-" + std::string(8000, 'c');
  const std::string body =
      R"({"purpose":"p","subject":{"type":"person","id_card":"flood-subject-text"},)"
      R"("fields":["flood-field-text"]})";
  constexpr int kData = 150;
  constexpr int kAdmin = 50;
  for (int i = 0; i < kData; ++i) {
    ASSERT_EQ(client.post("/v1/resolve", body, "wrong-key", {{"X-Change-Comment", comment}}).status,
              401);
  }
  for (int i = 0; i < kAdmin; ++i) {
    ASSERT_EQ(client
                  .send("PUT", "/admin/v1/sources/flood-id-text", body, "wrong-token",
                        {{"X-Change-Comment", comment}})
                  .status,
              401);
  }
  // Stopping writes what was counted (the interval, 10 s, has not ended).
  EXPECT_EQ(gateway.stop(), 0);

  const auto lines = linesOf(gateway.directory() / "audit.jsonl");
  std::vector<std::string> tallies;
  for (const auto& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr("flood-"))) << "text sent without credentials was written";
    EXPECT_THAT(line, Not(HasSubstr(R"("status":401)"))) << "a 401 has a record of its own";
    if (line.find(R"("event":"unauthenticated_refusals")") != std::string::npos) {
      tallies.push_back(line);
    }
  }
  ASSERT_EQ(tallies.size(), 1U) << lines.size() << " lines";
  EXPECT_THAT(tallies[0],
              HasSubstr(R"("remote":"127.0.0.1","count":)" + std::to_string(kData + kAdmin) + ","));
  EXPECT_THAT(tallies[0], HasSubstr(R"("/v1/resolve":)" + std::to_string(kData)));
  EXPECT_THAT(tallies[0], HasSubstr(R"("/admin/v1/":)" + std::to_string(kAdmin)));
}

}  // namespace
}  // namespace oncegate::testing
