// A stored model made runnable: the store's rows and chunks poured into a
// LoadedModel. Where the engine meets the store; model/ itself has no SQL.
#pragma once
#include <memory>

#include "model/loaded_model.h"
#include "store/models.h"
#include "store/sqlite_api.h"

namespace hart {

ModelInfo model_info(const ModelRow& row);

// Reads every tensor of `model` from the database. Throws Error naming the model
// if a chunk is missing or damaged.
std::shared_ptr<const LoadedModel> load_stored_model(sqlite3* db, const ModelRow& model);

}  // namespace hart
