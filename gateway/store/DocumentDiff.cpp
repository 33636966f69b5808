#include "gateway/store/DocumentDiff.h"

#include <map>

#include "common/ConfigNode.h"
#include "common/JsonWriter.h"
#include "common/YamlJson.h"

namespace oncegate {

namespace {

// Each top-level member as canonical JSON text, so that values compare whatever their spacing.
std::map<std::string, std::string> membersAsJson(const std::string& bodyJson) {
  std::map<std::string, std::string> members;
  const auto body = ConfigNode::parse(bodyJson, "store");
  if (!body.isMap()) return members;
  for (const auto& [key, value] : body.entries()) {
    JsonWriter json(members[key]);
    writeYamlAsJson(value.yaml(), json);
  }
  return members;
}

}  // namespace

DocumentDiff DocumentDiff::between(const std::string& beforeJson, const std::string& afterJson) {
  const auto before = membersAsJson(beforeJson);
  const auto after = membersAsJson(afterJson);
  DocumentDiff diff;
  for (const auto& [key, value] : after) {
    const auto found = before.find(key);
    if (found == before.end()) {
      diff.added.push_back(key);
    } else if (found->second != value) {
      diff.changed.push_back(key);
    }
  }
  for (const auto& [key, value] : before) {
    if (!after.contains(key)) diff.removed.push_back(key);
  }
  return diff;
}

}  // namespace oncegate
