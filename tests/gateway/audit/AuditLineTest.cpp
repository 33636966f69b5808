#include <gtest/gtest.h>

#include "common/Error.h"
#include "gateway/audit/AuditLine.h"

namespace oncegate {
namespace {

TEST(AuditLineTest, PrepareKeepsAOneLineRecordAsItIs) {
  const std::string record = R"({"time":"2026-12-05T06:00:00Z","fields":{"person.name":"ok"}})";
  EXPECT_EQ(AuditLine::prepare(record), record);
}

// Raw line breaks (only legal between JSON tokens) become spaces, wherever and however many.
TEST(AuditLineTest, PreparePutsTheRecordOnOneLineAndTrimsIt) {
  EXPECT_EQ(AuditLine::prepare(" \r\n{\"a\":\r\n1,\n\"b\":\r2}\n\n"), "{\"a\":  1, \"b\": 2}");
  EXPECT_EQ(AuditLine::prepare("{}"), "{}");
}

TEST(AuditLineTest, PrepareRefusesWhatIsNotOneObject) {
  for (const std::string bad : {"", "  \n", "[1]", "{\"a\":1", "\"x\""}) {
    EXPECT_THROW(AuditLine::prepare(bad), Error) << bad;
  }
}

}  // namespace
}  // namespace oncegate
