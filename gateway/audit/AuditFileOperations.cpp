#include "gateway/audit/AuditFileOperations.h"

#include <unistd.h>

namespace oncegate {

ssize_t AuditFileOperations::write(int fd, const void* data, std::size_t size) {
  return ::write(fd, data, size);
}

int AuditFileOperations::fdatasync(int fd) { return ::fdatasync(fd); }

AuditFileOperations& AuditFileOperations::system() {
  static AuditFileOperations operations;
  return operations;
}

}  // namespace oncegate
