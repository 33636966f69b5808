#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "connectors/Source.h"

namespace oncegate {

// The live sources of a configuration, by id. Built by the composition root.
class SourceSet {
 public:
  void add(std::shared_ptr<Source> source) {
    auto id = source->id();
    sources_.emplace(std::move(id), std::move(source));
  }
  Source* find(std::string_view id) const {
    auto it = sources_.find(std::string(id));
    return it == sources_.end() ? nullptr : it->second.get();
  }
  const std::unordered_map<std::string, std::shared_ptr<Source>>& all() const { return sources_; }

 private:
  std::unordered_map<std::string, std::shared_ptr<Source>> sources_;
};

}  // namespace oncegate
