#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// The subjects most recently asked about, newest first and each once: the sample a consistency
// check (一数一源) reads, so that it looks at people the gateway serves, not at a table's first
// rows. Read from the audit record: data requests only (/v1/resolve, /v1/verify and the forms'
// prefill), since an admin's dry run names a subject too but says nothing of who is served.
// The keys are personal data: they go to the sources the check reads, never to a log.
class RecentSubjects {
 public:
  static constexpr std::size_t kMaxSample = 1000;
  // Most audit lines one sample reads, however few distinct subjects they hold: a trail full of
  // one subject must not make a report read it whole.
  static constexpr std::size_t kMaxLinesRead = 50'000;

  // Up to `sample` key values of subjects of `subjectType` from the local trail at `trail` (its
  // rotated files included), newest first; none when nothing was written there yet.
  static std::vector<std::string> fromTrail(const std::filesystem::path& trail,
                                            std::string_view subjectType, std::size_t sample);

  // The same from the central audit record (the `line` column, newest first). Throws what
  // OdbcClient throws.
  static std::vector<std::string> fromStore(odbc::OdbcClient& store, std::string_view subjectType,
                                            std::size_t sample);

  // The subject key value of one audit line when it is a data request about `subjectType`; ""
  // otherwise (another type, no validated subject, an admin record, a torn line).
  static std::string subjectOf(std::string_view line, std::string_view subjectType);
};

}  // namespace oncegate
