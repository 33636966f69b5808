#include "gateway/signing/SigningConfig.h"

#include <charconv>
#include <set>

#include "common/Error.h"
#include "common/PemValue.h"
#include "common/SecretReferences.h"

namespace oncegate {

namespace {

// "2033-06-30", a real calendar day.
std::chrono::sys_days dateOf(const ConfigNode& node) {
  const auto text = node.asString();
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  const auto number = [&](std::size_t from, std::size_t length, auto& out) {
    const char* begin = text.data() + from;
    const auto [end, ec] = std::from_chars(begin, begin + length, out);
    return ec == std::errc{} && end == begin + length;
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !number(0, 4, year) ||
      !number(5, 2, month) || !number(8, 2, day)) {
    node.fail("publish_until must be a date YYYY-MM-DD");
  }
  const std::chrono::year_month_day parsed{std::chrono::year(year), std::chrono::month(month),
                                           std::chrono::day(day)};
  if (year < 1 || !parsed.ok()) node.fail("publish_until must be a date YYYY-MM-DD");
  return std::chrono::sys_days(parsed);
}

}  // namespace

SigningConfig SigningConfig::parse(const ConfigNode& node, const std::filesystem::path& baseDir) {
  node.allowOnlyKeys({"keys"});
  const auto list = node.at("keys");
  if (!list.isSequence()) list.fail("signing.keys must be a list of keys, newest first");
  const auto items = list.items();
  if (items.empty()) list.fail("signing.keys must list at least one key (the one that signs)");
  std::optional<Ed25519PrivateKey> signingKey;
  std::vector<PublishedKey> keys;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    const bool first = i == 0;
    item.allowOnlyKeys({"id", "private_key", "public_key", "publish_until"});
    const auto idNode = item.at("id");
    // The id is what a signature names its key by (the JWS "kid"): it must say something.
    if (idNode.isScalar() && idNode.yaml().Scalar().empty()) {
      idNode.fail("a signing key's id must not be empty");
    }
    const auto id = idNode.asString();
    if (!ids.insert(id).second) idNode.fail("signing.keys lists the id '" + id + "' twice");
    const auto privateNode = item.find("private_key");
    const auto publicNode = item.find("public_key");
    if (first && !privateNode) {
      item.fail("the first of signing.keys signs answers: key '" + id + "' needs private_key");
    }
    if (privateNode && publicNode) {
      item.fail("key '" + id + "' gives both private_key and public_key: give one");
    }
    if (!privateNode && !publicNode) {
      item.fail("key '" + id + "' needs private_key or public_key (PEM)");
    }
    const auto publishUntil = item.find("publish_until");
    if (first && publishUntil) {
      publishUntil->fail("the signing key '" + id +
                         "' is published while it signs: publish_until is for retired keys");
    }
    // Read before the key is parsed, so that a file that cannot be read is named as such; the
    // key's own message never quotes the text, ours names the key by its id.
    const ConfigNode& keyNode = privateNode ? *privateNode : *publicNode;
    const auto pem = pemValueOf(keyNode, baseDir);
    const auto publicKey = [&] {
      try {
        if (!privateNode) return Ed25519PublicKey::fromPem(pem);
        auto privateKey = Ed25519PrivateKey::fromPem(pem);
        auto derived = privateKey.publicKey();
        if (first) signingKey = std::move(privateKey);
        return derived;
      } catch (const Error& e) {
        keyNode.fail("signing key '" + id + "': " + e.message());
      }
    }();
    PublishedKey key{id, publicKey, std::nullopt};
    if (publishUntil) key.publishUntil = dateOf(*publishUntil);
    keys.push_back(std::move(key));
  }
  return SigningConfig{keys.front().id, std::move(*signingKey), std::move(keys)};
}

}  // namespace oncegate
