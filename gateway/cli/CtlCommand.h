#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/cli/CtlArguments.h"
#include "gateway/config/Configuration.h"

namespace oncegate {

// Exit statuses shared by every subcommand, so that scripts and CI can rely on them.
inline constexpr int kCtlExitOk = 0;
inline constexpr int kCtlExitFailed = 1;  // invalid configuration, unreachable source, ...
inline constexpr int kCtlExitUsage = 2;

// One oncegatectl subcommand: what `oncegatectl --help` lists, what its own --help prints, the
// options and positionals it accepts, and what it runs. Results go to `out`, problems to `err`.
struct CtlCommand {
  std::string_view name;
  std::string_view summary;  // one line
  std::string_view usage;    // the full --help text
  std::vector<std::string_view> valueOptions;
  std::size_t positionals = 0;  // exactly this many
  int (*run)(const CtlArguments& arguments, std::ostream& out, std::ostream& err) = nullptr;
  std::vector<std::string_view> flagOptions{};  // options without a value, such as --force
  bool morePositionals = false;  // at least `positionals`, more allowed (a list of files)
};

CtlCommand validateCommand();
CtlCommand hashKeyCommand();
CtlCommand explainCommand();
CtlCommand testSourceCommand();
CtlCommand verifyAuditCommand();
CtlCommand verifyReceiptCommand();
CtlCommand applyCommand();
CtlCommand exportCommand();
CtlCommand auditSearchCommand();
CtlCommand reportCommand();
CtlCommand consistencyCommand();

// Loads a configuration directory with the gateway's loader; on failure writes the loader's
// messages (one "file:line: problem" each) to `err` and returns nullopt.
std::optional<Configuration> loadConfigurationReporting(const std::string& directory,
                                                        std::ostream& err);

}  // namespace oncegate
