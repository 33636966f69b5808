#pragma once

#include <filesystem>
#include <string>

namespace oncegate {

class LiveConfiguration;

// Puts gateway.yaml's `admin:` section (tokens and the secrets bound to sources) and its
// `signing:` keys in force without a restart: what the process does on SIGHUP, apart from the
// signal so that it can be tested. The rest of gateway.yaml (listen, redis, ...) is read at start
// only and stays as it was.
class AdminSecurityReload {
 public:
  // `configDirectory`: the directory of gateway.yaml, as given to --config.
  AdminSecurityReload(LiveConfiguration& live, std::filesystem::path configDirectory);

  // Re-reads gateway.yaml and installs a snapshot of the configuration in force with its admin
  // section replaced; the documents are rebuilt, so that a removed binding stops resolving and a
  // ${file:...} rewritten since is read again. Returns whether it did. When gateway.yaml does not
  // load, or the documents do not build with the new bindings, it logs why and the previous
  // tokens and bindings stay in force.
  bool reload();

 private:
  LiveConfiguration& live_;
  const std::filesystem::path configDirectory_;
};

}  // namespace oncegate
