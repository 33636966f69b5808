// oncegatectl apply DIR: makes the control store hold what a reviewed YAML directory holds, so
// that configuration kept in version control reaches gateways that run on a store.

#include <cstdlib>

#include "common/Error.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/store/ControlStore.h"

namespace oncegate {

namespace {

constexpr std::string_view kDefaultAuthor = "oncegatectl";

constexpr std::string_view kUsage =
    "usage: oncegatectl apply DIR [--author NAME] [--comment TEXT] [--store ODBC]\n"
    "Loads DIR exactly as validate does and makes the control store hold exactly its documents:\n"
    "puts those that are new or changed and removes those DIR no longer lists, all as one new\n"
    "store version. Nothing is written when DIR is invalid or when nothing differs.\n"
    "  --store ODBC    the store's ODBC connection string; default: DIR/gateway.yaml's store:\n"
    "                  (a relative SQLite Database= path is opened from the current directory,\n"
    "                  as the gateway opens it from its own)\n"
    "  --author NAME   recorded with the change; default: $USER, else oncegatectl\n"
    "  --comment TEXT  recorded with the change; default: applied from DIR\n"
    "Running gateways on the store take the new version at their next store poll (store_poll).\n"
    "Prints the new version and one line per changed document, or \"no change (version N)\".\n"
    "Exit status: 0 applied or no change, 1 invalid DIR or store failure, 2 usage error.\n";

std::string defaultAuthor() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? std::string(user) : std::string(kDefaultAuthor);
}

int runApply(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const std::string& directory = arguments.positionals().at(0);
  const auto config = loadConfigurationReporting(directory, err);
  if (!config) return kCtlExitFailed;
  const std::string connection = arguments.option("store").value_or(config->gateway.store);
  if (connection.empty()) {
    throw Error(ErrorCode::BadRequest, "no control store: " + directory +
                                           "/gateway.yaml has no store: and no --store "
                                           "was given");
  }
  const std::string author = arguments.option("author").value_or(defaultAuthor());
  const std::string comment = arguments.option("comment").value_or("applied from " + directory);

  ControlStore store(connection);
  const auto version = store.apply(ControlStore::documentsOf(config->documents), author, comment);
  if (!version) {
    out << "no change (version " << store.version() << ")\n";
    return kCtlExitOk;
  }
  std::vector<StoredDocument> changed;
  for (auto& change : store.changes(*version - 1)) {
    if (change.version == *version) changed.push_back(std::move(change));
  }
  out << "applied " << directory << " as version " << *version << " (" << changed.size()
      << (changed.size() == 1 ? " change" : " changes") << ")\n";
  for (const auto& change : changed) {
    out << "  " << (change.deleted ? "removed " : "put ") << change.kind << "/" << change.id
        << "\n";
  }
  return kCtlExitOk;
}

}  // namespace

CtlCommand applyCommand() {
  return CtlCommand{"apply", "make the control store hold a configuration directory's documents",
                    kUsage,  {"store", "author", "comment"},
                    1,       runApply};
}

}  // namespace oncegate
