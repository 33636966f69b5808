#include "gateway/cli/FileContents.h"

#include <fstream>
#include <sstream>

namespace oncegate {

std::optional<std::string> fileContents(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return std::nullopt;
  return text.str();
}

}  // namespace oncegate
