#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/console/ConsoleHandler.h"

namespace oncegate {
namespace {

constexpr EmbeddedAsset kAssets[] = {
    {"index.html", "<html>console</html>", "text/html; charset=utf-8", "\"aaaa\""},
    {"assets/main-1a2b.js", "console.log(1)", "text/javascript; charset=utf-8", "\"bbbb\""},
    {"favicon.svg", "<svg/>", "image/svg+xml", "\"cccc\""},
};

HttpRequest get(std::string target, std::string method = "GET") {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  return request;
}

std::optional<std::string> header(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

void expectSecurityHeaders(const HttpResponse& response) {
  EXPECT_EQ(header(response, "Content-Security-Policy"),
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'");
  EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
}

TEST(ConsoleHandlerTest, ServesIndexAtTheRootWithoutCaching) {
  const ConsoleHandler handler(kAssets);
  const auto response = handler.answer(get("/console/"));
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "<html>console</html>");
  EXPECT_EQ(response.contentType, "text/html; charset=utf-8");
  EXPECT_EQ(header(response, "ETag"), "\"aaaa\"");
  EXPECT_EQ(header(response, "Cache-Control"), "no-cache");
  expectSecurityHeaders(response);
}

TEST(ConsoleHandlerTest, ServesHashedAssetsForLong) {
  const ConsoleHandler handler(kAssets);
  const auto response = handler.answer(get("/console/assets/main-1a2b.js?v=1"));
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "console.log(1)");
  EXPECT_EQ(response.contentType, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(response, "Cache-Control"), "public, max-age=31536000, immutable");
  expectSecurityHeaders(response);
  // Outside assets/ a file has no hash in its name: revalidated.
  EXPECT_EQ(header(handler.answer(get("/console/favicon.svg")), "Cache-Control"), "no-cache");
}

TEST(ConsoleHandlerTest, RedirectsTheBarePathToTheFolder) {
  const ConsoleHandler handler(kAssets);
  const auto response = handler.answer(get("/console"));
  EXPECT_EQ(response.status, 301u);
  EXPECT_EQ(header(response, "Location"), "/console/");
}

TEST(ConsoleHandlerTest, ExtensionlessPathsAreClientRoutesAndGetIndex) {
  const ConsoleHandler handler(kAssets);
  for (const auto* target : {"/console/sources", "/console/audit/record", "/console/x?y=1"}) {
    const auto response = handler.answer(get(target));
    EXPECT_EQ(response.status, 200u) << target;
    EXPECT_EQ(response.body, "<html>console</html>") << target;
  }
}

TEST(ConsoleHandlerTest, UnknownFilesAre404) {
  const ConsoleHandler handler(kAssets);
  for (const auto* target :
       {"/console/missing.js", "/console/assets/other-9.css", "/consolex", "/console.html"}) {
    const auto response = handler.answer(get(target));
    EXPECT_EQ(response.status, 404u) << target;
    EXPECT_NE(response.body.find("\"error\":\"not_found\""), std::string::npos) << target;
    expectSecurityHeaders(response);
  }
}

TEST(ConsoleHandlerTest, NothingOutsideTheEmbeddedNamesIsReachable) {
  const ConsoleHandler handler(kAssets);
  // Nothing is read from disk: a climbing path is just a name the table does not hold.
  for (const auto* target :
       {"/console/../gateway.yaml", "/console/assets/../../etc/shadow.d", "/console/%2e%2e/x.yaml",
        "/console//etc/passwd.txt", "/console/assets/../index.html"}) {
    const auto response = handler.answer(get(target));
    EXPECT_EQ(response.status, 404u) << target;
  }
  // An extensionless climbing path is a client route: index.html, never another file.
  const auto route = handler.answer(get("/console/../../etc/passwd"));
  EXPECT_EQ(route.body, "<html>console</html>");
}

TEST(ConsoleHandlerTest, MatchingIfNoneMatchIs304WithoutBody) {
  const ConsoleHandler handler(kAssets);
  auto request = get("/console/assets/main-1a2b.js");
  request.ifNoneMatch = "\"zzzz\", W/\"bbbb\"";
  auto response = handler.answer(request);
  EXPECT_EQ(response.status, 304u);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(header(response, "ETag"), "\"bbbb\"");
  expectSecurityHeaders(response);

  request.ifNoneMatch = "\"zzzz\"";
  response = handler.answer(request);
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "console.log(1)");
}

TEST(ConsoleHandlerTest, HeadAnswersAsGet) {
  // The server drops the body of a HEAD answer after stating its length.
  const ConsoleHandler handler(kAssets);
  const auto response = handler.answer(get("/console/", "HEAD"));
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "<html>console</html>");
}

TEST(ConsoleHandlerTest, OtherMethodsAre405) {
  const ConsoleHandler handler(kAssets);
  for (const auto* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    const auto response = handler.answer(get("/console/", method));
    EXPECT_EQ(response.status, 405u) << method;
    EXPECT_EQ(header(response, "Allow"), "GET, HEAD") << method;
  }
}

TEST(ConsoleHandlerTest, WithoutAConsoleEverythingIs404) {
  const ConsoleHandler handler(std::span<const EmbeddedAsset>{});
  const auto response = handler.answer(get("/console/"));
  EXPECT_EQ(response.status, 404u);
  EXPECT_NE(response.body.find("ONCEGATE_CONSOLE=OFF"), std::string::npos);
}

#ifdef ONCEGATE_CONSOLE_BUILT
TEST(ConsoleHandlerTest, TheBuiltConsoleIsEmbedded) {
  const auto assets = embeddedConsoleAssets();
  ASSERT_FALSE(assets.empty());
  const ConsoleHandler handler;
  const auto index = handler.answer(get("/console/"));
  ASSERT_EQ(index.status, 200u);
  EXPECT_NE(index.body.find("/console/assets/"), std::string::npos) << index.body;
  for (const auto& asset : assets) {
    const auto response = handler.answer(get("/console/" + std::string(asset.path)));
    EXPECT_EQ(response.status, 200u) << asset.path;
    EXPECT_EQ(response.body.size(), asset.body.size()) << asset.path;
    // A strong ETag: the quoted SHA-256 of the bytes.
    EXPECT_EQ(asset.etag.size(), 66u) << asset.path;
  }
}
#endif

}  // namespace
}  // namespace oncegate
