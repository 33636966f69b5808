#pragma once

#include <sys/types.h>

#include <cstddef>

namespace oncegate {

// The system calls FileAuditLog's writer makes on the trail file. Tests derive from it to make
// a write or an fdatasync fail on cue (disks rarely fail on demand); the gateway uses system().
class AuditFileOperations {
 public:
  virtual ~AuditFileOperations() = default;

  // As write(2) and fdatasync(2): -1 with errno set on failure.
  virtual ssize_t write(int fd, const void* data, std::size_t size);
  virtual int fdatasync(int fd);

  // The real system calls; lives as long as the process.
  static AuditFileOperations& system();
};

}  // namespace oncegate
