// The deployment kit (deploy/) checked by the tools that will read it, so that it cannot rot:
// the systemd unit by systemd-analyze (verify, and its offline security exposure), the nginx and
// HAProxy examples by nginx -t and haproxy -c (warnings fail), the alert rules by promtool (check
// and the rules' unit tests), and every oncegate_ metric, label and label value the rules name
// against the /metrics of a real gateway. The nginx and HAProxy examples also run for real in
// front of two gateways over TLS and an instance that is down (retries, health checks, TLS
// termination and pass-through).
//
// The configurations are checked as shipped, except for their file system paths: certificates,
// logs and the pid file move into a scratch directory (the test makes the certificates), and
// the unit's ExecStart points at the binary just built (verify requires it to exist); the live
// runs also move addresses and ports to loopback.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCertificate.h"
#include "TestCommands.h"
#include "TestServers.h"
#include "UnusedPort.h"

namespace oncegate::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kDeploy = fs::path(ONCEGATE_SOURCE_DIR) / "deploy";

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr together
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[1024];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    result.output.append(buffer, count);
  }
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string readText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeText(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// `text` with every occurrence of `from` replaced; fails the test when there is none (the kit
// changed and the test no longer moves what it believes it moves).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "expected '" << from << "' in the shipped file";
  while (at != std::string::npos) {
    text.replace(at, from.size(), to);
    at = text.find(from, at + to.size());
  }
  return text;
}

// A scratch directory removed when the test ends.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    char pattern[] = "/tmp/oncegate-deploy-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The certificates the balancer examples name: the balancer's own (for clients), and the CA that
// signed the gateways' certificates (to verify them), under DIR/tls/.
void writeBalancerCertificates(const fs::path& directory) {
  const auto authority = TestCertificate::authority("oncegate gateways CA");
  const auto balancer =
      TestCertificate::issued(authority, "oncegate.example.internal", TestCertificate::Use::Server);
  fs::create_directories(directory / "tls");
  writeText(directory / "tls" / "gateway-ca.crt", authority.certificatePem());
  writeText(directory / "tls" / "balancer.crt", balancer.certificatePem());
  writeText(directory / "tls" / "balancer.key", balancer.keyPem());
  writeText(directory / "tls" / "balancer.pem", balancer.certificatePem() + balancer.keyPem());
}

const std::string kApiKey = "deploy-kit-key";
const std::string kCompany = "91330110MA2DEPLY01";
const std::string kResolveBody = R"({"purpose":"permit","subject":{"type":"org","code":")" +
                                 kCompany + R"("},"fields":["org.holder","org.box"]})";

// A gateway with one source that answers (SQLite) and one that is down (a driver that does not
// exist), `gatewayLines` added to its gateway.yaml.
// With `certificateSha256`, a second client authenticated by that certificate has the same grant.
ConfigFiles gatewayFiles(const std::string& database, const std::string& gatewayLines,
                         const std::string& certificateSha256 = {}) {
  const std::string certificateClient =
      certificateSha256.empty() ? std::string()
                                : "  - { id: counter-desk, cert_sha256: " + certificateSha256 +
                                      ", purposes: [permit] }\n";
  ConfigFiles files;
  files["gateway.yaml"] =
      "listen: 127.0.0.1:1\nthreads: 1\naudit: { path: audit/trail.jsonl }\n"
      "hash_key: " +
      randomHex(40) + "\ninclude: [all.yaml]\n" + gatewayLines;
  files["all.yaml"] =
      "sources:\n"
      "  - { id: licensing, department: 商务局, odbc: \"Driver=SQLite3;Database=" +
      database +
      "\" }\n"
      "  - { id: archive, department: 档案局, odbc: \"Driver=NoSuchOdbcDriver;Database=x\",\n"
      "      retry: 50ms }\n"
      "subjects:\n"
      "  - { id: org, key: code, pattern: \"^[0-9A-Z]{18}$\" }\n"
      "datasets:\n"
      "  - { id: licensing.licence, source: licensing, subject: org,\n"
      "      query: \"SELECT holder FROM licence WHERE code = :c\", params: { c: subject.code } }\n"
      "  - { id: archive.file, source: archive, subject: org,\n"
      "      query: \"SELECT box FROM files WHERE code = :c\", params: { c: subject.code } }\n"
      "fields:\n"
      "  - { id: org.holder, dataset: licensing.licence, column: holder }\n"
      "  - { id: org.box, dataset: archive.file, column: box }\n"
      "clients:\n"
      "  - { id: permit-desk, api_key_sha256: " +
      sha256sum(kApiKey) + ", purposes: [permit] }\n" + certificateClient +
      "policies:\n"
      "  - { id: grant, clients: [permit-desk" +
      (certificateSha256.empty() ? "" : ", counter-desk") +
      "], purposes: [permit], allow: [org.holder, org.box] }\n";
  return files;
}

std::string licensingDatabase(const ScratchDirectory& scratch) {
  const auto database = (scratch.path() / "licensing.db").string();
  runSqliteSql(database,
               "CREATE TABLE licence (code TEXT PRIMARY KEY, holder TEXT);"
               "INSERT INTO licence VALUES ('" +
                   kCompany + "', '部署测试有限公司');");
  return database;
}

TEST(DeploymentKitTest, SystemdUnitVerifiesAndKeepsItsSecurityExposure) {
  ScratchDirectory scratch;
  // The unit's own name: systemd-analyze derives the unit name from the file name.
  const auto unit = scratch.path() / "oncegate.service";
  writeText(unit, replaced(readText(kDeploy / "systemd" / "oncegate.service"),
                           "ExecStart=/usr/local/bin/oncegate ",
                           "ExecStart=" + GatewayProcess::binary().string() + " "));

  const auto verify = run("systemd-analyze verify " + unit.string());
  EXPECT_EQ(verify.exitCode, 0) << verify.output;
  // verify only warns (exit 0) about an unknown or misspelt setting: any word from it fails.
  EXPECT_EQ(verify.output, "") << "systemd-analyze verify had something to say";

  // Offline (no systemd running needed). The exposure is 1.1 ("OK") today; threshold 15 means
  // 1.5: a hardening line dropped by mistake fails here.
  const auto security =
      run("systemd-analyze security --offline=true --threshold=15 " + unit.string());
  EXPECT_EQ(security.exitCode, 0) << security.output;
  EXPECT_NE(security.output.find("Overall exposure level for oncegate.service"), std::string::npos)
      << security.output;
}

TEST(DeploymentKitTest, NginxExampleParses) {
  ScratchDirectory scratch;
  writeBalancerCertificates(scratch.path());
  const auto dir = scratch.path().string() + "/";
  auto conf = readText(kDeploy / "nginx" / "oncegate.conf");
  conf = replaced(conf, "/etc/oncegate/tls/", dir + "tls/");
  conf = replaced(conf, "/var/log/nginx/", dir);
  conf = replaced(conf, "/run/nginx-oncegate.pid", dir + "nginx.pid");
  const auto file = scratch.path() / "nginx.conf";
  writeText(file, conf);

  const auto check = run("nginx -t -c " + file.string());
  EXPECT_EQ(check.exitCode, 0) << check.output;
  EXPECT_NE(check.output.find("test is successful"), std::string::npos) << check.output;
  // A warning (a duplicated or ignored directive) fails too; only the one about `user`, which
  // a check run without root privileges prints, is expected.
  std::istringstream lines(check.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("[warn]") == std::string::npos) continue;
    EXPECT_NE(line.find("\"user\" directive"), std::string::npos) << line;
  }
}

// The example's certificates for a run with real gateways, made with the openssl command: the
// gateways' certificate must name oncegate.example.internal as a DNS subject alternative name
// (what the example's proxy_ssl_name verifies) and 127.0.0.1 (what the test's client verifies
// on the balancer, which serves the same certificate). Under DIR/tls/.
void writeNamedCertificates(const fs::path& directory) {
  const auto tls = directory / "tls";
  fs::create_directories(tls);
  writeText(tls / "san.ext", "subjectAltName=DNS:oncegate.example.internal,IP:127.0.0.1\n");
  const auto t = tls.string() + "/";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  const auto made =
      run("openssl req -x509" + ec + " -keyout " + t + "ca.key -out " + t +
          "gateway-ca.crt -days 1 -subj /CN=oncegate-deploy-test-ca && openssl req" + ec +
          " -keyout " + t + "balancer.key -out " + t +
          "server.csr -subj /CN=oncegate.example.internal && openssl x509 -req -in " + t +
          "server.csr -CA " + t + "gateway-ca.crt -CAkey " + t +
          "ca.key -CAcreateserial -days 1 -out " + t + "balancer.crt -extfile " + t + "san.ext");
  ASSERT_EQ(made.exitCode, 0) << made.output;
}

// Whether something accepts TCP connections on 127.0.0.1:port.
bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// A balancer (nginx or HAProxy) run in the foreground, its stdout and stderr in `output`, up
// once `port` accepts connections, stopped (SIGTERM) when the object goes.
class ForegroundBalancer {
 public:
  ForegroundBalancer(std::vector<std::string> command, const fs::path& output, std::uint16_t port) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
      std::vector<char*> argv;
      for (auto& word : command) argv.push_back(word.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      if (accepts(port)) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(command[0] + " exited at start:\n" + readText(output));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error(command[0] + " did not listen in 10 s:\n" + readText(output));
  }
  ~ForegroundBalancer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ForegroundBalancer(const ForegroundBalancer&) = delete;
  ForegroundBalancer& operator=(const ForegroundBalancer&) = delete;

 private:
  pid_t pid_ = -1;
};

// Waits (at most 10 s) until `file` holds `text`; what it holds then.
std::string awaitText(const fs::path& file, const std::string& text) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string content = readText(file);
  while (content.find(text) == std::string::npos && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    content = readText(file);
  }
  return content;
}

// The nginx example run for real in front of two gateways over TLS and a third instance that is
// down (nothing listens on its port): every resolve is answered, a resolve sent to the dead
// instance is sent again to a live one, and a request of any other route sent there is not (the
// client gets the example's JSON 503). max_fails is set to 0 here so that the dead instance
// stays in the rotation for the whole test rather than for the first two failures.
TEST(DeploymentKitTest, NginxExampleRetriesOnlyResolveOnAnotherInstance) {
  ScratchDirectory scratch;
  writeNamedCertificates(scratch.path());
  if (::testing::Test::HasFatalFailure()) return;
  const auto tls = scratch.path() / "tls";
  const auto database = licensingDatabase(scratch);
  auto files = gatewayFiles(database, "tls: { cert: tls/gateway.crt, key: tls/gateway.key }\n");
  files["tls/gateway.crt"] = readText(tls / "balancer.crt");
  files["tls/gateway.key"] = readText(tls / "balancer.key");
  GatewayProcess first(files);
  GatewayProcess second(files);
  const auto deadPort = unusedLoopbackPort();
  const auto port = unusedLoopbackPort();

  const auto dir = scratch.path().string() + "/";
  auto conf = readText(kDeploy / "nginx" / "oncegate.conf");
  conf = replaced(conf, "/etc/oncegate/tls/", dir + "tls/");
  conf = replaced(conf, "/var/log/nginx/", dir);
  conf = replaced(conf, "/run/nginx-oncegate.pid", dir + "nginx.pid");
  conf = replaced(conf, "listen 443 ssl;", "listen 127.0.0.1:" + std::to_string(port) + " ssl;");
  conf = replaced(conf, "10.0.0.11:8080", "127.0.0.1:" + std::to_string(first.port()));
  conf = replaced(conf, "10.0.0.12:8080", "127.0.0.1:" + std::to_string(second.port()));
  conf = replaced(conf, "10.0.0.13:8080", "127.0.0.1:" + std::to_string(deadPort));
  conf = replaced(conf, "max_fails=2", "max_fails=0");
  const auto file = scratch.path() / "nginx.conf";
  writeText(file, conf);
  ForegroundBalancer nginx({"nginx", "-c", file.string(), "-g", "daemon off;"},
                           scratch.path() / "nginx.out", port);

  const auto url = "https://127.0.0.1:" + std::to_string(port);
  const auto curl = "curl -sS --max-time 10 --cacert " + (tls / "gateway-ca.crt").string() +
                    " -H 'Authorization: Bearer " + kApiKey + "' -w '\\n%{http_code}' ";
  constexpr int kRounds = 6;  // two rounds of the three instances each
  for (int i = 0; i < kRounds; ++i) {
    const auto answer = run(curl + "-d '" + kResolveBody + "' " + url + "/v1/resolve");
    EXPECT_EQ(answer.exitCode, 0) << answer.output;
    EXPECT_TRUE(answer.output.ends_with("\n200")) << "resolve " << i << ": " << answer.output;
    EXPECT_NE(answer.output.find(R"("org.holder":{"status":"ok")"), std::string::npos)
        << answer.output;
  }
  int refused = 0;
  for (int i = 0; i < kRounds; ++i) {
    const auto answer = run(curl + url + "/v1/catalog");
    EXPECT_EQ(answer.exitCode, 0) << answer.output;
    if (answer.output.ends_with("\n503")) {
      ++refused;
      EXPECT_NE(answer.output.find(R"({"error":"overloaded")"), std::string::npos) << answer.output;
    } else {
      EXPECT_TRUE(answer.output.ends_with("\n200")) << "catalog " << i << ": " << answer.output;
    }
  }
  EXPECT_GE(refused, 1) << "no catalog request was sent to the dead instance";

  // The balancer's log says which instances each request went to: a retried resolve names the
  // dead one, then a live one.
  const auto dead = "127.0.0.1:" + std::to_string(deadPort);
  const auto log = dir + "oncegate-access.log";
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string lines;
  while (std::chrono::steady_clock::now() < until) {
    lines = readText(log);
    if (std::count(lines.begin(), lines.end(), '\n') >= 2 * kRounds) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(lines.find("\"POST /v1/resolve\" 200 "), std::string::npos) << lines;
  EXPECT_TRUE(std::regex_search(lines, std::regex("\"POST /v1/resolve\" 200 \\S+ " + dead +
                                                  ", 127\\.0\\.0\\.1:[0-9]+ 502, 200 ")))
      << "no resolve was tried on the dead instance and then answered by another:\n"
      << lines;
  EXPECT_FALSE(std::regex_search(lines, std::regex("\"GET /v1/catalog\" \\d+ \\S+ [^\\n]*, ")))
      << "a catalog request was sent to two instances:\n"
      << lines;
}

TEST(DeploymentKitTest, HaproxyExampleParsesWithoutWarnings) {
  ScratchDirectory scratch;
  writeBalancerCertificates(scratch.path());
  const auto file = scratch.path() / "haproxy.cfg";
  writeText(file, replaced(readText(kDeploy / "haproxy" / "oncegate.cfg"), "/etc/oncegate/tls/",
                           scratch.path().string() + "/tls/"));

  // -dW: zero-warning mode, any warning fails the check.
  const auto check = run("haproxy -dW -c -f " + file.string());
  EXPECT_EQ(check.exitCode, 0) << check.output;
  EXPECT_NE(check.output.find("Configuration file is valid"), std::string::npos) << check.output;
}

// The HAProxy example run for real in front of two gateways over TLS and a third instance that
// is down: its /readyz checks (HTTP over verified TLS, SNI) keep the two live instances up and
// take the dead one out; an API-key client is answered through the terminating frontend; a
// certificate client is answered through the pass-through frontend, authenticated by the
// gateway itself from its certificate (no API key sent).
TEST(DeploymentKitTest, HaproxyExampleChecksReadyzAndPassesCertificatesThrough) {
  ScratchDirectory scratch;
  writeNamedCertificates(scratch.path());
  if (::testing::Test::HasFatalFailure()) return;
  const auto tls = scratch.path() / "tls";
  writeText(tls / "balancer.pem", readText(tls / "balancer.crt") + readText(tls / "balancer.key"));
  const auto clientCa = TestCertificate::authority("oncegate deploy test clients CA");
  const auto counterDesk =
      TestCertificate::issued(clientCa, "counter-desk", TestCertificate::Use::Client);
  writeText(tls / "client.crt", counterDesk.certificatePem());
  writeText(tls / "client.key", counterDesk.keyPem());

  auto files = gatewayFiles(
      licensingDatabase(scratch),
      "tls: { cert: tls/gateway.crt, key: tls/gateway.key, client_ca: tls/clients-ca.crt }\n",
      counterDesk.sha256());
  files["tls/gateway.crt"] = readText(tls / "balancer.crt");
  files["tls/gateway.key"] = readText(tls / "balancer.key");
  files["tls/clients-ca.crt"] = clientCa.certificatePem();
  GatewayProcess first(files);
  GatewayProcess second(files);
  const auto deadPort = unusedLoopbackPort();
  const auto apiPort = unusedLoopbackPort();
  const auto passThroughPort = unusedLoopbackPort();

  auto cfg = readText(kDeploy / "haproxy" / "oncegate.cfg");
  cfg = replaced(cfg, "/etc/oncegate/tls/", tls.string() + "/");
  // No syslog here: the log goes to HAProxy's stdout.
  cfg = replaced(cfg, "log /dev/log local0", "log stdout format raw local0");
  // Small enough for any descriptor limit a test machine has (20,000 takes about 40,000).
  cfg = replaced(cfg, "maxconn 20000", "maxconn 1000");
  cfg = replaced(cfg, "bind :443 ", "bind 127.0.0.1:" + std::to_string(apiPort) + " ");
  cfg = replaced(cfg, "bind :9443", "bind 127.0.0.1:" + std::to_string(passThroughPort));
  cfg = replaced(cfg, "10.0.0.11:8080", "127.0.0.1:" + std::to_string(first.port()));
  cfg = replaced(cfg, "10.0.0.12:8080", "127.0.0.1:" + std::to_string(second.port()));
  cfg = replaced(cfg, "10.0.0.13:8080", "127.0.0.1:" + std::to_string(deadPort));
  const auto file = scratch.path() / "haproxy.cfg";
  writeText(file, cfg);
  const auto output = scratch.path() / "haproxy.out";
  ForegroundBalancer haproxy({"haproxy", "-db", "-f", file.string()}, output, apiPort);

  // The dead instance leaves every backend (fall 2, inter 1s); the live ones never do.
  std::string log;
  for (const std::string backend :
       {"oncegate_read", "oncegate_once", "oncegate_admin", "oncegate_tls"}) {
    log = awaitText(output, "Server " + backend + "/gw-c is DOWN");
    EXPECT_NE(log.find("Server " + backend + "/gw-c is DOWN"), std::string::npos) << log;
  }
  EXPECT_EQ(log.find("gw-a is DOWN"), std::string::npos) << log;
  EXPECT_EQ(log.find("gw-b is DOWN"), std::string::npos) << log;

  const auto ca = " --cacert " + (tls / "gateway-ca.crt").string();
  const auto curl = "curl -sS --max-time 10 -w '\\n%{http_code}' -d '" + kResolveBody + "'" + ca;
  for (int i = 0; i < 4; ++i) {
    const auto byKey = run(curl + " -H 'Authorization: Bearer " + kApiKey +
                           "' https://127.0.0.1:" + std::to_string(apiPort) + "/v1/resolve");
    EXPECT_TRUE(byKey.output.ends_with("\n200")) << byKey.output;
    EXPECT_NE(byKey.output.find(R"("org.holder":{"status":"ok")"), std::string::npos)
        << byKey.output;
    const auto byCertificate = run(curl + " --cert " + (tls / "client.crt").string() + " --key " +
                                   (tls / "client.key").string() + " https://127.0.0.1:" +
                                   std::to_string(passThroughPort) + "/v1/resolve");
    EXPECT_TRUE(byCertificate.output.ends_with("\n200")) << byCertificate.output;
    EXPECT_NE(byCertificate.output.find(R"("org.holder":{"status":"ok")"), std::string::npos)
        << byCertificate.output;
  }
  // Without its certificate the same request through the pass-through port is the gateway's
  // own 401: HAProxy did not authenticate anyone.
  const auto anonymous =
      run(curl + " https://127.0.0.1:" + std::to_string(passThroughPort) + "/v1/resolve");
  EXPECT_TRUE(anonymous.output.ends_with("\n401")) << anonymous.output;
  // /metrics is refused at the balancer.
  const auto metrics = run("curl -sS --max-time 10 -o /dev/null -w '%{http_code}'" + ca +
                           " https://127.0.0.1:" + std::to_string(apiPort) + "/metrics");
  EXPECT_EQ(metrics.output, "404") << metrics.output;
}

TEST(DeploymentKitTest, AlertRulesPassPromtoolAndTheirUnitTests) {
  const auto rules = kDeploy / "prometheus" / "oncegate-alerts.yml";
  const auto check = run("promtool check rules " + rules.string());
  EXPECT_EQ(check.exitCode, 0) << check.output;
  EXPECT_NE(check.output.find("SUCCESS"), std::string::npos) << check.output;

  const auto tests =
      run("promtool test rules " + (kDeploy / "prometheus" / "oncegate-alerts.test.yml").string());
  EXPECT_EQ(tests.exitCode, 0) << tests.output;
  EXPECT_NE(tests.output.find("SUCCESS"), std::string::npos) << tests.output;
}

// One family of a scrape: its type and, over its series, each label's values.
struct ScrapedFamily {
  std::string type;
  std::map<std::string, std::set<std::string>> labelValues;
};

std::map<std::string, ScrapedFamily> parseScrape(const std::string& scrape) {
  std::map<std::string, ScrapedFamily> families;
  const std::regex typeLine(R"(^# TYPE (\S+) (\S+)$)");
  const std::regex seriesLine(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? \S+$)");
  const std::regex labelPair(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_match(line, match, typeLine)) {
      families[match[1]].type = match[2];
      continue;
    }
    if (line.empty() || line[0] == '#' || !std::regex_match(line, match, seriesLine)) continue;
    std::string name = match[1];
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      const auto base = name.substr(0, name.size() - std::min(name.size(), suffix.size()));
      if (name.ends_with(suffix) && families.contains(base) && families[base].type == "histogram") {
        name = base;
      }
    }
    const std::string labels = match[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), labelPair), end; it != end; ++it) {
      families[name].labelValues[(*it)[1]].insert((*it)[2]);
    }
  }
  return families;
}

TEST(DeploymentKitTest, EveryMetricTheAlertRulesNameIsOneTheGatewayExports) {
  // A gateway with the tiers and outcomes the rules look at: Redis behind the local cache, one
  // source that answers and one that is down, one resolve that touches both, so that labelled
  // families have series to compare with.
  ScratchDirectory scratch;
  const auto files = gatewayFiles(licensingDatabase(scratch), "redis: redis://" + redisAddress() +
                                                                  "/0\n"
                                                                  "cache: { encryption_keys: [" +
                                                                  randomHex(64) + "] }\n");
  GatewayProcess gateway(files);
  HttpClient client(gateway.port());
  const auto answer = client.post("/v1/resolve", kResolveBody, kApiKey);
  ASSERT_EQ(answer.status, 200) << answer.body;
  ASSERT_NE(answer.body.find(R"("unavailable")"), std::string::npos) << answer.body;
  const auto scrape = client.get("/metrics");
  ASSERT_EQ(scrape.status, 200);
  const auto families = parseScrape(scrape.body);

  const auto rules = readText(kDeploy / "prometheus" / "oncegate-alerts.yml");
  // Labels every series gets from the scrape (job, instance) or that histogram buckets carry.
  const std::set<std::string> targetLabels = {"job", "instance", "le"};
  std::set<std::string> scrapedLabels = targetLabels;
  for (const auto& [name, family] : families) {
    for (const auto& [label, values] : family.labelValues) scrapedLabels.insert(label);
  }

  // Every oncegate_ name (recording rules' outputs are oncegate:..., not matched): a family the
  // gateway exports, a histogram when named through _bucket/_sum/_count.
  std::set<std::string> named;
  const std::regex metricName(R"(\boncegate_[a-z0-9_]+)");
  for (std::sregex_iterator it(rules.begin(), rules.end(), metricName), end; it != end; ++it) {
    named.insert(it->str());
  }
  ASSERT_GE(named.size(), 20U) << "the rules name fewer metrics than they did";
  for (const auto& name : named) {
    std::string family = name;
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix)) {
        const auto base = name.substr(0, name.size() - suffix.size());
        if (families.contains(base)) {
          family = base;
          EXPECT_EQ(families.at(base).type, "histogram")
              << name << " on a " << families.at(base).type;
        }
      }
    }
    EXPECT_TRUE(families.contains(family) && !families.at(family).type.empty())
        << name << " is named in the alert rules but the gateway exports no such family";
  }

  // Every label matcher on an oncegate_ selector names a label of that family's series, and an
  // equality matcher a value the scrape has.
  const std::regex selector(R"((oncegate_[a-z0-9_]+)\{([^}]*)\})");
  const std::regex matcher(R"re(([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)")re");
  for (std::sregex_iterator it(rules.begin(), rules.end(), selector), end; it != end; ++it) {
    std::string family = (*it)[1];
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      const auto base = family.substr(0, family.size() - std::min(family.size(), suffix.size()));
      if (family.ends_with(suffix) && families.contains(base)) family = base;
    }
    if (!families.contains(family)) continue;  // reported above
    const auto& labelValues = families.at(family).labelValues;
    const std::string matchers = (*it)[2];
    for (std::sregex_iterator m(matchers.begin(), matchers.end(), matcher), mend; m != mend; ++m) {
      const std::string label = (*m)[1];
      if (targetLabels.contains(label)) continue;
      ASSERT_TRUE(labelValues.contains(label))
          << it->str() << ": " << family << " has no label '" << label << "' in a real scrape";
      if ((*m)[2] == "=") {
        EXPECT_TRUE(labelValues.at(label).contains((*m)[3]))
            << it->str() << ": no series of " << family << " has " << label << "=\"" << (*m)[3]
            << "\"";
      }
    }
  }

  // Every label an aggregation groups by (`by (...)`, `on (...)`) is one the scrape has.
  const std::regex grouping(R"(\b(?:by|on)\s*\(([^)]*)\))");
  const std::regex word(R"([a-zA-Z_][a-zA-Z0-9_]*)");
  for (std::sregex_iterator it(rules.begin(), rules.end(), grouping), end; it != end; ++it) {
    const std::string list = (*it)[1];
    for (std::sregex_iterator w(list.begin(), list.end(), word), wend; w != wend; ++w) {
      EXPECT_TRUE(scrapedLabels.contains(w->str()))
          << it->str() << ": no series of the gateway has a label '" << w->str() << "'";
    }
  }
}

}  // namespace
}  // namespace oncegate::testing
