#pragma once

#include <string>
#include <string_view>

namespace oncegate {

// `text` made safe for one log line: control characters (C0, DEL and the C1 range) are written
// as escapes (\n, \r, \t, \x1b, \u009b) and a backslash as \\, so that a value that came from a
// request (a %-decoded id, a path, a driver's message about it) can neither start a forged log
// line nor send a terminal escape sequence. Every such value goes through this one function
// before it reaches spdlog.
std::string logText(std::string_view text);

}  // namespace oncegate
