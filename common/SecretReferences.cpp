#include "common/SecretReferences.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "common/Error.h"

namespace oncegate {

namespace {

constexpr std::string_view kFilePrefix = "file:";

// Calls `literal(text)` for the text between references and `reference(name)` for each
// reference, in order.
template <typename Literal, typename Reference>
void scan(std::string_view text, Literal literal, Reference reference) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto open = text.find("${", i);
    if (open == std::string_view::npos) {
      literal(text.substr(i));
      return;
    }
    literal(text.substr(i, open - i));
    const auto close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      throw Error(ErrorCode::InvalidConfig, "unterminated ${ in a value");
    }
    reference(std::string(text.substr(open + 2, close - open - 2)));
    i = close + 1;
  }
}

std::string readSecretFile(const std::filesystem::path& path, const std::string& reference) {
  const auto unreadable = [&](const std::string& why) {
    return Error(ErrorCode::InvalidConfig,
                 "${" + reference + "}: cannot read the file (" + why + ")");
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw unreadable("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw unreadable(std::strerror(errno));
  std::string content;
  try {
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception&) {
    throw unreadable("reading failed");
  }
  if (in.bad()) throw unreadable("reading failed");
  // Files written by editors, `echo` and systemd-creds end with a newline that is no part of the
  // secret; exactly one is removed, so a value that ends with blank lines on purpose survives.
  if (content.ends_with("\r\n")) {
    content.resize(content.size() - 2);
  } else if (content.ends_with('\n')) {
    content.pop_back();
  }
  return content;
}

}  // namespace

SecretReferences::SecretReferences(std::filesystem::path baseDir,
                                   std::optional<std::vector<std::string>> bound, std::string owner)
    : baseDir_(std::move(baseDir)), bound_(std::move(bound)), owner_(std::move(owner)) {}

SecretReferences SecretReferences::any(std::filesystem::path baseDir) {
  return SecretReferences(std::move(baseDir), std::nullopt, {});
}

SecretReferences SecretReferences::onlyBound(std::filesystem::path baseDir,
                                             std::vector<std::string> bound, std::string owner) {
  return SecretReferences(std::move(baseDir), std::move(bound), std::move(owner));
}

std::vector<std::string> SecretReferences::referencesIn(std::string_view text) {
  std::vector<std::string> out;
  scan(
      text, [](std::string_view) {}, [&](std::string name) { out.push_back(std::move(name)); });
  return out;
}

std::string SecretReferences::expand(std::string_view text) const {
  // Every reference is checked against the binding before any is resolved: a refusal must not
  // depend on whether an earlier reference happened to exist.
  if (bound_) {
    for (const auto& reference : referencesIn(text)) {
      if (std::find(bound_->begin(), bound_->end(), reference) == bound_->end()) {
        throw Error(ErrorCode::BadRequest,
                    "${" + reference + "} is not bound to " + owner_ +
                        ": a document sent through the admin API may use only the references "
                        "gateway.yaml lists for it under admin.secrets");
      }
    }
  }
  std::string out;
  scan(
      text, [&](std::string_view literal) { out.append(literal); },
      [&](const std::string& reference) { out += resolve(reference); });
  return out;
}

std::string SecretReferences::resolve(const std::string& reference) const {
  if (reference.starts_with(kFilePrefix)) {
    const std::filesystem::path path(reference.substr(kFilePrefix.size()));
    if (path.empty()) throw Error(ErrorCode::InvalidConfig, "${file:} names no file");
    return readSecretFile(path.is_absolute() ? path : baseDir_ / path, reference);
  }
  const char* value = reference.empty() ? nullptr : std::getenv(reference.c_str());
  if (value == nullptr) {
    throw Error(ErrorCode::InvalidConfig, "environment variable '" + reference + "' is not set");
  }
  return value;
}

}  // namespace oncegate
