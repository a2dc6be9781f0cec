#include "engine/stored_model.h"

#include <cstring>

#include "formats/metadata_json.h"
#include "store/model_parts.h"
#include "tokenizer/hf_tokenizer.h"
#include "util/error.h"

namespace hart {

namespace {

// models.config holds config.json and, for a safetensors model whose folder had
// them, its tokenizer files: those become the tokenizer.ggml.* metadata (and
// tokenizer.chat_template) a GGUF would carry, in memory only.
void read_config(const std::string& stored, const std::string& model, ModelContents& c) {
  if (stored.empty()) return;
  auto config = nlohmann::json::parse(stored);
  if (auto it = config.find(kHfTokenizerKey); it != config.end()) {
    if (!c.metadata.contains("tokenizer.ggml.model")) {
      const nlohmann::json& files = *it;
      tokenizer::HfTokenizerMetadata t;
      try {
        t = tokenizer::metadata_from_hugging_face(files.value("tokenizer.json", nlohmann::json()),
                                                  files.value("tokenizer_config.json", nlohmann::json()));
      } catch (const FormatError& e) {
        throw FormatError("model '" + model + "': " + e.what());
      }
      for (auto& [key, value] : t.metadata.items()) {
        c.metadata[key] = std::move(value);
        c.metadata_types[key] = t.types[key];
      }
    }
    config.erase(it);
  }
  if (!config.empty()) c.config = ordered_json::parse(config.dump());
}

}  // namespace

ModelInfo model_info(const ModelRow& row) { return {row.id, row.name, row.architecture, row.source_sha256}; }

std::shared_ptr<const LoadedModel> load_stored_model(sqlite3* db, const ModelRow& model) {
  SmallPageCache small_cache(db);
  StoredModelParts parts = read_model_parts(db, model);
  ModelContents c;
  c.info = model_info(model);
  c.metadata_types = ordered_json::parse(parts.metadata_types);
  c.metadata = metadata_from_json(parts.metadata, c.metadata_types);
  read_config(parts.config, model.name, c);
  for (size_t i = 0; i < parts.tensors.size(); ++i) {
    const TensorRow& t = parts.tensors[i];
    c.tensors.push_back({t.name, t.dtype, t.shape, t.n_elements, t.n_bytes, parts.share_keys[i], [db, t](uint8_t* dst) {
                           for_each_chunk(db, t, [&](const ChunkRef&, const uint8_t* p, size_t n) {
                             std::memcpy(dst, p, n);
                             dst += n;
                           });
                         }});
  }
  return LoadedModel::build(std::move(c));
}

}  // namespace hart
