#include "gateway/audit/AuditChainVerifier.h"

#include <simdjson.h>

#include <fstream>
#include <optional>
#include <vector>

#include "common/Digest.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/audit/FileAuditLog.h"

namespace oncegate {

namespace {

// What the verifier keeps of each line: its hash and the prev it carries (files can be large,
// so the lines themselves are not kept).
struct LineLink {
  std::string hash;
  std::optional<std::string> prev;
};

AuditChainReport broken(std::size_t lines, std::size_t line, std::string problem) {
  AuditChainReport report;
  report.lines = lines;
  report.firstBrokenLine = line;
  report.problem = std::move(problem);
  return report;
}

// The file a rotation record continues; nullopt when `line` is not a rotation record.
std::optional<std::string> continuedFile(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::dom::element record;
  if (parser.parse(line).get(record)) return std::nullopt;
  std::string_view event;
  std::string_view continues;
  if (record["event"].get(event) || event != FileAuditLog::kRotationEvent) return std::nullopt;
  if (record["continues"].get(continues) || continues.empty()) return std::nullopt;
  return std::string(continues);
}

}  // namespace

AuditChainReport verifyAuditChain(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return broken(0, 0, "cannot read " + path.string());

  std::vector<LineLink> links;
  std::string line;
  std::string first;
  while (std::getline(in, line)) {
    if (links.empty()) first = line;
    auto prev = AuditLine::prevOf(line);
    links.push_back(
        LineLink{sha256Hex(line), prev ? std::optional<std::string>(*prev) : std::nullopt});
  }
  const std::size_t count = links.size();

  // links[i] (0-based) is intact when line i+1 names the hash of line i as its prev.
  // A file started by rotation links to its predecessor, which this file alone cannot check.
  std::string continues;
  if (!links.empty() && links[0].prev && *links[0].prev != AuditLine::kFirstPrev) {
    continues = continuedFile(first).value_or("");
  }
  auto linkHolds = [&](std::size_t i) {
    if (i == 0 && !continues.empty()) return links[0].prev.has_value();
    const std::string expected = i == 0 ? std::string(AuditLine::kFirstPrev) : links[i - 1].hash;
    return links[i].prev && *links[i].prev == expected;
  };

  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t number = i + 1;
    if (!links[i].prev) {
      return broken(count, number,
                    "line " + std::to_string(number) +
                        " does not end with a \"prev\" hash (edited, or torn by a crash)");
    }
    if (linkHolds(i)) continue;
    if (i == 0) {
      return broken(count, 1,
                    "line 1 is not the start of a chain: it was altered, or lines before it "
                    "were removed");
    }
    // The line at the break is intact if its successor still holds its hash; then the line
    // before the break was changed (or lines between them were removed).
    const bool atBreakIntact = i + 1 == count || linkHolds(i + 1);
    if (atBreakIntact) {
      return broken(count, number - 1,
                    "line " + std::to_string(number - 1) + " does not match the hash line " +
                        std::to_string(number) +
                        " recorded for it: it was altered, or lines after it were removed");
    }
    return broken(count, number,
                  "line " + std::to_string(number) +
                      " was altered: its \"prev\" and the hash "
                      "recorded by line " +
                      std::to_string(number + 1) + " both disagree");
  }
  AuditChainReport report;
  report.intact = true;
  report.lines = count;
  report.continues = continues;
  if (!links.empty()) report.lastHash = links.back().hash;
  report.firstPrev = links.empty() || !links[0].prev ? std::string() : *links[0].prev;
  return report;
}

AuditChainReport verifyAuditFiles(const std::vector<std::filesystem::path>& files) {
  AuditChainReport total;
  total.intact = true;
  std::string previousHash;
  for (std::size_t k = 0; k < files.size(); ++k) {
    auto report = verifyAuditChain(files[k]);
    report.file = files[k].string();
    if (!report.intact) return report;
    if (k == 0) {
      total.continues = report.continues;
    } else {
      const auto expected = files[k - 1].filename().string();
      if (report.continues != expected || report.firstPrev != previousHash) {
        report.intact = false;
        report.firstBrokenLine = 1;
        report.problem = "line 1 does not continue " + expected +
                         ": files are missing or out of order between them, or the first line "
                         "was altered";
        return report;
      }
    }
    total.lines += report.lines;
    previousHash = report.lastHash;
    total.lastHash = report.lastHash;
  }
  return total;
}

}  // namespace oncegate
