// A stored model made runnable: every tensor's bytes copied from its chunks into
// one 64-byte-aligned buffer (quantized blocks stay quantized), plus the model's
// metadata. Tensors whose chunk lists are identical (a tied output matrix that
// repeats the embedding) share one copy. Q8_0/Q4_0 matrices are re-laid in place
// for the AVX-512 kernels when this CPU runs them (TensorView::interleaved; read
// rows with model/ops.h, which knows the layout).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "formats/dtype.h"
#include "formats/model_file.h"
#include "store/models.h"
#include "store/sqlite_api.h"
#include "tokenizer/tokenizer.h"

namespace hart {

inline constexpr size_t kTensorAlignment = 64;  // a cache line; enough for AVX-512 loads

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<uint64_t> shape;  // outermost first: a [rows, cols] matrix has rows of cols elements
  uint64_t n_elements = 0;
  const uint8_t* data = nullptr;  // kTensorAlignment-aligned
  uint64_t n_bytes = 0;
  bool interleaved = false;  // Q8_0/Q4_0 re-laid for the AVX-512 kernels (tensor/interleave.h)

  uint64_t rows() const { return shape.size() >= 2 ? n_elements / shape.back() : 1; }
  uint64_t cols() const { return shape.empty() ? 0 : shape.back(); }
};

class LoadedModel {
 public:
  // Reads every tensor of `model` from the database. Throws Error naming the model
  // if a chunk is missing or damaged.
  static std::shared_ptr<const LoadedModel> load(sqlite3* db, const ModelRow& model);

  const ModelRow& row() const { return row_; }
  const ordered_json& metadata() const { return metadata_; }
  const ordered_json& metadata_types() const { return metadata_types_; }
  const std::string& architecture() const { return row_.architecture; }

  const TensorView* find(const std::string& name) const;
  // Like find, but a missing tensor is an Error naming it and the model.
  const TensorView& require(const std::string& name) const;
  const std::vector<TensorView>& tensors() const { return tensors_; }
  uint64_t resident_bytes() const { return buffer_bytes_; }  // after sharing identical tensors

  // Typed metadata lookups; a missing key returns the fallback (or throws for require_*).
  std::optional<int64_t> meta_int(const std::string& key) const;
  std::optional<double> meta_float(const std::string& key) const;
  std::optional<std::string> meta_string(const std::string& key) const;
  int64_t require_int(const std::string& key) const;

  // The model's own tokenizer (tokenizer.ggml.* metadata), built on first use.
  // Throws Error when the model has none or it is of an unsupported kind.
  const Tokenizer& tokenizer() const;

 private:
  struct AlignedFree {
    void operator()(uint8_t* p) const;
  };
  ModelRow row_;
  ordered_json metadata_, metadata_types_;
  std::vector<TensorView> tensors_;
  std::unordered_map<std::string, size_t> by_name_;
  std::unique_ptr<uint8_t, AlignedFree> buffer_;
  uint64_t buffer_bytes_ = 0;
  std::vector<std::unique_ptr<uint8_t, AlignedFree>> adapted_;  // transposed copies (Hugging Face Conv1D)
  void adapt_hugging_face(const ordered_json& config);
  void interleave_matrices();
  mutable std::once_flag tokenizer_once_;
  mutable std::shared_ptr<const Tokenizer> tokenizer_;
};

}  // namespace hart
