#include "model/attention.h"

#include <algorithm>
#include <cmath>

#include "model/ops.h"
#include "tensor/attend.h"
#include "tensor/ops.h"

namespace hart {

void KvCache::reserve(size_t layer, size_t end) {
  AlignedVector<float>& k = k_[layer];
  if (k.size() >= end * kv_dim_) return;
  // Grow in steps (doubling, at least 64 positions), never past the context.
  size_t cap = std::min(n_ctx_, std::max(end, 2 * k.size() / kv_dim_ + 64));
  k.resize(cap * kv_dim_);
  v_[layer].resize(cap * kv_dim_);
}

void attention(const float* q_all, float* out_all, size_t n, size_t n_past, KvCache& cache, size_t layer,
               const AttentionShape& s, bool causal, tensor::ThreadPool& pool) {
  const size_t hd = s.head_dim, q_dim = s.n_head * hd, kv_dim = cache.kv_dim(), group = s.n_head / s.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float* keys = cache.keys(layer, 0);
  const float* values = cache.values(layer, 0);
  // Jobs run head by head (job = h * n + i): a thread's consecutive queries read the
  // same head's keys and values, which then stay in cache.
  pool.parallel_for(n * s.n_head, 1, [&](size_t b, size_t e) {
    thread_local AlignedVector<float> score;  // per thread: no allocation per token and layer
    score.resize(n_past + n);
    for (size_t job = b; job < e; ++job) {
      size_t h = job / n, i = job % n, kvh = h / group;
      size_t upto = causal ? n_past + i + 1 : n_past + n;  // causal: this token and those before it
      tensor::attend(q_all + i * q_dim + h * hd, keys + kvh * hd, values + kvh * hd, kv_dim, upto, hd, scale,
                     score.data(), out_all + i * q_dim + h * hd);
    }
  });
}

}  // namespace hart
