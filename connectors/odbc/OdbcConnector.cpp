#include "connectors/odbc/OdbcConnector.h"

#include "common/Error.h"

namespace oncegate::odbc {

std::chrono::seconds wholeSecondsAtLeastOne(std::chrono::milliseconds duration) {
  const auto rounded = std::chrono::ceil<std::chrono::seconds>(duration);
  return std::max(rounded, std::chrono::seconds(1));
}

OdbcConnector::OdbcConnector(const SourceConfig& config, std::atomic<std::uint64_t>& connects)
    : environment_(OdbcEnvironment::shared()),
      sourceId_(config.id),
      connection_(config.odbc),
      shownAs_(config),
      loginTimeout_(wholeSecondsAtLeastOne(config.timeout)),
      retry_(config.retry),
      maxValueBytes_(config.maxValueBytes),
      connects_(connects) {}

std::unique_ptr<OdbcConnection> OdbcConnector::open() {
  const auto now = Clock::now().time_since_epoch().count();
  if (now < downUntil_.load(std::memory_order_acquire)) {
    throw Error(ErrorCode::SourceUnavailable, "source '" + sourceId_ +
                                                  "' is unavailable (a connect failed less than " +
                                                  std::to_string(retry_.count()) + "ms ago)");
  }
  std::unique_ptr<OdbcConnection> opened;
  try {
    opened = std::make_unique<OdbcConnection>(environment_, connection_, loginTimeout_, sourceId_,
                                              maxValueBytes_);
  } catch (const Error& error) {
    const auto until = Clock::now() + retry_;
    downUntil_.store(until.time_since_epoch().count(), std::memory_order_release);
    down_.store(true, std::memory_order_relaxed);
    // The driver's words quote the connection string: never expanded, in a log or an answer.
    throw blankSecrets(error, shownAs_);
  }
  down_.store(false, std::memory_order_relaxed);
  connects_.fetch_add(1, std::memory_order_relaxed);
  return opened;
}

}  // namespace oncegate::odbc
