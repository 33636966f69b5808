#include "connectors/SourceConfig.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/AsciiCase.h"

namespace oncegate {

namespace {

bool isValidId(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

SourceConfig parseSource(const ConfigNode& item) {
  item.allowOnlyKeys(
      {"id", "department", "odbc", "pool", "timeout", "retry", "breaker", "max_value"});
  SourceConfig config;
  config.location = item.location();

  const auto idNode = item.at("id");
  config.id = idNode.asString();
  if (!isValidId(config.id)) {
    idNode.fail("source id '" + config.id + "' may only use a-z, 0-9, '_', '.' and '-'");
  }
  config.department = item.at("department").asString();

  const auto odbcNode = item.at("odbc");
  config.odbc = odbcNode.asExpandedString();
  if (trim(config.odbc).empty()) odbcNode.fail("the odbc connection string is empty");

  if (auto pool = item.find("pool")) {
    config.pool = static_cast<int>(pool->asInt(1, SourceConfig::kMaxPool));
  }
  if (auto timeout = item.find("timeout")) {
    config.timeout = timeout->asDuration();
    if (config.timeout.count() <= 0) timeout->fail("timeout must be longer than 0");
  }
  if (auto retry = item.find("retry")) config.retry = retry->asDuration();
  if (auto maxValue = item.find("max_value")) {
    const auto bytes = maxValue->asByteSize();
    if (bytes < SourceConfig::kMinMaxValueBytes || bytes > SourceConfig::kMaxMaxValueBytes) {
      maxValue->fail("max_value must be between 1KiB and 16MiB");
    }
    config.maxValueBytes = static_cast<std::size_t>(bytes);
  }
  if (auto breaker = item.find("breaker")) {
    breaker->allowOnlyKeys({"failures", "open_for"});
    if (auto failures = breaker->find("failures")) {
      config.breakerFailures =
          static_cast<int>(failures->asInt(1, SourceConfig::kMaxBreakerFailures));
    }
    if (auto openFor = breaker->find("open_for")) {
      config.breakerOpenFor = openFor->asDuration();
      if (config.breakerOpenFor.count() <= 0) openFor->fail("open_for must be longer than 0");
    }
  }
  return config;
}

namespace {

// One `key=value` part of a connection string: where its value lies in the string (braces
// included) and whether the key names a password.
struct ConnectionPart {
  std::size_t valueBegin = 0;
  std::size_t valueEnd = 0;
  bool secret = false;
};

// Calls `visit(part)` for each part with a value, in order; `copy(begin, end)` for the text
// between (keys, separators and parts without a value), so that the two together cover the
// whole string.
template <typename Visit, typename Copy>
void splitConnectionString(std::string_view connection, Visit visit, Copy copy) {
  std::size_t i = 0;
  while (i < connection.size()) {
    const auto equals = connection.find('=', i);
    const auto semicolon = connection.find(';', i);
    if (equals == std::string_view::npos ||
        (semicolon != std::string_view::npos && semicolon < equals)) {
      const auto end = semicolon == std::string_view::npos ? connection.size() : semicolon + 1;
      copy(i, end);
      i = end;
      continue;
    }
    const auto name = trim(connection.substr(i, equals - i));
    // A value in braces may itself contain ';' (ODBC quoting), so it ends at the closing brace.
    std::size_t valueEnd = equals + 1;
    while (valueEnd < connection.size() &&
           std::isspace(static_cast<unsigned char>(connection[valueEnd]))) {
      ++valueEnd;
    }
    if (valueEnd < connection.size() && connection[valueEnd] == '{') {
      const auto close = connection.find('}', valueEnd);
      valueEnd = close == std::string_view::npos ? connection.size() : close + 1;
    }
    valueEnd = std::min(connection.find(';', valueEnd), connection.size());
    copy(i, equals + 1);
    visit(ConnectionPart{
        equals + 1, valueEnd,
        equalsIgnoringAsciiCase(name, "PWD") || equalsIgnoringAsciiCase(name, "Password")});
    if (valueEnd < connection.size()) copy(valueEnd, valueEnd + 1);
    i = valueEnd + 1;
  }
}

}  // namespace

std::string redactConnectionString(std::string_view connection) {
  std::string out;
  out.reserve(connection.size());
  splitConnectionString(
      connection,
      [&](const ConnectionPart& part) {
        if (part.secret) {
          out.append("***");
        } else {
          out.append(connection.substr(part.valueBegin, part.valueEnd - part.valueBegin));
        }
      },
      [&](std::size_t begin, std::size_t end) {
        out.append(connection.substr(begin, end - begin));
      });
  return out;
}

std::string blankSecrets(std::string text, std::string_view connection) {
  std::vector<std::string_view> secrets;
  splitConnectionString(
      connection,
      [&](const ConnectionPart& part) {
        if (!part.secret) return;
        auto value = trim(connection.substr(part.valueBegin, part.valueEnd - part.valueBegin));
        // A driver may repeat the value with or without its braces: blank both.
        if (value.size() >= 2 && value.front() == '{' && value.back() == '}') {
          secrets.push_back(value);
          value = value.substr(1, value.size() - 2);
        }
        if (!value.empty()) secrets.push_back(value);
      },
      [](std::size_t, std::size_t) {});
  // Longest first, so that a password containing another is blanked whole.
  std::sort(secrets.begin(), secrets.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  for (const auto secret : secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

Error blankSecrets(const Error& error, std::string_view connection) {
  return Error(error.code(), blankSecrets(error.message(), connection),
               blankSecrets(error.detail(), connection), error.sqlstate());
}

}  // namespace oncegate
