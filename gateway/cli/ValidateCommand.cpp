// oncegatectl validate DIR: the gateway's own loader, so that a department's CI rejects exactly
// what the gateway would refuse to start with.

#include "common/Error.h"
#include "gateway/cli/CtlCommand.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl validate DIR\n"
    "Loads DIR/gateway.yaml and every file it includes exactly as the gateway does and checks\n"
    "the whole (references, duplicates, ${ENV} variables, which must be set).\n"
    "Prints a summary when valid; otherwise every problem as file:line: reason.\n"
    "Exit status: 0 valid, 1 invalid, 2 usage error.\n";

std::string counted(std::size_t count, std::string_view one, std::string_view many = {}) {
  if (count == 1) return "1 " + std::string(one);
  return std::to_string(count) + " " + (many.empty() ? std::string(one) + "s" : std::string(many));
}

int runValidate(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const std::string& directory = arguments.positionals().at(0);
  const auto config = loadConfigurationReporting(directory, err);
  if (!config) return kCtlExitFailed;
  const auto& mappings = config->mappings;
  out << "OK: " << directory << " is valid: " << counted(config->sources.size(), "source") << ", "
      << counted(mappings.subjects().size(), "subject") << ", "
      << counted(mappings.datasets().size(), "dataset") << ", "
      << counted(mappings.fields().size(), "field") << ", "
      << counted(mappings.forms().size(), "form") << ", "
      << counted(config->clients.clients().size(), "client") << ", "
      << counted(config->policies.policies().size(), "policy", "policies") << "\n";
  return kCtlExitOk;
}

}  // namespace

std::optional<Configuration> loadConfigurationReporting(const std::string& directory,
                                                        std::ostream& err) {
  try {
    return loadConfiguration(directory);
  } catch (const Error& error) {
    err << "invalid configuration in " << directory << ":\n" << error.message() << "\n";
  } catch (const std::exception& error) {
    err << "invalid configuration in " << directory << ":\n" << error.what() << "\n";
  }
  return std::nullopt;
}

CtlCommand validateCommand() {
  return CtlCommand{"validate", "check a configuration directory (for CI)", kUsage, {}, 1,
                    runValidate};
}

}  // namespace oncegate
