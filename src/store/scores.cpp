#include "store/scores.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "store/database.h"
#include "util/error.h"

namespace hart {

bool is_score_method(std::string_view method) {
  return std::any_of(std::begin(kScoreMethods), std::end(kScoreMethods), [&](const char* m) { return method == m; });
}

void require_score_method(std::string_view method) {
  if (!is_score_method(method))
    throw UsageError("unknown importance method '" + std::string(method) + "' (known: magnitude, wanda, influence)");
}

const char* score_unit_name(ScoreUnit unit) {
  switch (unit) {
    case ScoreUnit::kLayer: return "layer";
    case ScoreUnit::kHead: return "head";
    case ScoreUnit::kNeuron: return "neuron";
  }
  return "?";
}

std::optional<ScoreSetRow> find_score_set(sqlite3* db, int64_t model_id, std::string_view method) {
  Stmt s(db, "SELECT id, model_id, method, coalesce(calibration, ''), calibration_tokens, options, created_at "
             "FROM score_sets WHERE model_id = ? AND method = ?");
  s.bind(1, model_id).bind(2, method);
  if (!s.step()) return std::nullopt;
  return ScoreSetRow{s.int64(0), s.int64(1), s.int64(4), s.text(2), s.text(3), s.text(5), s.text(6)};
}

std::vector<UnitScore> read_unit_scores(sqlite3* db, int64_t set_id, ScoreUnit unit) {
  Stmt s(db, "SELECT layer, idx, score FROM unit_scores WHERE score_set_id = ? AND unit = ? ORDER BY layer, idx");
  s.bind(1, set_id).bind(2, std::string_view(score_unit_name(unit)));
  std::vector<UnitScore> out;
  while (s.step()) out.push_back({s.int64(0), s.int64(1), s.real(2)});
  return out;
}

std::optional<std::vector<float>> read_tensor_scores(sqlite3* db, int64_t set_id, const TensorRow& tensor) {
  Stmt s(db, "SELECT elem_start, elem_count, scores FROM score_chunks WHERE score_set_id = ? AND tensor_id = ? "
             "ORDER BY ordinal");
  s.bind(1, set_id).bind(2, tensor.id);
  std::vector<float> out;
  bool any = false;
  while (s.step()) {
    any = true;
    const auto start = static_cast<uint64_t>(s.int64(0)), count = static_cast<uint64_t>(s.int64(1));
    if (start != out.size() || s.bytes(2) != count * sizeof(float) || start + count > tensor.n_elements)
      throw Error("score set " + std::to_string(set_id) + ": the scores of tensor '" + tensor.name +
                  "' do not cover its elements in order (chunk at element " + std::to_string(start) + ")");
    out.resize(start + count);
    std::memcpy(out.data() + start, s.blob(2), count * sizeof(float));
  }
  if (!any) return std::nullopt;
  if (out.size() != tensor.n_elements)
    throw Error("score set " + std::to_string(set_id) + ": tensor '" + tensor.name + "' has " +
                std::to_string(out.size()) + " scores for " + std::to_string(tensor.n_elements) + " elements");
  return out;
}

ScoreSetWriter::ScoreSetWriter(Database& db, int64_t model_id, std::string method, std::string calibration,
                               int64_t calibration_tokens, std::string options_json)
    : db_(db) {
  require_score_method(method);
  db_.exec("BEGIN IMMEDIATE");
  open_ = true;
  try {
    Stmt del = db_.prepare("DELETE FROM score_sets WHERE model_id = ? AND method = ?");
    del.bind(1, model_id).bind(2, method).run();
    Stmt ins = db_.prepare("INSERT INTO score_sets(model_id, method, calibration, calibration_tokens, options) "
                           "VALUES(?, ?, ?, ?, ?)");
    ins.bind(1, model_id).bind(2, method).bind(4, calibration_tokens).bind(5, options_json);
    if (calibration.empty()) ins.bind_null(3); else ins.bind(3, calibration);
    ins.run();
    set_id_ = db_.last_insert_rowid();
  } catch (...) {
    db_.exec("ROLLBACK");
    open_ = false;
    throw;
  }
}

ScoreSetWriter::~ScoreSetWriter() {
  if (open_) {
    try { db_.exec("ROLLBACK"); } catch (...) {}
  }
}

void ScoreSetWriter::add_tensor_scores(const TensorRow& tensor, std::span<const float> scores) {
  if (scores.size() != tensor.n_elements)
    throw Error("scores of tensor '" + tensor.name + "': " + std::to_string(scores.size()) + " for " +
                std::to_string(tensor.n_elements) + " elements");
  float max = 0;
  for (float v : scores)
    if (v > max) max = v;  // NaN compares false: skipped
  const float scale = max > 0 ? 1.0f / max : 0.0f;
  Stmt chunks = db_.prepare("SELECT ordinal, elem_start, elem_count FROM tensor_chunks WHERE tensor_id = ? ORDER BY ordinal");
  chunks.bind(1, tensor.id);
  Stmt ins = db_.prepare("INSERT INTO score_chunks(score_set_id, tensor_id, ordinal, elem_start, elem_count, imp_min, "
                         "imp_max, scores) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  std::vector<float> part;
  while (chunks.step()) {
    const auto start = static_cast<uint64_t>(chunks.int64(1)), count = static_cast<uint64_t>(chunks.int64(2));
    if (start + count > scores.size()) throw Error("tensor '" + tensor.name + "': a chunk lies past its elements");
    part.assign(scores.begin() + start, scores.begin() + start + count);
    float lo = INFINITY, hi = -INFINITY;
    for (float& v : part) {
      v *= scale;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    ins.bind(1, set_id_).bind(2, tensor.id).bind(3, chunks.int64(0)).bind(4, static_cast<int64_t>(start));
    ins.bind(5, static_cast<int64_t>(count)).bind_blob(8, part.data(), part.size() * sizeof(float));
    if (lo <= hi) ins.bind(6, static_cast<double>(lo)).bind(7, static_cast<double>(hi));
    else ins.bind_null(6).bind_null(7);
    ins.run();
  }
}

void ScoreSetWriter::add_unit(ScoreUnit unit, int64_t layer, int64_t idx, double score) {
  if (!insert_unit_)
    insert_unit_.emplace(db_.prepare("INSERT INTO unit_scores(score_set_id, unit, layer, idx, score) VALUES(?, ?, ?, ?, ?)"));
  Stmt& ins = *insert_unit_;
  ins.bind(1, set_id_).bind(2, std::string_view(score_unit_name(unit))).bind(3, layer).bind(4, idx);
  ins.bind(5, std::isfinite(score) ? score : 0.0).run();
}

int64_t ScoreSetWriter::commit() {
  insert_unit_.reset();
  db_.exec("COMMIT");
  open_ = false;
  return set_id_;
}

}  // namespace hart
