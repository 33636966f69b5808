// The connection-string redactor on any text. The input follows a password the target knows, so
// that it can check what matters: the password never survives redaction, not even in part,
// whatever key spelling, braces, `}}` escapes or `;` inside braces, and whatever follows it.
// Redacting twice changes nothing more, and blankSecrets removes it from a driver's message that
// quotes the whole connection string back.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/SourceConfig.h"
#include "fuzz/FuzzProperty.h"

namespace oncegate {
namespace {

// Each piece is distinct and absent from the keys, so that finding one in an output means the
// password leaked, unless the fuzzer's own text holds it too.
constexpr std::array<std::string_view, 4> kPieces = {"Xq7vK", "Zr9pM", "Wk3tN", "Vb5hL"};

struct Password {
  std::string_view written;   // as it stands in the connection string
  std::array<bool, 4> holds;  // which of kPieces it contains
};

constexpr std::array<Password, 4> kPasswords = {{
    {"Xq7vK", {true, false, false, false}},
    {"{Xq7vK;Zr9pM}", {true, true, false, false}},
    {"{Xq7vK}}Zr9pM;Wk3tN=Vb5hL}", {true, true, true, true}},  // ODBC's }} is a literal }
    {" {Xq7vK}}}}Zr9pM} ", {true, true, false, false}},
}};

constexpr std::array<std::string_view, 4> kKeys = {"PWD", "pwd", "Password", " PASSWORD "};

void requireHidden(std::string_view text, std::string_view input, const Password& password,
                   std::string_view what) {
  for (std::size_t i = 0; i < kPieces.size(); ++i) {
    if (!password.holds[i] || input.find(kPieces[i]) != std::string_view::npos) continue;
    fuzzRequire(text.find(kPieces[i]) == std::string_view::npos, what);
  }
}

void check(std::uint8_t selector, std::string_view input) {
  const auto& key = kKeys[selector % kKeys.size()];
  const auto& password = kPasswords[(selector / kKeys.size()) % kPasswords.size()];
  std::string connection(key);
  connection += '=';
  connection += password.written;
  connection += ';';
  connection += input;

  const auto redacted = redactConnectionString(connection);
  requireHidden(redacted, input, password, "redaction hides the whole password");
  fuzzRequire(redactConnectionString(redacted) == redacted, "redacting twice changes nothing");
  requireHidden(blankSecrets("driver said: " + connection, connection), input, password,
                "blankSecrets hides the whole password");
  // The input alone, with no password of ours: only that nothing breaks.
  fuzzRequire(redactConnectionString(input).size() <= input.size() * 3 + 3,
              "redaction does not blow the string up");
}

}  // namespace
}  // namespace oncegate

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  oncegate::check(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
