#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace oncegate {

// An admin change that widens who may read, held in the control store until a security officer
// approves it (then it is written as a document version), rejects it, or its author withdraws it.
// Kept in the store so that every instance sees it and it survives a restart.
struct PendingChange {
  std::uint64_t id = 0;
  std::string kind;        // the document kind the change writes
  std::string documentId;  // and its id
  std::string body;        // the document as JSON; empty for a removal
  bool removal = false;
  // The version of the document in the store when the change was proposed (0: there was none).
  // Approval is refused while the document's latest version differs: the change no longer
  // applies to what the author saw.
  std::uint64_t baseVersion = 0;
  std::string author;  // the admin token's name
  std::string time;    // when proposed, UTC ISO 8601
  std::string comment;
  std::vector<std::string> reasons;  // why it waits: each way it widens who may read
  std::string state;                 // pending, approved, rejected or withdrawn
  std::string decidedBy;             // empty while pending
  std::string decidedAt;
  std::string decisionComment;
  std::uint64_t appliedVersion = 0;  // the store version an approval wrote

  friend bool operator==(const PendingChange&, const PendingChange&) = default;
};

}  // namespace oncegate
