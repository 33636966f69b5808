#include "gateway/cli/PublicKeySource.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <chrono>
#include <filesystem>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/cli/FileContents.h"
#include "gateway/config/GatewayConfig.h"

namespace oncegate {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kFetchTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxKeySetBytes = 1 << 20;

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

}  // namespace

std::optional<JsonWebKeySet> publicKeysFrom(const CtlArguments& arguments) {
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
  if (!keys) return std::nullopt;
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
  const auto document = fileContents(*keys);
  if (!document) throw Error(ErrorCode::NotFound, "cannot read " + *keys);
  try {
    return JsonWebKeySet::parse(*document);
  } catch (const Error& e) {
    // BadRequest is a usage error here; an unusable key file fails the check.
    throw Error(ErrorCode::InvalidConfig, *keys + ": " + e.message());
  }
}

}  // namespace oncegate
