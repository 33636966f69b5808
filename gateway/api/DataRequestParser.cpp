#include "gateway/api/DataRequestParser.h"

#include <simdjson.h>

#include <string_view>
#include <unordered_set>

#include "common/Error.h"

namespace oncegate {

namespace {

namespace od = simdjson::ondemand;

[[noreturn]] void invalid(std::string message) {
  throw Error(ErrorCode::BadRequest, std::move(message));
}

// On-Demand reports malformed JSON lazily, at the value where it is met; any simdjson error
// therefore means the body is not the JSON it claims to be, unless a type was wrong.
template <typename T>
T check(simdjson::simdjson_result<T> result, std::string_view what) {
  T value{};
  const auto error = std::move(result).get(value);
  if (error == simdjson::INCORRECT_TYPE) invalid(std::string(what) + " has the wrong type");
  if (error) invalid("malformed JSON body");
  return value;
}

std::string stringOf(od::value value, std::string_view what) {
  return std::string(check(value.get_string(), what));
}

// The canonical text of a claimed scalar, comparable with Value::toString().
std::string claimText(od::value value, std::string_view field) {
  const auto type = check(value.type(), field);
  switch (type) {
    case od::json_type::string:
      return std::string(check(value.get_string(), field));
    case od::json_type::boolean:
      return check(value.get_bool(), field) ? "true" : "false";
    case od::json_type::number: {
      // The number as written ("12", "1.50"): the token may carry trailing white space.
      std::string_view token = value.raw_json_token();
      token = token.substr(0, token.find_last_not_of(" \t\r\n") + 1);
      return std::string(token);
    }
    default:
      invalid("claim '" + std::string(field) + "' must be a string, number or boolean");
  }
}

// The keys met so far in one JSON object. Most JSON readers keep the last of two equal keys and
// some the first, so a repeated key could make the gateway serve one subject and a reader of the
// audit trail see another: a repeat is refused, whatever object it is in. A hash set, not a
// scan: limits.max_fields is checked after parsing, so a body may hold as many claims as
// limits.max_body lets it.
class SeenKeys {
 public:
  explicit SeenKeys(std::string_view object) : object_(object) {}

  void add(std::string_view key) {
    if (!keys_.emplace(key).second) {
      invalid("key '" + std::string(key) + "' appears twice in " + std::string(object_));
    }
  }

 private:
  std::string_view object_;
  std::unordered_set<std::string> keys_;
};

void parseSubject(od::value value, DataRequest& out) {
  auto object = check(value.get_object(), "subject");
  SeenKeys seen("subject");
  for (auto member : object) {
    const std::string key(check(member.unescaped_key(), "subject"));
    seen.add(key);
    auto field = check(member.value(), "subject");
    if (key == "type") {
      out.subjectType = stringOf(field, "subject.type");
    } else {
      out.subjectKeys.emplace_back(key, stringOf(field, "subject." + key));
    }
  }
  if (out.subjectType.empty()) invalid("subject.type is required");
}

}  // namespace

DataRequest DataRequestParser::parse(std::string& body, Kind kind) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  // One parser per thread: it keeps its buffers between requests.
  thread_local od::parser parser;
  DataRequest out;
  bool sawSubject = false;
  bool sawFields = false;
  bool sawClaims = false;
  auto document = check(parser.iterate(body.data(), body.size(), body.capacity()), "body");
  auto object = check(document.get_object(), "the body");
  SeenKeys seen("the body");
  for (auto member : object) {
    const std::string_view key = check(member.unescaped_key(), "body");
    seen.add(key);
    auto value = check(member.value(), "body");
    if (key == "purpose" && kind != Kind::Prefill) {
      out.purpose = stringOf(value, "purpose");
    } else if (key == "case") {
      out.caseNumber = stringOf(value, "case");
    } else if (key == "subject") {
      parseSubject(value, out);
      sawSubject = true;
    } else if (key == "fields" && kind == Kind::Resolve) {
      for (auto element : check(value.get_array(), "fields")) {
        out.fields.push_back(stringOf(check(element, "fields"), "each of fields"));
      }
      sawFields = true;
    } else if (key == "claims" && kind == Kind::Verify) {
      SeenKeys claimed("claims");
      for (auto claim : check(value.get_object(), "claims")) {
        std::string field(check(claim.unescaped_key(), "claims"));
        claimed.add(field);
        std::string text = claimText(check(claim.value(), "claims"), field);
        out.claims.emplace_back(std::move(field), std::move(text));
      }
      sawClaims = true;
    } else {
      invalid("unknown key '" + std::string(key) + "' in the body");
    }
  }
  // On-Demand stops at the end of the object: anything after it is an error of its own.
  const char* trailing = nullptr;
  if (!document.current_location().get(trailing)) {
    invalid("malformed JSON body: content after the object");
  }
  if (kind != Kind::Prefill && out.purpose.empty()) invalid("purpose is required");
  if (!sawSubject) invalid("subject is required");
  if (kind == Kind::Resolve && !sawFields) invalid("fields is required");
  if (kind == Kind::Verify && !sawClaims) invalid("claims is required");
  return out;
}

AccessListRequest DataRequestParser::parseAccesses(std::string& body) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  thread_local od::parser parser;
  DataRequest subject;
  AccessListRequest out;
  bool sawSubject = false;
  bool sawFrom = false;
  bool sawTo = false;
  auto document = check(parser.iterate(body.data(), body.size(), body.capacity()), "body");
  auto object = check(document.get_object(), "the body");
  SeenKeys seen("the body");
  for (auto member : object) {
    const std::string_view key = check(member.unescaped_key(), "body");
    seen.add(key);
    auto value = check(member.value(), "body");
    if (key == "subject") {
      parseSubject(value, subject);
      sawSubject = true;
    } else if (key == "from") {
      out.from = stringOf(value, "from");
      sawFrom = true;
    } else if (key == "to") {
      out.to = stringOf(value, "to");
      sawTo = true;
    } else {
      invalid("unknown key '" + std::string(key) + "' in the body");
    }
  }
  const char* trailing = nullptr;
  if (!document.current_location().get(trailing)) {
    invalid("malformed JSON body: content after the object");
  }
  if (!sawSubject) invalid("subject is required");
  if (!sawFrom) invalid("from is required");
  if (!sawTo) invalid("to is required");
  out.subjectType = std::move(subject.subjectType);
  out.subjectKeys = std::move(subject.subjectKeys);
  return out;
}

}  // namespace oncegate
