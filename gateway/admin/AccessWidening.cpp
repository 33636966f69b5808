#include "gateway/admin/AccessWidening.h"

#include <map>
#include <set>
#include <string_view>

#include "gateway/service/PolicyExplanation.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"

namespace oncegate {

namespace {

// How far a class lets a field travel: none < conditional < unconditional.
int openness(SharingClass sharing) {
  switch (sharing) {
    case SharingClass::None:
      return 0;
    case SharingClass::Conditional:
      return 1;
    case SharingClass::Unconditional:
      return 2;
  }
  return 0;
}

// Whether some client may read `field` in `config`: an unconditional field counts even when no
// client asks for it yet (a client added later reads it without a policy).
bool readable(const Configuration& config, const Field& field, PolicySet::TimePoint now) {
  if (field.sharing() == SharingClass::Unconditional) return true;
  if (field.sharing() == SharingClass::None) return false;
  for (const auto& client : config.clients.clients()) {
    for (const auto& purpose : client.purposes) {
      const auto decided = PolicyExplanation::decide(config, client.id, purpose, field.id(), now);
      if (decided.effect != PolicyDecision::Effect::Deny) return true;
    }
  }
  return false;
}

// The fields whose data reaches some client in `config`: the readable ones, and the fields that
// key a dataset of an exposed field (a chained key pointed at another column makes the same
// field carry another subject's data).
std::set<std::string> exposedFields(const Configuration& config, PolicySet::TimePoint now) {
  std::set<std::string> exposed;
  std::vector<const Field*> pending;
  for (const auto& field : config.mappings.fields()) {
    if (readable(config, field, now)) pending.push_back(&field);
  }
  while (!pending.empty()) {
    const Field* field = pending.back();
    pending.pop_back();
    if (!exposed.insert(field->id()).second) continue;
    for (const Field* key : config.mappings.paramFields(config.mappings.datasetOf(*field))) {
      if (key != nullptr) pending.push_back(key);  // null: the subject's own key
    }
  }
  return exposed;
}

// Whether `field` reads other data in `after` than `before` did: another dataset or column, or a
// dataset whose source, query or parameters changed.
bool readsOtherData(const Configuration& before, const Field& was, const Configuration& after,
                    const Field& is) {
  if (was.dataset() != is.dataset() || was.column() != is.column()) return true;
  const auto* previous = before.mappings.dataset(was.dataset());
  const auto* current = after.mappings.dataset(is.dataset());
  return previous == nullptr || current == nullptr ||
         previous->fingerprint() != current->fingerprint();
}

}  // namespace

AccessWidening AccessWidening::between(const Configuration& before, const Configuration& after,
                                       PolicySet::TimePoint now) {
  AccessWidening widening;
  // Datasets whose source, query or parameters changed, with the readable fields they feed.
  std::map<std::string, std::string> changedDatasets;
  const auto exposed = exposedFields(after, now);
  for (const auto& field : after.mappings.fields()) {
    const auto* was = before.mappings.field(field.id());
    if (was == nullptr) {
      if (field.sharing() == SharingClass::Unconditional) {
        widening.reasons.push_back("new field '" + field.id() +
                                   "' is unconditional: every client may read it for every "
                                   "purpose");
      } else if (exposed.count(field.id()) != 0) {
        // A wildcard grant ("person.*") was the officer's word on the fields that existed then;
        // a new field under it would reach clients on the DBA's word alone.
        widening.reasons.push_back("new field '" + field.id() +
                                   "' is granted at once by a policy in force (a wildcard such "
                                   "as 'person.*', or a chained key of a granted field)");
      }
      continue;
    }
    if (openness(field.sharing()) > openness(was->sharing())) {
      widening.reasons.push_back("field '" + field.id() + "': sharing made more open (" +
                                 std::string(sharingClassName(was->sharing())) + " -> " +
                                 std::string(sharingClassName(field.sharing())) + ")");
    }
    if (exposed.count(field.id()) == 0) continue;
    if (was->dataset() != field.dataset() || was->column() != field.column()) {
      widening.reasons.push_back(
          "field '" + field.id() +
          "', which clients may read (or which keys a dataset they read), now reads " +
          field.dataset() + "." + field.column() + " instead of " + was->dataset() + "." +
          was->column());
    } else if (readsOtherData(before, *was, after, field)) {
      auto& fields = changedDatasets[field.dataset()];
      fields += (fields.empty() ? "'" : ", '") + field.id() + "'";
    }
  }
  for (const auto& [dataset, fields] : changedDatasets) {
    widening.reasons.push_back("dataset '" + dataset +
                               "' has another source, query or parameters, and clients may read "
                               "its fields " +
                               fields);
  }
  return widening;
}

std::vector<AccessWidening::Gain> AccessWidening::gains(const Configuration& before,
                                                        const Configuration& after,
                                                        PolicySet::TimePoint now, bool& truncated,
                                                        std::size_t maxListed) {
  std::vector<Gain> found;
  truncated = false;
  for (const auto& client : after.clients.clients()) {
    for (const auto& purpose : client.purposes) {
      for (const auto& field : after.mappings.fields()) {
        const auto is = PolicyExplanation::decide(after, client.id, purpose, field.id(), now);
        if (is.effect == PolicyDecision::Effect::Deny) continue;
        const auto was = PolicyExplanation::decide(before, client.id, purpose, field.id(), now);
        const auto* previous = before.mappings.field(field.id());
        const bool otherData = was.effect != PolicyDecision::Effect::Deny && previous != nullptr &&
                               readsOtherData(before, *previous, after, field);
        if (was.effect != PolicyDecision::Effect::Deny && !otherData) continue;
        if (found.size() == maxListed) {
          truncated = true;
          return found;
        }
        found.push_back(Gain{client.id, purpose, field.id(), is.effect, otherData});
      }
    }
  }
  return found;
}

}  // namespace oncegate
