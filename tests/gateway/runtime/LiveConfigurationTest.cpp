#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "TrackedSource.h"
#include "common/ConfigNode.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::TrackedSource;
using Destruction = TrackedSource::Destruction;

// A configuration of the sources given as YAML flow mappings ("{ id: hr, ... }").
Configuration configurationOf(const std::vector<std::string>& sources) {
  std::vector<ConfigDocument> documents;
  for (const auto& text : sources) {
    const auto item = ConfigNode::parse(text, "sources.yaml");
    documents.push_back(ConfigDocument{"sources", item.at("id").asString(), item});
  }
  return buildConfiguration(GatewayConfig{}, std::move(documents));
}

constexpr const char* kHr = R"({ id: hr, department: hr bureau, odbc: "DSN=hr" })";
constexpr const char* kTax = R"({ id: tax, department: tax bureau, odbc: "DSN=tax" })";

class LiveConfigurationTest : public ::testing::Test {
 protected:
  // Every source opened, in order, with the end of each.
  struct Opened {
    std::string id;
    const Source* source;
    std::shared_ptr<Destruction> end;
  };

  const Source* sourceOf(const GatewaySnapshot& snapshot, const char* id) {
    const Source* found = snapshot.sources.find(id);
    EXPECT_NE(found, nullptr) << id;
    return found;
  }
  const Opened& opened(const Source* source) {
    for (const auto& entry : opened_) {
      if (entry.source == source) return entry;
    }
    ADD_FAILURE() << "not opened by the factory";
    return opened_.front();
  }
  std::vector<std::string> openedIds() const {
    std::vector<std::string> ids;
    for (const auto& entry : opened_) ids.push_back(entry.id);
    return ids;
  }

  std::vector<Opened> opened_;
  SnapshotRetirer retirer_;
  LiveConfiguration live_{[this](const SourceConfig& config) -> std::shared_ptr<Source> {
                            auto end = std::make_shared<Destruction>();
                            auto source = std::make_shared<TrackedSource>(config.id, end);
                            opened_.push_back(Opened{config.id, source.get(), end});
                            return source;
                          },
                          retirer_};
};

TEST_F(LiveConfigurationTest, BuildOpensEverySourceWithoutABase) {
  const auto snapshot = live_.build(configurationOf({kHr, kTax}), 7, nullptr);
  EXPECT_EQ(snapshot->version, 7U);
  EXPECT_EQ(snapshot->sources.all().size(), 2U);
  EXPECT_THAT(openedIds(), ::testing::UnorderedElementsAre("hr", "tax"));
  EXPECT_EQ(live_.current(), nullptr);  // built, not installed
}

TEST_F(LiveConfigurationTest, BuildReusesIdenticalSourcesAndOpensChangedAndNewOnes) {
  const auto first = live_.build(configurationOf({kHr, kTax}), 1, nullptr);
  opened_.clear();
  const auto second =
      live_.build(configurationOf({kHr, R"({ id: tax, department: tax bureau, odbc: "DSN=tax2" })",
                                   R"({ id: fund, department: fund centre, odbc: "DSN=fund" })"}),
                  2, first.get());

  EXPECT_EQ(sourceOf(*second, "hr"), sourceOf(*first, "hr"));
  EXPECT_NE(sourceOf(*second, "tax"), sourceOf(*first, "tax"));
  EXPECT_THAT(openedIds(), ::testing::UnorderedElementsAre("tax", "fund"));
}

TEST_F(LiveConfigurationTest, EverySettingOfASourceCountsAsAChange) {
  const auto base = live_.build(configurationOf({kHr}), 1, nullptr);
  const std::vector<std::string> changed = {
      R"({ id: hr, department: other bureau, odbc: "DSN=hr" })",
      R"({ id: hr, department: hr bureau, odbc: "DSN=hr", pool: 9 })",
      R"({ id: hr, department: hr bureau, odbc: "DSN=hr", timeout: 7s })",
      R"({ id: hr, department: hr bureau, odbc: "DSN=hr", retry: 3s })",
      R"({ id: hr, department: hr bureau, odbc: "DSN=hr", breaker: { failures: 2 } })",
      R"({ id: hr, department: hr bureau, odbc: "DSN=hr", breaker: { open_for: 9s } })",
      R"({ id: hr, department: hr bureau, odbc: "DSN=hr", max_value: 2KiB })",
      // The same string under the other connection key is another connector.
      R"({ id: hr, department: hr bureau, postgresql: "DSN=hr" })",
  };
  for (const auto& source : changed) {
    const auto next = live_.build(configurationOf({source}), 2, base.get());
    EXPECT_NE(sourceOf(*next, "hr"), sourceOf(*base, "hr")) << source;
  }
  // The same settings written elsewhere (another file, another line) are the same source.
  const auto same = live_.build(
      configurationOf({"{ odbc: \"DSN=hr\", department: hr bureau, id: hr }"}), 3, base.get());
  EXPECT_EQ(sourceOf(*same, "hr"), sourceOf(*base, "hr"));
}

TEST_F(LiveConfigurationTest, InstallSwapsTheSnapshotAndTellsTheListeners) {
  std::vector<std::uint64_t> told;
  live_.onInstall([&told](const GatewaySnapshot& snapshot) { told.push_back(snapshot.version); });
  EXPECT_EQ(live_.current(), nullptr);

  const auto first = live_.build(configurationOf({kHr}), 1, nullptr);
  live_.install(first);
  EXPECT_EQ(live_.current(), first);
  EXPECT_THAT(told, ElementsAre(1U));

  // A request that took the first snapshot keeps it across the swap.
  const auto request = live_.current();
  const auto second = live_.build(configurationOf({kHr, kTax}), 2, live_.current().get());
  live_.install(second);
  EXPECT_EQ(live_.current(), second);
  EXPECT_THAT(told, ElementsAre(1U, 2U));
  EXPECT_EQ(request->version, 1U);
  EXPECT_EQ(request->sources.find("tax"), nullptr);
}

TEST_F(LiveConfigurationTest, ASourceRemovedByAnInstallIsClosedOnTheRetirerThread) {
  live_.install(live_.build(configurationOf({kHr, kTax}), 1, nullptr));
  const auto tax = opened(sourceOf(*live_.current(), "tax"));
  const auto hr = opened(sourceOf(*live_.current(), "hr"));
  tax.end->hold();  // closing it hangs, as on a frozen database host

  auto next = live_.build(configurationOf({kHr}), 2, live_.current().get());
  // install() drops the last reference of the first snapshot; it must not wait for the close.
  auto installed = std::async(std::launch::async, [&] {
    live_.install(std::move(next));
    return std::this_thread::get_id();
  });
  const bool returned = installed.wait_for(10s) == std::future_status::ready;
  EXPECT_TRUE(returned) << "install() waited for a removed source to close";
  ASSERT_TRUE(tax.end->waitUntilStarted());
  tax.end->release();
  const auto installer = installed.get();

  ASSERT_TRUE(tax.end->waitUntilFinished());
  EXPECT_NE(tax.end->thread(), installer);
  EXPECT_NE(tax.end->thread(), std::this_thread::get_id());
  // The source kept by the new snapshot stays open.
  EXPECT_FALSE(hr.end->started());
  EXPECT_EQ(live_.current()->version, 2U);
}

}  // namespace
}  // namespace oncegate
