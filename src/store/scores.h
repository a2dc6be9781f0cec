// Importance scores in the database (schema version 9): score sets (one method run
// on one model), element scores cut like the weights they score, and the unit
// summaries (layer, head, neuron) students are chosen by. What the numbers mean is
// decided above the store (student/importance.h); here they are rows.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "store/sqlite_api.h"
#include "store/tensor_data.h"

namespace hart {

// The methods a score set may have (the schema's CHECK says the same).
inline constexpr const char* kScoreMethods[] = {"magnitude", "wanda", "influence"};
bool is_score_method(std::string_view method);
// UsageError naming the methods when `method` is not one.
void require_score_method(std::string_view method);

struct ScoreSetRow {
  int64_t id = 0, model_id = 0, calibration_tokens = 0;
  std::string method, calibration, options, created_at;  // calibration: "" when none
};

std::optional<ScoreSetRow> find_score_set(sqlite3* db, int64_t model_id, std::string_view method);

enum class ScoreUnit { kLayer, kHead, kNeuron };
const char* score_unit_name(ScoreUnit unit);

struct UnitScore {
  int64_t layer = 0, idx = 0;
  double score = 0;
};
// A set's scores of one kind of unit, ordered by layer then idx.
std::vector<UnitScore> read_unit_scores(sqlite3* db, int64_t set_id, ScoreUnit unit);

// A tensor's stored element scores (normalised: the tensor's largest is 1), or
// nullopt when the set has none for it. Throws Error when the stored chunks do not
// cover the tensor exactly.
std::optional<std::vector<float>> read_tensor_scores(sqlite3* db, int64_t set_id, const TensorRow& tensor);

// Writes one score set in one transaction, replacing the model's set of the same
// method when commit() runs; nothing is visible before, nothing is left if dropped.
class ScoreSetWriter {
 public:
  ScoreSetWriter(Database& db, int64_t model_id, std::string method, std::string calibration,
                 int64_t calibration_tokens, std::string options_json);
  ~ScoreSetWriter();
  ScoreSetWriter(const ScoreSetWriter&) = delete;
  ScoreSetWriter& operator=(const ScoreSetWriter&) = delete;

  // Element scores of one tensor of the model (n_elements of them, any scale, >= 0):
  // normalised by their maximum and cut along the tensor's chunks.
  void add_tensor_scores(const TensorRow& tensor, std::span<const float> scores);
  void add_unit(ScoreUnit unit, int64_t layer, int64_t idx, double score);
  int64_t commit();  // the new set's id

 private:
  Database& db_;
  std::optional<Stmt> insert_unit_;  // prepared on the first add_unit
  int64_t set_id_ = 0;
  bool open_ = false;
};

}  // namespace hart
