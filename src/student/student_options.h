// The options of a student (student.h lists them), read from JSON and checked.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hart {

struct StudentOptions {
  std::optional<double> heads, neurons;      // fractions kept, (0, 1]
  std::string heads_by = "magnitude", neurons_by = "magnitude";
  std::optional<double> sparsity, threshold;  // [0, 1)
  int nm_n = 0, nm_m = 0;                     // N:M; 0: none
  std::string method = "magnitude";           // element scores for sparsity
  uint64_t seed = 0;
  bool sparsifies() const { return sparsity || threshold || nm_m; }
  nlohmann::ordered_json to_json() const;     // what was used, defaults included
};

// UsageError naming the key for unknown keys, wrong types and values out of range.
StudentOptions parse_student_options(const std::string& json);

}  // namespace hart
