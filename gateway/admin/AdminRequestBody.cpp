#include "gateway/admin/AdminRequestBody.h"

#include <string_view>
#include <utility>
#include <vector>

#include "mappings/SubjectType.h"

namespace oncegate {

namespace {
constexpr std::string_view kBodyOrigin = "request body";
}  // namespace

ConfigNode AdminRequestBody::parse(const std::string& body) {
  try {
    auto node = ConfigNode::parse(body, std::string(kBodyOrigin));
    if (!node.isMap()) throw Error(ErrorCode::BadRequest, "the body must be a JSON object");
    return node;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InvalidConfig) throw;
    throw Error(ErrorCode::BadRequest, "malformed request body: " + e.message());
  }
}

std::string AdminRequestBody::subjectKey(const ConfigNode& subject, const SubjectType& type) {
  return read(subject, [&](const ConfigNode& node) {
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& [name, value] : node.entries()) {
      if (name != "type") {
        keys.emplace_back(name, value.asString());
      } else if (value.asString() != type.id()) {
        value.fail("the dataset is about subject type '" + type.id() + "', not '" +
                   value.asString() + "'");
      }
    }
    return type.keyValueOf(keys);
  });
}

bool AdminRequestBody::isEmpty(const std::string& body) {
  return body.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace oncegate
