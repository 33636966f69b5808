#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace oncegate {

class Field;
class JsonWriter;
class MappingCatalog;
struct GatewaySnapshot;

// 一数一源 (one datum, one source): for a sample of subjects, reads every field that carries one
// indicator straight from its source (DatasetDryRun: never the cache, each step bounded by its
// source's timeout) and compares each with the indicator's authoritative field after their
// typing (ConsistencyComparison). The report counts, per field, the subjects that agree, that
// disagree, that one of the two sources lacks, and that could not be read; the subjects that
// disagree are named masked (last 4 characters) with the audit store's keyed hash, and no value
// ever leaves it: the point is which source to correct, not what the datum is.
//
// Blocks for as long as the sources take: run it off the I/O threads.
class ConsistencyCheck {
 public:
  static constexpr std::size_t kDefaultSample = 50;
  static constexpr std::size_t kMaxSample = 1000;
  // Characters of a subject's key shown in a report; the rest are '*'.
  static constexpr std::size_t kShownCharacters = 4;

  // The fields carrying an indicator: its authoritative one and the others, in configuration
  // order.
  struct Fields {
    const Field* authoritative = nullptr;
    std::vector<const Field*> others;
  };

  struct SourceTally {
    const Field* field = nullptr;
    std::string source;
    std::size_t compared = 0;  // agreed + disagreed
    std::size_t agreed = 0;
    std::size_t disagreed = 0;
    // The subject has no value (no row, or NULL) here or in the authoritative source.
    std::size_t missing = 0;
    // This source or the authoritative one failed (unreachable, timed out, a column that no
    // longer converts).
    std::size_t unavailable = 0;

    // agreed / compared to 3 decimals; 0 when nothing was compared.
    double agreementRate() const;
  };

  struct Disagreement {
    std::string subject;      // masked
    std::string subjectHash;  // subjectIndexHash, to find the subject's records in the store
    std::vector<std::string> fields;
  };

  struct Report {
    std::string indicator;
    const Field* authoritative = nullptr;
    std::string authoritativeSource;
    std::size_t authoritativeMissing = 0;
    std::size_t authoritativeUnavailable = 0;
    std::size_t subjectsSampled = 0;
    std::vector<SourceTally> sources;         // one per non-authoritative field
    std::vector<Disagreement> disagreements;  // in the sample's order (most recent first)
  };

  // The fields that carry `indicator`. Throws Error(BadRequest) for an indicator no field
  // carries, one without an authoritative field, one carried by a single field (nothing to
  // compare), and one whose fields are about different subject types.
  static Fields fieldsOf(const MappingCatalog& catalog, std::string_view indicator);

  // Checks `indicator` (see fieldsOf) for `subjects` (key values of the subject type of its
  // fields; at most kMaxSample are read), with the snapshot's sources and hash_key.
  static Report run(const GatewaySnapshot& snapshot, std::string_view indicator,
                    const std::vector<std::string>& subjects);

  // The report's members (no enclosing braces), as POST /admin/v1/reports/consistency answers
  // and oncegatectl consistency prints.
  static void writeMembers(const Report& report, JsonWriter& json);

  // "110101199003070019" -> "**************0019": every character but the last four masked (a
  // key of four or fewer is masked whole), counting UTF-8 characters, not bytes.
  static std::string maskSubject(std::string_view key);
};

}  // namespace oncegate
