#pragma once

#include <yaml-cpp/yaml.h>

#include "common/JsonWriter.h"

namespace oncegate {

// Writes a configuration document as JSON, so that the admin API answers with the same objects
// that YAML files hold: maps become objects, sequences arrays; a quoted scalar stays a string,
// a plain one becomes a number (integers only), true/false or null when it reads as one, and a
// string otherwise ("2s", "1.5" and dates keep their text, as the schemas read them).
void writeYamlAsJson(const YAML::Node& node, JsonWriter& json);

}  // namespace oncegate
