#include "engine/model_cache.h"

#include "engine/stored_model.h"
#include "store/database.h"

namespace hart {

bool is_current(const LoadedModel& loaded, const ModelRow& row) {
  return loaded.info().id == row.id && loaded.info().source_sha256 == row.source_sha256;
}

ModelCache& ModelCache::global() {
  static ModelCache cache;
  return cache;
}

std::shared_ptr<const LoadedModel> ModelCache::get(sqlite3* db, const std::string& name) {
  Database conn(db);  // borrowed: not closed here
  ModelRow row = require_model(conn, name);
  const char* file = sqlite3_db_filename(db, "main");
  std::string key = std::string(file ? file : "") + '\n' + name;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = models_.find(key);
  if (it != models_.end() && is_current(*it->second, row)) return it->second;
  auto loaded = load_stored_model(db, row);
  models_[key] = loaded;
  return loaded;
}

void ModelCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  models_.clear();
}

size_t ModelCache::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return models_.size();
}

}  // namespace hart
