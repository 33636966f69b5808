#pragma once

#include <string>
#include <string_view>

namespace oncegate::postgres {

// `sql` with each positional `?` placeholder (what the dataset's `:name`s became) numbered
// `$1..$n` for libpq, in order. A `?` inside a quoted literal ('...', E'...', "..."), a dollar-
// quoted body ($tag$...$tag$) or a comment (-- and /* */, nested) is text, not a placeholder,
// and is kept.
std::string numberedPlaceholders(std::string_view sql);

}  // namespace oncegate::postgres
