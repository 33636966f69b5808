#include <gtest/gtest.h>

#include "common/Digest.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/auditstore/ShippedLine.h"
#include "gateway/auditstore/SubjectIndexKey.h"

namespace oncegate {
namespace {

constexpr std::string_view kHashKey = "a-hash-key-of-at-least-thirty-two-chars";
const std::string kPrev(64, 'a');

std::string chained(const std::string& record) {
  return AuditLine::chain(AuditLine::prepare(record), kPrev);
}

TEST(ShippedLineTest, ADataRecordIsAnAccessWithItsColumnsAndFields) {
  const auto line = chained(
      R"({"time":"2026-12-05T01:02:03.456Z","request_id":"r1","route":"/v1/verify","status":200,)"
      R"("client":"portal","department":"hrss","disclose_after":"2027-01-01","purpose":"p",)"
      R"("case":"C-1","subject":{"type":"person","id_card":"330102196001010011"},)"
      R"("fields":{"a":"ok","b":"denied","a":"ok"},"datasets":[]})");
  const auto shipped = ShippedLine::parse(line, kHashKey);
  ASSERT_TRUE(shipped);
  EXPECT_EQ(shipped->event, "access");
  EXPECT_EQ(shipped->route, "/v1/verify");
  EXPECT_EQ(shipped->department, "hrss");
  EXPECT_EQ(shipped->discloseAfter, "2027-01-01");
  EXPECT_EQ(shipped->caseNumber, "C-1");
  EXPECT_EQ(shipped->subjectType, "person");
  EXPECT_EQ(shipped->subjectHash, subjectIndexHash(kHashKey, "person", "330102196001010011"));
  // A field named twice in a line is one row (the store's key is instance, seq, field).
  ASSERT_EQ(shipped->fields.size(), 2U);
  EXPECT_EQ(shipped->fields[1], (std::pair<std::string, std::string>{"b", "denied"}));
  EXPECT_EQ(shipped->line, line);
  EXPECT_EQ(shipped->sha256, sha256Hex(line));
  EXPECT_EQ(shipped->prev, kPrev);
  EXPECT_FALSE(shipped->checkpoint);
}

TEST(ShippedLineTest, APrefillsFormAndADatasetsLatencyAreHarmless) {
  const auto line = chained(
      R"({"time":"2026-12-05T01:02:03.456Z","request_id":"r1","route":"/v1/forms/f/prefill",)"
      R"("status":200,"client":"portal","department":"hrss","purpose":"p","case":"C-1",)"
      R"("subject":{"type":"person","id_card":"330102196001010011"},"form":"f","form_total":3,)"
      R"("fields":{"a":"ok"},"datasets":[{"id":"d","source":"s","from":"source","ms":1.234,)"
      R"("outcome":"found"}]})");
  const auto shipped = ShippedLine::parse(line, kHashKey);
  ASSERT_TRUE(shipped);
  EXPECT_EQ(shipped->event, "access");
  EXPECT_EQ(shipped->route, "/v1/forms/f/prefill");
  ASSERT_EQ(shipped->fields.size(), 1U);
  EXPECT_EQ(shipped->subjectHash, subjectIndexHash(kHashKey, "person", "330102196001010011"));
  EXPECT_EQ(shipped->line, line);
}

TEST(ShippedLineTest, AnotherEventKeepsItsNameAndEmptyColumns) {
  const auto shipped = ShippedLine::parse(
      chained(R"({"time":"t","event":"audit_log_rotated","continues":"a.jsonl.1"})"), kHashKey);
  ASSERT_TRUE(shipped);
  EXPECT_EQ(shipped->event, "audit_log_rotated");
  EXPECT_EQ(shipped->client, "");
  EXPECT_EQ(shipped->status, 0);
  EXPECT_EQ(shipped->subjectHash, "");
  EXPECT_TRUE(shipped->fields.empty());
}

TEST(ShippedLineTest, ARefusedRequestWithoutClientOrSubjectKeyHasEmptyColumns) {
  const auto shipped = ShippedLine::parse(
      chained(R"({"time":"t","request_id":"r","route":"/v1/resolve","status":400,"client":null,)"
              R"("subject":{"type":"person"},"fields":{}})"),
      kHashKey);
  ASSERT_TRUE(shipped);
  EXPECT_EQ(shipped->client, "");
  EXPECT_EQ(shipped->subjectType, "person");
  EXPECT_EQ(shipped->subjectHash, "");
}

TEST(ShippedLineTest, ACheckpointCarriesItsCountHeadAndSignature) {
  const auto shipped = ShippedLine::parse(
      chained(R"({"time":"2026-12-05T01:02:03.456Z","event":"audit_checkpoint","records":42,)"
              R"("head":")" +
              kPrev + R"(","kid":"2026-12","signature":"c2ln"})"),
      kHashKey);
  ASSERT_TRUE(shipped && shipped->checkpoint);
  EXPECT_EQ(shipped->checkpoint->records, 42);
  EXPECT_EQ(shipped->checkpoint->head, kPrev);
  EXPECT_EQ(shipped->checkpoint->kid, "2026-12");
  EXPECT_EQ(shipped->checkpoint->signature, "c2ln");
  EXPECT_EQ(shipped->checkpoint->time, "2026-12-05T01:02:03.456Z");
}

TEST(ShippedLineTest, ATornLineIsNotPartOfTheChain) {
  const auto whole = chained(R"({"time":"t","event":"e"})");
  for (std::size_t cut : {std::size_t{1}, whole.size() / 2, whole.size() - 1}) {
    EXPECT_FALSE(ShippedLine::parse(whole.substr(0, cut), kHashKey)) << cut;
  }
  EXPECT_FALSE(ShippedLine::parse("", kHashKey));
}

}  // namespace
}  // namespace oncegate
