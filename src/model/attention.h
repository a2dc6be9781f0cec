// Multi-head attention, shared by every architecture: causal over a growing KV cache
// of floats or halves (the decoders; grouped-query when n_head_kv < n_head), and
// bidirectional over a packed batch of sequences (the BERT encoder).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/kv_type.h"
#include "tensor/thread_pool.h"
#include "util/aligned_vector.h"

namespace hart {

// Per layer, [position][kv_dim] keys and values; grows on demand up to n_ctx.
class KvCache {
 public:
  KvCache(size_t n_layer, size_t kv_dim, size_t n_ctx, KvType type = KvType::kF32)
      : k_(n_layer), v_(n_layer), kv_dim_(kv_dim), n_ctx_(n_ctx), type_(type) {}
  // Writes positions [pos, pos + n) of `layer` (room is made): row i's keys from
  // keys + i * stride, its values from values + i * stride, kv_dim floats each.
  void store(size_t layer, size_t pos, size_t n, const float* keys, const float* values, size_t stride);
  // Position pos's row of `layer`, as stored (T is float for F32, uint16_t for F16).
  template <class T>
  const T* keys(size_t layer, size_t pos) const {
    return reinterpret_cast<const T*>(k_[layer].data()) + pos * kv_dim_;
  }
  template <class T>
  const T* values(size_t layer, size_t pos) const {
    return reinterpret_cast<const T*>(v_[layer].data()) + pos * kv_dim_;
  }
  size_t kv_dim() const { return kv_dim_; }
  KvType type() const { return type_; }
  size_t bytes() const;  // memory held for keys and values
  // Replaces positions [0, n) of every layer with `from`'s (same kv_dim and type).
  void copy_prefix(const KvCache& from, size_t n);

 private:
  void reserve(size_t layer, size_t end);
  size_t element_size() const { return type_ == KvType::kF16 ? 2 : 4; }
  std::vector<AlignedVector<uint8_t>> k_, v_;
  size_t kv_dim_, n_ctx_;
  KvType type_;
};

struct AttentionShape {
  size_t n_head, n_head_kv, head_dim;
  float scale = 0.0f;    // of q.k; 0 means 1 / sqrt(head_dim)
  float softcap = 0.0f;  // > 0: scores capped by softcap * tanh(score / softcap) (Gemma 2)
  size_t window = 0;     // > 0: a causal query sees only the last `window` positions, itself included
};

// Causal attention of new tokens over their sequences' KV caches, several sequences
// in one call, parallel over all of them. Rows [row, row + n) of q and out are span
// k's n new tokens at positions n_past.. of its cache; token i attends over
// positions 0..n_past + i (the last `window` of them with a sliding window):
// out = softmax(q K^T * scale) V. q and out are [rows][n_head * head_dim]; out may be
// q (each head's query is read in full before its output is written).
struct AttentionSpan {
  size_t row, n, n_past;
  KvCache* cache;
};
void attention(const float* q, float* out, std::span<const AttentionSpan> spans, size_t layer,
               const AttentionShape& shape, tensor::ThreadPool& pool);

// Bidirectional attention over a packed batch: rows [starts[s], starts[s + 1]) of q,
// keys, values and out are sequence s, and each query attends over its own sequence's
// rows only (no padding, nothing shared between sequences). q and out are
// [starts.back()][n_head * head_dim], keys and values [starts.back()][kv_dim];
// starts begins with 0 and rises.
void packed_attention(const float* q, const float* keys, const float* values, size_t kv_dim, float* out,
                      std::span<const size_t> starts, const AttentionShape& shape, tensor::ThreadPool& pool);

}  // namespace hart
