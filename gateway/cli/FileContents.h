#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace oncegate {

// The bytes of a file, exactly (an answer's body must not be reformatted); nullopt when it cannot
// be read.
std::optional<std::string> fileContents(const std::filesystem::path& path);

}  // namespace oncegate
