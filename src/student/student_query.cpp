#include "student/student_query.h"

#include <set>

#include "store/model_parts.h"
#include "store/models.h"
#include "store/scores.h"
#include "student/llama_shape.h"
#include "util/error.h"

namespace hart {

std::string sql_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string student_query(Database& db, const std::string& parent, const LayerChoice& choice) {
  const ModelRow row = require_model(db, parent);
  const std::string all = "SELECT id, name FROM tensors WHERE model_id = (SELECT id FROM models WHERE name = " +
                          sql_literal(parent) + ")";
  if (choice.layers.empty() && choice.drop == 0) return all;
  const LlamaShape shape =
      llama_shape(parent, row.architecture, ordered_json::parse(read_model_parts(db.handle(), row).metadata));
  if (!choice.layers.empty()) {
    if (choice.drop) throw UsageError("choose layers to keep or a number to drop, not both");
    std::set<int64_t> seen;
    std::string list;
    for (int64_t l : choice.layers) {
      if (l < 0 || l >= shape.n_layer)
        throw UsageError("layer " + std::to_string(l) + " does not exist: '" + parent + "' has layers 0.." +
                         std::to_string(shape.n_layer - 1));
      if (!seen.insert(l).second) throw UsageError("layer " + std::to_string(l) + " is listed twice");
      list += (list.empty() ? "" : ", ") + std::to_string(l);
    }
    return all + " AND (layer IS NULL OR layer IN (" + list + "))";
  }
  if (choice.drop < 1 || choice.drop >= shape.n_layer)
    throw UsageError("cannot drop " + std::to_string(choice.drop) + " of " + std::to_string(shape.n_layer) +
                     " layers: drop at least 1 and keep at least 1");
  if (choice.by == "last")
    return all + " AND (layer IS NULL OR layer < " + std::to_string(shape.n_layer - choice.drop) + ")";
  if (choice.by != "influence")
    throw UsageError("layers are dropped --by influence or --by last, not '" + choice.by + "'");
  if (!find_score_set(db.handle(), row.id, "influence"))
    throw UsageError("'" + parent + "' has no influence scores: run `hart importance FILE " + parent +
                     " --method influence --calibration \"SELECT ...\"` first");
  return all + " AND (layer IS NULL OR layer NOT IN (SELECT layer FROM layer_scores WHERE model = " +
         sql_literal(parent) + " AND method = 'influence' ORDER BY score, layer LIMIT " + std::to_string(choice.drop) +
         "))";
}

}  // namespace hart
