#include "common/PemValue.h"

#include <fstream>
#include <sstream>

#include "common/SecretReferences.h"

namespace oncegate {

std::string pemValueOf(const ConfigNode& node, const std::filesystem::path& baseDir) {
  auto value = node.asExpandedString(SecretReferences::any(baseDir));
  if (value.rfind("-----BEGIN", 0) == 0) return value;
  const auto path = (baseDir / value).lexically_normal();
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  if (file) text << file.rdbuf();
  if (!file || file.bad()) node.fail("cannot read the PEM file '" + path.string() + "'");
  return text.str();
}

}  // namespace oncegate
