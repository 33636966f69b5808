// oncegatectl verify-audit: checks the audit trail's hash chain, for auditors and for a cron job
// that alarms when a line was edited or removed.

#include <filesystem>
#include <optional>
#include <vector>

#include "common/Error.h"
#include "common/SecretReferences.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/AuditConfig.h"
#include "gateway/auditstore/StoredChainReport.h"
#include "gateway/auditstore/TrailCheckpointCheck.h"
#include "gateway/cli/CtlCommand.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl verify-audit FILE [FILE...] [--against-store ODBC [--instance NAME]]\n"
    "       oncegatectl verify-audit --store ODBC [--instance NAME]\n"
    "Checks that every line of the audit trail carries the SHA-256 of the line before it. With\n"
    "audit rotate: the trail is several files: give them oldest first (PATH.<time>... then PATH)\n"
    "and each must continue the one before it. A file that continues one not given is checked\n"
    "on its own, and the file it continues is named.\n"
    "Prints the number of lines when the chain is intact, otherwise the first broken line and\n"
    "what is wrong there. The last line can only be protected by keeping its hash elsewhere.\n"
    "--against-store: the trail must also reach the latest checkpoint the central audit record\n"
    "holds for the instance (default instance: <this host>:<absolute path of the last FILE>, as\n"
    "the gateway names it); a trail cut short of it is reported TRUNCATED.\n"
    "--store: checks the chain of the central audit record alone, row by row in seq order, for\n"
    "the instance, or for every instance in it (checkpoint signatures are not checked).\n"
    "ODBC values may hold ${NAME} references to environment variables (keep passwords out of\n"
    "the command line).\n"
    "Exit status: 0 intact, 1 broken, truncated or unreadable, 2 usage error.\n";

std::string expandedStore(const std::string& text) {
  return SecretReferences::any(std::filesystem::current_path()).expand(text);
}

// --store: every instance's chain (or the one named) from the database alone.
int verifyStore(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
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
    const auto report = verifyStoredChain(client, instance);
    if (report.lines == 0) {
      err << "instance '" << instance << "': no records in the store\n";
      status = kCtlExitFailed;
    } else if (!report.intact) {
      err << "BROKEN: instance '" << instance << "': " << report.problem << "\n";
      status = kCtlExitFailed;
    } else {
      out << "OK: instance '" << instance << "': chain intact, " << report.lines << " lines (seq "
          << report.firstSeq << " to " << report.firstSeq + report.lines - 1 << "), "
          << report.checkpoints << " checkpoints (signatures not checked)\n";
      if (report.firstSeq != 1) {
        out << "note: instance '" << instance << "' starts at seq " << report.firstSeq
            << ": the lines before it were never shipped\n";
      }
    }
  }
  return status;
}

// --against-store: the files must reach the latest checkpoint kept in the store.
int verifyAgainstStore(const CtlArguments& arguments,
                       const std::vector<std::filesystem::path>& files, std::ostream& out,
                       std::ostream& err) {
  const auto instance = arguments.option("instance").value_or(defaultAuditInstance(files.back()));
  odbc::OdbcClient client(expandedStore(*arguments.option("against-store")), "audit store");
  const auto checkpoint = TrailCheckpointCheck::latest(client, instance);
  if (!checkpoint) {
    err << "the audit store holds no checkpoint for instance '" << instance
        << "': truncation cannot be checked (give --instance if the trail has another name)\n";
    return kCtlExitFailed;
  }
  if (const auto missing = checkpoint->missingFrom(files)) {
    err << "TRUNCATED: instance '" << instance << "': " << *missing << "\n";
    return kCtlExitFailed;
  }
  out << "OK: the trail reaches the latest checkpoint in the store (" << checkpoint->time << ", "
      << checkpoint->records << " records) of instance '" << instance << "'\n";
  return kCtlExitOk;
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
  try {
    if (store) return verifyStore(arguments, out, err);
  } catch (const Error& e) {
    err << "cannot verify the audit store: " << e.message() << "\n";
    return kCtlExitFailed;
  }
  const auto report = verifyAuditFiles(files);
  if (report.intact) {
    out << "OK: chain intact, " << report.lines << " lines in " << files.size() << " file(s)\n";
    if (!report.continues.empty()) {
      out << "note: " << files.front().string() << " continues " << report.continues
          << ", which was not given: that link is not checked\n";
    }
    if (!againstStore) return kCtlExitOk;
    try {
      return verifyAgainstStore(arguments, files, out, err);
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
                     "check the audit trail's hash chain (files, or the central audit store)",
                     kUsage,
                     {"store", "against-store", "instance"},
                     0,
                     runVerifyAudit};
  command.morePositionals = true;
  return command;
}

}  // namespace oncegate
