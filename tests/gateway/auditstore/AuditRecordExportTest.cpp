#include <gtest/gtest.h>

#include "common/JsonWriter.h"
#include "gateway/auditstore/AuditRecordExport.h"

namespace oncegate {
namespace {

std::string cell(std::string_view text) {
  std::string out;
  AuditRecordExport::appendCsvCell(text, out);
  return out;
}

AuditSearch::Record record() {
  AuditSearch::Record made;
  made.instance = "gw-a";
  made.seq = 7;
  made.time = "2026-12-05T01:02:03.456Z";
  made.requestId = "r-1";
  made.route = "/v1/resolve";
  made.status = 200;
  made.client = "retirement-app";
  made.department = "Organisation Department, HR";
  made.purpose = "retirement";
  made.caseNumber = "LS-2026-000123";
  made.subjectType = "person";
  made.line = R"({"time":"2026-12-05T01:02:03.456Z","note":"a \"quoted\" word"})";
  made.fields = {{"person.name", "ok"}, {"fund.balance", "denied"}};
  return made;
}

TEST(AuditRecordExportTest, CellsAreQuotedAsRfc4180Says) {
  EXPECT_EQ(cell("plain"), "plain");
  EXPECT_EQ(cell(""), "");
  EXPECT_EQ(cell("a,b"), "\"a,b\"");
  EXPECT_EQ(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(cell("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(cell("one\nline"), "\"one\nline\"");
}

TEST(AuditRecordExportTest, ACellThatASpreadsheetWouldRunIsDefused) {
  EXPECT_EQ(cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(cell("+1"), "\"'+1\"");
  EXPECT_EQ(cell("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
  // Only at the start: inside a cell they are text already.
  EXPECT_EQ(cell("LS-2026=1"), "LS-2026=1");
}

TEST(AuditRecordExportTest, OneCsvRowPerRecordWithTheFieldsAsIdEqualsOutcome) {
  std::string out(AuditRecordExport::kCsvHeader);
  AuditRecordExport::appendCsvRow(record(), out);
  EXPECT_EQ(out,
            "time,instance,seq,request_id,route,status,client,department,purpose,case,"
            "subject_type,fields\r\n"
            "2026-12-05T01:02:03.456Z,gw-a,7,r-1,/v1/resolve,200,retirement-app,"
            "\"Organisation Department, HR\",retirement,LS-2026-000123,person,"
            "person.name=ok;fund.balance=denied\r\n");
  auto hostile = record();
  hostile.client = "=cmd|' /C calc'!A0";
  hostile.fields.clear();
  out.clear();
  AuditRecordExport::appendCsvRow(hostile, out);
  EXPECT_NE(out.find(",\"'=cmd|' /C calc'!A0\","), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with(",person,\r\n")) << out;
}

TEST(AuditRecordExportTest, JsonKeepsTheLineAsWritten) {
  std::string out;
  AuditRecordExport::appendJsonLine(record(), out);
  EXPECT_EQ(out, R"({"instance":"gw-a","seq":7,"record":)" + record().line + "}\n");
  std::string body;
  JsonWriter json(body);
  AuditRecordExport::writeJson(record(), json);
  EXPECT_EQ(body + "\n", out);
}

}  // namespace
}  // namespace oncegate
