#include "gateway/auditstore/AuditTrailCursor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "common/Digest.h"
#include "common/Error.h"
#include "gateway/audit/AuditLine.h"

namespace oncegate {

namespace {

constexpr std::size_t kChunk = 64 * 1024;
// A first line longer than this is no rotation record nor any line the writer makes.
constexpr std::size_t kMaxFirstLine = 16 * 1024 * 1024;
constexpr std::string_view kContinuesKey = "\"continues\":\"";

[[noreturn]] void failRead(const std::filesystem::path& file, std::string_view what) {
  throw Error(ErrorCode::Internal, "the audit trail cannot be read",
              file.string() + ": " + std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

std::optional<std::string> AuditTrailCursor::firstLineOf(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  auto line = firstLineAt(fd);
  ::close(fd);
  return line;
}

std::optional<std::string> AuditTrailCursor::firstLineAt(int fd) {
  std::string line;
  std::string chunk(kChunk, '\0');
  for (off_t at = 0; line.size() < kMaxFirstLine;) {
    const ssize_t count = pread(fd, chunk.data(), chunk.size(), at);
    if (count <= 0) break;
    const std::string_view got(chunk.data(), static_cast<std::size_t>(count));
    const auto newline = got.find('\n');
    if (newline != std::string_view::npos) {
      line.append(got.substr(0, newline));
      return line;
    }
    line.append(got);
    at += count;
  }
  return std::nullopt;
}

namespace {

// The file a rotation record's "continues" names (FileAuditLog writes it without escapes: a
// file name of the trail's own making).
std::optional<std::string> continuesOf(const std::string& line) {
  if (line.find("\"event\":\"audit_log_rotated\"") == std::string::npos) return std::nullopt;
  const auto at = line.find(kContinuesKey);
  if (at == std::string::npos) return std::nullopt;
  const auto start = at + kContinuesKey.size();
  const auto end = line.find('"', start);
  if (end == std::string::npos) return std::nullopt;
  return line.substr(start, end - start);
}

// The line that ends just before `offset` (which must follow a newline) in `fd`.
std::optional<std::string> lineEndingAt(int fd, std::uint64_t offset) {
  if (offset == 0) return std::nullopt;
  char last = 0;
  if (pread(fd, &last, 1, static_cast<off_t>(offset - 1)) != 1 || last != '\n') {
    return std::nullopt;
  }
  std::string line;
  std::string chunk;
  std::uint64_t end = offset - 1;
  while (end > 0) {
    const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(end, kChunk));
    chunk.resize(length);
    const std::uint64_t start = end - length;
    if (pread(fd, chunk.data(), length, static_cast<off_t>(start)) !=
        static_cast<ssize_t>(length)) {
      return std::nullopt;
    }
    const auto newline = chunk.rfind('\n');
    if (newline != std::string::npos) {
      line.insert(0, chunk, newline + 1);
      return line;
    }
    line.insert(0, chunk);
    end = start;
  }
  return line;
}

}  // namespace

AuditTrailCursor::AuditTrailCursor(std::filesystem::path path) : path_(std::move(path)) {}

AuditTrailCursor::~AuditTrailCursor() { close(); }

void AuditTrailCursor::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  partial_.clear();
}

void AuditTrailCursor::open(const std::filesystem::path& file, std::uint64_t offset) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) failRead(file, "cannot open");
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    ::close(fd);
    failRead(file, "cannot read");
  }
  close();
  fd_ = fd;
  device_ = info.st_dev;
  inode_ = info.st_ino;
  offset_ = offset;
  if (offset == 0) {
    fileFirstSha256_.clear();
    lastLineSha256_.clear();
  }
}

std::vector<std::filesystem::path> AuditTrailCursor::files() const {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  if (std::filesystem::exists(path_, error)) found.push_back(path_);
  const auto directory = path_.has_parent_path() ? path_.parent_path() : ".";
  const auto prefix = path_.filename().string() + ".";
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    const auto name = it->path().filename().string();
    if (name.starts_with(prefix) && it->is_regular_file(error)) found.push_back(it->path());
  }
  return found;
}

bool AuditTrailCursor::startAtOldest() {
  std::error_code error;
  if (!std::filesystem::exists(path_, error)) return false;
  // A writer creates a file, then writes its first line: after a rotation, the record naming the
  // file before it. Started before that line, shipping would begin at the newest file and skip
  // every earlier one; the next poll finds the line.
  auto file = path_;
  const auto directory = path_.has_parent_path() ? path_.parent_path() : ".";
  std::set<std::filesystem::path> visited{file};
  while (true) {
    // Each file is opened before its first line is read, and shipping starts from that very
    // descriptor: looked at by name and opened after, the file at path_ could be one a rotation
    // had just created, and the file it renamed, never shipped (CI saw 3,000 records missing).
    open(file, 0);
    const auto first = firstLineAt(fd_);
    if (!first) {  // a file a rotation has just created: the next poll finds its first line
      close();
      return false;
    }
    const auto continues = continuesOf(*first);
    if (!continues) break;
    const auto earlier = directory / *continues;
    if (!std::filesystem::exists(earlier, error) || !visited.insert(earlier).second) break;
    file = earlier;
  }
  return true;
}

std::optional<std::string> AuditTrailCursor::resumeAfter(const AuditShippingPosition& position) {
  bool begins = false;
  for (const auto& file : files()) {
    const auto first = firstLineOf(file);
    if (!first || sha256Hex(*first) != position.fileFirstSha256) continue;
    begins = true;
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const auto before = lineEndingAt(fd, position.fileOffset);
    ::close(fd);
    if (!before || sha256Hex(*before) != position.lastSha256) continue;
    open(file, position.fileOffset);
    fileFirstSha256_ = position.fileFirstSha256;
    lastLineSha256_ = position.lastSha256;
    return std::nullopt;
  }
  if (!begins) {
    return "no file of the trail begins with the line the store's position names (first line "
           "SHA-256 " +
           position.fileFirstSha256 + "): the file was removed or replaced";
  }
  return "the line ending at offset " + std::to_string(position.fileOffset) +
         " of the file the store's position names is not the line shipped as number " +
         std::to_string(position.seq) + " (SHA-256 " + position.lastSha256 +
         "): the file was cut or altered";
}

void AuditTrailCursor::readOpenFile(std::vector<Line>& lines, std::size_t max) {
  std::string chunk(kChunk, '\0');
  while (lines.size() < max) {
    // Lines already read past the cursor first, then more of the file.
    auto newline = partial_.find('\n');
    if (newline == std::string::npos) {
      const auto at = static_cast<off_t>(offset_ + partial_.size());
      const ssize_t count = pread(fd_, chunk.data(), chunk.size(), at);
      if (count < 0) failRead(path_, "cannot read");
      if (count == 0) return;
      partial_.append(chunk.data(), static_cast<std::size_t>(count));
      continue;
    }
    Line line;
    line.text = partial_.substr(0, newline);
    partial_.erase(0, newline + 1);
    offset_ += newline + 1;
    lastLineSha256_ = sha256Hex(line.text);
    if (fileFirstSha256_.empty()) fileFirstSha256_ = lastLineSha256_;
    line.fileFirstSha256 = fileFirstSha256_;
    line.endOffset = offset_;
    lines.push_back(std::move(line));
  }
}

bool AuditTrailCursor::rotatedAway() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return false;  // mid-rotation: look again later
  return info.st_dev != device_ || info.st_ino != inode_;
}

std::optional<std::filesystem::path> AuditTrailCursor::successor() const {
  if (lastLineSha256_.empty()) return std::nullopt;
  for (const auto& file : files()) {
    const auto first = firstLineOf(file);
    if (!first || !continuesOf(*first)) continue;
    const auto prev = AuditLine::prevOf(*first);
    if (prev && *prev == lastLineSha256_) return file;
  }
  return std::nullopt;
}

std::vector<AuditTrailCursor::Line> AuditTrailCursor::read(std::size_t max) {
  std::vector<Line> lines;
  if (fd_ < 0) return lines;
  while (true) {
    readOpenFile(lines, max);
    if (lines.size() >= max || !partial_.empty() || !rotatedAway()) return lines;
    // Rotated away: what the writer wrote before the rename is read, then the next file.
    readOpenFile(lines, max);
    if (lines.size() >= max || !partial_.empty()) return lines;
    const auto next = successor();
    if (!next) return lines;
    open(*next, 0);
  }
}

std::uint64_t AuditTrailCursor::unreadBytes() const {
  if (fd_ < 0) return 0;
  std::uint64_t unread = 0;
  struct stat info {};
  if (fstat(fd_, &info) == 0 && static_cast<std::uint64_t>(info.st_size) > offset_) {
    unread = static_cast<std::uint64_t>(info.st_size) - offset_;
  }
  if (rotatedAway() && ::stat(path_.c_str(), &info) == 0) {
    unread += static_cast<std::uint64_t>(info.st_size);
  }
  return unread;
}

}  // namespace oncegate
