#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/SecretReferences.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A directory of the test's own standing for gateway.yaml's, removed afterwards.
class SecretReferencesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("oncegate-secret-refs-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_ / "secrets");
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  void write(const std::filesystem::path& relative, const std::string& content) {
    std::ofstream(directory_ / relative, std::ios::binary) << content;
  }

  static Error errorOf(const std::function<void()>& action) {
    try {
      action();
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "no error";
    return Error(ErrorCode::Internal, "no error");
  }

  std::filesystem::path directory_;
};

TEST_F(SecretReferencesTest, ReadsAFileWithOneTrailingNewlineRemoved) {
  write("secrets/fund", "hunter2\n");
  write("secrets/two-lines", "a\nb\n\n");
  write("secrets/crlf", "p4ss\r\n");
  write("secrets/bare", "no newline");
  const auto references = SecretReferences::any(directory_);
  EXPECT_EQ(references.expand("PWD=${file:secrets/fund};x"), "PWD=hunter2;x");
  EXPECT_EQ(references.expand("${file:secrets/two-lines}"), "a\nb\n");
  EXPECT_EQ(references.expand("${file:secrets/crlf}"), "p4ss");
  EXPECT_EQ(references.expand("${file:secrets/bare}"), "no newline");
}

TEST_F(SecretReferencesTest, ARelativePathIsRelativeToTheBaseDirectoryAndAnAbsoluteOneIsNot) {
  write("secrets/fund", "relative\n");
  const auto absolute = directory_ / "secrets" / "fund";
  // The process's working directory plays no part.
  EXPECT_EQ(SecretReferences::any(directory_).expand("${file:secrets/fund}"), "relative");
  EXPECT_EQ(SecretReferences::any("/nonexistent").expand("${file:" + absolute.string() + "}"),
            "relative");
}

TEST_F(SecretReferencesTest, AnUnreadableFileNamesTheReferenceNeverAValue) {
  write("secrets/other", "do-not-show\n");
  const auto error =
      errorOf([&] { SecretReferences::any(directory_).expand("PWD=${file:secrets/missing}"); });
  EXPECT_EQ(error.code(), ErrorCode::InvalidConfig);
  EXPECT_THAT(error.message(), HasSubstr("${file:secrets/missing}: cannot read the file"));
  const auto directoryError =
      errorOf([&] { SecretReferences::any(directory_).expand("${file:secrets}"); });
  EXPECT_EQ(directoryError.code(), ErrorCode::InvalidConfig);
  EXPECT_THAT(errorOf([&] { SecretReferences::any(directory_).expand("${file:}"); }).message(),
              HasSubstr("names no file"));
}

TEST_F(SecretReferencesTest, ExpandsEnvironmentVariablesAndNamesAnUnsetOne) {
  ::setenv("ONCEGATE_TEST_REF_SET", "value", 1);
  ::unsetenv("ONCEGATE_TEST_REF_UNSET");
  const auto references = SecretReferences::any(directory_);
  EXPECT_EQ(references.expand("a=${ONCEGATE_TEST_REF_SET};b=$x;c=$"), "a=value;b=$x;c=$");
  const auto error = errorOf([&] { references.expand("${ONCEGATE_TEST_REF_UNSET}"); });
  EXPECT_EQ(error.code(), ErrorCode::InvalidConfig);
  EXPECT_THAT(error.message(),
              HasSubstr("environment variable 'ONCEGATE_TEST_REF_UNSET' is not set"));
  EXPECT_THAT(errorOf([&] { references.expand("x=${UNTERMINATED"); }).message(),
              HasSubstr("unterminated ${"));
}

TEST_F(SecretReferencesTest, OnlyBoundReferencesResolveAndAnyOtherIsRefusedTheSameWay) {
  write("secrets/fund", "hunter2\n");
  ::setenv("ONCEGATE_TEST_REF_SET", "value", 1);
  ::unsetenv("ONCEGATE_TEST_REF_UNSET");
  const auto references = SecretReferences::onlyBound(
      directory_, {"ONCEGATE_TEST_REF_SET", "file:secrets/fund"}, "source 'fund'");
  EXPECT_EQ(references.expand("a=${ONCEGATE_TEST_REF_SET};PWD=${file:secrets/fund}"),
            "a=value;PWD=hunter2");
  ::setenv("ONCEGATE_TEST_REF_OTHER", "other-secret", 1);
  const auto set = errorOf([&] { references.expand("x=${ONCEGATE_TEST_REF_OTHER}"); });
  const auto unset = errorOf([&] { references.expand("x=${ONCEGATE_TEST_REF_UNSET}"); });
  EXPECT_EQ(set.code(), ErrorCode::BadRequest);
  EXPECT_EQ(unset.code(), ErrorCode::BadRequest);
  EXPECT_THAT(set.message(), Not(HasSubstr("other-secret")));
  // Set or unset, the same words: only the reference's own text differs.
  std::string setWords = set.message();
  std::string unsetWords = unset.message();
  setWords.replace(setWords.find("OTHER"), 5, "?");
  unsetWords.replace(unsetWords.find("UNSET"), 5, "?");
  EXPECT_EQ(setWords, unsetWords);
  EXPECT_THAT(set.message(), HasSubstr("is not bound to source 'fund'"));
  // A bound reference next to an unbound one does not resolve either.
  EXPECT_EQ(errorOf([&] { references.expand("${file:secrets/fund}${file:/etc/shadow}"); }).code(),
            ErrorCode::BadRequest);
  // Nothing bound: any reference is refused, a string without one passes.
  const auto none = SecretReferences::onlyBound(directory_, {}, "source 'x'");
  EXPECT_EQ(none.expand("Driver=SQLite3;Database=/tmp/x.db"), "Driver=SQLite3;Database=/tmp/x.db");
  EXPECT_EQ(errorOf([&] { none.expand("${ONCEGATE_TEST_REF_SET}"); }).code(),
            ErrorCode::BadRequest);
}

TEST_F(SecretReferencesTest, ConfigNodeNamesFileAndLineAndKeepsTheCode) {
  write("secrets/fund", "hunter2\n");
  const auto doc = ConfigNode::parse("a: x\nodbc: \"PWD=${file:secrets/fund}\"\n", "s.yaml");
  EXPECT_EQ(doc.at("odbc").asExpandedString(SecretReferences::any(directory_)), "PWD=hunter2");
  const auto error = errorOf([&] {
    doc.at("odbc").asExpandedString(SecretReferences::onlyBound(directory_, {}, "source 'x'"));
  });
  EXPECT_EQ(error.code(), ErrorCode::BadRequest);
  EXPECT_THAT(error.message(), HasSubstr("s.yaml:2: ${file:secrets/fund} is not bound"));
}

TEST_F(SecretReferencesTest, ListsTheReferencesAsWritten) {
  EXPECT_EQ(SecretReferences::referencesIn("a=${X};b=${file:/run/s};c"),
            (std::vector<std::string>{"X", "file:/run/s"}));
}

}  // namespace
}  // namespace oncegate
