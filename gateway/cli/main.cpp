// oncegatectl: the operator's, DBA's and security officer's command line. Each subcommand is a
// CtlCommand; this file only finds it, checks its arguments and maps failures to exit statuses.

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"
#include "gateway/cli/CtlCommand.h"

namespace {

using oncegate::CtlCommand;

std::vector<CtlCommand> commands() {
  return {oncegate::validateCommand(),    oncegate::applyCommand(),
          oncegate::exportCommand(),      oncegate::explainCommand(),
          oncegate::testSourceCommand(),  oncegate::hashKeyCommand(),
          oncegate::verifyAuditCommand(), oncegate::verifyReceiptCommand(),
          oncegate::auditSearchCommand(), oncegate::reportCommand(),
          oncegate::consistencyCommand()};
}

void printOverview(std::ostream& out) {
  out << "usage: oncegatectl COMMAND [ARGS...]\n"
         "       oncegatectl COMMAND --help\n\n"
         "commands:\n";
  for (const auto& command : commands()) {
    std::string name(command.name);
    name.resize(16, ' ');
    out << "  " << name << command.summary << "\n";
  }
  out << "\nExit status: 0 success, 1 the check failed, 2 usage error.\n";
}

int run(const CtlCommand& command, std::vector<std::string> words) {
  try {
    const auto arguments =
        oncegate::CtlArguments::parse(words, command.valueOptions, command.flagOptions);
    if (arguments.helpRequested()) {
      std::cout << command.usage;
      return oncegate::kCtlExitOk;
    }
    const auto given = arguments.positionals().size();
    if (given < command.positionals || (given > command.positionals && !command.morePositionals)) {
      throw oncegate::Error(oncegate::ErrorCode::BadRequest,
                            "expected " + std::string(command.morePositionals ? "at least " : "") +
                                std::to_string(command.positionals) + " argument(s), got " +
                                std::to_string(given));
    }
    return command.run(arguments, std::cout, std::cerr);
  } catch (const oncegate::Error& error) {
    if (error.code() != oncegate::ErrorCode::BadRequest) {
      std::cerr << "oncegatectl " << command.name << ": " << error.message() << "\n";
      return oncegate::kCtlExitFailed;
    }
    std::cerr << "oncegatectl " << command.name << ": " << error.message() << "\n" << command.usage;
    return oncegate::kCtlExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "oncegatectl " << command.name << ": " << error.what() << "\n";
    return oncegate::kCtlExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty()) {
    printOverview(std::cerr);
    return oncegate::kCtlExitUsage;
  }
  if (words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    printOverview(std::cout);
    return oncegate::kCtlExitOk;
  }
  for (const auto& command : commands()) {
    if (command.name == words[0]) return run(command, {words.begin() + 1, words.end()});
  }
  std::cerr << "oncegatectl: unknown command '" << words[0] << "'\n\n";
  printOverview(std::cerr);
  return oncegate::kCtlExitUsage;
}
