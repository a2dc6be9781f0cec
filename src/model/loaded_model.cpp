#include "model/loaded_model.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "model/hf_adapter.h"
#include "formats/model_reader.h"
#include "tensor/interleave.h"
#include "util/error.h"
#include "util/mapped_file.h"

namespace hart {

void LoadedModel::AlignedFree::operator()(uint8_t* p) const { std::free(p); }

namespace {

uint64_t align_up(uint64_t n) { return (n + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment; }

}  // namespace

std::shared_ptr<const LoadedModel> LoadedModel::build(ModelContents contents) {
  auto m = std::shared_ptr<LoadedModel>(new LoadedModel());
  m->info_ = std::move(contents.info);
  m->metadata_ = std::move(contents.metadata);
  m->metadata_types_ = std::move(contents.metadata_types);
  std::vector<TensorSource>& sources = contents.tensors;
  // Place each distinct tensor once; equal share keys share a placement.
  std::map<std::string, uint64_t> placed;
  std::vector<uint64_t> offset(sources.size());
  std::vector<bool> fill(sources.size(), false);
  uint64_t total = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i].share_key.empty()) {
      auto [it, fresh] = placed.emplace(sources[i].share_key, total);
      offset[i] = it->second;
      if (!fresh) continue;
    } else {
      offset[i] = total;
    }
    fill[i] = true;
    total += align_up(sources[i].n_bytes);
  }
  m->buffer_bytes_ = total;
  m->buffer_.reset(static_cast<uint8_t*>(std::aligned_alloc(kTensorAlignment, std::max<uint64_t>(total, kTensorAlignment))));
  if (!m->buffer_) throw Error("model '" + m->info_.name + "': cannot allocate " + std::to_string(total) + " bytes");
  uint8_t* base = m->buffer_.get();
  for (size_t i = 0; i < sources.size(); ++i) {
    TensorSource& t = sources[i];
    if (fill[i]) t.fill(base + offset[i]);
    m->by_name_[t.name] = m->tensors_.size();
    m->tensors_.push_back({t.name, t.dtype, t.shape, t.n_elements, base + offset[i], t.n_bytes});
  }
  if (contents.config.is_object()) m->adapt_hugging_face(contents.config);
  m->interleave_matrices();
  return m;
}

std::shared_ptr<const LoadedModel> LoadedModel::from_file(const std::string& path, const std::string& name,
                                                           const std::string& config_json) {
  const MappedFile file(path);  // outlives build(), which runs every fill
  const ModelFile parsed = read_model_file(file.data(), file.size(), path);
  ModelContents c;
  c.info.name = name;
  c.info.architecture = parsed.architecture;
  c.metadata = parsed.metadata;
  c.metadata_types = parsed.metadata_types;
  if (!config_json.empty()) {
    c.config = ordered_json::parse(config_json, nullptr, false);
    if (c.config.is_discarded() || !c.config.is_object()) throw FormatError(path + ": the config is not a JSON object");
  }
  for (const TensorInfo& t : parsed.tensors) {
    const uint8_t* src = file.data() + parsed.data_offset + t.offset;  // ranges checked by the reader
    const uint64_t n = t.n_bytes;
    c.tensors.push_back({t.name, t.dtype, t.shape, t.n_elements, n, "", [src, n](uint8_t* dst) { std::memcpy(dst, src, n); }});
  }
  return build(std::move(c));
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
  std::optional<HfAdaptation> plan = plan_hf_adaptation(info_.name, info_.architecture, config, tensors_);
  if (!plan) return;
  for (auto& [key, value] : plan->metadata.items()) {
    metadata_[key] = value;
    metadata_types_[key] = value.is_number_integer() ? "u32" : "f32";
  }
  for (size_t i : plan->transpose) {
    TensorView& t = tensors_[i];
    const DTypeInfo& info = dtype_info(t.dtype);
    if (t.shape.size() != 2 || info.block_elems != 1)
      throw Error("model '" + info_.name + "': tensor '" + t.name + "' (" + info.name +
                  ") cannot be transposed from Hugging Face's Conv1D layout");
    const uint64_t in = t.shape[0], out = t.shape[1], size = info.block_bytes;
    std::unique_ptr<uint8_t, AlignedFree> copy(static_cast<uint8_t*>(
        std::aligned_alloc(kTensorAlignment, std::max<uint64_t>(align_up(t.n_bytes), kTensorAlignment))));
    if (!copy) throw Error("model '" + info_.name + "': out of memory transposing '" + t.name + "'");
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
  throw Error("model '" + info_.name + "' (" + info_.architecture + ") has no tensor '" + name + "'");
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
  throw Error("model '" + info_.name + "' lacks metadata key '" + key + "' (needed by the " + info_.architecture +
              " architecture)");
}

double LoadedModel::meta_float_bounded(const std::string& key, double fallback, FloatBound bound) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end()) return fallback;
  // A NaN in a file's metadata is stored as JSON null: refused here, not defaulted.
  const double x = it->is_number() ? it->get<double>() : std::nan("");
  const bool ok = std::isfinite(x) && (bound == FloatBound::kPositive ? x > 0 : x >= 0);
  if (ok) return x;
  std::string shown = it->is_null() ? "null (NaN or infinity in the file)" : it->dump();
  if (it->is_number()) {
    char text[64];
    shown.assign(text, std::to_chars(text, text + sizeof text, x).ptr);
  }
  throw Error("model '" + info_.name + "': metadata " + key + " is " + shown + ", but the " + info_.architecture +
              " architecture needs a finite number " + (bound == FloatBound::kPositive ? "> 0" : ">= 0") +
              " there (the model file is damaged or mislabelled; correct the value and ingest the file again)");
}

}  // namespace hart

namespace hart {

const Tokenizer& LoadedModel::tokenizer() const {
  std::call_once(tokenizer_once_, [this] {
    if (!metadata_.contains("tokenizer.ggml.model"))
      throw Error("model '" + info_.name + "' carries no tokenizer (no tokenizer.ggml.* metadata)");
    tokenizer_ = std::make_shared<const Tokenizer>(metadata_, metadata_types_);
  });
  return *tokenizer_;
}

}  // namespace hart
