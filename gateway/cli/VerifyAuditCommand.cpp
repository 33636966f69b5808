// oncegatectl verify-audit: checks the audit trail's hash chain, for auditors and for a cron job
// that alarms when a line was edited or removed.

#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/cli/CtlCommand.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl verify-audit FILE\n"
    "Checks that every line of the audit trail FILE carries the SHA-256 of the line before it.\n"
    "Prints the number of lines when the chain is intact, otherwise the first broken line and\n"
    "what is wrong there. The last line can only be protected by keeping its hash elsewhere.\n"
    "Exit status: 0 intact, 1 broken or unreadable, 2 usage error.\n";

int runVerifyAudit(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const std::string& file = arguments.positionals().at(0);
  const auto report = verifyAuditChain(file);
  if (report.intact) {
    out << "OK: " << file << ": chain intact, " << report.lines << " lines\n";
    return kCtlExitOk;
  }
  if (report.firstBrokenLine == 0) {  // nothing was read
    err << "cannot verify " << file << ": " << report.problem << "\n";
    return kCtlExitFailed;
  }
  err << "BROKEN: " << file << ": line " << report.firstBrokenLine << " of " << report.lines << ": "
      << report.problem << "\n";
  return kCtlExitFailed;
}

}  // namespace

CtlCommand verifyAuditCommand() {
  return CtlCommand{"verify-audit", "check the audit trail's hash chain", kUsage, {}, 1,
                    runVerifyAudit};
}

}  // namespace oncegate
