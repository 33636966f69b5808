#pragma once

#include <string>
#include <vector>

namespace oncegate {

class Field;
class SourceSet;
struct Configuration;

// Before a change to a dataset or a field takes effect: asks each dataset's source for its
// query's column names (a describe-only query, every parameter NULL, no row fetched) and finds
// the fields whose column is not among them. A source that cannot be asked (down, or refusing the
// query) is passed over: a change is not held hostage to a database being down, and a dry run
// shows the driver's words. Blocks up to each source's timeout: run it off the I/O threads.
class FieldColumnCheck {
 public:
  struct Outcome {
    // One "location: field 'f': ..." line per field whose column is missing.
    std::vector<std::string> problems;
    // Datasets whose source could not be asked, so their fields were not checked.
    std::vector<std::string> unchecked;
  };

  static Outcome run(const Configuration& config, const SourceSet& sources,
                     const std::vector<const Field*>& fields);
};

}  // namespace oncegate
