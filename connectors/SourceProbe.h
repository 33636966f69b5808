#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "connectors/Source.h"
#include "connectors/SourceConfig.h"

namespace oncegate {

// Connects to one source and times a trivial query, twice: the first answer includes connecting,
// the second shows a query on the open connection. What a DBA runs (oncegatectl test-source,
// POST /admin/v1/sources/{id}/test) to see that a source answers, or the driver's own complaint.
class SourceProbe {
 public:
  static constexpr std::string_view kSql = "SELECT 1";

  using Open = std::function<std::shared_ptr<Source>(const SourceConfig&)>;

  struct Result {
    std::string source;
    // The connection string as written (${...} unexpanded) with its passwords as ***.
    std::string connection;
    bool ok = false;
    std::chrono::duration<double, std::milli> withConnect{0};
    std::chrono::duration<double, std::milli> onOpenConnection{0};
    // When not ok. Its message and detail (the driver's text, for the log only) have the
    // connection string's passwords blanked and its expanded form replaced by the one as written.
    std::optional<Error> error;
  };

  // Opens its own one-connection source through `open` (never a pool that serves requests), so
  // the time with connecting is real. Blocks for up to twice the source's timeout.
  static Result run(const SourceConfig& config, const Open& open);
};

}  // namespace oncegate
