// What a runnable model needs from the database, read in one place: the metadata
// texts and each tensor with a key that is equal for byte-identical tensors (equal
// chunk lists). engine/stored_model.h turns it into a LoadedModel.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/models.h"
#include "store/sqlite_api.h"
#include "store/tensor_data.h"

namespace hart {

// The key of models.config under which a safetensors model's Hugging Face tokenizer
// files are kept: {"tokenizer.json": {...}, "tokenizer_config.json": {...}} (the
// second when the folder had one). Beside config.json's own keys, which never start
// with "hart.".
inline constexpr const char* kHfTokenizerKey = "hart.tokenizer";

struct StoredModelParts {
  std::string metadata, metadata_types;  // JSON objects
  std::string config;                    // a Hugging Face config.json (+ kHfTokenizerKey), or empty
  std::vector<TensorRow> tensors;        // in file order
  std::vector<std::string> share_keys;   // one per tensor: its chunk ids
};

// Throws UsageError when the model was removed since `model` was read.
StoredModelParts read_model_parts(sqlite3* db, const ModelRow& model);

// The page cache (64 MiB for hart's connections) would fill with chunk pages that
// are read once and copied out, and stay resident beside the model: a load reads
// through a 1 MiB cache instead, and the connection's own size comes back after.
class SmallPageCache {
 public:
  explicit SmallPageCache(sqlite3* db);
  ~SmallPageCache();
  SmallPageCache(const SmallPageCache&) = delete;
  SmallPageCache& operator=(const SmallPageCache&) = delete;

 private:
  void set(int64_t kib_or_pages);
  sqlite3* db_;
  int64_t saved_;
};

}  // namespace hart
