// The deployment kit (deploy/) checked by the tools that will read it, so that it cannot rot:
// the systemd unit by systemd-analyze (verify, and its offline security exposure), the nginx and
// HAProxy examples by nginx -t and haproxy -c (warnings fail), the alert rules by promtool (check
// and the rules' unit tests), and every oncegate_ metric, label and label value the rules name
// against the /metrics of a real gateway.
//
// The configurations are checked as shipped, except for their file system paths: certificates,
// logs and the pid file move into a scratch directory (the test makes the certificates), and
// the unit's ExecStart points at the binary just built (verify requires it to exist).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
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
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCertificate.h"
#include "TestCommands.h"
#include "TestServers.h"

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
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[1024];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, count);
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

TEST(DeploymentKitTest, AlertRulesPassPromtoolAndTheirUnitTests) {
  const auto rules = kDeploy / "prometheus" / "oncegate-alerts.yml";
  const auto check = run("promtool check rules " + rules.string());
  EXPECT_EQ(check.exitCode, 0) << check.output;
  EXPECT_NE(check.output.find("SUCCESS"), std::string::npos) << check.output;

  const auto tests = run("promtool test rules " +
                         (kDeploy / "prometheus" / "oncegate-alerts.test.yml").string());
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
  // source that answers and one that is down (a driver that does not exist), one resolve that
  // touches both, so that labelled families have series to compare with.
  const std::string key = "deploy-kit-key";
  const std::string company = "91330110MA2DEPLY01";
  ScratchDirectory scratch;
  const auto database = (scratch.path() / "licensing.db").string();
  runSqliteSql(database, "CREATE TABLE licence (code TEXT PRIMARY KEY, holder TEXT);"
                         "INSERT INTO licence VALUES ('" + company + "', '部署测试有限公司');");
  ConfigFiles files;
  files["gateway.yaml"] = "listen: 127.0.0.1:1\nthreads: 1\naudit: { path: audit/trail.jsonl }\n"
                          "redis: redis://" + redisAddress() + "/0\n"
                          "cache: { encryption_keys: [" + randomHex(64) + "] }\n"
                          "hash_key: " + randomHex(40) + "\ninclude: [all.yaml]\n";
  files["all.yaml"] =
      "sources:\n"
      "  - { id: licensing, department: 商务局, odbc: \"Driver=SQLite3;Database=" + database +
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
      "  - { id: permit-desk, api_key_sha256: " + sha256sum(key) + ", purposes: [permit] }\n"
      "policies:\n"
      "  - { id: grant, clients: [permit-desk], purposes: [permit], allow: [org.holder, org.box] }\n";
  GatewayProcess gateway(files);
  HttpClient client(gateway.port());
  const auto answer = client.post(
      "/v1/resolve",
      R"({"purpose":"permit","subject":{"type":"org","code":")" + company +
          R"("},"fields":["org.holder","org.box"]})",
      key);
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
          EXPECT_EQ(families.at(base).type, "histogram") << name << " on a " << families.at(base).type;
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
