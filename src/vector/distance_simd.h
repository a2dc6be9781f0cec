// Internal to vector/: the distance kernels written once over a register type. Each
// SIMD file includes distance_kernels.h first, then this header between
// `#pragma GCC push_options` / `target(...)` and `pop_options` (so only these
// templates, not the standard headers, are compiled for that instruction set), and
// instantiates them with its width's operations (Ops). Four accumulators hide the FMA latency;
// then one register at a time; then one masked load for the last elements.
#pragma once
#include <cstddef>

#include "vector/distance_kernels.h"

namespace hart::vector::detail::simd {

// Ops: Reg, Mask, kWidth, zero(), load(p), load(p, Mask), mask(rem), sub, add, fma(a, b, c) = a*b + c, sum(Reg).
template <class Ops>
inline float l2_squared(const float* a, const float* b, size_t n) {
  constexpr size_t w = Ops::kWidth;
  typename Ops::Reg s0 = Ops::zero(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 4 * w <= n; i += 4 * w) {
    auto d0 = Ops::sub(Ops::load(a + i), Ops::load(b + i));
    auto d1 = Ops::sub(Ops::load(a + i + w), Ops::load(b + i + w));
    auto d2 = Ops::sub(Ops::load(a + i + 2 * w), Ops::load(b + i + 2 * w));
    auto d3 = Ops::sub(Ops::load(a + i + 3 * w), Ops::load(b + i + 3 * w));
    s0 = Ops::fma(d0, d0, s0);
    s1 = Ops::fma(d1, d1, s1);
    s2 = Ops::fma(d2, d2, s2);
    s3 = Ops::fma(d3, d3, s3);
  }
  for (; i + w <= n; i += w) {
    auto d = Ops::sub(Ops::load(a + i), Ops::load(b + i));
    s0 = Ops::fma(d, d, s0);
  }
  if (i < n) {
    auto m = Ops::mask(n - i);
    auto d = Ops::sub(Ops::load(a + i, m), Ops::load(b + i, m));
    s1 = Ops::fma(d, d, s1);
  }
  return Ops::sum(Ops::add(Ops::add(s0, s1), Ops::add(s2, s3)));
}

template <class Ops>
inline float dot(const float* a, const float* b, size_t n) {
  constexpr size_t w = Ops::kWidth;
  typename Ops::Reg s0 = Ops::zero(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 4 * w <= n; i += 4 * w) {
    s0 = Ops::fma(Ops::load(a + i), Ops::load(b + i), s0);
    s1 = Ops::fma(Ops::load(a + i + w), Ops::load(b + i + w), s1);
    s2 = Ops::fma(Ops::load(a + i + 2 * w), Ops::load(b + i + 2 * w), s2);
    s3 = Ops::fma(Ops::load(a + i + 3 * w), Ops::load(b + i + 3 * w), s3);
  }
  for (; i + w <= n; i += w) s0 = Ops::fma(Ops::load(a + i), Ops::load(b + i), s0);
  if (i < n) {
    auto m = Ops::mask(n - i);
    s1 = Ops::fma(Ops::load(a + i, m), Ops::load(b + i, m), s1);
  }
  return Ops::sum(Ops::add(Ops::add(s0, s1), Ops::add(s2, s3)));
}

template <class Ops>
void l2_squared_rows(const float* q, const float* r, size_t n_rows, size_t dim, float* out) {
  for (size_t i = 0; i < n_rows; ++i) out[i] = l2_squared<Ops>(q, r + i * dim, dim);
}

template <class Ops>
void dot_rows(const float* q, const float* r, size_t n_rows, size_t dim, float* out) {
  for (size_t i = 0; i < n_rows; ++i) out[i] = dot<Ops>(q, r + i * dim, dim);
}

template <class Ops>
float l2_squared_graph(const void* a, const void* b, const void* dim) {
  return l2_squared<Ops>(static_cast<const float*>(a), static_cast<const float*>(b), *static_cast<const size_t*>(dim));
}

template <class Ops>
float one_minus_dot_graph(const void* a, const void* b, const void* dim) {
  return 1.0f - dot<Ops>(static_cast<const float*>(a), static_cast<const float*>(b), *static_cast<const size_t*>(dim));
}

template <class Ops>
constexpr DistanceKernels kernels(SimdPath path) {
  return {path, l2_squared<Ops>, dot<Ops>, l2_squared_rows<Ops>, dot_rows<Ops>, l2_squared_graph<Ops>,
          one_minus_dot_graph<Ops>};
}

}  // namespace hart::vector::detail::simd
