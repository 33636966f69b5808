#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oncegate {

// base64url without padding (RFC 4648 section 5), as JOSE uses it (RFC 7515 section 2).
std::string base64UrlEncode(std::string_view bytes);
// The same, appended to `out`: a signing input is built in one buffer, without a copy.
void appendBase64Url(std::string_view bytes, std::string& out);

// nullopt for anything a strict encoder would not have written: a character outside the
// alphabet, padding, a length of 1 modulo 4, or unused bits that are not zero. Strictness keeps
// one encoding per value, so that a signature or key is never accepted in two spellings.
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace oncegate
