#include "gateway/http/ErrorResponse.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/JsonWriter.h"
#include "gateway/http/HttpStatusMapping.h"

namespace oncegate {

namespace {

// A problem as the loader words it: "ORIGIN:LINE: REASON" (ConfigNode), ORIGIN a file, a stored
// version or "request body". Split so that an editor can put the reason beside its line without
// guessing at the text; a problem with no line keeps its whole text as the reason.
struct ProblemLocation {
  std::optional<std::string_view> origin;
  std::optional<std::int64_t> line;
  std::string_view reason;
};

ProblemLocation locate(std::string_view problem) {
  // The first ":<digits>: " ends the origin: an origin may hold ':' but never that sequence,
  // while a reason may (it quotes values), so the earliest one is the location.
  for (auto colon = problem.find(':'); colon != std::string_view::npos;
       colon = problem.find(':', colon + 1)) {
    auto digitsEnd = colon + 1;
    while (digitsEnd < problem.size() && problem[digitsEnd] >= '0' && problem[digitsEnd] <= '9') {
      ++digitsEnd;
    }
    if (colon == 0 || digitsEnd == colon + 1 || problem.substr(digitsEnd, 2) != ": ") continue;
    std::int64_t line = 0;
    const auto digits = problem.substr(colon + 1, digitsEnd - colon - 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), line).ec != std::errc{} ||
        line < 1) {
      continue;
    }
    return {problem.substr(0, colon), line, problem.substr(digitsEnd + 2)};
  }
  return {std::nullopt, std::nullopt, problem};
}

std::vector<std::string_view> problemsOf(std::string_view message) {
  // The loader reports every problem of the whole, one per line.
  std::vector<std::string_view> problems;
  while (!message.empty()) {
    const auto end = message.find('\n');
    if (const auto line = message.substr(0, end); !line.empty()) problems.push_back(line);
    if (end == std::string_view::npos) break;
    message.remove_prefix(end + 1);
  }
  return problems;
}

}  // namespace

HttpResponse errorResponse(const Error& error, std::string_view requestId) {
  HttpResponse response;
  response.status = httpStatusFor(error.code());
  response.requestId = std::string(requestId);
  JsonWriter json(response.body);
  json.beginObject().key("error").string(errorCodeName(error.code()));
  json.key("message").string(error.message());
  if (error.code() == ErrorCode::InvalidConfig) {
    const auto problems = problemsOf(error.message());
    json.key("problems").beginArray();
    for (const auto problem : problems) json.string(problem);
    json.endArray();
    json.key("locations").beginArray();
    for (const auto problem : problems) {
      const auto where = locate(problem);
      json.beginObject().key("origin");
      where.origin ? json.string(*where.origin) : json.null();
      json.key("line");
      where.line ? json.integer(*where.line) : json.null();
      json.key("reason").string(where.reason).endObject();
    }
    json.endArray();
  }
  json.key("request_id").string(requestId).endObject();
  return response;
}

}  // namespace oncegate
