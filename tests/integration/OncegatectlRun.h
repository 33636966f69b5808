#pragma once

#include <map>
#include <string>
#include <vector>

namespace oncegate::testing {

// What one run of the real oncegatectl gave.
struct CtlRun {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs the oncegatectl of this build with `args` (no shell in between) and `env` added to the
// environment, and waits for it.
CtlRun runCtl(const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env = {});

}  // namespace oncegate::testing
