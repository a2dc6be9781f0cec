// model_evaluations (schema version 9): what a model was measured at, against which
// reference, on which text. `hart compare` and compare_models() add a row each; the
// lineage of a student shows them.
#pragma once
#include <cstdint>
#include <string>

namespace hart {

class Database;

// Adds a row for `model` (measured against `reference`, may be empty) and returns its
// id; 0 without writing on a read-only database. `text_source` says where the text came
// from (the query, the file); `results_json` is a JSON object.
int64_t record_evaluation(Database& db, const std::string& model, const std::string& reference,
                          const std::string& text_source, const std::string& results_json);

}  // namespace hart
