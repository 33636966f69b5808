// oncegatectl verify-audit: checks the audit trail's hash chain and its signed checkpoints, for
// auditors and for a cron job that alarms when a line was edited or removed.

#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "common/Base64Url.h"
#include "common/Ed25519PublicKey.h"
#include "common/Error.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/cli/CtlCommand.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl verify-audit FILE [FILE...] [--keys JWKS_FILE]\n"
    "Checks that every line of the audit trail carries the SHA-256 of the line before it, and\n"
    "every signed checkpoint in it: its head is the hash of the line before it, its count is\n"
    "the number of lines so far and, with --keys, its signature verifies with the key its\n"
    "\"kid\" names. With audit rotate: the trail is several files: give them oldest first\n"
    "(PATH.<time>... then PATH) and each must continue the one before it. A file that continues\n"
    "one not given is checked on its own, and the file it continues is named.\n"
    "A torn line (a write cut short by a crash) is reported and skipped when the line after it\n"
    "chains to the line before it; any other line that does not chain on is a break.\n"
    "  --keys JWKS_FILE  the public keys, as GET /v1/keys serves them (a JWKS of Ed25519 keys);\n"
    "                    without it checkpoint signatures are not checked\n"
    "Prints the number of lines, the checkpoints verified, the last one (its count and time)\n"
    "and how many lines follow it unprotected: cutting those off shows only against a copy of\n"
    "the latest checkpoint kept elsewhere. Otherwise prints the first broken line and what is\n"
    "wrong there.\n"
    "Exit status: 0 intact, 1 broken, unreadable or bad keys, 2 usage error.\n";

// The Ed25519 keys of a JWKS (RFC 7517; kty OKP, crv Ed25519, RFC 8037) by kid; keys of other
// types are skipped. Throws Error(InvalidConfig) naming what is wrong.
// TODO(lead): the signing helper's JsonWebKeySet parser replaces this once merged.
AuditCheckpointKeys readJwks(const std::string& file) {
  const auto fail = [&](const std::string& what) {
    throw Error(ErrorCode::InvalidConfig, "keys " + file + ": " + what);
  };
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::array keys;
  simdjson::dom::object document;
  if (parser.parse(text.str()).get(document) || document["keys"].get(keys)) {
    fail("not a JWKS: expected an object with a \"keys\" array");
  }
  AuditCheckpointKeys found;
  std::size_t index = 0;
  for (const auto element : keys) {
    const std::string where = "key " + std::to_string(++index);
    simdjson::dom::object key;
    if (element.get(key)) fail(where + " is not an object");
    std::string_view kty;
    std::string_view crv;
    if (key["kty"].get(kty) || kty != "OKP" || key["crv"].get(crv) || crv != "Ed25519") continue;
    std::string_view kid;
    std::string_view x;
    if (key["kid"].get(kid) || kid.empty()) fail(where + " has no \"kid\"");
    if (key["x"].get(x)) fail(where + " has no \"x\"");
    const auto raw = base64UrlDecode(x);
    if (!raw || raw->size() != Ed25519PublicKey::kSize) {
      fail(where + ": \"x\" is not 32 bytes in base64url");
    }
    if (!found.emplace(std::string(kid), Ed25519PublicKey::fromRaw(*raw)).second) {
      fail(where + ": kid '" + std::string(kid) + "' appears twice");
    }
  }
  if (found.empty()) fail("no Ed25519 key (kty OKP, crv Ed25519)");
  return found;
}

void printFacts(const AuditChainReport& report, std::size_t keyCount, std::ostream& out) {
  for (const auto& torn : report.tornLines) {
    out << "torn line: " << torn.file << " line " << torn.line
        << " (a write cut short by a crash): skipped, the next line chains to the line before "
           "it\n";
  }
  if (report.checkpoints.empty()) {
    out << "no checkpoint: the " << report.unprotectedLines()
        << " lines are not protected by one (checkpoints are written with signing: "
           "configured)\n";
    return;
  }
  if (report.signaturesChecked) {
    out << "checkpoints: " << report.checkpoints.size() << " verified (signatures checked with "
        << keyCount << " key(s))\n";
  } else {
    out << "checkpoints: " << report.checkpoints.size()
        << " found, heads and counts hold; signatures NOT checked (give --keys JWKS_FILE)\n";
  }
  const auto& last = report.checkpoints.back();
  out << "last checkpoint: records " << last.records << " at " << last.time << " (" << last.file
      << " line " << last.line << "); " << report.unprotectedLines()
      << " line(s) after it not protected by a checkpoint\n";
}

int runVerifyAudit(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  std::optional<AuditCheckpointKeys> keys;
  if (const auto file = arguments.option("keys")) {
    try {
      keys = readJwks(*file);
    } catch (const Error& e) {
      err << e.message() << "\n";
      return kCtlExitFailed;
    }
  }
  std::vector<std::filesystem::path> files(arguments.positionals().begin(),
                                           arguments.positionals().end());
  const auto report = verifyAuditFiles(files, keys ? &*keys : nullptr);
  if (report.intact) {
    out << "OK: chain intact, " << report.lines << " lines in " << files.size() << " file(s)\n";
    printFacts(report, keys ? keys->size() : 0, out);
    if (!report.continues.empty()) {
      out << "note: " << files.front().string() << " continues " << report.continues
          << ", which was not given: that link is not checked\n";
    }
    return kCtlExitOk;
  }
  if (report.firstBrokenLine == 0) {  // nothing was read
    err << "cannot verify " << report.file << ": " << report.problem << "\n";
    return kCtlExitFailed;
  }
  err << "BROKEN: " << report.file << ": line " << report.firstBrokenLine << " of " << report.lines
      << ": " << report.problem << "\n";
  return kCtlExitFailed;
}

}  // namespace

CtlCommand verifyAuditCommand() {
  CtlCommand command{"verify-audit",
                     "check the audit trail's hash chain and signed checkpoints",
                     kUsage,
                     {"keys"},
                     1,
                     runVerifyAudit};
  command.morePositionals = true;
  return command;
}

}  // namespace oncegate
