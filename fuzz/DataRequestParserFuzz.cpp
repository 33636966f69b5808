// The /v1 request parser on any bytes, as each of the three kinds of data request. It must either
// refuse with Error(BadRequest) or yield a request that survives a round trip: rendered back to
// JSON and parsed again, it is the same request (so nothing it accepted was half understood),
// and its subject names each key once.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "fuzz/FuzzProperty.h"
#include "gateway/api/DataRequestParser.h"

namespace oncegate {
namespace {

std::string render(const DataRequest& request, DataRequestKind kind) {
  std::string out;
  JsonWriter json(out);
  json.beginObject();
  if (kind != DataRequestKind::Prefill) json.key("purpose").string(request.purpose);
  if (!request.caseNumber.empty()) json.key("case").string(request.caseNumber);
  json.key("subject").beginObject().key("type").string(request.subjectType);
  for (const auto& [key, value] : request.subjectKeys) json.key(key).string(value);
  json.endObject();
  if (kind == DataRequestKind::Resolve) {
    json.key("fields").beginArray();
    for (const auto& field : request.fields) json.string(field);
    json.endArray();
  }
  if (kind == DataRequestKind::Verify) {
    // Claims are kept as text: a claimed 12 and a claimed "12" are the same claim.
    json.key("claims").beginObject();
    for (const auto& [field, text] : request.claims) json.key(field).string(text);
    json.endObject();
  }
  json.endObject();
  return out;
}

bool same(const DataRequest& a, const DataRequest& b) {
  return a.purpose == b.purpose && a.caseNumber == b.caseNumber && a.subjectType == b.subjectType &&
         a.subjectKeys == b.subjectKeys && a.fields == b.fields && a.claims == b.claims;
}

void check(const std::uint8_t* data, std::size_t size, DataRequestKind kind) {
  // The server hands the parser a body with spare capacity; a fresh string per kind, as the
  // parser may pad it.
  std::string body(reinterpret_cast<const char*>(data), size);
  DataRequest request;
  try {
    request = DataRequestParser::parse(body, kind);
  } catch (const Error& error) {
    fuzzRequire(error.code() == ErrorCode::BadRequest, "a refusal is a BadRequest");
    fuzzRequire(!error.message().empty(), "a refusal says what is wrong");
    return;
  }
  fuzzRequire(body.size() == size, "the parser leaves the body as it was sent");
  fuzzRequire(!request.subjectType.empty(), "an accepted request names its subject type");
  fuzzRequire(kind == DataRequestKind::Prefill || !request.purpose.empty(),
              "an accepted resolve or verify names its purpose");
  // Issue 9: a subject with a key twice was served for one value and audited with both.
  for (std::size_t i = 0; i < request.subjectKeys.size(); ++i) {
    for (std::size_t j = i + 1; j < request.subjectKeys.size(); ++j) {
      fuzzRequire(request.subjectKeys[i].first != request.subjectKeys[j].first,
                  "an accepted subject names each key once");
    }
  }
  auto rendered = render(request, kind);
  DataRequest again;
  try {
    again = DataRequestParser::parse(rendered, kind);
  } catch (const Error&) {
    fuzzRequire(false, "an accepted request, rendered again, is accepted again");
  }
  fuzzRequire(same(request, again), "an accepted request, rendered and parsed again, is the same");
}

}  // namespace
}  // namespace oncegate

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using oncegate::DataRequestKind;
  oncegate::check(data, size, DataRequestKind::Resolve);
  oncegate::check(data, size, DataRequestKind::Verify);
  oncegate::check(data, size, DataRequestKind::Prefill);
  return 0;
}
