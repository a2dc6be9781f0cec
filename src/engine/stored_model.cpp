#include "engine/stored_model.h"

#include <cstring>

#include "formats/metadata_json.h"
#include "store/model_parts.h"

namespace hart {

ModelInfo model_info(const ModelRow& row) { return {row.id, row.name, row.architecture, row.source_sha256}; }

std::shared_ptr<const LoadedModel> load_stored_model(sqlite3* db, const ModelRow& model) {
  SmallPageCache small_cache(db);
  StoredModelParts parts = read_model_parts(db, model);
  ModelContents c;
  c.info = model_info(model);
  c.metadata_types = ordered_json::parse(parts.metadata_types);
  c.metadata = metadata_from_json(parts.metadata, c.metadata_types);
  if (!parts.config.empty()) c.config = ordered_json::parse(parts.config);
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
