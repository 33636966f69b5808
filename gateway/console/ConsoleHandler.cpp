#include "gateway/console/ConsoleHandler.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/Error.h"
#include "gateway/http/ErrorResponse.h"
#include "gateway/http/RequestId.h"

namespace oncegate {

namespace {

constexpr std::string_view kRoot = "/console";
constexpr std::string_view kIndex = "index.html";
// Vite names every file under assets/ after a hash of its content: a new build is a new name,
// so a browser may keep these for good. index.html and anything unhashed is revalidated.
constexpr std::string_view kHashedFolder = "assets/";
constexpr std::string_view kForever = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

// Only the gateway's own files run: no inline script, no other origin, no framing (clickjacking
// of a page that holds an admin token). Inline styles are allowed because Chart.js sets them.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'";

void addSecurityHeaders(HttpResponse& response) {
  response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
}

// Whether an If-None-Match list names `etag` (or is "*"); weak validators compare by value.
bool matches(std::string_view ifNoneMatch, std::string_view etag) {
  while (!ifNoneMatch.empty()) {
    const auto comma = ifNoneMatch.find(',');
    auto candidate = ifNoneMatch.substr(0, comma);
    while (!candidate.empty() && (candidate.front() == ' ' || candidate.front() == '\t')) {
      candidate.remove_prefix(1);
    }
    while (!candidate.empty() && (candidate.back() == ' ' || candidate.back() == '\t')) {
      candidate.remove_suffix(1);
    }
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);
    if (candidate == "*" || candidate == etag) return true;
    if (comma == std::string_view::npos) break;
    ifNoneMatch.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

ConsoleHandler::ConsoleHandler() : ConsoleHandler(embeddedConsoleAssets()) {}

ConsoleHandler::ConsoleHandler(std::span<const EmbeddedAsset> assets)
    : assets_(assets), index_(find(kIndex)) {}

const EmbeddedAsset* ConsoleHandler::find(std::string_view path) const {
  const auto found =
      std::find_if(assets_.begin(), assets_.end(),
                   [path](const EmbeddedAsset& asset) { return asset.path == path; });
  return found == assets_.end() ? nullptr : &*found;
}

void ConsoleHandler::handle(HttpRequest request, Respond respond) { respond(answer(request)); }

HttpResponse ConsoleHandler::refuse(const Error& error) {
  auto response = errorResponse(error, newRequestId());
  addSecurityHeaders(response);
  return response;
}

HttpResponse ConsoleHandler::answer(const HttpRequest& request) const {
  const std::string requestId = newRequestId();
  const auto fail = [&requestId](Error error) {
    auto response = errorResponse(error, requestId);
    addSecurityHeaders(response);
    return response;
  };
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != kRoot && !path.starts_with(std::string(kRoot) + "/")) {
    return fail(Error(ErrorCode::NotFound, "no such endpoint: " + std::string(path)));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto response =
        fail(Error(ErrorCode::MethodNotAllowed, "the console's files are read with GET or HEAD"));
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  if (index_ == nullptr) {
    return fail(Error(ErrorCode::NotFound,
                      "this gateway was built without its console (ONCEGATE_CONSOLE=OFF)"));
  }
  if (path == kRoot) {
    // Relative links of index.html resolve against /console/, not /.
    HttpResponse response;
    response.status = 301;
    response.contentType = "text/plain; charset=utf-8";
    response.body = "moved to /console/\n";
    response.requestId = requestId;
    response.headers.emplace_back("Location", "/console/");
    addSecurityHeaders(response);
    return response;
  }

  const std::string_view name = path.substr(kRoot.size() + 1);
  const EmbeddedAsset* asset = name.empty() ? index_ : find(name);
  if (asset == nullptr) {
    const auto lastSegment = name.substr(name.rfind('/') + 1);
    // A file name has an extension; a path without one is a route of the console's own.
    if (lastSegment.find('.') != std::string_view::npos) {
      return fail(Error(ErrorCode::NotFound, "the console has no file " + std::string(name)));
    }
    asset = index_;
  }

  HttpResponse response;
  response.requestId = requestId;
  response.contentType = std::string(asset->contentType);
  response.headers.emplace_back("ETag", asset->etag);
  response.headers.emplace_back(
      "Cache-Control",
      asset->path.starts_with(kHashedFolder) && asset != index_ ? kForever : kRevalidate);
  addSecurityHeaders(response);
  if (!request.ifNoneMatch.empty() && matches(request.ifNoneMatch, asset->etag)) {
    response.status = 304;
    return response;
  }
  response.body = std::string(asset->body);
  return response;
}

}  // namespace oncegate
