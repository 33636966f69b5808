// oncegatectl verify-audit: checks the audit trail's hash chain and its signed checkpoints, in
// the local files or in the central audit record, for auditors and for a cron job that alarms
// when a line was edited or removed.

#include <filesystem>
#include <optional>
#include <vector>

#include "common/Error.h"
#include "common/SecretReferences.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/AuditConfig.h"
#include "gateway/auditstore/CheckpointKeys.h"
#include "gateway/auditstore/StoredChainReport.h"
#include "gateway/auditstore/StoredCheckpoint.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/cli/PublicKeySource.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl verify-audit FILE [FILE...] [--keys JWKS | --config DIR]\n"
    "                                [--against-store ODBC [--instance NAME]]\n"
    "       oncegatectl verify-audit --store ODBC [--instance NAME] [--keys JWKS | --config DIR]\n"
    "Checks that every line of the audit trail carries the SHA-256 of the line before it, and\n"
    "every signed checkpoint in it: its head is the hash of the line before it, its count is\n"
    "the number of lines so far (itself included) and, with keys, its signature verifies with\n"
    "the key its \"kid\" names. With audit rotate: the trail is several files: give them oldest\n"
    "first (PATH.<time>... then PATH) and each must continue the one before it. A file that\n"
    "continues one not given is checked on its own, and the file it continues is named.\n"
    "A torn line (a write cut short by a crash) is reported and skipped when the line after it\n"
    "chains to the line before it; any other line that does not chain on is a break.\n"
    "  --keys JWKS       the public keys: a JWKS file, or the gateway's http(s)://.../v1/keys\n"
    "                    (--ca PEM_FILE for an internal CA); without keys signatures are not\n"
    "                    checked\n"
    "  --config DIR      the public keys of the signing: keys in DIR/gateway.yaml\n"
    "  --against-store   the trail must also reach the latest checkpoint the central audit\n"
    "                    record holds for the instance (default instance: <this host>:<absolute\n"
    "                    path of the last FILE>, as the gateway names it); a trail cut short of\n"
    "                    it is reported TRUNCATED\n"
    "  --store           checks the chain of the central audit record alone, row by row in seq\n"
    "                    order, for the instance, or for every instance in it\n"
    "ODBC values may hold ${NAME} references to environment variables (keep passwords out of\n"
    "the command line).\n"
    "Prints the number of lines, the checkpoints verified, the last one (its count and time)\n"
    "and how many lines follow it unprotected: cutting those off shows only against the copy of\n"
    "the latest checkpoint in the central store. Otherwise prints the first broken line and what\n"
    "is wrong there.\n"
    "Exit status: 0 intact, 1 broken, truncated, unreadable or bad keys, 2 usage error.\n";

std::string expandedStore(const std::string& text) {
  return SecretReferences::any(std::filesystem::current_path()).expand(text);
}

// The JWKS's keys by kid, as the verifiers look them up.
std::optional<AuditCheckpointKeys> checkpointKeys(const CtlArguments& arguments) {
  const auto set = publicKeysFrom(arguments);
  if (!set) return std::nullopt;
  return checkpointKeysOf(*set);
}

std::string signatureNote(bool checked) {
  return checked ? "signatures checked" : "signatures NOT checked (give --keys or --config)";
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
        << " found, heads and counts hold; signatures NOT checked (give --keys JWKS_FILE or "
           "--config DIR)\n";
  }
  const auto& last = report.checkpoints.back();
  out << "last checkpoint: records " << last.records << " at " << last.time << " (" << last.file
      << " line " << last.line << "); " << report.unprotectedLines()
      << " line(s) after it not protected by a checkpoint\n";
}

// --store: every instance's chain (or the one named) from the database alone.
int verifyStore(const CtlArguments& arguments, const AuditCheckpointKeys* keys, std::ostream& out,
                std::ostream& err) {
  odbc::OdbcClient client(expandedStore(*arguments.option("store")), "audit store");
  std::vector<std::string> instances;
  if (const auto instance = arguments.option("instance")) {
    instances.push_back(*instance);
  } else {
    for (const auto& row :
         client.query("SELECT DISTINCT instance FROM oncegate_audit_records ORDER BY instance")) {
      instances.push_back(row.values.at(0).toString());
    }
  }
  if (instances.empty()) {
    err << "the audit store holds no records\n";
    return kCtlExitFailed;
  }
  int status = kCtlExitOk;
  for (const auto& instance : instances) {
    const auto report = verifyStoredChain(client, instance, keys);
    if (report.lines == 0) {
      err << "instance '" << instance << "': no records in the store\n";
      status = kCtlExitFailed;
    } else if (!report.intact) {
      err << "BROKEN: instance '" << instance << "': " << report.problem << "\n";
      status = kCtlExitFailed;
    } else {
      out << "OK: instance '" << instance << "': chain intact, " << report.lines << " lines (seq "
          << report.firstSeq << " to " << report.firstSeq + report.lines - 1 << "), "
          << report.checkpoints << " checkpoints, " << signatureNote(keys != nullptr) << "\n";
      if (report.firstSeq != 1) {
        out << "note: instance '" << instance << "' starts at seq " << report.firstSeq
            << ": the lines before it were never shipped\n";
      }
    }
  }
  return status;
}

// --against-store: the files must reach the latest checkpoint kept in the store.
int verifyAgainstStore(const CtlArguments& arguments, const AuditChainReport& report,
                       const std::filesystem::path& lastFile, std::ostream& out,
                       std::ostream& err) {
  const auto instance = arguments.option("instance").value_or(defaultAuditInstance(lastFile));
  odbc::OdbcClient client(expandedStore(*arguments.option("against-store")), "audit store");
  const auto stored = StoredCheckpoint::latest(client, instance);
  if (!stored) {
    err << "the audit store holds no checkpoint for instance '" << instance
        << "': truncation cannot be checked (give --instance if the trail has another name)\n";
    return kCtlExitFailed;
  }
  const auto facts = "the latest checkpoint in the store for instance '" + instance + "' (" +
                     stored->time + ", records " + std::to_string(stored->records) + ")";
  switch (report.coverage(stored->records, stored->head)) {
    case AuditChainReport::Coverage::Covered:
      out << "OK: the trail reaches " << facts << "\n";
      return kCtlExitOk;
    case AuditChainReport::Coverage::Truncated:
      err << "TRUNCATED: the trail ends at records " << report.records << ", before " << facts
          << ": lines were removed from its end\n";
      return kCtlExitFailed;
    case AuditChainReport::Coverage::Differs:
      err << "DIFFERS: the trail holds another line where " << facts
          << " is: the trail was rewritten\n";
      return kCtlExitFailed;
    case AuditChainReport::Coverage::NotGiven:
      break;
  }
  err << facts << " lies before the first file given: give the rotated files too\n";
  return kCtlExitFailed;
}

int runVerifyAudit(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  std::vector<std::filesystem::path> files(arguments.positionals().begin(),
                                           arguments.positionals().end());
  const bool store = arguments.option("store").has_value();
  const bool againstStore = arguments.option("against-store").has_value();
  if (store == !files.empty() || (store && againstStore) ||
      (arguments.option("instance") && !store && !againstStore)) {
    err << kUsage;
    return kCtlExitUsage;
  }
  std::optional<AuditCheckpointKeys> keys;
  try {
    keys = checkpointKeys(arguments);
  } catch (const Error& e) {
    err << e.message() << "\n";
    return e.code() == ErrorCode::BadRequest ? kCtlExitUsage : kCtlExitFailed;
  }
  if (store) {
    try {
      return verifyStore(arguments, keys ? &*keys : nullptr, out, err);
    } catch (const Error& e) {
      err << "cannot verify the audit store: " << e.message() << "\n";
      return kCtlExitFailed;
    }
  }
  const auto report = verifyAuditFiles(files, keys ? &*keys : nullptr);
  if (report.intact) {
    out << "OK: chain intact, " << report.lines << " lines in " << files.size() << " file(s)\n";
    printFacts(report, keys ? keys->size() : 0, out);
    if (!report.continues.empty()) {
      out << "note: " << files.front().string() << " continues " << report.continues
          << ", which was not given: that link is not checked\n";
    }
    if (!againstStore) return kCtlExitOk;
    try {
      return verifyAgainstStore(arguments, report, files.back(), out, err);
    } catch (const Error& e) {
      err << "cannot compare with the audit store: " << e.message() << "\n";
      return kCtlExitFailed;
    }
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
                     "check the audit trail's chain and signed checkpoints (files or the store)",
                     kUsage,
                     {"keys", "config", "ca", "store", "against-store", "instance"},
                     0,
                     runVerifyAudit};
  command.morePositionals = true;
  return command;
}

}  // namespace oncegate
