#include "gateway/audit/AuditChainTail.h"

#include <simdjson.h>
#include <unistd.h>

#include <optional>
#include <string_view>

#include "common/Digest.h"
#include "gateway/audit/AuditCheckpoint.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/audit/FileAuditLog.h"

namespace oncegate {

namespace {

constexpr std::size_t kChunk = 256 * 1024;

struct Anchor {
  std::uint64_t records = 0;
  bool checkpoint = false;
};

// The count a checkpoint or a rotation record states; nullopt for any other line, and for a
// rotation record written before rotation records carried "records".
std::optional<Anchor> anchorOf(std::string_view line) {
  const bool checkpoint = AuditCheckpoint::mayBe(line);
  if (!checkpoint && line.find(FileAuditLog::kRotationEvent) == std::string_view::npos) {
    return std::nullopt;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(line.data(), line.size()).get(object)) return std::nullopt;
  std::string_view event;
  if (object["event"].get(event)) return std::nullopt;
  if (event != AuditCheckpoint::kEvent && event != FileAuditLog::kRotationEvent) {
    return std::nullopt;
  }
  std::uint64_t records = 0;
  if (object["records"].get(records) || records == 0) return std::nullopt;
  return Anchor{records, event == AuditCheckpoint::kEvent};
}

}  // namespace

AuditChainTail AuditChainTail::read(int fd, off_t size) {
  AuditChainTail tail;
  if (size <= 0) return tail;
  char last = 0;
  if (pread(fd, &last, 1, size - 1) != 1) return tail;
  tail.missingNewline = last != '\n';

  bool seenWhole = false;
  std::uint64_t wholeAfter = 0;  // lines in the chain after the one being looked at
  // Looks at one line (lines come last first); true once the count is known.
  const auto visit = [&](std::string_view line, bool atEnd) {
    if (!AuditLine::prevOf(line)) {
      if (atEnd && tail.missingNewline) tail.endsTorn = true;
      return false;
    }
    if (!seenWhole) {
      tail.lastHash = sha256Hex(line);
      seenWhole = true;
    }
    if (const auto anchor = anchorOf(line)) {
      tail.records = anchor->records + wholeAfter;
      tail.sinceCheckpoint = anchor->checkpoint ? wholeAfter : wholeAfter + 1;
      return true;
    }
    ++wholeAfter;
    return false;
  };

  std::string carry;  // the start of the file's last unvisited line, as far as read
  bool atEnd = true;
  off_t end = size;
  while (end > 0) {
    const auto length = static_cast<std::size_t>(std::min<off_t>(end, kChunk));
    const off_t start = end - static_cast<off_t>(length);
    std::string data(length, '\0');
    if (pread(fd, data.data(), length, start) != static_cast<ssize_t>(length)) break;
    data.append(carry);
    std::size_t stop = data.size();
    for (auto newline = data.rfind('\n', stop == 0 ? 0 : stop - 1);
         newline != std::string::npos && stop > 0;
         newline = newline == 0 ? std::string::npos : data.rfind('\n', newline - 1)) {
      const std::string_view line(data.data() + newline + 1, stop - newline - 1);
      // The empty piece after the file's final newline is no line.
      const bool skip = atEnd && !tail.missingNewline;
      if (!skip && visit(line, atEnd)) return tail;
      atEnd = false;
      stop = newline;
    }
    carry.assign(data, 0, stop);
    end = start;
  }
  if (!carry.empty() || atEnd) {
    if (visit(carry, atEnd)) return tail;
  }
  tail.records = wholeAfter;
  tail.sinceCheckpoint = wholeAfter;
  return tail;
}

}  // namespace oncegate
