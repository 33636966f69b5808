#pragma once

#include <string>
#include <string_view>

#include "gateway/reports/SharingReport.h"

namespace oncegate {

// How a sharing report is written, the same by the admin API and by oncegatectl: one JSON
// document, or CSV (RFC 4180, with the audit export's guard against cells a spreadsheet would
// run as formulas) with one row per group and a last row for the totals.
namespace SharingReportRendering {

// The CSV columns, in order.
inline constexpr std::string_view kCsvHeader =
    "key,label,requests,fields_asked,fields_served,served_from_cache,denied,not_found,"
    "unavailable,verify_only,unknown_field,form_fields,sharing_rate,documents_spared\r\n";
// The key and label of the CSV's totals row.
inline constexpr std::string_view kTotalKey = "total";

// {"request_id":..,"from":..,"to":..,"by":..,"interval":..,"computed_from":..,"groups":[..],
// "totals":{..},"sources":[..],"series":[..]}; without "request_id" when `requestId` is empty.
std::string json(const SharingReport& report, std::string_view requestId);
std::string csv(const SharingReport& report);

}  // namespace SharingReportRendering

}  // namespace oncegate
