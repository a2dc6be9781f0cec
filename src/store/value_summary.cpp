#include "store/value_summary.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

namespace hart {

void ValueSummary::merge(const ValueSummary& o) {
  count += o.count;
  nans += o.nans;
  zeros += o.zeros;
  min = std::min(min, o.min);
  max = std::max(max, o.max);
  min_abs = std::min(min_abs, o.min_abs);
  max_abs = std::max(max_abs, o.max_abs);
  sum += o.sum;
  sum_sq += o.sum_sq;
  sum_abs += o.sum_abs;
}

double ValueSummary::mean() const {
  uint64_t n = count - nans;
  return n ? sum / n : 0.0;
}

double ValueSummary::stddev() const {
  uint64_t n = count - nans;
  if (!n) return 0.0;
  double m = sum / n;
  return std::sqrt(std::max(0.0, sum_sq / n - m * m));
}

namespace {

// Float partial sums stay accurate enough over this many values; then they go to doubles.
constexpr size_t kBlock = 256;

// The reference: obviously correct, and the tail of the vector path.
void summarize_scalar(const float* v, size_t n, ValueSummary& s) {
  for (size_t base = 0; base < n; base += kBlock) {
    size_t end = std::min(n, base + kBlock);
    float bsum = 0, bsq = 0, babs = 0;
    for (size_t i = base; i < end; ++i) {
      float x = v[i];
      if (x != x) {
        s.nans++;
        continue;
      }
      float a = std::fabs(x);
      s.zeros += x == 0.0f;
      bsum += x;
      bsq += x * x;
      babs += a;
      s.min = std::min<double>(s.min, x);
      s.max = std::max<double>(s.max, x);
      s.min_abs = std::min<double>(s.min_abs, a);
      s.max_abs = std::max<double>(s.max_abs, a);
    }
    s.sum += bsum;
    s.sum_sq += bsq;
    s.sum_abs += babs;
  }
}

float hmin(__m256 v) __attribute__((target("avx2")));
float hmin(__m256 v) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}
float hmax(__m256 v) __attribute__((target("avx2")));
float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}
double hsum(__m256 v) __attribute__((target("avx2")));
double hsum(__m256 v) {
  alignas(32) float f[8];
  _mm256_store_ps(f, v);
  double d = 0;
  for (float x : f) d += x;
  return d;
}

// The hot loop of ingestion: every weight passes through here once.
__attribute__((target("avx2"))) size_t summarize_avx2(const float* v, size_t n, ValueSummary& s) {
  const __m256 inf = _mm256_set1_ps(INFINITY), ninf = _mm256_set1_ps(-INFINITY);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 mn = inf, mx = ninf, mna = inf, mxa = _mm256_setzero_ps();
  __m256i nans = _mm256_setzero_si256(), zeros = _mm256_setzero_si256();
  size_t done = 0;
  for (; done + kBlock <= n; done += kBlock) {
    __m256 sum = _mm256_setzero_ps(), sq = sum, sab = sum;
    for (size_t i = done; i < done + kBlock; i += 8) {
      __m256 x = _mm256_loadu_ps(v + i);
      __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
      __m256 xs = _mm256_andnot_ps(nan, x);  // NaN -> 0 for the sums
      __m256 a = _mm256_and_ps(xs, abs_mask);
      nans = _mm256_sub_epi32(nans, _mm256_castps_si256(nan));
      zeros = _mm256_sub_epi32(zeros, _mm256_castps_si256(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ)));
      sum = _mm256_add_ps(sum, xs);
      sq = _mm256_add_ps(sq, _mm256_mul_ps(xs, xs));
      sab = _mm256_add_ps(sab, a);
      mn = _mm256_min_ps(mn, _mm256_blendv_ps(x, inf, nan));
      mx = _mm256_max_ps(mx, _mm256_blendv_ps(x, ninf, nan));
      mna = _mm256_min_ps(mna, _mm256_blendv_ps(a, inf, nan));
      mxa = _mm256_max_ps(mxa, a);
    }
    s.sum += hsum(sum);
    s.sum_sq += hsum(sq);
    s.sum_abs += hsum(sab);
  }
  alignas(32) int32_t c[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(c), nans);
  for (int32_t k : c) s.nans += static_cast<uint32_t>(k);
  _mm256_store_si256(reinterpret_cast<__m256i*>(c), zeros);
  for (int32_t k : c) s.zeros += static_cast<uint32_t>(k);
  s.min = std::min<double>(s.min, hmin(mn));
  s.max = std::max<double>(s.max, hmax(mx));
  s.min_abs = std::min<double>(s.min_abs, hmin(mna));
  s.max_abs = std::max<double>(s.max_abs, hmax(mxa));
  return done;
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

}  // namespace

ValueSummary summarize(const float* v, size_t n, bool allow_simd) {
  ValueSummary s;
  s.count = n;
  size_t done = allow_simd && have_avx2() ? summarize_avx2(v, n, s) : 0;
  summarize_scalar(v + done, n - done, s);
  return s;
}

}  // namespace hart
