// oncegatectl verify-receipt: checks one signed answer offline, for a workflow system or an
// auditor holding an answer filed as evidence: the body exactly as received, and the value of its
// Oncegate-Signature header.

#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/AsciiCase.h"
#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/config/GatewayConfig.h"
#include "gateway/signing/DetachedJwsVerifier.h"
#include "gateway/signing/JsonWebKeySet.h"

namespace oncegate {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

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

constexpr auto kFetchTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxKeySetBytes = 1 << 20;

std::optional<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return std::nullopt;
  return text.str();
}

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
    auto content = readFile(argument);
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

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

std::optional<Url> parseUrl(std::string_view text) {
  Url url;
  if (text.starts_with("http://")) {
    text.remove_prefix(7);
    url.port = "80";
  } else if (text.starts_with("https://")) {
    text.remove_prefix(8);
    url.tls = true;
    url.port = "443";
  } else {
    return std::nullopt;
  }
  const auto slash = text.find('/');
  const auto authority = text.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  const auto bracket = authority.find(']');
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    url.host = std::string(authority.substr(0, colon));
    url.port = std::string(authority.substr(colon + 1));
  } else {
    url.host = std::string(authority);
  }
  if (url.host.size() > 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);
  }
  if (url.host.empty() || url.port.empty()) return std::nullopt;
  return url;
}

// GET of a small document, synchronously: one request, the answer's body. https:// checks the
// server's certificate against the system's CAs and its name.
std::string fetch(const Url& url, const std::optional<std::string>& caFile) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, url.port);
  http::request<http::empty_body> request(http::verb::get, url.target, 11);
  request.set(http::field::host, url.host);
  request.set(http::field::user_agent, "oncegatectl verify-receipt");
  request.set(http::field::accept, "application/json");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxKeySetBytes);
  if (url.tls) {
    asio::ssl::context context(asio::ssl::context::tls_client);
    if (caFile) {
      context.load_verify_file(*caFile);
    } else {
      context.set_default_verify_paths();
    }
    context.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    // SNI names a host, never an address (RFC 6066); SSL_set_tlsext_host_name is a macro with a
    // C cast, hence SSL_ctrl itself.
    boost::system::error_code notAnAddress;
    asio::ip::make_address(url.host, notAnAddress);
    if (notAnAddress &&
        SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(url.host.c_str())) != 1) {
      throw Error(ErrorCode::NotFound, "cannot set the TLS server name " + url.host);
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
    beast::get_lowest_layer(stream).expires_after(kFetchTimeout);
    beast::get_lowest_layer(stream).connect(endpoints);
    stream.handshake(asio::ssl::stream_base::client);
    http::write(stream, request);
    http::read(stream, buffer, parser);
  } else {
    beast::tcp_stream stream(io);
    stream.expires_after(kFetchTimeout);
    stream.connect(endpoints);
    http::write(stream, request);
    http::read(stream, buffer, parser);
  }
  const auto& response = parser.get();
  if (response.result() != http::status::ok) {
    throw Error(ErrorCode::NotFound,
                "the key set URL answered HTTP " + std::to_string(response.result_int()));
  }
  return response.body();
}

JsonWebKeySet keysFrom(const CtlArguments& arguments) {
  const auto keys = arguments.option("keys");
  const auto config = arguments.option("config");
  if (keys && config) throw Error(ErrorCode::BadRequest, "give --keys or --config, not both");
  if (config) {
    const std::filesystem::path directory(*config);
    const auto gateway = parseGatewayConfig(ConfigNode::loadFile(directory / "gateway.yaml"),
                                            directory, std::nullopt);
    if (!gateway.signing) {
      throw Error(ErrorCode::InvalidConfig, *config + "/gateway.yaml has no signing: keys");
    }
    return JsonWebKeySet::configured(*gateway.signing);
  }
  if (!keys) throw Error(ErrorCode::BadRequest, "give the public keys: --keys or --config");
  if (const auto url = parseUrl(*keys)) {
    try {
      return JsonWebKeySet::parse(fetch(*url, arguments.option("ca")));
    } catch (const Error& e) {
      throw Error(ErrorCode::NotFound, "keys from " + *keys + ": " + e.message());
    } catch (const std::exception& e) {
      throw Error(ErrorCode::NotFound, "cannot fetch the keys from " + *keys + ": " + e.what());
    }
  }
  if (keys->find("://") != std::string::npos) {
    throw Error(ErrorCode::BadRequest, "--keys takes a file or an http:// or https:// URL");
  }
  const auto document = readFile(*keys);
  if (!document) throw Error(ErrorCode::NotFound, "cannot read " + *keys);
  try {
    return JsonWebKeySet::parse(*document);
  } catch (const Error& e) {
    // BadRequest is a usage error here; an unusable key file fails the check.
    throw Error(ErrorCode::InvalidConfig, *keys + ": " + e.message());
  }
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
  const auto body = readFile(bodyFile);
  if (!body) {
    err << "cannot read " << bodyFile << "\n";
    return kCtlExitFailed;
  }
  const auto signature = signatureOf(arguments.positionals()[1]);
  const DetachedJwsVerifier verifier(keysFrom(arguments));
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
