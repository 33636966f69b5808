#include "gateway/runtime/LiveConfiguration.h"

#include <utility>

#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/SnapshotRetirer.h"

namespace oncegate {

LiveConfiguration::LiveConfiguration(SourceSet::Factory openSource, SnapshotRetirer& retirer)
    : openSource_(std::move(openSource)), retirer_(retirer) {}

std::shared_ptr<const GatewaySnapshot> LiveConfiguration::build(Configuration config,
                                                                std::uint64_t version,
                                                                const GatewaySnapshot* base) const {
  auto sources = sourcesFor(config, base);
  return assemble(std::move(config), std::move(sources), version);
}

SourceSet LiveConfiguration::sourcesFor(const Configuration& config,
                                        const GatewaySnapshot* base) const {
  return base == nullptr
             ? SourceSet::reusing(config.sources, {}, SourceSet{}, openSource_)
             : SourceSet::reusing(config.sources, base->config.sources, base->sources, openSource_);
}

std::shared_ptr<const GatewaySnapshot> LiveConfiguration::assemble(Configuration config,
                                                                   SourceSet sources,
                                                                   std::uint64_t version) const {
  return retirer_.adopt(
      std::make_unique<const GatewaySnapshot>(std::move(config), std::move(sources), version));
}

void LiveConfiguration::install(std::shared_ptr<const GatewaySnapshot> next) {
  std::shared_ptr<const GatewaySnapshot> previous;
  {
    std::lock_guard lock(currentMutex_);
    previous = std::exchange(current_, next);
  }
  // `previous` is released here, off the lock; its destruction, if it was the last reference,
  // only queues it for the retirer.
  for (const auto& listener : listeners_) listener(*next);
}

std::shared_ptr<const GatewaySnapshot> LiveConfiguration::current() const {
  std::lock_guard lock(currentMutex_);
  return current_;
}

void LiveConfiguration::onInstall(InstallListener listener) {
  listeners_.push_back(std::move(listener));
}

}  // namespace oncegate
