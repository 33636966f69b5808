#include "ExchangeLog.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "common/JsonWriter.h"

namespace oncegate::testing {

namespace {

std::string currentTestName() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) return {};
  return std::string(test->test_suite_name()) + "." + test->name();
}

void append(const std::string& line) {
  static std::mutex mutex;
  const char* directory = std::getenv("ONCEGATE_TEST_EXCHANGES");
  if (directory == nullptr || *directory == '\0') return;
  const std::string path =
      std::string(directory) + "/exchanges-" + std::to_string(::getpid()) + ".jsonl";
  const std::lock_guard lock(mutex);
  std::filesystem::create_directories(directory);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  // A record that cannot be written would let the validator pass on less than was sent.
  if (fd < 0) throw std::runtime_error("cannot write the exchange record " + path);
  std::size_t written = 0;
  while (written < line.size()) {
    const auto n = ::write(fd, line.data() + written, line.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (written < line.size()) throw std::runtime_error("cannot write the exchange record " + path);
}

}  // namespace

void ExchangeLog::record(const std::string& request, const HttpResult& answer) {
  if (answer.status < 200) return;
  // "METHOD TARGET HTTP/1.1"; a request line that is not HTTP is recorded with what it has, so
  // that the validator still sees the answer to it.
  const auto lineEnd = request.find("\r\n");
  const std::string line = request.substr(0, lineEnd);
  const auto firstSpace = line.find(' ');
  const auto secondSpace =
      firstSpace == std::string::npos ? std::string::npos : line.find(' ', firstSpace + 1);
  std::string method;
  std::string target;
  if (secondSpace != std::string::npos && line.compare(secondSpace + 1, 5, "HTTP/") == 0) {
    method = line.substr(0, firstSpace);
    target = line.substr(firstSpace + 1, secondSpace - firstSpace - 1);
  }
  std::string out;
  JsonWriter json(out);
  json.beginObject().key("test").string(currentTestName());
  json.key("method").string(method).key("path").string(target);
  json.key("status").integer(answer.status);
  const auto contentType = answer.headers.find("content-type");
  json.key("content_type")
      .string(contentType == answer.headers.end() ? std::string() : contentType->second);
  json.key("headers").beginObject();
  for (const auto& [name, value] : answer.headers) json.key(name).string(value);
  json.endObject();
  json.key("body").string(answer.body).endObject();
  out += '\n';
  append(out);
}

}  // namespace oncegate::testing
