// oncegatectl export DIR: the control store's current documents back as YAML files, so that
// changes made through the admin API can be reviewed, kept in version control and applied again.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/YamlJson.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/store/ControlStore.h"

namespace oncegate {

namespace {

constexpr std::string_view kGatewayFile = "gateway.yaml";
// Another change may land between reading the version and the documents; then both are read again.
constexpr int kConsistentReadAttempts = 5;

constexpr std::string_view kUsage =
    "usage: oncegatectl export DIR [--store ODBC] [--config CONFIG_DIR] [--force]\n"
    "Writes the control store's current documents as YAML, one file per kind that has any\n"
    "(DIR/sources.yaml holding sources: [...], DIR/datasets.yaml, ...), which load again to the\n"
    "same documents: oncegatectl apply DIR then reports no change.\n"
    "  --store ODBC        the store's ODBC connection string; default: CONFIG_DIR/gateway.yaml's\n"
    "                      store: (a relative SQLite Database= path is opened from the current\n"
    "                      directory)\n"
    "  --config CONFIG_DIR also write DIR/gateway.yaml: CONFIG_DIR/gateway.yaml as written,\n"
    "                      comments included, with its include: replaced by the exported files.\n"
    "                      Relative paths in it (audit path:) are then read from DIR, so that\n"
    "                      DIR can replace CONFIG_DIR where it stands; write absolute paths to\n"
    "                      keep them fixed wherever DIR goes.\n"
    "  --force             write into a DIR that is not empty; a kind file of DIR whose kind has\n"
    "                      no documents any more is deleted, other files are left alone\n"
    "Exit status: 0 exported, 1 store failure or DIR not empty or not writable, 2 usage error.\n";

struct Snapshot {
  std::uint64_t version = 0;
  std::vector<StoredDocument> documents;
};

Snapshot readConsistently(ControlStore& store) {
  for (int attempt = 1;; ++attempt) {
    Snapshot snapshot{store.version(), store.current()};
    if (store.version() == snapshot.version || attempt == kConsistentReadAttempts) return snapshot;
  }
}

// How a scalar written without quotes reads back (null, true/false, an integer or a string),
// judged by the same writer that made the stored JSON, so that export and load cannot disagree.
std::string plainReading(const std::string& text) {
  std::string json;
  JsonWriter writer(json);
  writeYamlAsJson(YAML::Node(text), writer);
  return json;
}

std::string quotedReading(const std::string& text) {
  std::string json;
  JsonWriter(json).string(text);
  return json;
}

// A block literal (|) reads back with exactly one final line break; anything else is quoted.
bool fitsLiteral(const std::string& text) {
  return text.size() > 1 && text.back() == '\n' && text[text.size() - 2] != '\n' &&
         text.front() != ' ' && text.find_first_of("\r\t") == std::string::npos &&
         text.find(" \n") == std::string::npos;
}

void emitScalar(const YAML::Node& node, YAML::Emitter& out) {
  const std::string& text = node.Scalar();
  const std::string plain = plainReading(text);
  if (node.Tag() != "!") {  // a JSON null, boolean or number: written so that it reads the same
    if (plain == "null") {
      out << YAML::Null;
    } else if (plain == "true" || plain == "false") {
      out << (plain == "true");
    } else if (plain.front() == '"') {
      out << text;  // 1.5 and the like: the store reads them as text too
    } else {
      out << static_cast<long long>(std::stoll(plain));
    }
    return;
  }
  if (plain != quotedReading(text)) {
    out << YAML::DoubleQuoted << text;  // "true", "42", "": a string that would not read as one
  } else if (fitsLiteral(text)) {
    out << YAML::Literal << text.substr(0, text.size() - 1);
  } else {
    out << text;
  }
}

bool allScalars(const YAML::Node& sequence) {
  for (const auto& item : sequence) {
    if (!item.IsScalar()) return false;
  }
  return true;
}

void emitNode(const YAML::Node& node, YAML::Emitter& out) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      if (node.size() == 0) out << YAML::Flow;  // {} rather than a lone {} on a line of its own
      out << YAML::BeginMap;
      for (const auto& entry : node) {
        out << YAML::Key << entry.first.Scalar() << YAML::Value;
        emitNode(entry.second, out);
      }
      out << YAML::EndMap;
      return;
    case YAML::NodeType::Sequence:
      // Short lists of names (clients, purposes, allow) read best on one line.
      if (allScalars(node)) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : node) emitNode(item, out);
      out << YAML::EndSeq;
      return;
    case YAML::NodeType::Scalar:
      emitScalar(node, out);
      return;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out << YAML::Null;
      return;
  }
}

std::string kindFile(std::string_view kind) { return std::string(kind) + ".yaml"; }

std::string yamlOfKind(std::string_view kind, const std::vector<const StoredDocument*>& documents,
                       std::uint64_t version) {
  YAML::Emitter out;
  out.SetOutputCharset(YAML::EmitNonAscii);
  out.SetIndent(2);
  out << YAML::Comment("exported from the control store at version " + std::to_string(version));
  out << YAML::BeginMap << YAML::Key << std::string(kind) << YAML::Value << YAML::BeginSeq;
  for (const StoredDocument* document : documents) {
    YAML::Node body;
    try {
      body = YAML::Load(document->body);
    } catch (const YAML::Exception& error) {
      throw Error(ErrorCode::Internal,
                  "the control store holds an unreadable " + document->kind + " document '" +
                      document->id + "'",
                  error.what());
    }
    emitNode(body, out);
  }
  out << YAML::EndSeq << YAML::EndMap;
  if (!out.good()) {
    throw Error(ErrorCode::Internal, "cannot write the " + std::string(kind) + " documents as YAML",
                out.GetLastError());
  }
  return std::string(out.c_str()) + "\n";
}

bool startsKey(const std::string& line, std::string_view key) {
  if (!line.starts_with(key)) return false;
  const auto colon = line.find_first_not_of(" \t", key.size());
  return colon != std::string::npos && line[colon] == ':';
}

// gateway.yaml as written, with the lines of its top-level include: (the key and the lines
// indented under it or listing it as "- item") replaced by `files`.
std::string withInclude(const std::string& text, const std::vector<std::string>& files,
                        const ConfigNode& root) {
  std::string include = "include: [";
  for (std::size_t i = 0; i < files.size(); ++i) include += (i == 0 ? "" : ", ") + files[i];
  include += "]\n";

  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::size_t first = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (startsKey(lines[i], "include")) {
      first = i;
      break;
    }
  }
  if (first == lines.size()) {
    if (root.find("include")) root.at("include").fail("include: must start a line to be replaced");
    std::string out = text;
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + include;
  }
  std::size_t last = first;
  for (std::size_t i = first + 1; i < lines.size(); ++i) {
    const auto& line = lines[i];
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;  // yours only if more follows
    if (start == 0 && (line[0] != '-' || line.starts_with("---"))) break;
    last = i;
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i == first) out += include;
    if (i >= first && i <= last) continue;
    out += lines[i] + "\n";
  }
  return out;
}

std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::InvalidConfig, "cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Exported documents are the configuration: readable by the owner alone, whatever the umask
// (open's mode is masked by it, fchmod's is not; an existing file is narrowed too).
void writeText(const std::filesystem::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(ErrorCode::Internal, "cannot write " + path.string());
  bool written = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (written && done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<std::size_t>(n);
  }
  written = ::close(fd) == 0 && written;
  if (!written) throw Error(ErrorCode::Internal, "cannot write " + path.string());
}

// Creates `directory` and any missing parent as 0700 (whatever the umask); a directory that
// already exists is the operator's and keeps its mode.
void createPrivateDirectories(const std::filesystem::path& directory, std::error_code& ec) {
  std::filesystem::path partial;
  for (const auto& part : directory) {
    partial /= part;
    if (std::filesystem::exists(partial, ec) || ec) continue;
    if (!std::filesystem::create_directory(partial, ec) && ec) return;
    std::filesystem::permissions(partial, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) return;
  }
}

int runExport(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const std::filesystem::path directory(arguments.positionals().at(0));
  const auto configDirectory = arguments.option("config");
  std::optional<std::string> gatewayText;
  std::optional<ConfigNode> gatewayRoot;
  std::optional<std::string> connection = arguments.option("store");
  if (configDirectory) {
    const auto gatewayPath = std::filesystem::path(*configDirectory) / kGatewayFile;
    try {
      gatewayRoot = ConfigNode::loadFile(gatewayPath);
      if (!connection) {
        if (const auto store = gatewayRoot->find("store"))
          connection = store->asExpandedString(
              SecretReferences::any(std::filesystem::path(*configDirectory)));
      }
      gatewayText = readText(gatewayPath);
      // Checked now, so that a gateway.yaml that cannot be rewritten writes nothing at all.
      withInclude(*gatewayText, {}, *gatewayRoot);
    } catch (const Error& error) {
      err << "invalid configuration in " << *configDirectory << ":\n" << error.message() << "\n";
      return kCtlExitFailed;
    }
  }
  if (!connection || connection->empty()) {
    throw Error(ErrorCode::BadRequest,
                configDirectory ? "no control store: " + *configDirectory +
                                      "/gateway.yaml has no store: and no --store was given"
                                : std::string("no control store: give --store or --config"));
  }

  std::error_code ec;
  if (std::filesystem::exists(directory, ec) && !std::filesystem::is_directory(directory, ec)) {
    err << "oncegatectl export: " << directory.string() << " is not a directory\n";
    return kCtlExitFailed;
  }
  if (!arguments.flag("force") && std::filesystem::exists(directory, ec) &&
      !std::filesystem::is_empty(directory, ec)) {
    err << "oncegatectl export: " << directory.string()
        << " is not empty (give --force to write into it)\n";
    return kCtlExitFailed;
  }

  ControlStore store(*connection);
  const auto snapshot = readConsistently(store);
  std::map<std::string_view, std::vector<const StoredDocument*>> byKind;
  for (const auto& document : snapshot.documents) byKind[document.kind].push_back(&document);

  // Everything is rendered before the first file is written.
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> stale;
  std::vector<std::string> included;
  for (const auto kind : ControlStore::kinds()) {
    const auto found = byKind.find(kind);
    if (found == byKind.end()) {
      stale.push_back(kindFile(kind));
      continue;
    }
    files.emplace_back(kindFile(kind), yamlOfKind(kind, found->second, snapshot.version));
    included.push_back(kindFile(kind));
  }
  if (gatewayText) {
    files.emplace_back(std::string(kGatewayFile),
                       withInclude(*gatewayText, included, *gatewayRoot));
  }

  createPrivateDirectories(directory, ec);
  if (ec) {
    err << "oncegatectl export: cannot create " << directory.string() << ": " << ec.message()
        << "\n";
    return kCtlExitFailed;
  }
  for (const auto& name : stale) std::filesystem::remove(directory / name, ec);
  for (const auto& [name, text] : files) writeText(directory / name, text);

  out << "exported version " << snapshot.version << " (" << snapshot.documents.size()
      << (snapshot.documents.size() == 1 ? " document" : " documents") << ") to "
      << directory.string() << ":";
  for (const auto& [name, text] : files) {
    const auto found = byKind.find(name.substr(0, name.size() - std::string_view(".yaml").size()));
    out << " " << name;
    if (found != byKind.end()) out << " (" << found->second.size() << ")";
  }
  out << "\n";
  return kCtlExitOk;
}

}  // namespace

CtlCommand exportCommand() {
  return CtlCommand{"export", "write the control store's documents back as YAML files",
                    kUsage,   {"store", "config"},
                    1,        runExport,
                    {"force"}};
}

}  // namespace oncegate
