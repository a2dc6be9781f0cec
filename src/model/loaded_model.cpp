#include "model/loaded_model.h"

#include <cstdlib>
#include <cstring>
#include <map>

#include "model/hf_adapter.h"
#include "store/database.h"
#include "store/tensor_data.h"
#include "tensor/interleave.h"
#include "util/error.h"

namespace hart {

void LoadedModel::AlignedFree::operator()(uint8_t* p) const { std::free(p); }

namespace {

uint64_t align_up(uint64_t n) { return (n + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment; }

// The chunk ids of a tensor in order: equal lists mean byte-identical tensors.
std::vector<int64_t> chunk_list(sqlite3* db, int64_t tensor_id) {
  Stmt s(db, "SELECT chunk_id FROM tensor_chunks WHERE tensor_id = ? ORDER BY ordinal");
  s.bind(1, tensor_id);
  std::vector<int64_t> ids;
  while (s.step()) ids.push_back(s.int64(0));
  return ids;
}

// The page cache (64 MiB for hart's connections) would fill with chunk pages that
// are read once and copied out, and stay resident beside the model: a load reads
// through a 1 MiB cache instead, and the connection's own size comes back after.
class SmallPageCache {
 public:
  explicit SmallPageCache(sqlite3* db) : db_(db) {
    Stmt get(db, "PRAGMA cache_size");
    saved_ = get.step() ? get.int64(0) : -2000;
    set(-1024);
  }
  ~SmallPageCache() {
    try {
      set(saved_);
      sqlite3_db_release_memory(db_);
    } catch (...) {  // a destructor must not throw; the cache size is only a tuning
    }
  }

 private:
  void set(int64_t kib_or_pages) {
    Stmt s(db_, "PRAGMA cache_size = " + std::to_string(kib_or_pages));
    s.step();
  }
  sqlite3* db_;
  int64_t saved_;
};

}  // namespace

std::shared_ptr<const LoadedModel> LoadedModel::load(sqlite3* db, const ModelRow& model) {
  SmallPageCache small_cache(db);
  auto m = std::shared_ptr<LoadedModel>(new LoadedModel());
  m->row_ = model;
  ordered_json config;
  {
    Stmt s(db, "SELECT metadata, metadata_types, config FROM models WHERE id = ?");
    s.bind(1, model.id);
    if (!s.step()) throw UsageError("model '" + model.name + "' was removed while loading");
    m->metadata_ = ordered_json::parse(s.text(0));
    m->metadata_types_ = ordered_json::parse(s.text(1));
    if (!s.is_null(2)) config = ordered_json::parse(s.text(2));
  }
  std::vector<TensorRow> rows = model_tensors(db, model.id);
  // Place each distinct tensor once; identical chunk lists share a placement.
  std::map<std::vector<int64_t>, uint64_t> placed;
  std::vector<uint64_t> offset(rows.size());
  std::vector<bool> fill(rows.size(), false);
  uint64_t total = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto [it, fresh] = placed.emplace(chunk_list(db, rows[i].id), total);
    offset[i] = it->second;
    if (fresh) {
      fill[i] = true;
      total += align_up(rows[i].n_bytes);
    }
  }
  m->buffer_bytes_ = total;
  m->buffer_.reset(static_cast<uint8_t*>(std::aligned_alloc(kTensorAlignment, std::max<uint64_t>(total, kTensorAlignment))));
  if (!m->buffer_) throw Error("model '" + model.name + "': cannot allocate " + std::to_string(total) + " bytes");
  uint8_t* base = m->buffer_.get();
  for (size_t i = 0; i < rows.size(); ++i) {
    const TensorRow& t = rows[i];
    if (fill[i]) {
      uint64_t at = offset[i];
      for_each_chunk(db, t, [&](const ChunkRef&, const uint8_t* p, size_t n) {
        std::memcpy(base + at, p, n);
        at += n;
      });
    }
    m->by_name_[t.name] = m->tensors_.size();
    m->tensors_.push_back({t.name, t.dtype, t.shape, t.n_elements, base + offset[i], t.n_bytes});
  }
  if (config.is_object()) m->adapt_hugging_face(config);
  m->interleave_matrices();
  return m;
}

void LoadedModel::interleave_matrices() {
  std::map<const uint8_t*, bool> done;  // tensors sharing a placement are re-laid once
  for (TensorView& t : tensors_) {
    if (t.shape.size() != 2 || !tensor::interleave_pays(t.dtype, t.rows(), t.cols())) continue;
    if (!done[t.data]) tensor::interleave(t.dtype, const_cast<uint8_t*>(t.data), t.rows(), t.cols());
    done[t.data] = t.interleaved = true;
  }
}

void LoadedModel::adapt_hugging_face(const ordered_json& config) {
  std::optional<HfAdaptation> plan = plan_hf_adaptation(row_.name, row_.architecture, config, tensors_);
  if (!plan) return;
  for (auto& [key, value] : plan->metadata.items()) {
    metadata_[key] = value;
    metadata_types_[key] = value.is_number_integer() ? "u32" : "f32";
  }
  for (size_t i : plan->transpose) {
    TensorView& t = tensors_[i];
    const DTypeInfo& info = dtype_info(t.dtype);
    if (t.shape.size() != 2 || info.block_elems != 1)
      throw Error("model '" + row_.name + "': tensor '" + t.name + "' (" + info.name +
                  ") cannot be transposed from Hugging Face's Conv1D layout");
    const uint64_t in = t.shape[0], out = t.shape[1], size = info.block_bytes;
    std::unique_ptr<uint8_t, AlignedFree> copy(static_cast<uint8_t*>(
        std::aligned_alloc(kTensorAlignment, std::max<uint64_t>((t.n_bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment, kTensorAlignment))));
    if (!copy) throw Error("model '" + row_.name + "': out of memory transposing '" + t.name + "'");
    for (uint64_t r = 0; r < in; ++r)
      for (uint64_t c = 0; c < out; ++c) std::memcpy(copy.get() + (c * in + r) * size, t.data + (r * out + c) * size, size);
    t.data = copy.get();
    t.shape = {out, in};
    adapted_.push_back(std::move(copy));
  }
  for (auto& [i, name] : plan->renames) {
    by_name_.erase(tensors_[i].name);
    tensors_[i].name = name;
    by_name_[name] = i;
  }
}

const TensorView* LoadedModel::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &tensors_[it->second];
}

const TensorView& LoadedModel::require(const std::string& name) const {
  if (const TensorView* t = find(name)) return *t;
  throw Error("model '" + row_.name + "' (" + row_.architecture + ") has no tensor '" + name + "'");
}

std::optional<int64_t> LoadedModel::meta_int(const std::string& key) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end() || !it->is_number()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<double> LoadedModel::meta_float(const std::string& key) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<std::string> LoadedModel::meta_string(const std::string& key) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

int64_t LoadedModel::require_int(const std::string& key) const {
  if (auto v = meta_int(key)) return *v;
  throw Error("model '" + row_.name + "' lacks metadata key '" + key + "' (needed by the " + row_.architecture +
              " architecture)");
}

}  // namespace hart

namespace hart {

const Tokenizer& LoadedModel::tokenizer() const {
  std::call_once(tokenizer_once_, [this] {
    if (!metadata_.contains("tokenizer.ggml.model"))
      throw Error("model '" + row_.name + "' carries no tokenizer (no tokenizer.ggml.* metadata)");
    tokenizer_ = std::make_shared<const Tokenizer>(metadata_, metadata_types_);
  });
  return *tokenizer_;
}

}  // namespace hart
