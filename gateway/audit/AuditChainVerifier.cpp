#include "gateway/audit/AuditChainVerifier.h"

#include <fstream>
#include <optional>
#include <vector>

#include "common/Digest.h"
#include "gateway/audit/AuditLine.h"

namespace oncegate {

namespace {

// What the verifier keeps of each line: its hash and the prev it carries (files can be large,
// so the lines themselves are not kept).
struct LineLink {
  std::string hash;
  std::optional<std::string> prev;
};

AuditChainReport broken(std::size_t lines, std::size_t line, std::string problem) {
  return AuditChainReport{false, lines, line, std::move(problem)};
}

}  // namespace

AuditChainReport verifyAuditChain(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return broken(0, 0, "cannot read " + path.string());

  std::vector<LineLink> links;
  std::string line;
  while (std::getline(in, line)) {
    auto prev = AuditLine::prevOf(line);
    links.push_back(
        LineLink{sha256Hex(line), prev ? std::optional<std::string>(*prev) : std::nullopt});
  }
  const std::size_t count = links.size();

  // links[i] (0-based) is intact when line i+1 names the hash of line i as its prev.
  auto linkHolds = [&](std::size_t i) {
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
  return AuditChainReport{true, count, 0, {}};
}

}  // namespace oncegate
