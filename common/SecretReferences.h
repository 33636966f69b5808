#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oncegate {

// How the `${NAME}` (environment variable) and `${file:PATH}` (a file's contents, one trailing
// newline removed) references of a configuration value are resolved. Documents read from the
// operator's own files may use any reference; a document that arrived through the admin API may
// use only those gateway.yaml binds to it (admin.secrets), so that an admin token cannot make the
// process read out a secret that was never meant for that document.
class SecretReferences {
 public:
  // Every reference resolves. A relative ${file:PATH} is relative to `baseDir` (the directory of
  // gateway.yaml, whichever file the reference is written in).
  static SecretReferences any(std::filesystem::path baseDir);
  // Only the references in `bound` (each as written between "${" and "}": "NAME" or
  // "file:PATH") resolve. Any other is refused with ErrorCode::BadRequest before anything is
  // looked up, with one message whatever the reference names, so that a refusal never tells
  // whether a variable or file exists. `owner` names what the binding is for ("source 'hr'").
  static SecretReferences onlyBound(std::filesystem::path baseDir, std::vector<std::string> bound,
                                    std::string owner);

  // `text` with each reference replaced by what it names. Throws Error(InvalidConfig) naming the
  // reference (never a value) when a variable is unset or a file cannot be read, and
  // Error(BadRequest) for a reference that is not bound.
  std::string expand(std::string_view text) const;

  // The references `text` holds, as written between "${" and "}", in order; throws
  // Error(InvalidConfig) for an unterminated "${".
  static std::vector<std::string> referencesIn(std::string_view text);

 private:
  SecretReferences(std::filesystem::path baseDir, std::optional<std::vector<std::string>> bound,
                   std::string owner);
  std::string resolve(const std::string& reference) const;

  std::filesystem::path baseDir_;
  std::optional<std::vector<std::string>> bound_;  // nullopt: every reference resolves
  std::string owner_;
};

}  // namespace oncegate
