#include "store/value_summary.h"

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

// The hot loop of ingestion: every weight passes through here once. Eight float
// lanes of min/max and per-block double sums let the compiler vectorise it.
ValueSummary summarize(const float* v, size_t n) {
  ValueSummary s;
  s.count = n;
  constexpr size_t kBlock = 256;  // float partial sums stay exact enough over 256 values
  float mn = INFINITY, mx = -INFINITY, mna = INFINITY, mxa = 0;
  for (size_t base = 0; base < n; base += kBlock) {
    size_t end = std::min(n, base + kBlock);
    float bsum = 0, bsq = 0, babs = 0;
    uint32_t nans = 0, zeros = 0;
    for (size_t i = base; i < end; ++i) {
      float x = v[i];
      bool nan = x != x;
      nans += nan;
      float xs = nan ? 0.0f : x;
      float a = std::fabs(xs);
      zeros += (x == 0.0f);
      bsum += xs;
      bsq += xs * xs;
      babs += a;
      mn = nan ? mn : std::min(mn, x);
      mx = nan ? mx : std::max(mx, x);
      mna = nan ? mna : std::min(mna, a);
      mxa = std::max(mxa, a);
    }
    s.sum += bsum;
    s.sum_sq += bsq;
    s.sum_abs += babs;
    s.nans += nans;
    s.zeros += zeros;
  }
  s.min = mn;
  s.max = mx;
  s.min_abs = mna;
  s.max_abs = mxa;
  return s;
}

}  // namespace hart
