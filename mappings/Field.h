#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/ColumnPosition.h"
#include "common/ConfigNode.h"
#include "common/Row.h"
#include "common/SharingClass.h"
#include "common/Value.h"

namespace oncegate {

// A named, typed value taken from one column of one dataset (one field, one authoritative
// source), with its optional transform, its sharing class and its sensitivity.
class Field {
 public:
  enum class Transform : std::uint8_t { None, Trim, Upper, Lower };

  static constexpr ValueKind kDefaultType = ValueKind::String;
  static constexpr SharingClass kDefaultSharing = SharingClass::Conditional;
  static constexpr std::string_view kDefaultSensitivity = "internal";
  static constexpr int kMaxScale = 38;  // the widest NUMERIC scale common databases allow

  // The indicator (指标) a field carries, for 一数一源 (one datum, one source): several sources
  // may carry one indicator, and exactly one field is its authoritative source (MappingCatalog
  // refuses two).
  struct Indicator {
    std::string id;
    bool authoritative = false;
  };

  // One item of a `fields:` list (often a flow map): { id, dataset, column, type, scale,
  // transform, sharing, sensitivity, indicator: { id, authoritative }, description }. The dataset
  // reference is checked by MappingCatalog; that the column exists can only be seen when a row
  // arrives.
  static Field parse(const ConfigNode& item);

  const std::string& id() const { return id_; }
  const std::string& dataset() const { return dataset_; }
  const std::string& column() const { return column_; }
  ValueKind type() const { return type_; }
  // Decimals only: the number of fraction digits printed (SQLite hands NUMERIC(10,2) over as a
  // double, "108618.5"; with scale 2 the field prints "108618.50").
  std::optional<int> scale() const { return scale_; }
  Transform transform() const { return transform_; }
  SharingClass sharing() const { return sharing_; }
  // public | internal | personal | sensitive
  const std::string& sensitivity() const { return sensitivity_; }
  const std::string& description() const { return description_; }
  const std::optional<Indicator>& indicator() const { return indicator_; }
  const std::string& location() const { return location_; }

  // This field's value in `row` (a row of its dataset): the column converted to the declared
  // type, then transformed. NULL stays null. A missing column or a value that does not convert
  // throws Error(SourceUnavailable): the mapping and the data disagree, so the field is
  // reported unavailable. The message never contains the value itself (it may be personal).
  Value valueFrom(const Row& row) const;
  // Starts loading what valueFrom(row) will read (Row::prefetch), for a caller about to read
  // several fields of several rows.
  void prefetchFrom(const Row& row) const { row.prefetch(columnPosition_); }
  // The same conversion for a raw value already taken out of a row.
  Value convert(const Value& raw) const;

 private:
  std::string id_;
  std::string dataset_;
  std::string column_;
  mutable ColumnPosition columnPosition_;  // a hint for valueFrom, not part of the mapping
  ValueKind type_ = kDefaultType;
  std::optional<int> scale_;
  Transform transform_ = Transform::None;
  SharingClass sharing_ = kDefaultSharing;
  std::string sensitivity_{kDefaultSensitivity};
  std::string description_;
  std::optional<Indicator> indicator_;
  std::string location_;
};

}  // namespace oncegate
