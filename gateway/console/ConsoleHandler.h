#pragma once

#include <span>
#include <string_view>

#include "gateway/console/EmbeddedAsset.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

// Serves the web console at /console/: GET and HEAD of the files compiled into the binary, and
// nothing else (a path is looked up among the embedded names, never on disk, so no path can
// climb out). "/console" is redirected to "/console/"; an extensionless path the build does not
// hold is a route of the console's own (#-less deep link) and gets index.html; any other unknown
// file is 404. Every answer carries the console's security headers (docs/console.md): a CSP that
// allows only the gateway's own scripts, nosniff, and no framing.
class ConsoleHandler final : public HttpHandler {
 public:
  // The files the build embedded.
  ConsoleHandler();
  // These files instead (tests).
  explicit ConsoleHandler(std::span<const EmbeddedAsset> assets);

  void handle(HttpRequest request, Respond respond) override;
  HttpResponse refuse(const Error& error) override;

  // The answer to `request`, without a socket (handle() sends it).
  HttpResponse answer(const HttpRequest& request) const;

 private:
  const EmbeddedAsset* find(std::string_view path) const;

  std::span<const EmbeddedAsset> assets_;
  const EmbeddedAsset* index_ = nullptr;
};

}  // namespace oncegate
