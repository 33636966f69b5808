// SIGHUP and SIGTERM reach the gateway's signal loop only: a burst of reload signals, arriving
// while the loop is still busy with the one before, must never end the process. Before the fix
// the log flusher's thread, started before the signals were blocked, took such a SIGHUP and its
// default action ended the gateway silently.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"

namespace oncegate::testing {
namespace {

ConfigFiles config() {
  ConfigFiles files;
  files["gateway.yaml"] =
      "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl, durability: strict }\n"
      "hash_key: " +
      randomHex(40) + "\ninclude: [all.yaml]\n";
  files["all.yaml"] =
      "sources: []\nsubjects: []\ndatasets: []\nfields: []\nclients: []\npolicies: []\n";
  return files;
}

// Linux delivers a process-directed signal to any thread that does not block it: every thread
// must block SIGHUP, SIGINT and SIGTERM (main takes them with sigwait), or one that arrives while
// main is busy ends the process. Each thread's mask is in /proc/PID/task/TID/status; main's own
// is lifted for the signals it waits for while it waits (sigwait), so it is not checked.
TEST(ReloadSignalTest, EveryThreadBlocksTheStopAndReloadSignals) {
  GatewayProcess gateway(config());
  const unsigned long wanted =
      (1UL << (SIGHUP - 1)) | (1UL << (SIGINT - 1)) | (1UL << (SIGTERM - 1));
  int threads = 0;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(gateway.pid()) + "/task")) {
    if (task.path().filename() == std::to_string(gateway.pid())) continue;
    std::ifstream status(task.path() / "status");
    std::string name;
    std::string line;
    unsigned long blocked = 0;
    while (std::getline(status, line)) {
      if (line.starts_with("Name:")) name = line.substr(5);
      if (line.starts_with("SigBlk:")) blocked = std::stoul(line.substr(7), nullptr, 16);
    }
    ++threads;
    EXPECT_EQ(blocked & wanted, wanted) << "thread " << task.path().filename() << name;
  }
  EXPECT_GT(threads, 2);
}

TEST(ReloadSignalTest, ABurstOfReloadSignalsNeverStopsTheGateway) {
  GatewayProcess gateway(config());
  const HttpClient client(gateway.port());
  ASSERT_EQ(client.get("/healthz").status, 200);
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(::kill(gateway.pid(), SIGHUP), 0);
    if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Every reload is logged; the process is still there and still answers.
  int status = 0;
  EXPECT_EQ(::waitpid(gateway.pid(), &status, WNOHANG), 0) << "the gateway ended";
  EXPECT_EQ(client.get("/healthz").status, 200);
}

}  // namespace
}  // namespace oncegate::testing
