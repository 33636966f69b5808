// oncegatectl verify-receipt: checks one signed answer offline, for a workflow system or an
// auditor holding an answer filed as evidence: the body exactly as received, and the value of its
// Oncegate-Signature header.

#include <simdjson.h>

#include <filesystem>
#include <optional>

#include "common/AsciiCase.h"
#include "common/Error.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/cli/FileContents.h"
#include "gateway/cli/PublicKeySource.h"
#include "gateway/signing/DetachedJwsVerifier.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl verify-receipt BODY_FILE SIGNATURE [--keys JWKS_FILE_OR_URL] "
    "[--config DIR] [--ca PEM_FILE]\n"
    "Checks a signed answer of /v1/resolve, /v1/verify or /v1/forms/{form}/prefill: BODY_FILE\n"
    "holds the body exactly as received (not reformatted), SIGNATURE is the value of its\n"
    "Oncegate-Signature header or a file holding it. The public keys come from --keys (a JWKS\n"
    "file, or the gateway's http:// or https:// .../v1/keys URL) or from the signing: keys of\n"
    "the configuration directory --config (gateway.yaml only is read). An https:// URL's\n"
    "certificate is checked against the system's CAs, or against those of --ca.\n"
    "Prints what the answer states (request_id, issued_at, client, purpose, case, subject type)\n"
    "and the key that signed it when valid, otherwise why not.\n"
    "Exit status: 0 valid, 1 not valid (unknown key, bad signature, body changed, malformed)\n"
    "or the keys cannot be read, 2 usage error.\n";

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The argument itself, or the content of the file it names; a saved header line
// ("Oncegate-Signature: ...") is taken as its value.
std::string signatureOf(const std::string& argument) {
  std::error_code ignored;
  std::string text = argument;
  if (std::filesystem::is_regular_file(argument, ignored)) {
    auto content = fileContents(argument);
    if (!content) throw Error(ErrorCode::NotFound, "cannot read " + argument);
    text = std::move(*content);
  }
  std::string_view value = trimmed(text);
  constexpr std::string_view kHeader = "oncegate-signature:";
  if (value.size() > kHeader.size() &&
      equalsIgnoringAsciiCase(value.substr(0, kHeader.size()), kHeader)) {
    value = trimmed(value.substr(kHeader.size()));
  }
  return std::string(value);
}

// What a valid answer states about itself, one "name: value" a line.
void printStatement(std::string_view body, std::ostream& out) {
  simdjson::dom::parser parser;
  simdjson::dom::object answer;
  if (parser.parse(simdjson::padded_string(body)).get(answer) != simdjson::SUCCESS) {
    out << "(the body is not a JSON object)\n";
    return;
  }
  for (const char* name : {"request_id", "issued_at", "client", "purpose", "case"}) {
    simdjson::dom::element value;
    std::string_view text;
    out << name << ": ";
    if (answer[name].get(value) != simdjson::SUCCESS) {
      out << "(not stated)\n";
    } else if (value.get(text) == simdjson::SUCCESS) {
      out << text << "\n";
    } else {
      out << (value.is_null() ? "none" : "(not a string)") << "\n";
    }
  }
  std::string_view type;
  if (answer["subject"]["type"].get(type) == simdjson::SUCCESS) {
    out << "subject type: " << type << "\n";
  }
}

int runVerifyReceipt(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const auto& bodyFile = arguments.positionals()[0];
  const auto body = fileContents(bodyFile);
  if (!body) {
    err << "cannot read " << bodyFile << "\n";
    return kCtlExitFailed;
  }
  const auto signature = signatureOf(arguments.positionals()[1]);
  auto keys = publicKeysFrom(arguments);
  if (!keys) {
    err << "give the public keys: --keys or --config\n";
    return kCtlExitUsage;
  }
  const DetachedJwsVerifier verifier(std::move(*keys));
  const auto result = verifier.verify(*body, signature);
  if (result.verdict != DetachedJwsVerifier::Verdict::Valid) {
    err << "NOT VALID: " << result.reason << "\n";
    return kCtlExitFailed;
  }
  out << "VALID: signed by key '" << result.keyId << "'\n";
  printStatement(*body, out);
  return kCtlExitOk;
}

}  // namespace

CtlCommand verifyReceiptCommand() {
  return CtlCommand{"verify-receipt",
                    "check a signed answer (body and Oncegate-Signature) offline",
                    kUsage,
                    {"keys", "config", "ca"},
                    2,
                    runVerifyReceipt};
}

}  // namespace oncegate
