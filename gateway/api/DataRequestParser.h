#pragma once

#include <string>

#include "gateway/service/AccessListRequest.h"
#include "gateway/service/DataRequest.h"

namespace oncegate {

// Parses request bodies with simdjson On-Demand, straight from the buffer the server read.
// Throws Error(BadRequest) with a message that says what is wrong; never anything else.
// `body` must have simdjson::SIMDJSON_PADDING bytes of spare capacity (the server reserves it).
class DataRequestParser {
 public:
  using Kind = DataRequestKind;

  static DataRequest parse(std::string& body, Kind kind);
  // A POST /v1/accesses body: {"subject":{..},"from":..,"to":..}, all three required.
  static AccessListRequest parseAccesses(std::string& body);
};

}  // namespace oncegate
