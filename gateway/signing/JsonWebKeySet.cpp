#include "gateway/signing/JsonWebKeySet.h"

#include <simdjson.h>

#include "common/Base64Url.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "gateway/signing/SigningConfig.h"

namespace oncegate {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error(ErrorCode::BadRequest, "not a usable JWKS: " + what);
}

}  // namespace

JsonWebKeySet JsonWebKeySet::published(const SigningConfig& config,
                                       std::chrono::system_clock::time_point now) {
  const auto today = std::chrono::floor<std::chrono::days>(now);
  std::vector<Key> keys;
  for (const auto& key : config.keys) {
    if (key.publishUntil && *key.publishUntil < today) continue;
    keys.push_back({key.id, key.publicKey});
  }
  return JsonWebKeySet(std::move(keys));
}

JsonWebKeySet JsonWebKeySet::configured(const SigningConfig& config) {
  std::vector<Key> keys;
  for (const auto& key : config.keys) keys.push_back({key.id, key.publicKey});
  return JsonWebKeySet(std::move(keys));
}

JsonWebKeySet JsonWebKeySet::parse(std::string_view document) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(document)).get(root) != simdjson::SUCCESS) {
    malformed("the document is not JSON");
  }
  simdjson::dom::array list;
  if (root["keys"].get(list) != simdjson::SUCCESS) {
    malformed("the document has no \"keys\" array");
  }
  std::vector<Key> keys;
  for (const auto entry : list) {
    std::string_view kty;
    std::string_view crv;
    if (!entry.is_object() || entry["kty"].get(kty) != simdjson::SUCCESS) {
      malformed("a key is not an object with a \"kty\"");
    }
    if (kty != "OKP" || entry["crv"].get(crv) != simdjson::SUCCESS || crv != "Ed25519") continue;
    std::string_view kid;
    std::string_view x;
    if (entry["kid"].get(kid) != simdjson::SUCCESS || kid.empty()) {
      malformed("an Ed25519 key has no \"kid\"");
    }
    const auto raw = entry["x"].get(x) == simdjson::SUCCESS ? base64UrlDecode(x) : std::nullopt;
    if (!raw || raw->size() != Ed25519PublicKey::kSize) {
      malformed("the \"x\" of key '" + std::string(kid) + "' is not base64url of 32 bytes");
    }
    try {
      keys.push_back({std::string(kid), Ed25519PublicKey::fromRaw(*raw)});
    } catch (const Error& e) {
      malformed("key '" + std::string(kid) + "': " + e.message());
    }
  }
  return JsonWebKeySet(std::move(keys));
}

std::string JsonWebKeySet::render() const {
  std::string out;
  JsonWriter json(out);
  json.beginObject().key("keys").beginArray();
  for (const auto& key : keys_) {
    json.beginObject().key("kty").string("OKP").key("crv").string("Ed25519");
    json.key("x").string(base64UrlEncode(key.publicKey.raw())).key("kid").string(key.id);
    json.key("alg").string("EdDSA").key("use").string("sig").endObject();
  }
  json.endArray().endObject();
  return out;
}

const Ed25519PublicKey* JsonWebKeySet::find(std::string_view id) const {
  for (const auto& key : keys_) {
    if (key.id == id) return &key.publicKey;
  }
  return nullptr;
}

}  // namespace oncegate
