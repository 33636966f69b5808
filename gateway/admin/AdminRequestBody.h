#pragma once

#include <string>

#include "common/ConfigNode.h"
#include "common/Error.h"

namespace oncegate {

class SubjectType;

// An admin call's JSON body, read through the configuration schema tools: whatever is wrong
// with it (malformed, unknown key, wrong type) is the caller's to fix, so it is a BadRequest,
// never the InvalidConfig those tools raise for a configuration document.
class AdminRequestBody {
 public:
  // The body as an object.
  static ConfigNode parse(const std::string& body);

  // Runs `reader` over (part of) a parsed body.
  template <typename Reader>
  static auto read(const ConfigNode& body, Reader reader) {
    try {
      return reader(body);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::InvalidConfig) throw;
      throw Error(ErrorCode::BadRequest, e.message());
    }
  }

  // The key value of {"type":..,"<key>":..}, a subject of `type`, checked as a /v1 request's
  // would be.
  static std::string subjectKey(const ConfigNode& subject, const SubjectType& type);

  // True when the body holds nothing but white space.
  static bool isEmpty(const std::string& body);
};

}  // namespace oncegate
