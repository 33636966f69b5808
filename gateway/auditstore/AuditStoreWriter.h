#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gateway/auditstore/AuditShippingPosition.h"
#include "gateway/auditstore/ShippedLine.h"

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// Writes one instance's lines to the central audit record (AuditStoreSchema), each batch in one
// transaction with the instance's new shipping position, and only if the stored position is
// still the one the writer started from (compare-and-set on seq and last_sha256): a batch is
// stored once, whatever crashes, and two processes that claim one instance name cannot
// interleave their lines. Throws what OdbcClient throws (the store is down, a statement failed).
class AuditStoreWriter {
 public:
  enum class Outcome {
    Shipped,
    // The stored position is not `expected`: another process ships this instance (or the store
    // was edited). Nothing was written.
    PositionMoved,
  };

  AuditStoreWriter(odbc::OdbcClient& client, std::string instance);

  // The stored position; nullopt when this instance has shipped nothing yet.
  std::optional<AuditShippingPosition> position();

  // Stores `lines` (their seq set) and `next`, in one transaction, when the stored position is
  // `expected` (nullopt: none stored). When the commit's reply was lost but the commit happened,
  // the stored position is `next`, and that counts as Shipped.
  Outcome ship(const std::vector<ShippedLine>& lines,
               const std::optional<AuditShippingPosition>& expected,
               const AuditShippingPosition& next);

 private:
  void insertRecords(const std::vector<ShippedLine>& lines);
  void insertFields(const std::vector<ShippedLine>& lines);
  void insertCheckpoints(const std::vector<ShippedLine>& lines);

  odbc::OdbcClient& client_;
  std::string instance_;
};

}  // namespace oncegate
