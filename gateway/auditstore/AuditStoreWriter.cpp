#include "gateway/auditstore/AuditStoreWriter.h"

#include "common/Error.h"
#include "common/UtcTimestamp.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcClient.h"

namespace oncegate {

namespace {

// Rows per INSERT: one round trip for many rows, with fewer parameters than SQLite's smallest
// limit (999) allows.
constexpr std::size_t kRecordRowsPerInsert = 50;  // 17 parameters a row
constexpr std::size_t kFieldRowsPerInsert = 200;  // 4 a row

// Thrown inside the transaction to roll it back when the position moved.
struct PositionMoved {};

Value integer(std::int64_t number) { return Value::integer(number); }

// "INSERT INTO table (columns) VALUES (?, ...), (?, ...)" for `rows` rows of `width` columns.
std::string insertStatement(std::string_view table, std::string_view columns, std::size_t width,
                            std::size_t rows) {
  std::string row = "(";
  for (std::size_t i = 0; i < width; ++i) row += i == 0 ? "?" : ", ?";
  row += ")";
  std::string sql = "INSERT INTO " + std::string(table) + " (" + std::string(columns) + ") VALUES ";
  for (std::size_t i = 0; i < rows; ++i) {
    if (i != 0) sql += ", ";
    sql += row;
  }
  return sql;
}

std::optional<AuditShippingPosition> readPosition(odbc::OdbcClient& client,
                                                  const std::string& instance) {
  const auto rows = client.query(
      "SELECT seq, last_sha256, file_offset, file_first_sha256 FROM oncegate_audit_shipping "
      "WHERE instance = ?",
      {Value::string(instance)});
  if (rows.empty()) return std::nullopt;
  const auto& values = rows.front().values;
  AuditShippingPosition position;
  position.seq = values.at(0).asInt();
  position.lastSha256 = values.at(1).toString();
  position.fileOffset = static_cast<std::uint64_t>(values.at(2).asInt());
  position.fileFirstSha256 = values.at(3).toString();
  return position;
}

}  // namespace

AuditStoreWriter::AuditStoreWriter(odbc::OdbcClient& client, std::string instance)
    : client_(client), instance_(std::move(instance)) {}

std::optional<AuditShippingPosition> AuditStoreWriter::position() {
  return readPosition(client_, instance_);
}

AuditStoreWriter::Outcome AuditStoreWriter::ship(
    const std::vector<ShippedLine>& lines, const std::optional<AuditShippingPosition>& expected,
    const AuditShippingPosition& next) {
  const auto nextValues = [&] {
    return std::vector<Value>{integer(next.seq), Value::string(next.lastSha256),
                              integer(static_cast<std::int64_t>(next.fileOffset)),
                              Value::string(next.fileFirstSha256), Value::string(utcTimestamp())};
  };
  try {
    client_.transaction([&] {
      // The position first: in PostgreSQL the UPDATE locks the row (a second shipper of this
      // instance waits here, then finds the position moved), and the INSERT of a first position
      // fails on the key for the second of two.
      if (expected) {
        auto params = nextValues();
        params.push_back(Value::string(instance_));
        params.push_back(integer(expected->seq));
        params.push_back(Value::string(expected->lastSha256));
        if (client_.execute("UPDATE oncegate_audit_shipping SET seq = ?, last_sha256 = ?, "
                            "file_offset = ?, file_first_sha256 = ?, shipped_at = ? WHERE "
                            "instance = ? AND seq = ? AND last_sha256 = ?",
                            params) != 1) {
          throw PositionMoved{};
        }
      } else {
        if (readPosition(client_, instance_)) throw PositionMoved{};
        auto params = nextValues();
        params.insert(params.begin(), Value::string(instance_));
        client_.execute(
            "INSERT INTO oncegate_audit_shipping (instance, seq, last_sha256, file_offset, "
            "file_first_sha256, shipped_at) VALUES (?, ?, ?, ?, ?, ?)",
            params);
      }
      insertRecords(lines);
      insertFields(lines);
      insertCheckpoints(lines);
    });
  } catch (const PositionMoved&) {
    return Outcome::PositionMoved;
  } catch (const Error&) {
    // The commit may have happened with its reply lost (the connection dropped): then the
    // store holds `next`, and the batch is in. Otherwise the failure stands (a second shipper's
    // INSERT of the first position fails on the key and is told apart below).
    const auto stored = readPosition(client_, instance_);
    if (stored && *stored == next) return Outcome::Shipped;
    if (stored != expected) return Outcome::PositionMoved;
    throw;
  }
  return Outcome::Shipped;
}

void AuditStoreWriter::insertRecords(const std::vector<ShippedLine>& lines) {
  for (std::size_t start = 0; start < lines.size(); start += kRecordRowsPerInsert) {
    const auto count = std::min(kRecordRowsPerInsert, lines.size() - start);
    std::vector<Value> params;
    params.reserve(count * 17);
    for (std::size_t i = start; i < start + count; ++i) {
      const auto& l = lines[i];
      for (auto value :
           {Value::string(instance_), integer(l.seq), Value::string(l.time), Value::string(l.event),
            Value::string(l.requestId), Value::string(l.route), integer(l.status),
            Value::string(l.client), Value::string(l.department), Value::string(l.purpose),
            Value::string(l.caseNumber), Value::string(l.subjectType), Value::string(l.subjectHash),
            Value::string(l.discloseAfter), Value::string(l.line), Value::string(l.sha256),
            Value::string(l.prev)}) {
        params.push_back(std::move(value));
      }
    }
    client_.execute(insertStatement("oncegate_audit_records",
                                    "instance, seq, time, event, request_id, route, status, "
                                    "client, department, purpose, case_number, subject_type, "
                                    "subject_hash, disclose_after, line, line_sha256, prev",
                                    17, count),
                    params);
  }
}

void AuditStoreWriter::insertFields(const std::vector<ShippedLine>& lines) {
  std::vector<Value> params;
  std::size_t rows = 0;
  const auto flush = [&] {
    if (rows == 0) return;
    client_.execute(
        insertStatement("oncegate_audit_fields", "instance, seq, field, outcome", 4, rows), params);
    params.clear();
    rows = 0;
  };
  for (const auto& line : lines) {
    for (const auto& [field, outcome] : line.fields) {
      params.push_back(Value::string(instance_));
      params.push_back(integer(line.seq));
      params.push_back(Value::string(field));
      params.push_back(Value::string(outcome));
      if (++rows == kFieldRowsPerInsert) flush();
    }
  }
  flush();
}

void AuditStoreWriter::insertCheckpoints(const std::vector<ShippedLine>& lines) {
  for (const auto& line : lines) {
    if (!line.checkpoint) continue;
    const auto& c = *line.checkpoint;
    client_.execute(
        "INSERT INTO oncegate_audit_checkpoints (instance, seq, records, head, time, kid, "
        "signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {Value::string(instance_), integer(line.seq), integer(c.records), Value::string(c.head),
         Value::string(c.time), Value::string(c.kid), Value::string(c.signature)});
  }
}

}  // namespace oncegate
