#include "tensor/ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "formats/dtype.h"
#include "formats/half.h"
#include "tensor/attend.h"
#include "util/error.h"

namespace hart::tensor {
namespace {

TEST(Ops, RmsnormAndLayernorm) {
  std::vector<float> x = {1, -2, 3, 4}, w = {1, 2, 1, 0.5f}, b = {0, 1, 0, 0}, y(4);
  rmsnorm(x.data(), w.data(), y.data(), 4, 0.0f);
  const float r = 1.0f / std::sqrt((1 + 4 + 9 + 16) / 4.0f);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], x[i] * r * w[i], 1e-6f);
  layernorm(x.data(), w.data(), b.data(), y.data(), 4, 0.0f);  // mean 1.5, var 5.25
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], (x[i] - 1.5f) / std::sqrt(5.25f) * w[i] + b[i], 1e-6f);
  rmsnorm(x.data(), nullptr, x.data(), 4, 0.0f);  // in place, no weight
  EXPECT_NEAR(x[2], 3 * r, 1e-6f);
}

TEST(Ops, SoftmaxIsStableAndSumsToOne) {
  std::vector<float> x = {1000, 1001, 999};
  softmax(x.data(), 3);
  const double e1 = std::exp(1.0), s = 1 + e1 + 1 / e1;
  EXPECT_NEAR(x[0], 1 / s, 1e-6);
  EXPECT_NEAR(x[1], e1 / s, 1e-6);
  EXPECT_NEAR(x[0] + x[1] + x[2], 1.0, 1e-6);
}

TEST(Ops, Activations) {
  std::vector<float> x = {-3, 0, 0.5f, 4}, s = x, g = x, up = {2, 2, 2, 2}, out(4);
  silu(s.data(), 4);
  gelu(g.data(), 4);
  swiglu(x.data(), up.data(), out.data(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(s[i], x[i] / (1 + std::exp(-x[i])), 1e-6f);
    EXPECT_NEAR(g[i], 0.5 * x[i] * (1 + std::erf(x[i] / std::sqrt(2.0))), 2e-3);  // tanh form ~ erf form
    EXPECT_NEAR(out[i], 2 * s[i], 1e-5f);
  }
  std::vector<float> a = {1, 2}, b = {3, 4}, c(2);
  add(a.data(), b.data(), c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{4, 6}));
  mul(a.data(), b.data(), c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{3, 8}));
}

// Both layouts rotate the same pairs by the same angles, only which elements pair up differs.
TEST(Ops, RopeNormAndNeoxPairs) {
  const size_t hd = 8, pos = 3;
  const float base = 10000;
  std::vector<float> x(2 * hd);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i + 1);
  std::vector<float> norm = x, neox = x;
  rope(norm.data(), 2, hd, pos, RopeSpec{hd, base, RopeLayout::Norm});
  rope(neox.data(), 2, hd, pos, RopeSpec{hd, base, RopeLayout::Neox});
  for (size_t h = 0; h < 2; ++h)
    for (size_t i = 0; i < hd / 2; ++i) {
      const double th = pos * std::pow(base, -2.0 * i / hd);
      const float* v = x.data() + h * hd;
      EXPECT_NEAR(norm[h * hd + 2 * i], v[2 * i] * std::cos(th) - v[2 * i + 1] * std::sin(th), 1e-4);
      EXPECT_NEAR(norm[h * hd + 2 * i + 1], v[2 * i] * std::sin(th) + v[2 * i + 1] * std::cos(th), 1e-4);
      EXPECT_NEAR(neox[h * hd + i], v[i] * std::cos(th) - v[i + hd / 2] * std::sin(th), 1e-4);
      EXPECT_NEAR(neox[h * hd + i + hd / 2], v[i] * std::sin(th) + v[i + hd / 2] * std::cos(th), 1e-4);
    }
  std::vector<float> p0 = x;  // position 0 is the identity; partial rotation leaves the tail
  rope(p0.data(), 2, hd, 0, RopeSpec{4, base, RopeLayout::Neox});
  EXPECT_EQ(p0, x);
  EXPECT_THROW(rope(p0.data(), 2, hd, 1, RopeSpec{3, base, RopeLayout::Norm}), Error);
}

// Linear scaling and frequency factors only divide the angle: halving the frequencies
// at position 6 is position 3 unscaled. YaRN keeps the fast pairs' angles (below the
// correction range), interpolates the slow ones, and scales the magnitude.
TEST(Ops, RopeScalingDividesTheAngle) {
  const size_t hd = 16;
  std::vector<float> x(hd);
  for (size_t i = 0; i < hd; ++i) x[i] = float(i % 5) - 2.0f;
  auto rotated = [&](size_t pos, RopeSpec spec) {
    std::vector<float> y = x;
    rope(y.data(), 1, hd, pos, spec);
    return y;
  };
  const RopeSpec plain{hd, 10000.0f, RopeLayout::Neox};
  RopeSpec linear = plain;
  linear.freq_scale = 0.5f;
  std::vector<float> halves(hd / 2, 2.0f);
  RopeSpec factors = plain;
  factors.factors = halves.data();
  const auto at3 = rotated(3, plain), lin6 = rotated(6, linear), fac6 = rotated(6, factors);
  for (size_t i = 0; i < hd; ++i) {
    EXPECT_NEAR(lin6[i], at3[i], 1e-5);
    EXPECT_NEAR(fac6[i], at3[i], 1e-5);
  }
  RopeSpec yarn = linear;
  yarn.ext_factor = 1.0f;
  yarn.n_ctx_orig = 64;
  const auto y6 = rotated(6, yarn), p6 = rotated(6, plain);
  const float mscale = 1.0f + 0.1f * std::log(2.0f);
  // Pair 0 turns fastest (period 2 pi < 64 / 32): extrapolated, the unscaled angle.
  EXPECT_NEAR(y6[0], p6[0] * mscale, 1e-5);
  EXPECT_NEAR(y6[hd / 2], p6[hd / 2] * mscale, 1e-5);
  // The slowest pair is interpolated: the linear angle.
  EXPECT_NEAR(y6[hd / 2 - 1], lin6[hd / 2 - 1] * mscale, 1e-5);
  EXPECT_NEAR(y6[hd - 1], lin6[hd - 1] * mscale, 1e-5);
}

// `count` keys (uniform in +-spread) and values (+-1) as an F16 cache holds them, and
// the floats those halves stand for.
struct HalfRows {
  std::vector<float> keys, values;
  std::vector<uint16_t> k16, v16;
};
template <class Rnd>
HalfRows half_rows(size_t count, float spread, Rnd& rnd) {
  HalfRows r{std::vector<float>(count), std::vector<float>(count), std::vector<uint16_t>(count),
             std::vector<uint16_t>(count)};
  for (float& v : r.keys) v = float(rnd() * spread);
  for (float& v : r.values) v = float(rnd());
  half::f32_to_f16_row(r.keys.data(), r.k16.data(), count);
  half::f32_to_f16_row(r.values.data(), r.v16.data(), count);
  for (size_t i = 0; i < count; ++i) r.keys[i] = f16_to_f32(r.k16[i]), r.values[i] = f16_to_f32(r.v16[i]);
  return r;
}

// attend() against softmax attention in double, on rows strided like a KV cache;
// heads of 8 (stories260K), 64, and 13 (a vector tail); scores spread over ~60 so
// exp sees arguments from 0 down past -87 (where it must give 0, not garbage).
TEST(Attend, MatchesDoublePrecisionAttention) {
  uint32_t seed = 12345;
  auto rnd = [&] { return (seed = seed * 1664525u + 1013904223u) / 4294967296.0 * 2 - 1; };
  for (size_t hd : {8, 13, 64})
    for (size_t n : {1, 2, 7, 9, 100}) {
      const size_t stride = 3 * hd + 5;
      std::vector<float> q(hd), keys(n * stride), values(n * stride), score(n), out(hd);
      for (float& v : q) v = float(rnd() * 8);
      for (float& v : keys) v = float(rnd() * 8);
      for (float& v : values) v = float(rnd());
      const float scale = 1.0f / std::sqrt(float(hd));
      attend(q.data(), keys.data(), values.data(), stride, n, hd, scale, 0.0f, score.data(), out.data());
      std::vector<float> in_place = q;  // out may be q: Llama's forward pass relies on it
      attend(in_place.data(), keys.data(), values.data(), stride, n, hd, scale, 0.0f, score.data(), in_place.data());
      ASSERT_EQ(in_place, out) << "head_dim " << hd << " n " << n;
      std::vector<double> p(n);
      double mx = -1e300, sum = 0;
      for (size_t t = 0; t < n; ++t) {
        double s = 0;
        for (size_t d = 0; d < hd; ++d) s += double(q[d]) * keys[t * stride + d];
        p[t] = s * scale;
        mx = std::max(mx, p[t]);
      }
      for (double& v : p) sum += (v = std::exp(v - mx));
      for (size_t d = 0; d < hd; ++d) {
        double want = 0;
        for (size_t t = 0; t < n; ++t) want += p[t] / sum * values[t * stride + d];
        ASSERT_NEAR(out[d], want, 2e-5) << "head_dim " << hd << " n " << n << " dim " << d;
      }
    }
}

// Several queries per call, as a prompt's tokens arrive: query j of a tile sees keys
// [lo_j, hi_j), causal (hi rising by one per query) and, with a sliding window, lo rising
// too. Every tile size the kernel splits into (4, 2, 1 and their sums), heads of 8, 13
// (scalar), 64 and 128, float and half rows, in place; each output against attention in
// double over that query's own range, and bit for bit what it gives alone.
TEST(Attend, TilesOfQueriesMatchDoublePrecisionOverTheirOwnKeys) {
  uint32_t seed = 99;
  auto rnd = [&] { return (seed = seed * 1664525u + 1013904223u) / 4294967296.0 * 2 - 1; };
  for (size_t hd : {8, 13, 64, 128})
    for (size_t nq : {1, 2, 3, 4, 5, 7, 9})
      for (size_t window : {0, 6}) {
        const size_t n_past = 11, n = n_past + nq, stride = 2 * hd + 5;
        std::vector<float> q(nq * hd);
        for (float& v : q) v = float(rnd() * 6);
        auto [keys, values, k16, v16] = half_rows(n * stride, 6.0f, rnd);
        std::vector<size_t> lo(nq), hi(nq);
        for (size_t j = 0; j < nq; ++j) hi[j] = n_past + j + 1, lo[j] = window && hi[j] > window ? hi[j] - window : 0;
        const float scale = 0.2f;
        std::vector<float> score(nq * n), got = q, got16 = q;
        attend(got.data(), hd, nq, keys.data(), values.data(), stride, lo.data(), hi.data(), hd, scale, 0.0f,
               score.data(), got.data());
        attend(got16.data(), hd, nq, k16.data(), v16.data(), stride, lo.data(), hi.data(), hd, scale, 0.0f,
               score.data(), got16.data());
        for (size_t j = 0; j < nq; ++j) {
          // Alone, a query gives the same bits as in any tile (a recomputed prefix must)
          std::vector<float> alone(hd);
          attend(q.data() + j * hd, hd, 1, keys.data(), values.data(), stride, &lo[j], &hi[j], hd, scale, 0.0f,
                 score.data(), alone.data());
          ASSERT_TRUE(std::equal(alone.begin(), alone.end(), got.begin() + j * hd)) << "hd " << hd << " nq " << nq;
          std::vector<double> p(hi[j] - lo[j]);
          double mx = -1e300, sum = 0;
          for (size_t t = lo[j]; t < hi[j]; ++t) {
            double s = 0;
            for (size_t d = 0; d < hd; ++d) s += double(q[j * hd + d]) * keys[t * stride + d];
            mx = std::max(mx, p[t - lo[j]] = s * scale);
          }
          for (double& v : p) sum += (v = std::exp(v - mx));
          for (size_t d = 0; d < hd; ++d) {
            double want = 0;
            for (size_t t = lo[j]; t < hi[j]; ++t) want += p[t - lo[j]] / sum * values[t * stride + d];
            ASSERT_NEAR(got[j * hd + d], want, 2e-5) << "hd " << hd << " nq " << nq << " window " << window << " j " << j;
            ASSERT_NEAR(got16[j * hd + d], want, 2e-5) << "halves: hd " << hd << " nq " << nq << " j " << j;
          }
        }
      }
}

// An F16 KV cache's rows: f32_to_f16_row rounds as f32_to_f16 does (nearest even,
// infinities, NaN) on every path, and attending over halves equals attending over
// the floats they stand for.
TEST(Attend, HalfRowsAreTheirRoundedFloats) {
  uint32_t seed = 777;
  auto rnd = [&] { return (seed = seed * 1664525u + 1013904223u) / 4294967296.0 * 2 - 1; };
  std::vector<float> in = {0.0f, -0.0f, 1.0f, 65504.0f, 65520.0f, 1e-8f, 6.1e-5f, 1.0009765625f + 0.00048828125f,
                           INFINITY, -INFINITY, NAN};
  for (int i = 0; i < 1000; ++i) in.push_back(float(rnd() * 100));
  for (half::Path p : {half::Path::Scalar, half::Path::Avx2, half::Path::Avx512}) {
    if (!half::path_supported(p)) continue;
    std::vector<uint16_t> h(in.size());
    half::f32_to_f16_row(p, in.data(), h.data(), in.size());
    for (size_t i = 0; i < in.size(); ++i) ASSERT_EQ(h[i], f32_to_f16(in[i])) << in[i] << " on " << half::path_name(p);
  }
  for (size_t hd : {8, 13, 64})
    for (size_t n : {1, 9, 100}) {
      const size_t stride = 2 * hd + 3;
      std::vector<float> q(hd), score(n), want(hd), got(hd);
      for (float& v : q) v = float(rnd() * 4);
      auto [keys, values, k16, v16] = half_rows(n * stride, 4.0f, rnd);
      attend(q.data(), keys.data(), values.data(), stride, n, hd, 0.3f, 0.0f, score.data(), want.data());
      attend(q.data(), k16.data(), v16.data(), stride, n, hd, 0.3f, 0.0f, score.data(), got.data());
      ASSERT_EQ(got, want) << "head_dim " << hd << " n " << n;
    }
}

}  // namespace
}  // namespace hart::tensor
