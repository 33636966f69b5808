#include "connectors/odbc/OdbcParameters.h"

#include <algorithm>

namespace oncegate::odbc {

void OdbcParameters::bind(const OdbcHandle& statement, const std::vector<Value>& params,
                          const OdbcErrorFactory& error) {
  slots_.assign(params.size(), Slot{});
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Value& value = params[i];
    Slot& slot = slots_[i];
    SQLSMALLINT cType = SQL_C_CHAR;
    SQLSMALLINT sqlType = SQL_VARCHAR;
    SQLULEN columnSize = 0;
    SQLSMALLINT digits = 0;
    SQLPOINTER buffer = nullptr;
    switch (value.kind()) {
      case ValueKind::Null:
        slot.indicator = SQL_NULL_DATA;
        columnSize = 1;
        break;
      case ValueKind::Int:
        slot.number = value.asInt();
        cType = SQL_C_SBIGINT;
        sqlType = SQL_BIGINT;
        buffer = &slot.number;
        break;
      case ValueKind::Bool:
        slot.bit = value.asBool() ? 1 : 0;
        cType = SQL_C_BIT;
        sqlType = SQL_BIT;
        buffer = &slot.bit;
        break;
      case ValueKind::Decimal: {
        slot.text = value.text();
        const auto point = slot.text.find('.');
        digits =
            point == std::string::npos ? 0 : static_cast<SQLSMALLINT>(slot.text.size() - point - 1);
        sqlType = SQL_NUMERIC;
        break;
      }
      case ValueKind::Date:
        slot.text = value.text();
        sqlType = SQL_TYPE_DATE;
        break;
      case ValueKind::DateTime: {
        slot.text = value.text();
        const auto point = slot.text.find('.');
        digits =
            point == std::string::npos ? 0 : static_cast<SQLSMALLINT>(slot.text.size() - point - 1);
        sqlType = SQL_TYPE_TIMESTAMP;
        break;
      }
      case ValueKind::String:
        slot.text = value.text();
        break;
    }
    if (cType == SQL_C_CHAR && value.kind() != ValueKind::Null) {
      buffer = slot.text.data();
      slot.indicator = static_cast<SQLLEN>(slot.text.size());
      columnSize = std::max<SQLULEN>(slot.text.size(), 1);
    }
    const SQLRETURN rc = SQLBindParameter(
        statement.get(), static_cast<SQLUSMALLINT>(i + 1), SQL_PARAM_INPUT, cType, sqlType,
        columnSize, digits, buffer, static_cast<SQLLEN>(slot.text.size()), &slot.indicator);
    if (!succeeded(rc)) throw error(OdbcDiagnostics::read(statement));
  }
}

}  // namespace oncegate::odbc
