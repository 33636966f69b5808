#include "common/ConfigNode.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <unordered_set>

#include "common/Duration.h"
#include "common/Error.h"
#include "common/SecretReferences.h"

namespace oncegate {

namespace {
std::string lineOf(const std::string& origin, const YAML::Mark& mark) {
  if (mark.is_null()) return origin;
  return origin + ":" + std::to_string(mark.line + 1);
}
// yaml-cpp keeps both entries of a repeated key and lookups find the first, while most JSON and
// YAML readers keep the last: a document (or an admin body, read as YAML) with a repeat would
// mean one thing to the gateway and another to its author or an auditor. Refused at load.
// Aliases make a node reachable many times over ("billion laughs"): the walk is bounded.
constexpr std::size_t kMaxNodesWalked = std::size_t{1} << 20;

void refuseRepeatedKeys(const YAML::Node& node, const std::string& origin, std::size_t& walked) {
  if (++walked > kMaxNodesWalked) {
    throw Error(ErrorCode::InvalidConfig, origin + ": more than " +
                                              std::to_string(kMaxNodesWalked) +
                                              " nodes once aliases are expanded");
  }
  if (node.IsSequence()) {
    for (const auto& element : node) refuseRepeatedKeys(element, origin, walked);
    return;
  }
  if (!node.IsMap()) return;
  // A set, not a scan: an admin body may hold a map as large as limits.max_body allows.
  std::unordered_set<std::string_view> keys;
  keys.reserve(node.size());
  for (const auto& entry : node) {
    if (entry.first.IsScalar()) {
      const auto& key = entry.first.Scalar();
      if (!keys.insert(key).second) {
        throw Error(ErrorCode::InvalidConfig,
                    lineOf(origin, entry.first.Mark()) + ": key '" + key + "' appears twice");
      }
    }
    refuseRepeatedKeys(entry.second, origin, walked);
  }
}

void refuseRepeatedKeys(const YAML::Node& node, const std::string& origin) {
  std::size_t walked = 0;
  refuseRepeatedKeys(node, origin, walked);
}

}  // namespace

ConfigNode::ConfigNode(const YAML::Node& node, std::shared_ptr<const std::string> origin)
    : node_(node), origin_(std::move(origin)) {}

ConfigNode& ConfigNode::operator=(const ConfigNode& other) {
  if (this != &other) {
    node_.reset(other.node_);
    origin_ = other.origin_;
  }
  return *this;
}

ConfigNode ConfigNode::loadFile(const std::filesystem::path& path) {
  auto origin = std::make_shared<const std::string>(path.string());
  try {
    auto node = YAML::LoadFile(path.string());
    refuseRepeatedKeys(node, *origin);
    return ConfigNode(node, origin);
  } catch (const YAML::BadFile&) {
    throw Error(ErrorCode::InvalidConfig, *origin + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::InvalidConfig, lineOf(*origin, e.mark) + ": " + e.msg);
  }
}

ConfigNode ConfigNode::parse(std::string_view text, std::string origin) {
  auto name = std::make_shared<const std::string>(std::move(origin));
  try {
    auto node = YAML::Load(std::string(text));
    refuseRepeatedKeys(node, *name);
    return ConfigNode(node, name);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::InvalidConfig, lineOf(*name, e.mark) + ": " + e.msg);
  }
}

void ConfigNode::fail(std::string_view reason) const {
  throw Error(ErrorCode::InvalidConfig, location() + ": " + std::string(reason));
}

std::string ConfigNode::location() const {
  return lineOf(*origin_, node_.IsDefined() ? node_.Mark() : YAML::Mark::null_mark());
}

void ConfigNode::allowOnlyKeys(std::initializer_list<std::string_view> allowed) const {
  if (!node_.IsMap()) fail("expected a mapping");
  for (const auto& entry : node_) {
    const auto name = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      ConfigNode(entry.first, origin_).fail("unknown key '" + name + "'");
    }
  }
}

ConfigNode ConfigNode::at(std::string_view key) const {
  auto value = find(key);
  if (!value) fail("missing required key '" + std::string(key) + "'");
  return *value;
}

std::optional<ConfigNode> ConfigNode::find(std::string_view key) const {
  if (!node_.IsMap()) fail("expected a mapping");
  for (const auto& entry : node_) {
    if (entry.first.Scalar() == key) {
      if (entry.second.IsNull()) return std::nullopt;
      return ConfigNode(entry.second, origin_);
    }
  }
  return std::nullopt;
}

std::string ConfigNode::asString() const {
  if (!node_.IsScalar() || node_.Scalar().empty()) fail("expected a non-empty string");
  return node_.Scalar();
}

std::string ConfigNode::asExpandedString(const SecretReferences& references) const {
  const auto text = asString();
  try {
    return references.expand(text);
  } catch (const Error& e) {
    throw Error(e.code(), location() + ": " + e.message());
  }
}

std::int64_t ConfigNode::asInt(std::int64_t min, std::int64_t max) const {
  std::int64_t number = 0;
  if (!node_.IsScalar() || !YAML::convert<std::int64_t>::decode(node_, number)) {
    fail("expected a whole number");
  }
  if (number < min || number > max) {
    fail("expected a number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return number;
}

bool ConfigNode::asBool() const {
  bool flag = false;
  if (!node_.IsScalar() || !YAML::convert<bool>::decode(node_, flag))
    fail("expected true or false");
  return flag;
}

std::chrono::milliseconds ConfigNode::asDuration() const {
  auto duration = node_.IsScalar() ? parseDuration(node_.Scalar()) : std::nullopt;
  if (!duration) fail("expected a duration such as 500ms, 2s, 10m, 1h or 1d");
  return *duration;
}

std::uint64_t ConfigNode::asByteSize() const {
  auto size = node_.IsScalar() ? parseByteSize(node_.Scalar()) : std::nullopt;
  if (!size) fail("expected a size such as 65536, 64KiB or 1MiB");
  return *size;
}

std::vector<std::string> ConfigNode::asStringList() const {
  std::vector<std::string> out;
  for (const auto& item : items()) out.push_back(item.asString());
  return out;
}

std::vector<ConfigNode> ConfigNode::items() const {
  if (!node_.IsSequence()) fail("expected a list");
  std::vector<ConfigNode> out;
  out.reserve(node_.size());
  for (const auto& element : node_) out.emplace_back(element, origin_);
  return out;
}

std::vector<std::pair<std::string, ConfigNode>> ConfigNode::entries() const {
  if (!node_.IsMap()) fail("expected a mapping");
  std::vector<std::pair<std::string, ConfigNode>> out;
  for (const auto& entry : node_) {
    out.emplace_back(entry.first.Scalar(), ConfigNode(entry.second, origin_));
  }
  return out;
}

}  // namespace oncegate
