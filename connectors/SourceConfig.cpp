#include "connectors/SourceConfig.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>
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

SourceConfig parseSource(const ConfigNode& item, const SecretReferences& references) {
  item.allowOnlyKeys({"id", "department", "odbc", "postgresql", "pool", "timeout", "retry",
                      "breaker", "max_value"});
  SourceConfig config;
  config.location = item.location();

  const auto idNode = item.at("id");
  config.id = idNode.asString();
  if (!isValidId(config.id)) {
    idNode.fail("source id '" + config.id + "' may only use a-z, 0-9, '_', '.' and '-'");
  }
  config.department = item.at("department").asString();

  const auto odbcNode = item.find("odbc");
  const auto postgresqlNode = item.find("postgresql");
  if (odbcNode && postgresqlNode) {
    postgresqlNode->fail("source '" + config.id +
                         "' has both odbc: and postgresql:; give exactly one connection");
  }
  if (!odbcNode && !postgresqlNode) {
    item.fail("source '" + config.id +
              "' has no connection: give odbc: \"<ODBC connection string>\" or postgresql: "
              "\"<libpq conninfo or URI>\"");
  }
  const auto& connectionNode = odbcNode ? *odbcNode : *postgresqlNode;
  config.driver = odbcNode ? SourceConfig::Driver::Odbc : SourceConfig::Driver::Postgresql;
  config.odbcAsWritten = connectionNode.asString();
  config.odbc = connectionNode.asExpandedString(references);
  // Each on its own, only to blank them from messages later; the whole string resolved above, so
  // every one of them is allowed and resolves.
  for (const auto& reference : SecretReferences::referencesIn(config.odbcAsWritten)) {
    config.resolvedReferences.push_back(references.expand("${" + reference + "}"));
  }
  if (trim(config.odbc).empty()) {
    connectionNode.fail(odbcNode ? "the odbc connection string is empty"
                                 : "the postgresql connection string is empty");
  }

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

// One value of a connection string: where it lies in the string (quotes or braces included),
// what it means once unquoted, and whether its key names a secret.
struct ConnectionPart {
  std::size_t valueBegin = 0;
  std::size_t valueEnd = 0;
  std::string unquoted;
  bool secret = false;
};

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Whether a key names a secret, whatever the driver: PWD, Password, sslpassword, Token,
// AccessToken, ClientSecret, ApiKey, AccountKey, ... compared without case, '_' or '-'.
bool isSecretKey(std::string_view key) {
  std::string folded;
  for (const char c : key) {
    if (c == '_' || c == '-' || isSpace(c)) continue;
    folded.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  static constexpr std::string_view kSecretWords[] = {
      "pwd",    "password",  "passwd",     "passphrase", "secret",    "token",
      "apikey", "accesskey", "accountkey", "credential", "privatekey"};
  return std::any_of(std::begin(kSecretWords), std::end(kSecretWords),
                     [&](std::string_view word) { return folded.find(word) != std::string::npos; });
}

// ODBC: `key=value;...`, a value in braces may hold ';' and writes '}' as "}}".
std::vector<ConnectionPart> odbcParts(std::string_view text) {
  std::vector<ConnectionPart> parts;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto equals = text.find('=', i);
    const auto semicolon = text.find(';', i);
    if (equals == std::string_view::npos ||
        (semicolon != std::string_view::npos && semicolon < equals)) {
      if (semicolon == std::string_view::npos) break;
      i = semicolon + 1;
      continue;
    }
    ConnectionPart part;
    part.secret = isSecretKey(trim(text.substr(i, equals - i)));
    part.valueBegin = equals + 1;
    std::size_t at = equals + 1;
    while (at < text.size() && isSpace(text[at])) ++at;
    if (at < text.size() && text[at] == '{') {
      ++at;
      while (at < text.size()) {
        if (text[at] == '}') {
          if (at + 1 < text.size() && text[at + 1] == '}') {
            part.unquoted.push_back('}');
            at += 2;
            continue;
          }
          ++at;
          break;
        }
        part.unquoted.push_back(text[at++]);
      }
    }
    const auto end = std::min(text.find(';', at), text.size());
    if (part.unquoted.empty()) part.unquoted = std::string(trim(text.substr(at, end - at)));
    part.valueEnd = end;
    parts.push_back(std::move(part));
    i = end + 1;
  }
  return parts;
}

bool isKeyCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// Whether `text` at `at` starts another `key =` of a libpq conninfo string.
bool startsConninfoKey(std::string_view text, std::size_t at) {
  const auto begin = at;
  while (at < text.size() && isKeyCharacter(text[at])) ++at;
  if (at == begin) return false;
  while (at < text.size() && isSpace(text[at])) ++at;
  return at < text.size() && text[at] == '=';
}

// libpq conninfo: `key = value` separated by spaces; a value in single quotes, where a backslash
// escapes the next character (and, read generously, '' is a quote); an unquoted one ends at a
// space, a backslash escaping one character. An unquoted secret runs on to the next `key =`, so
// that a password with a space someone forgot to quote is still blanked whole.
std::vector<ConnectionPart> conninfoParts(std::string_view text) {
  std::vector<ConnectionPart> parts;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isSpace(text[i])) ++i;
    const auto keyBegin = i;
    while (i < text.size() && !isSpace(text[i]) && text[i] != '=') ++i;
    const auto key = text.substr(keyBegin, i - keyBegin);
    while (i < text.size() && isSpace(text[i])) ++i;
    if (i >= text.size() || text[i] != '=') {
      if (key.empty() && i < text.size()) ++i;
      continue;
    }
    ++i;
    while (i < text.size() && isSpace(text[i])) ++i;
    ConnectionPart part;
    part.secret = isSecretKey(key);
    part.valueBegin = i;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          part.unquoted.push_back(text[i + 1]);
          i += 2;
        } else if (text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          part.unquoted.push_back('\'');
          i += 2;
        } else if (text[i] == '\'') {
          ++i;
          break;
        } else {
          part.unquoted.push_back(text[i++]);
        }
      }
    } else {
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          part.unquoted.push_back(text[i + 1]);
          i += 2;
        } else if (isSpace(text[i])) {
          if (!part.secret) break;
          auto next = i;
          while (next < text.size() && isSpace(text[next])) ++next;
          if (next >= text.size() || startsConninfoKey(text, next)) break;
          part.unquoted.append(text.substr(i, next - i));
          i = next;
        } else {
          part.unquoted.push_back(text[i++]);
        }
      }
    }
    part.valueEnd = i;
    parts.push_back(std::move(part));
  }
  return parts;
}

std::string percentDecoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// A URI (postgresql://user:password@host/db?sslpassword=...): the password of its user
// information and the secret parameters of its query.
std::vector<ConnectionPart> uriParts(std::string_view text, std::size_t authorityBegin) {
  std::vector<ConnectionPart> parts;
  const auto authorityEnd = std::min(text.find_first_of("/?#", authorityBegin), text.size());
  // The last '@' of the authority: a password may itself hold an unescaped '@'.
  const auto at = text.substr(0, authorityEnd).rfind('@');
  if (at != std::string_view::npos && at >= authorityBegin) {
    const auto colon = text.find(':', authorityBegin);
    if (colon != std::string_view::npos && colon < at) {
      parts.push_back(ConnectionPart{colon + 1, at,
                                     percentDecoded(text.substr(colon + 1, at - colon - 1)), true});
    }
  }
  const auto query = text.find('?', authorityEnd);
  if (query == std::string_view::npos) return parts;
  std::size_t i = query + 1;
  while (i < text.size()) {
    const auto end = std::min(text.find_first_of("&#", i), text.size());
    const auto pair = text.substr(i, end - i);
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos) {
      const auto begin = i + equals + 1;
      parts.push_back(ConnectionPart{begin, end, percentDecoded(text.substr(begin, end - begin)),
                                     isSecretKey(percentDecoded(pair.substr(0, equals)))});
    }
    if (end < text.size() && text[end] == '#') break;
    i = end + 1;
  }
  return parts;
}

// The values of `connection`, whichever form it has: a URI (scheme://...), ODBC (any ';'
// outside a brace) or libpq's space-separated conninfo.
std::vector<ConnectionPart> connectionParts(std::string_view connection) {
  const auto scheme = connection.find("://");
  if (scheme != std::string_view::npos && scheme > 0 &&
      std::all_of(connection.begin(), connection.begin() + static_cast<std::ptrdiff_t>(scheme),
                  [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' ||
                           c == '-' || c == '.';
                  })) {
    return uriParts(connection, scheme + 3);
  }
  if (connection.find(';') != std::string_view::npos) return odbcParts(connection);
  // One `key=value` without ';': ODBC and conninfo agree, except that conninfo ends a value at a
  // space; conninfo's reading blanks an unquoted secret to the next key, which covers both.
  return conninfoParts(connection);
}

}  // namespace

std::string redactConnectionString(std::string_view connection) {
  std::string out;
  out.reserve(connection.size());
  std::size_t copied = 0;
  for (const auto& part : connectionParts(connection)) {
    if (!part.secret) continue;
    out.append(connection.substr(copied, part.valueBegin - copied));
    out.append("***");
    copied = part.valueEnd;
  }
  out.append(connection.substr(copied));
  return out;
}

std::string blankSecrets(std::string text, std::string_view connection) {
  std::vector<std::string> secrets;
  for (const auto& part : connectionParts(connection)) {
    if (!part.secret) continue;
    // A driver may repeat the value as written (quoted, braced) or as it means it: blank both.
    const auto written = trim(connection.substr(part.valueBegin, part.valueEnd - part.valueBegin));
    if (!written.empty()) secrets.emplace_back(written);
    if (!part.unquoted.empty()) secrets.push_back(part.unquoted);
  }
  // Every byte of the text as it came that belongs to an occurrence of a secret is marked, then
  // each marked run is blanked once, so that a password containing another is blanked whole.
  // Replacing one secret after another instead would let a later secret ("*", say) match the
  // blanks an earlier one left: each pass could triple the text (the fuzzer found 38 s).
  std::vector<bool> covered(text.size(), false);
  for (const auto& secret : secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 1)) {
      std::fill_n(covered.begin() + static_cast<std::ptrdiff_t>(at), secret.size(), true);
    }
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (!covered[i]) {
      out.push_back(text[i++]);
      continue;
    }
    out.append("***");
    while (i < text.size() && covered[i]) ++i;
  }
  return out;
}

Error blankSecrets(const Error& error, std::string_view connection) {
  return Error(error.code(), blankSecrets(error.message(), connection),
               blankSecrets(error.detail(), connection), error.sqlstate());
}

namespace {

// Shorter values (a port, "on") would blank unrelated words and are not secrets.
constexpr std::size_t kShortestBlankedReference = 4;

std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

Error blankSecrets(const Error& error, const SourceConfig& source) {
  const auto expanded = redactConnectionString(source.odbc);
  const auto written =
      redactConnectionString(source.odbcAsWritten.empty() ? source.odbc : source.odbcAsWritten);
  std::vector<std::string> values;
  for (const auto& value : source.resolvedReferences) {
    if (value.size() >= kShortestBlankedReference) values.push_back(value);
  }
  // Longest first, so that a value containing another is blanked whole.
  std::sort(values.begin(), values.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  const auto shown = [&](std::string text) {
    text = replaceAll(blankSecrets(std::move(text), source.odbc), expanded, written);
    for (const auto& value : values) text = replaceAll(std::move(text), value, "***");
    return text;
  };
  return Error(error.code(), shown(error.message()), shown(error.detail()), error.sqlstate());
}

}  // namespace oncegate
