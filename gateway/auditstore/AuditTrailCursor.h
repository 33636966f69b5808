#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gateway/auditstore/AuditShippingPosition.h"

namespace oncegate {

// Reads an audit trail line by line, in the order it was written, across rotations, while the
// writer goes on appending: it hands out whole lines only (a line the writer has not finished
// waits), and once the file it reads has been rotated away (the trail's path names another file)
// and read to its end, it moves on to the file whose first line, a rotation record, chains to
// this file's last line. It holds the file open, so a rename does not disturb it.
// Not thread-safe: the shipper's thread owns it. Throws Error(Internal) when a file cannot be
// read.
class AuditTrailCursor {
 public:
  struct Line {
    std::string text;  // without its newline
    std::string fileFirstSha256;
    std::uint64_t endOffset = 0;  // just past its newline, in its file
  };

  explicit AuditTrailCursor(std::filesystem::path path);
  ~AuditTrailCursor();
  AuditTrailCursor(const AuditTrailCursor&) = delete;
  AuditTrailCursor& operator=(const AuditTrailCursor&) = delete;

  // Before the first line of the oldest file of the trail still on disk (rotated files are
  // followed back through the files their rotation records name). False while the trail has no
  // file yet, or its file no whole first line yet (a writer between creating and writing it).
  bool startAtOldest();

  // Just after the line `position` names. When the trail does not continue what was shipped (no
  // file begins with the position's first line, or the line before its offset is not the one
  // shipped), says why and leaves the cursor where it was.
  std::optional<std::string> resumeAfter(const AuditShippingPosition& position);

  // Up to `max` whole lines from the cursor on; fewer, or none, when no more are written yet.
  std::vector<Line> read(std::size_t max);

  // Bytes of the trail after the cursor: the rest of the file it reads and, once that file was
  // rotated away, the current file (files rotated in between are not counted).
  std::uint64_t unreadBytes() const;

  bool positioned() const { return fd_ >= 0; }

  // The first whole line of `file` (without its newline); nullopt when it has none (yet).
  static std::optional<std::string> firstLineOf(const std::filesystem::path& file);
  // The same, of the file open as `fd`.
  static std::optional<std::string> firstLineAt(int fd);

 private:
  void open(const std::filesystem::path& file, std::uint64_t offset);
  void close();
  // Whole lines from the open file, appended to `lines` up to `max`.
  void readOpenFile(std::vector<Line>& lines, std::size_t max);
  // True when the trail's path names another file than the one open.
  bool rotatedAway() const;
  // The file that continues the open one, if it is there yet.
  std::optional<std::filesystem::path> successor() const;
  // The trail's path and the rotated files beside it.
  std::vector<std::filesystem::path> files() const;

  std::filesystem::path path_;
  int fd_ = -1;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::uint64_t offset_ = 0;  // just past the last whole line handed out
  std::string partial_;       // bytes read past offset_ (a line not finished yet)
  std::string fileFirstSha256_;
  std::string lastLineSha256_;  // of the open file's last whole line read, torn or not
};

}  // namespace oncegate
