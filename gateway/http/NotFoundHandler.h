#pragma once

#include "gateway/http/HttpExchange.h"

namespace oncegate {

// Answers 404 to every request: the fallback of a listener that serves only some routes (the
// admin listener serves /admin/v1/ and the health endpoints, nothing of the data API).
class NotFoundHandler final : public HttpHandler {
 public:
  void handle(HttpRequest request, Respond respond) override;
  HttpResponse refuse(const Error& error) override;
};

}  // namespace oncegate
