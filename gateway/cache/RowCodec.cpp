#include "gateway/cache/RowCodec.h"

#include <cstdint>

namespace oncegate {

namespace {

// Layout (version 1):
//   version byte, then 0 (no row) or 1 (row);
//   row: varint column count, each column as varint length + bytes;
//        varint value count, each value as a kind byte and its payload:
//        Null: nothing; Bool: one byte 0/1; Int: zigzag varint;
//        String/Decimal/Date/DateTime: varint length + bytes.
constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kNoRow = 0;
constexpr std::uint8_t kHasRow = 1;

void putVarint(std::string& out, std::uint64_t number) {
  while (number >= 0x80) {
    out.push_back(static_cast<char>((number & 0x7F) | 0x80));
    number >>= 7;
  }
  out.push_back(static_cast<char>(number));
}

void putText(std::string& out, std::string_view text) {
  putVarint(out, text.size());
  out.append(text);
}

std::uint64_t zigzag(std::int64_t number) {
  return (static_cast<std::uint64_t>(number) << 1) ^ static_cast<std::uint64_t>(number >> 63);
}

std::int64_t unzigzag(std::uint64_t number) {
  return static_cast<std::int64_t>(number >> 1) ^ -static_cast<std::int64_t>(number & 1);
}

// Reads the encoding back; every accessor fails (returns false) instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool byte(std::uint8_t& out) {
    if (pos_ >= bytes_.size()) return false;
    out = static_cast<std::uint8_t>(bytes_[pos_++]);
    return true;
  }

  bool varint(std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t next = 0;
      if (!byte(next)) return false;
      out |= static_cast<std::uint64_t>(next & 0x7F) << shift;
      if ((next & 0x80) == 0) return true;
    }
    return false;
  }

  bool text(std::string& out) {
    std::uint64_t size = 0;
    if (!varint(size) || size > bytes_.size() - pos_) return false;
    out.assign(bytes_.substr(pos_, size));
    pos_ += size;
    return true;
  }

  // A count of items that each take at least one byte: bounds allocations on corrupt input.
  bool count(std::uint64_t& out) { return varint(out) && out <= bytes_.size() - pos_; }

  bool atEnd() const { return pos_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

void putValue(std::string& out, const Value& value) {
  out.push_back(static_cast<char>(value.kind()));
  switch (value.kind()) {
    case ValueKind::Null:
      break;
    case ValueKind::Bool:
      out.push_back(value.asBool() ? 1 : 0);
      break;
    case ValueKind::Int:
      putVarint(out, zigzag(value.asInt()));
      break;
    case ValueKind::String:
    case ValueKind::Decimal:
    case ValueKind::Date:
    case ValueKind::DateTime:
      putText(out, value.text());
      break;
  }
}

Value textValue(ValueKind kind, std::string text) {
  switch (kind) {
    case ValueKind::Decimal:
      return Value::decimal(std::move(text));
    case ValueKind::Date:
      return Value::date(std::move(text));
    case ValueKind::DateTime:
      return Value::datetime(std::move(text));
    default:
      return Value::string(std::move(text));
  }
}

bool readValue(Reader& in, Value& out) {
  std::uint8_t kind = 0;
  if (!in.byte(kind)) return false;
  switch (static_cast<ValueKind>(kind)) {
    case ValueKind::Null:
      out = Value::null();
      return true;
    case ValueKind::Bool: {
      std::uint8_t flag = 0;
      if (!in.byte(flag) || flag > 1) return false;
      out = Value::boolean(flag == 1);
      return true;
    }
    case ValueKind::Int: {
      std::uint64_t number = 0;
      if (!in.varint(number)) return false;
      out = Value::integer(unzigzag(number));
      return true;
    }
    case ValueKind::String:
    case ValueKind::Decimal:
    case ValueKind::Date:
    case ValueKind::DateTime: {
      std::string text;
      if (!in.text(text)) return false;
      out = textValue(static_cast<ValueKind>(kind), std::move(text));
      return true;
    }
  }
  return false;  // a kind this version does not know
}

}  // namespace

std::string encodeCachedRow(const std::optional<Row>& row) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  if (!row) {
    out.push_back(static_cast<char>(kNoRow));
    return out;
  }
  out.push_back(static_cast<char>(kHasRow));
  putVarint(out, row->columns.size());
  for (const auto& column : row->columns) putText(out, column);
  putVarint(out, row->values.size());
  for (const auto& value : row->values) putValue(out, value);
  return out;
}

std::optional<std::optional<Row>> decodeCachedRow(std::string_view bytes) {
  Reader in(bytes);
  std::uint8_t version = 0;
  std::uint8_t presence = 0;
  if (!in.byte(version) || version != kVersion || !in.byte(presence)) return std::nullopt;
  if (presence == kNoRow) {
    if (!in.atEnd()) return std::nullopt;
    return std::optional<Row>{};
  }
  if (presence != kHasRow) return std::nullopt;

  Row row;
  std::uint64_t columns = 0;
  if (!in.count(columns)) return std::nullopt;
  row.columns.resize(columns);
  for (auto& column : row.columns) {
    if (!in.text(column)) return std::nullopt;
  }
  std::uint64_t values = 0;
  if (!in.count(values)) return std::nullopt;
  row.values.resize(values);
  for (auto& value : row.values) {
    if (!readValue(in, value)) return std::nullopt;
  }
  if (!in.atEnd()) return std::nullopt;
  return std::optional<Row>{std::move(row)};
}

}  // namespace oncegate
