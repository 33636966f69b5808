// The audit-line reader on any file content: AuditTrailReader reads the trail backwards in blocks
// and must skip torn or malformed lines, never crash on them. The answer must not depend on where
// the block boundaries fall (small blocks, their size chosen by the first byte, against the
// default), and every line it returns must be a whole JSON object that ends the way
// AuditLine::chain ends lines. The input is also run through AuditLine (prepare, chain, prevOf) and
// parseTime.
#include <simdjson.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "common/Error.h"
#include "fuzz/FuzzProperty.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/audit/AuditTrailReader.h"

namespace oncegate {
namespace {

// One file per process, in a directory removed at exit. Never destroyed itself: the exit handler
// that removes the directory runs after static objects are gone.
const std::filesystem::path& trailPath() {
  static const auto* path = [] {
    const auto directory = std::filesystem::temp_directory_path() /
                           ("oncegate-fuzz-audit-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(trailPath().parent_path(), ignored);
    });
    return new std::filesystem::path(directory / "audit.jsonl");
  }();
  return *path;
}

void checkReader(std::size_t blockSize, std::string_view content) {
  {
    std::ofstream out(trailPath(), std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  AuditTrailReader::Filter filter;
  filter.limit = AuditTrailReader::kMaxLimit;
  const auto small = AuditTrailReader(trailPath(), blockSize).recentLines(filter);
  const auto whole = AuditTrailReader(trailPath()).recentLines(filter);
  fuzzRequire(small.lines == whole.lines, "the lines read do not depend on the block size");
  fuzzRequire(
      small.scan.skipped == whole.scan.skipped && small.scan.linesRead == whole.scan.linesRead,
      "the scan does not depend on the block size");
  fuzzRequire(whole.lines.size() + whole.scan.skipped <= whole.scan.linesRead,
              "every line is either taken or skipped");
  simdjson::dom::parser parser;
  for (const auto& line : whole.lines) {
    fuzzRequire(line.find('\n') == std::string::npos, "a line read holds no newline");
    fuzzRequire(AuditLine::prevOf(line).has_value(), "a line read ends with its prev hash");
    simdjson::dom::object object;
    fuzzRequire(!parser.parse(line).get_object().get(object), "a line read is a JSON object");
    fuzzRequire(content.find(line) != std::string_view::npos, "a line read is in the file");
  }
  const auto requests = AuditTrailReader(trailPath(), blockSize).recentRequests({});
  const auto requestsWhole = AuditTrailReader(trailPath()).recentRequests({});
  fuzzRequire(requests.requests.size() == requestsWhole.requests.size(),
              "the requests read do not depend on the block size");
  for (const auto& request : requestsWhole.requests) {
    fuzzRequire(request.route == AuditTrailReader::kResolveRoute ||
                    request.route == AuditTrailReader::kVerifyRoute,
                "a replayed request is a data request");
    fuzzRequire(!request.client.empty(), "a replayed request has a client");
  }
}

void checkLine(std::string_view content) {
  std::string prepared;
  try {
    prepared = AuditLine::prepare(std::string(content));
  } catch (const Error& error) {
    fuzzRequire(error.code() == ErrorCode::Internal, "a record that is no object is refused");
    return;
  }
  fuzzRequire(prepared.find_first_of("\r\n") == std::string::npos, "a prepared record is one line");
  const std::string prev(64, 'a');
  const auto line = AuditLine::chain(prepared, prev);
  const auto found = AuditLine::prevOf(line);
  fuzzRequire(found.has_value() && *found == prev, "prevOf finds the prev that chain wrote");
}

}  // namespace
}  // namespace oncegate

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view content(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Blocks of 1 to 64 bytes, but no more than about 16 blocks per file: each block is a seek and a
  // read, and a thousand of them per input would slow the fuzzer down to a crawl.
  oncegate::checkReader(content.size() / 16 + 1 + data[0] % 64, content);
  oncegate::checkLine(content);
  if (const auto time = oncegate::AuditTrailReader::parseTime(content)) {
    oncegate::fuzzRequire(content.size() >= 10, "a time has at least a date");
  }
  return 0;
}
