#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// The queries over the central audit record (AuditStoreSchema): the auditors' search, across
// every instance, and the citizen's list of who accessed a subject's data. Every value reaches
// SQL as a bound parameter; pages follow a keyset cursor (time, instance, seq), so a page costs
// the same however deep it is and records shipped meanwhile neither repeat nor vanish.
//
// Not thread-safe (the OdbcClient is not): one per thread, or serialised by the caller. Throws
// what OdbcClient throws, and BadRequest for a cursor it did not make.
class AuditSearch {
 public:
  static constexpr std::size_t kDefaultLimit = 100;
  static constexpr std::size_t kMaxLimit = 1000;
  // The most accesses one /v1/accesses answer lists; beyond it the answer says it is truncated
  // and the citizen asks for a shorter period.
  static constexpr std::size_t kMaxAccesses = 5000;

  // Every filter narrows; absent (or empty subjectHashes) does not filter.
  struct Filter {
    // The keyed hashes (subjectIndexHash) the subject may have: one per subject type whose
    // pattern the typed ID matches. Present and empty: matches nothing.
    std::optional<std::vector<std::string>> subjectHashes;
    std::optional<std::string> caseNumber;
    std::optional<std::string> client;
    std::optional<std::string> department;
    std::optional<std::string> purpose;
    // A record that asked this field; with `outcome`, that field's outcome. `outcome` alone:
    // any field with that outcome.
    std::optional<std::string> field;
    std::optional<std::string> outcome;
    // ISO 8601 UTC as the store writes it ("2026-12-05T01:02:03.456Z"): time >= since, time <
    // until. canonicalTime() turns what a user typed into that.
    std::optional<std::string> since;
    std::optional<std::string> until;
    std::size_t limit = kDefaultLimit;  // clamped to [1, kMaxLimit]
    std::optional<std::string> cursor;  // a Page::next: the records after it
  };

  // One row of oncegate_audit_records: the line as written, where it is, and the columns an
  // export shows.
  struct Record {
    std::string instance;
    std::int64_t seq = 0;
    std::string time;
    std::string event;
    std::string requestId;
    std::string route;
    std::int64_t status = 0;
    std::string client;
    std::string department;
    std::string purpose;
    std::string caseNumber;
    std::string subjectType;
    std::string discloseAfter;
    std::string line;
    // The fields the record asked and their outcomes, in the order the line lists them.
    std::vector<std::pair<std::string, std::string>> fields;
  };

  struct Page {
    std::vector<Record> records;
    std::optional<std::string> next;  // the cursor of the next page; none when this is the last
  };

  explicit AuditSearch(odbc::OdbcClient& store);

  // One page of the records matching `filter`, ordered by time, instance, seq.
  Page find(const Filter& filter);

  // The data accesses (resolve, verify, prefill answered 200) to the subject whose keyed hash is
  // `subjectHash`, made at or after `from` and before `until` (store times), except those whose
  // disclose_after is after `today` (YYYY-MM-DD, UTC): at most kMaxAccesses + 1, so that the
  // caller can tell the list was cut.
  std::vector<Record> accessesOf(const std::string& subjectHash, const std::string& from,
                                 const std::string& until, const std::string& today);

  // "2026-03-31", "2026-03-31T17:45:10Z" or with a fraction, as the store writes times
  // ("2026-03-31T17:45:10.000Z"); nullopt when malformed.
  static std::optional<std::string> canonicalTime(std::string_view text);

 private:
  odbc::OdbcClient& store_;
};

}  // namespace oncegate
