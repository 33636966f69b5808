#include "gateway/http/ErrorResponse.h"

#include "common/JsonWriter.h"
#include "gateway/http/HttpStatusMapping.h"

namespace oncegate {

HttpResponse errorResponse(const Error& error, std::string_view requestId) {
  HttpResponse response;
  response.status = httpStatusFor(error.code());
  response.requestId = std::string(requestId);
  JsonWriter json(response.body);
  json.beginObject().key("error").string(errorCodeName(error.code()));
  json.key("message").string(error.message());
  if (error.code() == ErrorCode::InvalidConfig) {
    // The loader reports every problem of the whole, one per line.
    json.key("problems").beginArray();
    std::string_view rest = error.message();
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      if (const auto line = rest.substr(0, end); !line.empty()) json.string(line);
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
    json.endArray();
  }
  json.key("request_id").string(requestId).endObject();
  return response;
}

}  // namespace oncegate
