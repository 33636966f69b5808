#include "gateway/cli/CtlArguments.h"

#include <algorithm>

#include "common/Error.h"

namespace oncegate {

CtlArguments CtlArguments::parse(std::span<const std::string> words,
                                 std::span<const std::string_view> valueOptions,
                                 std::span<const std::string_view> flagOptions) {
  CtlArguments out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--help" || word == "-h") {
      out.help_ = true;
      continue;
    }
    if (!word.starts_with("--")) {
      out.positionals_.push_back(word);
      continue;
    }
    const std::string name = word.substr(2);
    if (std::find(flagOptions.begin(), flagOptions.end(), name) != flagOptions.end()) {
      if (!out.flags_.insert(name).second) {
        throw Error(ErrorCode::BadRequest, word + " is given twice");
      }
      continue;
    }
    if (std::find(valueOptions.begin(), valueOptions.end(), name) == valueOptions.end()) {
      throw Error(ErrorCode::BadRequest, "unknown option " + word);
    }
    if (i + 1 >= words.size()) throw Error(ErrorCode::BadRequest, word + " needs a value");
    if (!out.options_.emplace(name, words[++i]).second) {
      throw Error(ErrorCode::BadRequest, word + " is given twice");
    }
  }
  return out;
}

std::optional<std::string> CtlArguments::option(std::string_view name) const {
  const auto found = options_.find(name);
  if (found == options_.end()) return std::nullopt;
  return found->second;
}

}  // namespace oncegate
