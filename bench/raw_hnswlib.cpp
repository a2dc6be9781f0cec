#include "raw_hnswlib.h"

#include <atomic>
#include <thread>
#include <vector>

#include <hnswlib/hnswlib.h>

namespace hart::bench {

struct RawHnswlib::Impl {
  hnswlib::L2Space space;
  hnswlib::HierarchicalNSW<float> h;
  Impl(size_t dim, size_t capacity, size_t M, size_t efc, uint64_t seed)
      : space(dim), h(&space, capacity, M, efc, seed) {}
};

RawHnswlib::RawHnswlib(size_t dim, size_t capacity, size_t M, size_t efc, uint64_t seed)
    : impl_(std::make_unique<Impl>(dim, capacity, M, efc, seed)) {}
RawHnswlib::~RawHnswlib() = default;

void RawHnswlib::add(const float* rows, size_t n, unsigned threads) {
  if (n == 0) return;
  const size_t dim = *static_cast<size_t*>(impl_->space.get_dist_func_param());
  impl_->h.addPoint(rows, 0);
  std::atomic<size_t> next{1};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) impl_->h.addPoint(rows + i * dim, i);
    });
  for (std::thread& th : pool) th.join();
}

void RawHnswlib::set_ef(size_t ef) { impl_->h.setEf(ef); }

void RawHnswlib::search(const float* query, size_t k, int64_t* out) const {
  auto top = impl_->h.searchKnn(query, k);
  for (size_t i = 0; i < k; ++i) out[i] = -1;
  for (size_t i = top.size(); i > 0; top.pop()) out[--i] = static_cast<int64_t>(top.top().second);
}

size_t RawHnswlib::saved_bytes() const {
  const auto& h = impl_->h;
  size_t bytes = 4 * sizeof(size_t) + 2 * sizeof(size_t) + sizeof(int) + sizeof(unsigned) + 3 * sizeof(size_t) +
                 sizeof(double) + sizeof(size_t);  // the fields saveIndex writes first
  bytes += h.cur_element_count * h.size_data_per_element_;
  for (size_t i = 0; i < h.cur_element_count; ++i)
    bytes += sizeof(unsigned) + (h.element_levels_[i] > 0 ? h.size_links_per_element_ * h.element_levels_[i] : 0);
  return bytes;
}

const char* RawHnswlib::simd() {
#if defined(USE_AVX512)
  return "AVX-512";
#elif defined(USE_AVX)
  return "AVX";
#elif defined(USE_SSE)
  return "SSE";
#else
  return "none";
#endif
}

}  // namespace hart::bench
