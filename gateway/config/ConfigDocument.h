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
};

// The kinds a configuration document may have, in the order they are built.
bool isConfigDocumentKind(std::string_view kind);

}  // namespace oncegate
