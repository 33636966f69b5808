#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oncegate {

// The `?name=value&...` part of a request target, percent-decoded ('+' is a space), for the
// admin API's filters. Throws Error(BadRequest) on a broken escape, naming the parameter.
class QueryParameters {
 public:
  static QueryParameters parse(std::string_view target);

  // `text` with its %XX escapes decoded, and '+' as a space when `plusIsSpace` (query strings;
  // not paths). Throws BadRequest on a broken escape.
  static std::string decode(std::string_view text, bool plusIsSpace);

  // The first value of `name`; nullopt when absent.
  std::optional<std::string> find(std::string_view name) const;
  // Throws BadRequest naming a parameter that is not in `known`, so a misspelt filter is not
  // silently ignored.
  void allowOnly(std::initializer_list<std::string_view> known) const;
  // A whole number within [min, max], or `fallback` when absent; BadRequest otherwise.
  long long integer(std::string_view name, long long fallback, long long min, long long max) const;

 private:
  std::vector<std::pair<std::string, std::string>> parameters_;
};

}  // namespace oncegate
