#pragma once

#include <memory>

#include "connectors/Source.h"
#include "connectors/SourceConfig.h"

namespace oncegate {

// A department database reached through ODBC: `pool` worker threads, each with its own lazily
// opened connection, take queries from a bounded queue. A source that is down when constructed
// stops nothing: it answers SourceUnavailable and keeps trying every `retry`.
//
// stats(): queries = statements sent to the database; failures = executions that completed with
// an error, including those never sent (source down, deadline passed in the queue, shutdown);
// connects = connections opened.
class OdbcSource final : public Source {
 public:
  // Queries queued beyond this many per worker are refused (SourceUnavailable) at once.
  static constexpr std::size_t kQueuePerWorker = 256;

  explicit OdbcSource(SourceConfig config);
  // Stops the workers after their current query; queued queries complete with SourceUnavailable.
  ~OdbcSource() override;
  OdbcSource(const OdbcSource&) = delete;
  OdbcSource& operator=(const OdbcSource&) = delete;

  const std::string& id() const override;
  void execute(SourceQuery query, Clock::time_point deadline, Completion done) override;
  SourceStats stats() const override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// What the gateway calls to build a source from its configuration.
std::unique_ptr<Source> makeOdbcSource(const SourceConfig& config);

}  // namespace oncegate
