#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oncegate {

// One line of an instance's trail as the central audit record holds it: the exact line, its
// place in the chain and the columns auditors search by (AuditStoreSchema).
struct ShippedLine {
  // A signed checkpoint among the lines (event "audit_checkpoint").
  struct Checkpoint {
    std::int64_t records = 0;
    std::string head;
    std::string time;
    std::string kid;
    std::string signature;
  };

  std::int64_t seq = 0;  // 1-based position in the instance's chain
  std::string time;
  std::string event;  // "access" for a record with a "route", else the line's "event"
  std::string requestId;
  std::string route;
  std::int64_t status = 0;
  std::string client;
  std::string department;
  std::string purpose;
  std::string caseNumber;
  std::string subjectType;
  std::string subjectHash;  // subjectIndexHash of the validated subject; "" when none
  std::string discloseAfter;
  std::string line;  // without its newline
  std::string sha256;
  std::string prev;
  std::vector<std::pair<std::string, std::string>> fields;  // field, outcome
  // A rotation record's or checkpoint's "records": the chain's count up to and including it
  // (0 when the line has none).
  std::int64_t records = 0;
  std::optional<Checkpoint> checkpoint;

  // The columns of `line`, whose subject is indexed under `hashKey`; nullopt when the line is
  // not part of the chain: a line torn by a crash (cut short, so neither a JSON object nor ending
  // in its "prev"), which the chain skips, as the writer does when it restarts after one.
  // `seq` is left 0 for the caller to set.
  static std::optional<ShippedLine> parse(std::string line, std::string_view hashKey);
};

}  // namespace oncegate
