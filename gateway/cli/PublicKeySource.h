#pragma once

#include <optional>

#include "gateway/cli/CtlArguments.h"
#include "gateway/signing/JsonWebKeySet.h"

namespace oncegate {

// The public keys a command verifies signatures with (answers, audit checkpoints), from its
// options: --keys (a JWKS file, or the gateway's http:// or https:// .../v1/keys URL, checked
// against the system's CAs or those of --ca) or --config DIR (the signing: keys of its
// gateway.yaml). Nullopt when neither is given. Throws Error: BadRequest for both or a bad URL,
// NotFound when the keys cannot be read or fetched, InvalidConfig when they are not a usable
// JWKS or the configuration has no signing: keys.
std::optional<JsonWebKeySet> publicKeysFrom(const CtlArguments& arguments);

}  // namespace oncegate
