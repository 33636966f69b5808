#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oncegate {

class SecretReferences;

// A node of a configuration document that remembers which file it came from, so that every
// error names file, line and reason. Each module parses its own part of the configuration with
// these accessors; any failure throws Error(ErrorCode::InvalidConfig, "file:line: reason").
// JSON is YAML, so admin bodies sent as JSON are parsed by the same schemas.
class ConfigNode {
 public:
  ConfigNode(const YAML::Node& node, std::shared_ptr<const std::string> origin);
  ConfigNode(const ConfigNode&) = default;
  // Rebinds to `other`'s node. yaml-cpp's own Node assignment writes through to every node that
  // shares the data, which would silently change the configuration a copy came from.
  ConfigNode& operator=(const ConfigNode& other);
  ~ConfigNode() = default;

  // Parses a whole file; a YAML syntax error becomes an InvalidConfig error with its line.
  static ConfigNode loadFile(const std::filesystem::path& path);
  // Parses text (a JSON admin body, or a document in a test); `origin` names it in errors.
  static ConfigNode parse(std::string_view text, std::string origin);

  // Throws the InvalidConfig error for this node: "file:line: reason".
  [[noreturn]] void fail(std::string_view reason) const;
  std::string location() const;
  const std::string& origin() const { return *origin_; }

  bool isMap() const { return node_.IsMap(); }
  bool isSequence() const { return node_.IsSequence(); }
  bool isScalar() const { return node_.IsScalar(); }
  bool isNull() const { return !node_.IsDefined() || node_.IsNull(); }

  // Fails on the first key of this map that is not in `allowed` (and when this is not a map).
  void allowOnlyKeys(std::initializer_list<std::string_view> allowed) const;
  // The value under `key`; fails with "missing required key" when absent.
  ConfigNode at(std::string_view key) const;
  // The value under `key`, or nullopt when absent or null.
  std::optional<ConfigNode> find(std::string_view key) const;

  std::string asString() const;  // a non-empty scalar
  // A scalar with its ${NAME} and ${file:PATH} references resolved by `references`; a failure
  // names this node's file and line and keeps its ErrorCode (BadRequest for an unbound one).
  std::string asExpandedString(const SecretReferences& references) const;
  std::int64_t asInt(std::int64_t min, std::int64_t max) const;
  bool asBool() const;
  std::chrono::milliseconds asDuration() const;                     // "250ms", "2s", "10m", ...
  std::uint64_t asByteSize() const;                                 // "1MiB", ...
  std::vector<std::string> asStringList() const;                    // a sequence of scalars
  std::vector<ConfigNode> items() const;                            // a sequence's elements
  std::vector<std::pair<std::string, ConfigNode>> entries() const;  // a map's entries, in order

  const YAML::Node& yaml() const { return node_; }

 private:
  YAML::Node node_;
  std::shared_ptr<const std::string> origin_;
};

}  // namespace oncegate
