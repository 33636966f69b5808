// oncegatectl verify-audit: checks the audit trail's hash chain, for auditors and for a cron job
// that alarms when a line was edited or removed.

#include <filesystem>
#include <vector>

#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/cli/CtlCommand.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl verify-audit FILE [FILE...]\n"
    "Checks that every line of the audit trail carries the SHA-256 of the line before it. With\n"
    "audit rotate: the trail is several files: give them oldest first (PATH.<time>... then PATH)\n"
    "and each must continue the one before it. A file that continues one not given is checked\n"
    "on its own, and the file it continues is named.\n"
    "Prints the number of lines when the chain is intact, otherwise the first broken line and\n"
    "what is wrong there. The last line can only be protected by keeping its hash elsewhere.\n"
    "Exit status: 0 intact, 1 broken or unreadable, 2 usage error.\n";

int runVerifyAudit(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  std::vector<std::filesystem::path> files(arguments.positionals().begin(),
                                           arguments.positionals().end());
  const auto report = verifyAuditFiles(files);
  if (report.intact) {
    out << "OK: chain intact, " << report.lines << " lines in " << files.size() << " file(s)\n";
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
  CtlCommand command{"verify-audit", "check the audit trail's hash chain", kUsage, {}, 1,
                     runVerifyAudit};
  command.morePositionals = true;
  return command;
}

}  // namespace oncegate
