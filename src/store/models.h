// The model catalog: find, list and remove stored models.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hart {

class Database;

struct ModelRow {
  int64_t id = 0;
  // source_sha256, source_path empty and source_size 0: the model was not read from a
  // file (store/model_writer.h wrote it from tensors or from another model's chunks).
  std::string name, architecture, format, source_sha256, source_path, created_at;
  int64_t format_version = 0, alignment = 0, source_size = 0;
  int64_t parameter_count = 0, n_tensors = 0, n_bytes = 0;
  int64_t parent_id = 0;   // the model this one was derived from; 0: none, or removed since
  std::string derivation;  // JSON object saying how it was derived; empty for none
  bool has_source() const { return !source_sha256.empty(); }
};

std::optional<ModelRow> find_model(Database& db, std::string_view name);
std::optional<ModelRow> find_model_by_sha256(Database& db, std::string_view sha256_hex);
// Like find_model, but a missing model is a UsageError that lists the stored ones.
ModelRow require_model(Database& db, std::string_view name);
std::vector<ModelRow> list_models(Database& db);

struct RemoveReport {
  int64_t chunks_freed = 0;  // chunks no other model used, now deleted
  int64_t bytes_freed = 0;
};

// Deletes the model, its tensors and chunk references in one transaction; chunks
// whose reference count falls to zero go with them (schema triggers).
RemoveReport remove_model(Database& db, std::string_view name);

}  // namespace hart
