#include "connectors/SourceConfig.h"

#include <algorithm>
#include <cctype>

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

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

SourceConfig parseSource(const ConfigNode& item) {
  item.allowOnlyKeys({"id", "department", "odbc", "pool", "timeout", "retry"});
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
  return config;
}

std::string redactConnectionString(std::string_view connection) {
  std::string out;
  out.reserve(connection.size());
  std::size_t i = 0;
  while (i < connection.size()) {
    const auto equals = connection.find('=', i);
    const auto semicolon = connection.find(';', i);
    if (equals == std::string_view::npos ||
        (semicolon != std::string_view::npos && semicolon < equals)) {
      // A part without a value: copy it through.
      const auto end = semicolon == std::string_view::npos ? connection.size() : semicolon + 1;
      out.append(connection.substr(i, end - i));
      i = end;
      continue;
    }
    const auto key = connection.substr(i, equals - i);
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
    out.append(key);
    out.push_back('=');
    const auto name = trim(key);
    if (equalsIgnoringCase(name, "PWD") || equalsIgnoringCase(name, "Password")) {
      out.append("***");
    } else {
      out.append(connection.substr(equals + 1, valueEnd - equals - 1));
    }
    if (valueEnd < connection.size()) out.push_back(';');
    i = valueEnd + 1;
  }
  return out;
}

}  // namespace oncegate
