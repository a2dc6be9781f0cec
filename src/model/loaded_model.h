// A model made runnable: every tensor's bytes copied into one 64-byte-aligned
// buffer (quantized blocks stay quantized), plus the model's metadata. It knows
// nothing of where the bytes come from: a model file (from_file), or a stored model
// (engine/stored_model.h fills it from the database's chunks). Tensors with equal
// share keys (a tied output matrix that repeats the embedding) share one copy. Q8_0/Q4_0 matrices are re-laid in place
// for the SIMD kernels when this CPU runs them (TensorView::interleaved; read
// rows with model/ops.h, which knows the layout).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "formats/dtype.h"
#include "formats/model_file.h"
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
  bool interleaved = false;  // Q8_0/Q4_0 re-laid for the SIMD kernels (tensor/interleave.h)

  uint64_t rows() const { return shape.size() >= 2 ? n_elements / shape.back() : 1; }
  uint64_t cols() const { return shape.empty() ? 0 : shape.back(); }
};

// Who the model is: names in error messages, and what a cache compares to decide
// whether a stored model changed (id 0 for a model read straight from a file).
struct ModelInfo {
  int64_t id = 0;
  std::string name, architecture, source_sha256;
};

// One tensor to place: its description and a function that writes its n_bytes.
// Tensors with the same non-empty share_key hold the same bytes and get one copy.
struct TensorSource {
  std::string name;
  DType dtype = DType::F32;
  std::vector<uint64_t> shape;
  uint64_t n_elements = 0, n_bytes = 0;
  std::string share_key;
  std::function<void(uint8_t* dst)> fill;
};

struct ModelContents {
  ModelInfo info;
  ordered_json metadata = ordered_json::object(), metadata_types = ordered_json::object();
  ordered_json config;  // a Hugging Face config.json, or null
  std::vector<TensorSource> tensors;
};

class LoadedModel {
 public:
  // Places every tensor, then adapts Hugging Face layouts and re-lays matrices for
  // this CPU's kernels. A fill that throws is reported as is.
  static std::shared_ptr<const LoadedModel> build(ModelContents contents);
  // Reads a GGUF or safetensors file (with an optional config.json text) without a
  // database. Throws FormatError naming the file when it is not a model.
  static std::shared_ptr<const LoadedModel> from_file(const std::string& path, const std::string& name,
                                                       const std::string& config_json = "");

  const ModelInfo& info() const { return info_; }
  const ordered_json& metadata() const { return metadata_; }
  const ordered_json& metadata_types() const { return metadata_types_; }
  const std::string& architecture() const { return info_.architecture; }

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
  // A float hyperparameter whose degenerate values would make the forward pass give
  // NaNs (a negative norm epsilon, a RoPE base of 0): a missing key gives `fallback`;
  // a present one must be finite and >= 0 (or > 0), else an Error naming key and value.
  enum class FloatBound { kNonNegative, kPositive };
  double meta_float_bounded(const std::string& key, double fallback, FloatBound bound) const;

  // The model's own tokenizer (tokenizer.ggml.* metadata), built on first use.
  // Throws Error when the model has none or it is of an unsupported kind.
  const Tokenizer& tokenizer() const;

 private:
  struct AlignedFree {
    void operator()(uint8_t* p) const;
  };
  ModelInfo info_;
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
