#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/LastSourceProbes.h"
#include "gateway/admin/SourceStatusEndpoints.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A source that only reports the counters it is given.
class CountedSource final : public Source {
 public:
  CountedSource(std::string id, SourceStats stats) : id_(std::move(id)), stats_(stats) {}
  const std::string& id() const override { return id_; }
  void execute(SourceQuery, Clock::time_point, Completion done) override {
    QueryOutcome outcome;
    outcome.error = Error(ErrorCode::SourceUnavailable, "not a database");
    done(std::move(outcome));
  }
  SourceStats stats() const override { return stats_; }

 private:
  std::string id_;
  SourceStats stats_;
};

class SourceStatusEndpointsTest : public ::testing::Test {
 protected:
  SourceStatusEndpointsTest() {
    std::vector<ConfigDocument> documents;
    for (const char* text :
         {R"({ id: tax_bureau, department: 税务局, odbc: "DSN=tax;PWD=tax-secret-1" })",
          R"({ id: civil_registry, department: 民政局, odbc: "DSN=civil" })",
          R"({ id: archive, department: 档案馆, odbc: "DSN=archive" })"}) {
      const auto item = ConfigNode::parse(text, "sources.yaml");
      documents.push_back(ConfigDocument{"sources", item.at("id").asString(), item});
    }
    live_.install(
        live_.build(buildConfiguration(GatewayConfig{}, std::move(documents)), 1, nullptr));
  }

  std::string status() {
    SourceStatusEndpoints endpoints(live_, probes_);
    AdminCall call;
    call.requestId = "req-1";
    const auto response = endpoints.status(call);
    EXPECT_EQ(call.outcome, "listed");
    return response.body;
  }

  static SourceStats statsOf(const std::string& id) {
    SourceStats stats;
    if (id == "tax_bureau") {
      stats.connects = 2;
      stats.queries = 3;
      LatencyHistogram histogram;
      for (int i = 0; i < 3; ++i) histogram.observe(std::chrono::microseconds(400));
      stats.queryDuration = histogram.snapshot();
    } else if (id == "civil_registry") {
      stats.connects = 1;
      stats.queries = 9;
      stats.failures = 5;
      stats.shortCircuited = 4;
      stats.breakerOpen = true;
    }
    return stats;
  }

  SnapshotRetirer retirer_;
  LiveConfiguration live_{[](const SourceConfig& config) -> std::shared_ptr<Source> {
                            return std::make_shared<CountedSource>(config.id, statsOf(config.id));
                          },
                          retirer_};
  LastSourceProbes probes_;
};

TEST_F(SourceStatusEndpointsTest, ListsEachSourceInConfigurationOrderWithItsHealth) {
  const auto body = status();
  EXPECT_THAT(body, HasSubstr(R"({"sources":[{"id":"tax_bureau","department":"税务局",)"
                              R"("health":"healthy","breaker":"closed","queries":3,"failures":0,)"
                              R"("timeouts":0,"short_circuited":0,"in_use":0,"queued":0,)"
                              R"("latency_ms":{"mean":0.4,"p50":0.5,"p90":0.5,"p99":0.5},)"
                              R"("last_probe":null},)"));
  EXPECT_THAT(body, HasSubstr(R"({"id":"civil_registry","department":"民政局",)"
                              R"("health":"failing","breaker":"open","queries":9,"failures":5,)"
                              R"("timeouts":0,"short_circuited":4,)"));
  EXPECT_THAT(body, HasSubstr(R"({"id":"archive","department":"档案馆","health":"idle",)"));
  EXPECT_THAT(body, HasSubstr(R"("request_id":"req-1"})"));
  // Nothing of a connection string, redacted or not.
  EXPECT_THAT(body, Not(HasSubstr("DSN")));
  EXPECT_THAT(body, Not(HasSubstr("tax-secret-1")));
}

TEST_F(SourceStatusEndpointsTest, ShowsTheLastConnectionTestOfASource) {
  LastSourceProbes::Probe failed;
  failed.at = std::chrono::system_clock::time_point(std::chrono::seconds(1796443200));
  failed.connectMs = 12.5;
  failed.errorCode = "source_unavailable";
  probes_.record("archive", failed);
  LastSourceProbes::Probe ok;
  ok.at = failed.at;
  ok.ok = true;
  ok.connectMs = 3.25;
  ok.queryMs = 0.5;
  probes_.record("tax_bureau", failed);
  probes_.record("tax_bureau", ok);  // the last one counts

  const auto body = status();
  EXPECT_THAT(body, HasSubstr(R"("last_probe":{"at":"2026-12-05T04:00:00)"));
  EXPECT_THAT(body, HasSubstr(R"("ok":true,"connect_ms":3.25,"query_ms":0.5}},)"));
  EXPECT_THAT(body, HasSubstr(R"("ok":false,"connect_ms":12.5,"query_ms":null,)"
                              R"("error":"source_unavailable"}})"));
}

}  // namespace
}  // namespace oncegate
