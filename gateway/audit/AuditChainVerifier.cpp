#include "gateway/audit/AuditChainVerifier.h"

#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <vector>

#include "common/Base64Url.h"
#include "common/Digest.h"
#include "gateway/audit/AuditCheckpoint.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/audit/FileAuditLog.h"

namespace oncegate {

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// What the verifier keeps of each line: its hash and the prev it carries (files can be large,
// so the lines themselves are not kept; checkpoints, a few per thousand lines, are).
struct LineLink {
  std::string hash;
  std::optional<std::string> prev;
  bool mayBeTorn = false;  // no prev, and not a whole JSON object
};

// What a rotation record on a file's first line says.
struct Continuation {
  std::string file;
  std::uint64_t records = 0;  // 0: a rotation record written before they carried the count
};

AuditChainReport broken(std::size_t lines, std::size_t line, std::string problem) {
  AuditChainReport report;
  report.lines = lines;
  report.firstBrokenLine = line;
  report.problem = std::move(problem);
  return report;
}

// The file a rotation record continues; nullopt when `line` is not a rotation record.
std::optional<Continuation> continuation(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::dom::element record;
  if (parser.parse(line).get(record)) return std::nullopt;
  std::string_view event;
  std::string_view continues;
  if (record["event"].get(event) || event != FileAuditLog::kRotationEvent) return std::nullopt;
  if (record["continues"].get(continues) || continues.empty()) return std::nullopt;
  Continuation found{std::string(continues), 0};
  std::uint64_t records = 0;
  if (!record["records"].get(records)) found.records = records;
  return found;
}

// Why checkpoint `checkpoint` on line `number` fails, or empty when it holds. `prev` is the
// line's own prev and `records` the count of lines in the chain up to it.
std::string checkpointProblem(const AuditCheckpoint& checkpoint, std::size_t number,
                              std::string_view prev, std::uint64_t records,
                              const AuditCheckpointKeys* keys) {
  const std::string line = "line " + std::to_string(number) + " is a checkpoint ";
  if (checkpoint.head != prev) {
    return line + "whose head is not the hash of the line before it: it was edited";
  }
  if (checkpoint.records != records) {
    return line + "that counts " + std::to_string(checkpoint.records) +
           " lines up to it, but the chain holds " + std::to_string(records) +
           ": lines were removed or added before it";
  }
  if (keys == nullptr) return {};
  const auto problem = checkpointSignatureProblem(checkpoint, *keys);
  return problem.empty() ? problem : line + problem;
}

// A write cut short leaves a proper prefix of a line, and no proper prefix of one JSON object is
// a JSON object: a line that parses was put there whole (inserted, or edited), not torn.
bool mayBeTorn(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  return parser.parse(line).get(element) != simdjson::SUCCESS;
}

}  // namespace

std::string checkpointSignatureProblem(const AuditCheckpoint& checkpoint,
                                       const AuditCheckpointKeys& keys) {
  const auto key = keys.find(checkpoint.kid);
  if (key == keys.end()) {
    return "signed with key '" + checkpoint.kid +
           "', which is not among the keys given: give the JWKS that holds it";
  }
  const auto signature = base64UrlDecode(checkpoint.signature);
  const auto input =
      AuditCheckpoint::signingInput(checkpoint.head, checkpoint.records, checkpoint.time);
  if (!signature || !key->second.verify(input, *signature)) {
    return "whose signature does not verify with key '" + checkpoint.kid +
           "': the trail was rewritten (its hash chain recomputed) or the checkpoint forged";
  }
  return {};
}

std::uint64_t AuditChainReport::unprotectedLines() const {
  return records - (checkpoints.empty() ? firstRecord : checkpoints.back().records);
}

AuditChainReport::Coverage AuditChainReport::coverage(std::uint64_t atRecords,
                                                      std::string_view head) const {
  if (atRecords <= firstRecord) return Coverage::NotGiven;
  if (atRecords > records) return Coverage::Truncated;
  const auto found =
      std::find_if(checkpoints.begin(), checkpoints.end(),
                   [&](const Checkpoint& checkpoint) { return checkpoint.records == atRecords; });
  return found != checkpoints.end() && found->head == head ? Coverage::Covered : Coverage::Differs;
}

AuditChainReport verifyAuditChain(const std::filesystem::path& path,
                                  const AuditCheckpointKeys* keys) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return broken(0, 0, "cannot read " + path.string());

  std::vector<LineLink> links;
  std::vector<std::pair<std::size_t, std::string>> checkpointLines;  // (index, line)
  std::string line;
  std::string first;
  while (std::getline(in, line)) {
    if (links.empty()) first = line;
    auto prev = AuditLine::prevOf(line);
    if (AuditCheckpoint::mayBe(line)) checkpointLines.emplace_back(links.size(), line);
    links.push_back(LineLink{sha256Hex(line),
                             prev ? std::optional<std::string>(*prev) : std::nullopt,
                             !prev && mayBeTorn(line)});
  }
  const std::size_t count = links.size();

  // A file started by rotation links to its predecessor, which this file alone cannot check; it
  // states how many lines the chain held before it.
  std::optional<Continuation> continues;
  if (!links.empty() && links[0].prev && *links[0].prev != AuditLine::kFirstPrev) {
    continues = continuation(first);
  }
  const std::uint64_t base = continues && continues->records > 0 ? continues->records - 1 : 0;

  AuditChainReport report;
  report.signaturesChecked = keys != nullptr;
  std::size_t lastWhole = kNone;  // index of the last line in the chain so far
  std::uint64_t chained = 0;
  auto nextCheckpoint = checkpointLines.begin();
  // Whether line i (0-based) chains to the last whole line before it.
  const auto chainsOn = [&](std::size_t i) {
    if (!links[i].prev) return false;
    if (lastWhole == kNone) return (i == 0 && continues) || *links[i].prev == AuditLine::kFirstPrev;
    return *links[i].prev == links[lastWhole].hash;
  };

  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t number = i + 1;
    if (!links[i].prev) {
      // Torn by a crash when what follows chains to the last whole line: the writer started a
      // new line on restart and went on from there.
      std::size_t next = i;
      while (next < count && links[next].mayBeTorn) ++next;
      if (next < count && !chainsOn(next)) {
        return broken(count, number,
                      "line " + std::to_string(number) +
                          " does not end with a \"prev\" hash (edited, or torn by a crash) and "
                          "the line after it does not chain to the line before it");
      }
      for (; i < next; ++i) report.tornLines.push_back({path.string(), i + 1});
      --i;
      continue;
    }
    if (!chainsOn(i)) {
      if (lastWhole == kNone) {
        return broken(count, number,
                      "line " + std::to_string(number) +
                          " is not the start of a chain: it was altered, or lines before it "
                          "were removed");
      }
      // The line at the break is intact if its successor still holds its hash; then the line
      // before the break was changed (or lines between them were removed).
      const bool atBreakIntact =
          i + 1 == count || (links[i + 1].prev && *links[i + 1].prev == links[i].hash);
      if (atBreakIntact) {
        return broken(count, lastWhole + 1,
                      "line " + std::to_string(lastWhole + 1) + " does not match the hash line " +
                          std::to_string(number) +
                          " recorded for it: it was altered, or lines after it were removed");
      }
      return broken(count, number,
                    "line " + std::to_string(number) +
                        " was altered: its \"prev\" and the hash "
                        "recorded by line " +
                        std::to_string(number + 1) + " both disagree");
    }
    lastWhole = i;
    ++chained;
    while (nextCheckpoint != checkpointLines.end() && nextCheckpoint->first < i) ++nextCheckpoint;
    if (nextCheckpoint == checkpointLines.end() || nextCheckpoint->first != i) continue;
    const auto checkpoint = AuditCheckpoint::parse(nextCheckpoint->second);
    if (!checkpoint) continue;
    const std::uint64_t records = base + chained;
    auto problem = checkpointProblem(*checkpoint, number, *links[i].prev, records, keys);
    if (!problem.empty()) return broken(count, number, std::move(problem));
    report.checkpoints.push_back(
        {path.string(), number, records, checkpoint->head, checkpoint->time, checkpoint->kid});
  }
  report.intact = true;
  report.lines = count;
  if (continues) report.continues = continues->file;
  if (lastWhole != kNone) report.lastHash = links[lastWhole].hash;
  const auto firstWhole =
      std::find_if(links.begin(), links.end(), [](const LineLink& link) { return link.prev; });
  if (firstWhole != links.end()) report.firstPrev = *firstWhole->prev;
  report.firstRecord = base;
  report.records = base + chained;
  return report;
}

AuditChainReport verifyAuditFiles(const std::vector<std::filesystem::path>& files,
                                  const AuditCheckpointKeys* keys) {
  AuditChainReport total;
  total.intact = true;
  total.signaturesChecked = keys != nullptr;
  std::string previousHash;
  for (std::size_t k = 0; k < files.size(); ++k) {
    auto report = verifyAuditChain(files[k], keys);
    report.file = files[k].string();
    if (!report.intact) return report;
    if (k == 0) {
      total.continues = report.continues;
      total.firstRecord = report.firstRecord;
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
      // A rotation record from before the count was kept states none (firstRecord 0).
      if (report.firstRecord != 0 && report.firstRecord != total.records) {
        report.intact = false;
        report.firstBrokenLine = 1;
        report.problem = "line 1 states that " + std::to_string(report.firstRecord) +
                         " lines precede it, but the files before it hold " +
                         std::to_string(total.records) + ": lines were removed or added";
        return report;
      }
    }
    total.lines += report.lines;
    total.records = report.records;
    previousHash = report.lastHash;
    total.lastHash = report.lastHash;
    total.tornLines.insert(total.tornLines.end(), report.tornLines.begin(), report.tornLines.end());
    total.checkpoints.insert(total.checkpoints.end(), report.checkpoints.begin(),
                             report.checkpoints.end());
  }
  return total;
}

}  // namespace oncegate
