#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "formats/half.h"
#include "model/ops.h"
#include "tensor/attend.h"
#include "tensor/ops.h"

namespace hart {

void KvCache::reserve(size_t layer, size_t end) {
  AlignedVector<uint8_t>& k = k_[layer];
  const size_t row = kv_dim_ * element_size();
  if (k.size() >= end * row) return;
  // Grow in steps (doubling, at least 64 positions), never past the context.
  size_t cap = std::min(n_ctx_, std::max(end, 2 * k.size() / row + 64));
  k.resize(cap * row);
  v_[layer].resize(cap * row);
}

void KvCache::store(size_t layer, size_t pos, size_t n, const float* keys, const float* values, size_t stride) {
  reserve(layer, pos + n);
  const size_t row = kv_dim_ * element_size();
  uint8_t* k = k_[layer].data() + pos * row;
  uint8_t* v = v_[layer].data() + pos * row;
  for (size_t i = 0; i < n; ++i, k += row, v += row) {
    if (type_ == KvType::kF16) {
      half::f32_to_f16_row(keys + i * stride, reinterpret_cast<uint16_t*>(k), kv_dim_);
      half::f32_to_f16_row(values + i * stride, reinterpret_cast<uint16_t*>(v), kv_dim_);
    } else {
      std::memcpy(k, keys + i * stride, row);
      std::memcpy(v, values + i * stride, row);
    }
  }
}

size_t KvCache::bytes() const {
  size_t total = 0;
  for (size_t l = 0; l < k_.size(); ++l) total += k_[l].size() + v_[l].size();
  return total;
}

namespace {

// out[i] for queries i in [0, n): attention over key rows [first, end) = key_range(i),
// never more than max_keys of them. The one loop behind both entry points below.
template <class KeyRange>
void attend_rows(const float* q_all, float* out_all, size_t n, const float* keys, const float* values, size_t kv_dim,
                 size_t max_keys, const AttentionShape& s, tensor::ThreadPool& pool, KeyRange key_range) {
  const size_t hd = s.head_dim, q_dim = s.n_head * hd, group = s.n_head / s.n_head_kv;
  const float scale = s.scale > 0 ? s.scale : 1.0f / std::sqrt(static_cast<float>(hd));
  pool.parallel_for(n * s.n_head, 1, [&](size_t b, size_t e) {
    thread_local AlignedVector<float> score;  // per thread: no allocation per token and layer
    score.resize(max_keys);
    for (size_t job = b; job < e; ++job) {
      size_t h = job / n, i = job % n, kvh = h / group;
      auto [first, end] = key_range(i);
      tensor::attend(q_all + i * q_dim + h * hd, keys + first * kv_dim + kvh * hd, values + first * kv_dim + kvh * hd,
                     kv_dim, end - first, hd, scale, s.softcap, score.data(), out_all + i * q_dim + h * hd);
    }
  });
}

}  // namespace

void KvCache::copy_prefix(const KvCache& from, size_t n) {
  const size_t row = kv_dim_ * element_size();
  for (size_t l = 0; l < k_.size(); ++l) {
    reserve(l, n);
    std::copy_n(from.k_[l].data(), n * row, k_[l].data());
    std::copy_n(from.v_[l].data(), n * row, v_[l].data());
  }
}

void attention(const float* q_all, float* out_all, std::span<const AttentionSpan> spans, size_t layer,
               const AttentionShape& s, tensor::ThreadPool& pool) {
  const size_t hd = s.head_dim, q_dim = s.n_head * hd, group = s.n_head / s.n_head_kv;
  const float scale = s.scale > 0 ? s.scale : 1.0f / std::sqrt(static_cast<float>(hd));
  // Job j of span k is head h = j / n, token i = j % n: a thread's consecutive
  // queries read the same head's keys and values, which then stay in cache.
  std::vector<size_t> first_job(spans.size() + 1, 0);
  size_t max_keys = 0;
  for (size_t k = 0; k < spans.size(); ++k) {
    first_job[k + 1] = first_job[k] + spans[k].n * s.n_head;
    max_keys = std::max(max_keys, spans[k].n_past + spans[k].n);
  }
  pool.parallel_for(first_job.back(), 1, [&](size_t b, size_t e) {
    thread_local AlignedVector<float> score;  // per thread: no allocation per token and layer
    score.resize(max_keys);
    size_t k = std::upper_bound(first_job.begin(), first_job.end(), b) - first_job.begin() - 1;
    for (size_t job = b; job < e; ++job) {
      while (job >= first_job[k + 1]) ++k;
      const AttentionSpan& sp = spans[k];
      const size_t local = job - first_job[k], h = local / sp.n, i = local % sp.n, kvh = h / group;
      const size_t end = sp.n_past + i + 1, first = s.window && end > s.window ? end - s.window : 0;
      const KvCache& c = *sp.cache;
      const float* q = q_all + (sp.row + i) * q_dim + h * hd;
      float* out = out_all + (sp.row + i) * q_dim + h * hd;
      if (c.type() == KvType::kF16)
        tensor::attend(q, c.keys<uint16_t>(layer, first) + kvh * hd, c.values<uint16_t>(layer, first) + kvh * hd,
                       c.kv_dim(), end - first, hd, scale, s.softcap, score.data(), out);
      else
        tensor::attend(q, c.keys<float>(layer, first) + kvh * hd, c.values<float>(layer, first) + kvh * hd,
                       c.kv_dim(), end - first, hd, scale, s.softcap, score.data(), out);
    }
  });
}

void packed_attention(const float* q, const float* keys, const float* values, size_t kv_dim, float* out,
                      std::span<const size_t> starts, const AttentionShape& s, tensor::ThreadPool& pool) {
  size_t longest = 0;
  for (size_t j = 1; j < starts.size(); ++j) longest = std::max(longest, starts[j] - starts[j - 1]);
  attend_rows(q, out, starts.back(), keys, values, kv_dim, longest, s, pool, [&](size_t i) {
    auto next = std::upper_bound(starts.begin(), starts.end(), i);  // the start of the sequence after row i's
    return std::pair<size_t, size_t>{*(next - 1), *next};
  });
}

}  // namespace hart
