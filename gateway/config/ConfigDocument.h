#pragma once

#include <string>
#include <string_view>

#include "common/ConfigNode.h"

namespace oncegate {

// One object of the configuration as its author wrote it (a source, a dataset, a policy...): the
// unit that an admin change replaces, that the control store versions and that export writes
// back. `kind` is the top-level key it was listed under ("sources", "datasets", ...).
struct ConfigDocument {
  std::string kind;
  std::string id;
  ConfigNode body;
  // Read from the operator's own files (loadConfiguration), or vouched for by them (a control
  // store copy identical to the files' document): its ${...} references all resolve. Anything
  // else (an admin API body, the store's copy of one) resolves only the references gateway.yaml
  // binds to it under admin.secrets.
  bool operatorFile = false;
};

// The kinds a configuration document may have, in the order they are built.
bool isConfigDocumentKind(std::string_view kind);

}  // namespace oncegate
