#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oncegate {

// A signed checkpoint of the audit trail: one line, chained like any other,
//   {"time":..,"event":"audit_checkpoint","records":N,"head":"<hex>","kid":..,"signature":..,"prev":..}
// `head` is the line's own prev (the SHA-256 of the line before it) and `records` the number of
// lines in the chain up to and including this one, counted from the chain's first line across
// rotations. Whoever rewrites the trail and recomputes its hash chain cannot re-sign the heads.
struct AuditCheckpoint {
  static constexpr std::string_view kEvent = "audit_checkpoint";

  std::string time;  // "2026-12-05T01:02:03.456Z"
  std::uint64_t records = 0;
  std::string head;
  std::string kid;
  std::string signature;  // base64url of the 64 signature bytes

  // What the key signs: "oncegate-audit-checkpoint-v1\n<head>\n<records>\n<time>".
  static std::string signingInput(std::string_view head, std::uint64_t records,
                                  std::string_view time);

  // The record (without "prev": AuditLine::chain adds it).
  std::string record() const;

  // The checkpoint a line holds; nullopt when the line is not a checkpoint (its top-level
  // "event" is not kEvent). A checkpoint line missing a field, or with one of the wrong type,
  // gives a checkpoint with that field empty (or 0) for the verifier to reject.
  static std::optional<AuditCheckpoint> parse(std::string_view line);
  // A cheap test before parse(): false for every line that is surely not a checkpoint.
  static bool mayBe(std::string_view line);
};

}  // namespace oncegate
