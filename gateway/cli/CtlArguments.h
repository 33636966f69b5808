#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oncegate {

// The words after a subcommand's name: positionals, `--name VALUE` options, `--name` flags and
// `--help`. Only the options a command declares are accepted, so a typo is a usage error rather
// than ignored.
class CtlArguments {
 public:
  // Throws Error(BadRequest) naming the problem: an undeclared option, an option without its
  // value, an option given twice.
  static CtlArguments parse(std::span<const std::string> words,
                            std::span<const std::string_view> valueOptions,
                            std::span<const std::string_view> flagOptions = {});

  bool helpRequested() const { return help_; }
  const std::vector<std::string>& positionals() const { return positionals_; }
  std::optional<std::string> option(std::string_view name) const;
  bool flag(std::string_view name) const { return flags_.contains(name); }

 private:
  bool help_ = false;
  std::vector<std::string> positionals_;
  std::map<std::string, std::string, std::less<>> options_;
  std::set<std::string, std::less<>> flags_;
};

}  // namespace oncegate
