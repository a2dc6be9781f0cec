#include "store/model_parts.h"

#include "store/database.h"
#include "util/error.h"

namespace hart {

namespace {

// The chunk ids of a tensor in order: equal lists mean byte-identical tensors.
std::string chunk_list_key(sqlite3* db, int64_t tensor_id) {
  Stmt s(db, "SELECT chunk_id FROM tensor_chunks WHERE tensor_id = ? ORDER BY ordinal");
  s.bind(1, tensor_id);
  std::string key;
  while (s.step()) key += std::to_string(s.int64(0)) + ',';
  return key;
}

}  // namespace

StoredModelParts read_model_parts(sqlite3* db, const ModelRow& model) {
  StoredModelParts parts;
  {
    Stmt s(db, "SELECT metadata, metadata_types, config FROM models WHERE id = ?");
    s.bind(1, model.id);
    if (!s.step()) throw UsageError("model '" + model.name + "' was removed while loading");
    parts.metadata = s.text(0);
    parts.metadata_types = s.text(1);
    if (!s.is_null(2)) parts.config = s.text(2);
  }
  parts.tensors = model_tensors(db, model.id);
  for (const TensorRow& t : parts.tensors) parts.share_keys.push_back(chunk_list_key(db, t.id));
  return parts;
}

SmallPageCache::SmallPageCache(sqlite3* db) : db_(db) {
  Stmt get(db, "PRAGMA cache_size");
  saved_ = get.step() ? get.int64(0) : -2000;
  set(-1024);
}

SmallPageCache::~SmallPageCache() {
  try {
    set(saved_);
    sqlite3_db_release_memory(db_);
  } catch (...) {  // a destructor must not throw; the cache size is only a tuning
  }
}

void SmallPageCache::set(int64_t kib_or_pages) {
  Stmt s(db_, "PRAGMA cache_size = " + std::to_string(kib_or_pages));
  s.step();
}

}  // namespace hart
