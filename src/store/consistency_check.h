// `hart check`: SQLite's own checks (integrity_check, foreign_key_check) and the
// invariants the schema's triggers and the model writer keep (ARCHITECTURE.md, "The
// schema"): reference counts equal their references, every chunk holds its stated
// bytes and they hash to its SHA-256, every tensor chunk has its zone map, tensors and
// models add up to their parts, the full-text index holds the atoms with text. Each
// check is one query listing the rows that break it (the hashes are computed here);
// nothing is written.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.h"

namespace hart {

struct ConsistencyFinding {
  std::string check;    // the check that found it, e.g. "chunk_refcount"
  std::string problem;  // what is wrong, naming the rows by id
};

struct ConsistencyCheckResult {
  std::string name;         // e.g. "chunk_refcount"
  std::string description;  // what it verifies, one line
  int64_t problems = 0;     // rows that break it (all counted; findings keep the first few)
};

struct ConsistencyReport {
  std::vector<ConsistencyCheckResult> checks;  // every check, in the order run
  std::vector<ConsistencyFinding> findings;    // at most max_findings_per_check per check
  bool ok() const;  // no check found a problem
};

// Runs every check on `db` (read only). A check whose query itself fails (a damaged
// file) is a finding of that check, and the others still run.
ConsistencyReport check_consistency(Database& db, size_t max_findings_per_check = 100);

}  // namespace hart
