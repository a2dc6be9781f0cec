#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>
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

constexpr size_t kTile = 4;  // queries per attend() call: consecutive tokens share their keys' loads

// For each head, tiles of up to kTile consecutive queries of each of `seqs`' count()
// sequences, parallel over all of them. Sequence k has n(k) queries; its query i is row
// row(k) + i of q and out and attends over key rows key_range(k, i) = [lo, hi), a tile
// over at most max_keys(k) of them; visit(k, f) calls f with the row-0 pointers of its
// keys and values (float or uint16_t), stride kv_dim. Tile jobs run head-major within a
// sequence, so a thread's consecutive tiles read the same keys.
template <class Sequences>
void attend_tiles(const float* q_all, float* out_all, size_t kv_dim, const AttentionShape& s,
                  tensor::ThreadPool& pool, const Sequences& seqs) {
  const size_t hd = s.head_dim, q_dim = s.n_head * hd, group = s.n_head / s.n_head_kv;
  const float scale = s.scale > 0 ? s.scale : 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<size_t> first_job(seqs.count() + 1, 0);
  size_t max_keys = 0;
  for (size_t k = 0; k < seqs.count(); ++k) {
    first_job[k + 1] = first_job[k] + (seqs.n(k) + kTile - 1) / kTile * s.n_head;
    max_keys = std::max(max_keys, seqs.max_keys(k));
  }
  pool.parallel_for(first_job.back(), 1, [&](size_t b, size_t e) {
    thread_local AlignedVector<float> score;  // per thread: no allocation per token and layer
    score.resize(kTile * max_keys);
    size_t k = std::upper_bound(first_job.begin(), first_job.end(), b) - first_job.begin() - 1;
    for (size_t job = b; job < e; ++job) {
      while (job >= first_job[k + 1]) ++k;
      const size_t n = seqs.n(k), tiles = (n + kTile - 1) / kTile, local = job - first_job[k];
      const size_t h = local / tiles, i0 = local % tiles * kTile, nq = std::min(kTile, n - i0), kvh = h / group;
      size_t lo[kTile], hi[kTile];
      for (size_t j = 0; j < nq; ++j) std::tie(lo[j], hi[j]) = seqs.key_range(k, i0 + j);
      const size_t at = (seqs.row(k) + i0) * q_dim + h * hd;
      seqs.visit(k, [&](const auto* keys, const auto* values) {
        tensor::attend(q_all + at, q_dim, nq, keys + kvh * hd, values + kvh * hd, kv_dim, lo, hi, hd, scale,
                       s.softcap, score.data(), out_all + at);
      });
    }
  });
}

// attend_tiles's view of causal spans over their KV caches.
struct CacheSpans {
  std::span<const AttentionSpan> spans;
  size_t layer, window;
  size_t count() const { return spans.size(); }
  size_t n(size_t k) const { return spans[k].n; }
  size_t row(size_t k) const { return spans[k].row; }
  // A tile's keys: its last query's range plus the kTile - 1 before it
  size_t max_keys(size_t k) const {
    const size_t all = spans[k].n_past + spans[k].n;
    return window ? std::min(all, window + kTile - 1) : all;
  }
  std::pair<size_t, size_t> key_range(size_t k, size_t i) const {
    const size_t end = spans[k].n_past + i + 1;
    return {window && end > window ? end - window : 0, end};
  }
  template <class F>
  void visit(size_t k, F&& f) const {
    const KvCache& c = *spans[k].cache;
    if (c.type() == KvType::kF16)
      f(c.keys<uint16_t>(layer, 0), c.values<uint16_t>(layer, 0));
    else
      f(c.keys<float>(layer, 0), c.values<float>(layer, 0));
  }
};

// attend_tiles's view of a packed batch: one sequence per text, so no tile spans two
// texts.
struct PackedRows {
  std::span<const size_t> starts;
  const float *keys, *values;
  size_t count() const { return starts.size() - 1; }
  size_t n(size_t k) const { return starts[k + 1] - starts[k]; }
  size_t row(size_t k) const { return starts[k]; }
  size_t max_keys(size_t k) const { return n(k); }
  std::pair<size_t, size_t> key_range(size_t k, size_t) const { return {starts[k], starts[k + 1]}; }
  template <class F>
  void visit(size_t, F&& f) const { f(keys, values); }
};

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
  if (!spans.empty())
    attend_tiles(q_all, out_all, spans[0].cache->kv_dim(), s, pool, CacheSpans{spans, layer, s.window});
}

void packed_attention(const float* q, const float* keys, const float* values, size_t kv_dim, float* out,
                      std::span<const size_t> starts, const AttentionShape& s, tensor::ThreadPool& pool) {
  attend_tiles(q, out, kv_dim, s, pool, PackedRows{starts, keys, values});
}

}  // namespace hart
