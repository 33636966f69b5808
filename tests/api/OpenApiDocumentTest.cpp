// api/openapi.json describes the HTTP API. These tests keep it honest: every route the code
// serves is described with its method, nothing else is, and the document holds together
// (operation ids, responses, security, references).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace dom = simdjson::dom;

using Operation = std::pair<std::string, std::string>;  // method (upper case), path

const std::string kDocumentPath = std::string(ONCEGATE_SOURCE_DIR) + "/api/openapi.json";

// gateway/api/ApiHandler.cpp, ApiHandler::handle kRoutes.
constexpr std::pair<std::string_view, std::string_view> kDataRoutes[] = {
    {"POST", "/v1/resolve"},     {"POST", "/v1/verify"},   {"POST", "/v1/forms/{form}/prefill"},
    {"GET", "/v1/forms/{form}"}, {"GET", "/v1/forms"},     {"GET", "/v1/catalog"},
    {"GET", "/healthz"},         {"GET", "/readyz"},       {"GET", "/metrics"},
    {"GET", "/v1/keys"},         {"POST", "/v1/accesses"},
};

// ../shared/design.md lists it too (the lead is wiring it into ApiHandler).
constexpr std::pair<std::string_view, std::string_view> kDesignRoutes[] = {
    {"GET", "/openapi.json"},
};

// gateway/console/ConsoleHandler.cpp: the web console's files.
constexpr std::pair<std::string_view, std::string_view> kConsoleRoutes[] = {
    {"GET", "/console"},
    {"GET", "/console/"},
    {"GET", "/console/{file}"},
    {"GET", "/console/assets/{file}"},
};

// gateway/admin/*Endpoints.cpp, each group's routes(), below /admin/v1/.
constexpr std::pair<std::string_view, std::string_view> kAdminRoutes[] = {
    {"GET", "changes"},
    {"GET", "changes/{id}"},
    {"POST", "changes/{id}/approve"},
    {"POST", "changes/{id}/reject"},
    {"POST", "changes/{id}/withdraw"},
    {"GET", "audit"},
    {"POST", "audit/verify"},
    {"GET", "reports/sharing"},
    {"POST", "cache/invalidate"},
    {"POST", "policies/explain"},
    {"POST", "policies/impact"},
    {"POST", "sources/{id}/test"},
    {"POST", "datasets/{id}/dry-run"},
    {"POST", "reports/consistency"},
    {"GET", "sources/status"},
    {"GET", "fields/{id}/grants"},
    {"GET", "{kind}/{id}/history"},
    {"POST", "{kind}/{id}/rollback"},
    {"GET", "{kind}"},
    {"GET", "{kind}/{id}"},
    {"PUT", "{kind}/{id}"},
    {"DELETE", "{kind}/{id}"},
    {"GET", "session"},
};

// gateway/Configuration.cpp, isConfigDocumentKind: what {kind} stands for.
constexpr std::string_view kKinds[] = {"sources", "subjects", "datasets", "fields",
                                       "forms",   "clients",  "policies"};

constexpr std::string_view kHttpMethods[] = {"get",  "put",     "post",  "delete",
                                             "head", "options", "patch", "trace"};

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::set<Operation> expectedOperations() {
  std::set<Operation> expected;
  for (const auto& [method, path] : kDataRoutes) expected.emplace(method, path);
  for (const auto& [method, path] : kDesignRoutes) expected.emplace(method, path);
  for (const auto& [method, path] : kConsoleRoutes) expected.emplace(method, path);
  for (const auto& [method, pattern] : kAdminRoutes) {
    const std::string path = "/admin/v1/" + std::string(pattern);
    if (!pattern.starts_with("{kind}")) {
      expected.emplace(method, path);
      continue;
    }
    for (const auto kind : kKinds) {
      expected.emplace(method, std::string(path).replace(path.find("{kind}"), 6, kind));
    }
  }
  return expected;
}

class OpenApiDocumentTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(simdjson::padded_string::load(kDocumentPath).get(text_), simdjson::SUCCESS)
        << "cannot read " << kDocumentPath;
    const auto error = parser_.parse(text_).get(root_);
    ASSERT_EQ(error, simdjson::SUCCESS)
        << kDocumentPath << " is not valid JSON: " << simdjson::error_message(error);
  }

  // Every operation of the document: method (upper case), path, and its object.
  std::vector<std::pair<Operation, dom::object>> operations() const {
    std::vector<std::pair<Operation, dom::object>> found;
    dom::object paths;
    EXPECT_EQ(root_["paths"].get(paths), simdjson::SUCCESS) << "no paths object";
    for (const auto [path, item] : paths) {
      dom::object methods;
      EXPECT_EQ(item.get(methods), simdjson::SUCCESS) << std::string(path);
      for (const auto [key, value] : methods) {
        if (std::find(std::begin(kHttpMethods), std::end(kHttpMethods), key) ==
            std::end(kHttpMethods)) {
          continue;  // parameters, summary, ...
        }
        dom::object operation;
        EXPECT_EQ(value.get(operation), simdjson::SUCCESS) << key << " " << path;
        found.push_back({{upper(key), std::string(path)}, operation});
      }
    }
    return found;
  }

  simdjson::padded_string text_;
  dom::parser parser_;
  dom::element root_;
};

TEST_F(OpenApiDocumentTest, IsAnOpenApi3DocumentOfVersion1) {
  std::string_view openapi;
  ASSERT_EQ(root_["openapi"].get(openapi), simdjson::SUCCESS);
  EXPECT_TRUE(openapi.starts_with("3.")) << openapi;
  std::string_view version;
  ASSERT_EQ(root_["info"]["version"].get(version), simdjson::SUCCESS);
  EXPECT_EQ(version, "1");
  std::string_view title;
  EXPECT_EQ(root_["info"]["title"].get(title), simdjson::SUCCESS);
  dom::array servers;
  ASSERT_EQ(root_["servers"].get(servers), simdjson::SUCCESS);
  bool local = false;
  for (const auto server : servers) {
    std::string_view url;
    if (server["url"].get(url) == simdjson::SUCCESS && url == "http://127.0.0.1:8080") local = true;
  }
  EXPECT_TRUE(local) << "servers has no http://127.0.0.1:8080";
}

TEST_F(OpenApiDocumentTest, DescribesEveryRouteTheGatewayServes) {
  std::set<Operation> described;
  for (const auto& [operation, object] : operations()) described.insert(operation);
  for (const auto& [method, path] : expectedOperations()) {
    EXPECT_TRUE(described.contains({method, path})) << "missing: " << method << " " << path;
  }
}

TEST_F(OpenApiDocumentTest, DescribesNoRouteTheGatewayDoesNotServe) {
  const auto expected = expectedOperations();
  for (const auto& [operation, object] : operations()) {
    EXPECT_TRUE(expected.contains(operation))
        << "not served: " << operation.first << " " << operation.second;
  }
}

TEST_F(OpenApiDocumentTest, EveryOperationHasAUniqueIdAndAResponse) {
  std::set<std::string> ids;
  for (const auto& [operation, object] : operations()) {
    const auto name = operation.first + " " + operation.second;
    std::string_view id;
    if (object["operationId"].get(id) != simdjson::SUCCESS || id.empty()) {
      ADD_FAILURE() << name << " has no operationId";
    } else {
      EXPECT_TRUE(ids.emplace(id).second) << name << ": operationId " << id << " is not unique";
    }
    dom::object responses;
    ASSERT_EQ(object["responses"].get(responses), simdjson::SUCCESS) << name << " has no responses";
    EXPECT_GT(responses.size(), 0u) << name << " has no responses";
  }
}

// gateway/http/HttpServer.cpp refuses before any route is chosen, so every operation can answer
// these: 400 (malformed request), 413 (body over limits.max_body), 431 (headers too large), 503
// (shutting down). The integration tests check the answers they see against the document
// (tests/api/validate-exchanges.pl); this covers the operations they do not reach that way.
TEST_F(OpenApiDocumentTest, EveryOperationDocumentsTheRefusalsOfTheHttpLayer) {
  for (const auto& [operation, object] : operations()) {
    for (const auto status : {"400", "413", "431", "503"}) {
      dom::element response;
      EXPECT_EQ(object["responses"][status].get(response), simdjson::SUCCESS)
          << operation.first << " " << operation.second << " does not document " << status;
    }
  }
}

// /v1 takes an API key, /admin/v1 an admin token; health, metrics, this document and the public
// keys of signed answers (anyone holding an answer may verify it) nothing.
TEST_F(OpenApiDocumentTest, EveryOperationNamesItsCredentials) {
  for (const auto& [operation, object] : operations()) {
    const auto& path = operation.second;
    const auto name = operation.first + " " + path;
    dom::array security;
    ASSERT_EQ(object["security"].get(security), simdjson::SUCCESS) << name << " has no security";
    std::set<std::string> schemes;
    for (const auto requirement : security) {
      dom::object alternatives;
      ASSERT_EQ(requirement.get(alternatives), simdjson::SUCCESS) << name;
      for (const auto [scheme, scopes] : alternatives) schemes.emplace(scheme);
    }
    if (path.starts_with("/admin/v1/")) {
      EXPECT_EQ(schemes, std::set<std::string>{"adminToken"}) << name;
    } else if (path.starts_with("/v1/") && path != "/v1/keys") {
      EXPECT_EQ(schemes, std::set<std::string>{"apiKey"}) << name;
    } else {
      EXPECT_TRUE(schemes.empty()) << name << " needs no credentials";
    }
  }
  for (const auto scheme : {"apiKey", "adminToken"}) {
    std::string_view type;
    EXPECT_EQ(root_["components"]["securitySchemes"][scheme]["type"].get(type), simdjson::SUCCESS)
        << scheme;
    EXPECT_EQ(type, "http") << scheme;
  }
}

// Every "$ref" names a component the document has.
TEST_F(OpenApiDocumentTest, EveryReferenceResolves) {
  std::vector<std::string> broken;
  std::size_t references = 0;
  const auto visit = [&](const auto& self, dom::element element) -> void {
    if (dom::object object; element.get(object) == simdjson::SUCCESS) {
      for (const auto [key, value] : object) {
        std::string_view target;
        if (key == "$ref" && value.get(target) == simdjson::SUCCESS) {
          ++references;
          constexpr std::string_view kLocal = "#/";
          dom::element found;
          if (!target.starts_with(kLocal) ||
              root_.at_pointer(target.substr(1)).get(found) != simdjson::SUCCESS) {
            broken.emplace_back(target);
          }
        } else {
          self(self, value);
        }
      }
    } else if (dom::array array; element.get(array) == simdjson::SUCCESS) {
      for (const auto item : array) self(self, item);
    }
  };
  visit(visit, root_);
  EXPECT_GT(references, 0u);
  EXPECT_TRUE(broken.empty()) << broken.size() << " broken, the first: " << broken.front();
}

// The error body of every request-level error: {"error", "message", "request_id"}.
TEST_F(OpenApiDocumentTest, ErrorBodyHasCodeMessageAndRequestId) {
  dom::array required;
  ASSERT_EQ(root_["components"]["schemas"]["Error"]["required"].get(required), simdjson::SUCCESS);
  std::set<std::string> names;
  for (const auto name : required) {
    std::string_view text;
    if (name.get(text) == simdjson::SUCCESS) names.emplace(text);
  }
  EXPECT_EQ(names, (std::set<std::string>{"error", "message", "request_id"}));
}

}  // namespace
