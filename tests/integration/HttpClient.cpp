#include "HttpClient.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "ExchangeLog.h"

namespace oncegate::testing {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

HttpResult exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to the gateway on port " + std::to_string(port));
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (413): read what it answered
    sent += static_cast<std::size_t>(n);
  }
  std::string data;
  char buffer[65536];
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
    const auto end = data.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    const auto lengthAt = lower(data.substr(0, end)).find("content-length:");
    if (lengthAt == std::string::npos) continue;
    const auto length = std::stoul(data.substr(lengthAt + 15));
    if (data.size() >= end + 4 + length) break;
  }
  ::close(fd);
  auto result = HttpClient::parse(data);
  ExchangeLog::record(request, result);
  return result;
}

}  // namespace

HttpResult HttpClient::parse(const std::string& data) {
  HttpResult result;
  const auto end = data.find("\r\n\r\n");
  if (data.size() < 12 || end == std::string::npos) return result;  // status 0: no answer
  result.status = std::stoi(data.substr(9, 3));
  std::size_t line = data.find("\r\n") + 2;
  while (line < end) {
    const auto next = data.find("\r\n", line);
    const auto colon = data.find(':', line);
    if (colon != std::string::npos && colon < next) {
      auto value = data.substr(colon + 1, next - colon - 1);
      value.erase(0, value.find_first_not_of(' '));
      result.headers[lower(data.substr(line, colon - line))] = value;
    }
    line = next + 2;
  }
  result.body = data.substr(end + 4);
  // A keep-alive connection may hold the start of the next answer after this one.
  const auto length = result.headers.find("content-length");
  if (length != result.headers.end()) {
    result.body.resize(std::min<std::size_t>(result.body.size(), std::stoul(length->second)));
  }
  return result;
}

HttpResult HttpClient::post(const std::string& path, const std::string& body,
                            const std::string& bearer,
                            const std::map<std::string, std::string>& headers) const {
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  request +=
      "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  return exchange(port_, request + "\r\n" + body);
}

HttpResult HttpClient::get(const std::string& path, const std::string& bearer) const {
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  return exchange(port_, request + "\r\n");
}

HttpResult HttpClient::send(const std::string& method, const std::string& path,
                            const std::string& body, const std::string& bearer,
                            const std::map<std::string, std::string>& headers) const {
  std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!body.empty()) request += "Content-Type: application/json\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  return exchange(port_, request + "\r\n" + body);
}

HttpResult HttpClient::raw(const std::string& raw) const { return exchange(port_, raw); }

}  // namespace oncegate::testing
