// The queries behind `hart extract`'s convenience flags. Each is an ordinary query
// over `tensors` (and `layer_scores`), recorded as the student's query, so the
// lineage shows exactly what was kept.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.h"

namespace hart {

struct LayerChoice {
  std::vector<int64_t> layers;  // keep these blocks; empty: see drop
  int64_t drop = 0;             // drop this many blocks...
  std::string by = "influence";  // ...of lowest influence, or the "last" ones
};

// Every tensor of `parent` (no flag), or those of the chosen blocks and all tensors
// outside blocks. UsageError for a layer listed twice or out of range, a drop of
// every layer or none, an unknown `by`, or influence scores not yet computed.
std::string student_query(Database& db, const std::string& parent, const LayerChoice& choice);

// `text` as an SQL string literal.
std::string sql_literal(const std::string& text);

}  // namespace hart
