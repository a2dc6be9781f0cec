// Loaded models kept per process, keyed by name. Each lookup checks the database
// row, so a model that was removed is an error and one that was replaced (same
// name, another id or file) is loaded again.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "model/loaded_model.h"
#include "store/sqlite_api.h"

namespace hart {

struct ModelRow;

// Whether `loaded` is still what `row` stores: the same row and source file. A model
// re-ingested under its name (a new row or another file) is not.
bool is_current(const LoadedModel& loaded, const ModelRow& row);

class ModelCache {
 public:
  static ModelCache& global();
  // The model named `name` in database `db`, loaded on first use.
  std::shared_ptr<const LoadedModel> get(sqlite3* db, const std::string& name);
  void clear();
  size_t size();

 private:
  std::mutex mutex_;
  // Keyed by database file + model name.
  std::unordered_map<std::string, std::shared_ptr<const LoadedModel>> models_;
};

}  // namespace hart
