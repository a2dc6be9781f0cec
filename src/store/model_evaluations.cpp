#include "store/model_evaluations.h"

#include "store/database.h"
#include "store/models.h"

namespace hart {

int64_t record_evaluation(Database& db, const std::string& model, const std::string& reference,
                          const std::string& text_source, const std::string& results_json) {
  if (db.read_only()) return 0;
  const ModelRow m = require_model(db, model);
  Stmt s = db.prepare("INSERT INTO model_evaluations(model_id, reference_id, text_query, results) "
                      "VALUES(?, (SELECT id FROM models WHERE name = ?), ?, ?)");
  s.bind(1, m.id).bind(2, reference).bind(4, results_json);
  if (text_source.empty()) s.bind_null(3); else s.bind(3, text_source);
  s.run();
  return db.last_insert_rowid();
}

}  // namespace hart
