#include "vector/projection.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "util/error.h"

namespace hart::vector {
namespace {

double l2(const float* a, const float* b, size_t dim) {
  double s = 0;
  for (size_t i = 0; i < dim; ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(s);
}

size_t farthest(const float* rows, size_t n, size_t dim, const std::vector<const float*>& from) {
  size_t best = 0;
  double best_d = -1;
  for (size_t i = 0; i < n; ++i) {
    double d = 1e300;
    for (const float* f : from) d = std::min(d, l2(rows + i * dim, f, dim));
    if (d > best_d) best_d = d, best = i;
  }
  return best;
}

}  // namespace

Projection3 Projection3::anchors(const float* rows, size_t n, size_t dim) {
  if (n == 0) throw UsageError("a 3-D projection needs at least one vector");
  Projection3 p;
  p.kind_ = Kind::Anchors;
  p.dim_ = dim;
  const size_t a = farthest(rows, n, dim, {rows});
  const size_t b = farthest(rows, n, dim, {rows + a * dim});
  const size_t c = farthest(rows, n, dim, {rows + a * dim, rows + b * dim});
  for (size_t i : {a, b, c}) p.basis_.insert(p.basis_.end(), rows + i * dim, rows + (i + 1) * dim);
  return p;
}

Projection3 Projection3::pca(const float* all_rows, size_t n_all, size_t dim, uint64_t seed) {
  if (n_all == 0) throw UsageError("a 3-D projection needs at least one vector");
  // The axes of a large set are found on an even sample of 20,000 rows.
  const size_t stride = std::max<size_t>(1, n_all / 20000), n = (n_all + stride - 1) / stride;
  std::vector<float> sample;
  const float* rows = all_rows;
  if (stride > 1) {
    sample.reserve(n * dim);
    for (size_t r = 0; r < n_all; r += stride) sample.insert(sample.end(), all_rows + r * dim, all_rows + (r + 1) * dim);
    rows = sample.data();
  }
  Projection3 p;
  p.kind_ = Kind::Pca;
  p.dim_ = dim;
  std::vector<double> mean(dim, 0);
  for (size_t r = 0; r < n; ++r)
    for (size_t i = 0; i < dim; ++i) mean[i] += rows[r * dim + i];
  for (double& m : mean) m /= double(n);
  p.basis_.assign(mean.begin(), mean.end());
  // Power iteration for each axis, deflating the ones found: X^T X v without forming it.
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<std::vector<double>> axes;
  std::vector<double> centred(dim), next(dim);
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<double> v(dim);
    for (double& x : v) x = g(rng);
    for (int iter = 0; iter < 30; ++iter) {
      std::fill(next.begin(), next.end(), 0);
      for (size_t r = 0; r < n; ++r) {
        double dot = 0;
        for (size_t i = 0; i < dim; ++i) {
          centred[i] = rows[r * dim + i] - mean[i];
          dot += centred[i] * v[i];
        }
        for (size_t i = 0; i < dim; ++i) next[i] += dot * centred[i];
      }
      for (const auto& a : axes) {  // stay orthogonal to the axes already found
        double dot = 0;
        for (size_t i = 0; i < dim; ++i) dot += next[i] * a[i];
        for (size_t i = 0; i < dim; ++i) next[i] -= dot * a[i];
      }
      double norm = 0;
      for (double x : next) norm += x * x;
      norm = std::sqrt(norm);
      if (norm == 0) break;  // no variance left: keep the last direction
      for (size_t i = 0; i < dim; ++i) v[i] = next[i] / norm;
    }
    axes.push_back(v);
    p.basis_.insert(p.basis_.end(), v.begin(), v.end());
  }
  return p;
}

std::array<float, 3> Projection3::project(const float* x) const {
  std::array<float, 3> out{};
  if (kind_ == Kind::Anchors) {
    for (size_t a = 0; a < 3; ++a) out[a] = static_cast<float>(l2(x, basis_.data() + a * dim_, dim_));
    return out;
  }
  const float* mean = basis_.data();
  for (size_t a = 0; a < 3; ++a) {
    const float* axis = basis_.data() + (a + 1) * dim_;
    double s = 0;
    for (size_t i = 0; i < dim_; ++i) s += (double(x[i]) - mean[i]) * axis[i];
    out[a] = static_cast<float>(s);
  }
  return out;
}

std::vector<uint8_t> Projection3::to_bytes() const {
  std::vector<uint8_t> out(8 + basis_.size() * sizeof(float), 0);
  out[0] = static_cast<uint8_t>(kind_);
  const uint32_t d = static_cast<uint32_t>(dim_);
  std::memcpy(out.data() + 4, &d, 4);
  std::memcpy(out.data() + 8, basis_.data(), basis_.size() * sizeof(float));
  return out;
}

Projection3 Projection3::from_bytes(std::span<const uint8_t> bytes, size_t expected_dim) {
  if (bytes.size() < 8) throw FormatError("3-D projection: " + std::to_string(bytes.size()) + " bytes, fewer than its header");
  Projection3 p;
  if (bytes[0] != 1 && bytes[0] != 2) throw FormatError("3-D projection: unknown kind " + std::to_string(bytes[0]));
  p.kind_ = static_cast<Kind>(bytes[0]);
  uint32_t d;
  std::memcpy(&d, bytes.data() + 4, 4);
  if (d == 0 || d != expected_dim)
    throw FormatError("3-D projection: made for " + std::to_string(d) + " dimensions, the collection has " +
                      std::to_string(expected_dim));
  p.dim_ = d;
  const size_t floats = (p.kind_ == Kind::Anchors ? 3 : 4) * size_t{d};
  if (bytes.size() != 8 + floats * sizeof(float))
    throw FormatError("3-D projection: " + std::to_string(bytes.size()) + " bytes, expected " +
                      std::to_string(8 + floats * sizeof(float)));
  p.basis_.resize(floats);
  std::memcpy(p.basis_.data(), bytes.data() + 8, floats * sizeof(float));
  for (float x : p.basis_)
    if (!std::isfinite(x)) throw FormatError("3-D projection: a basis value is not finite");
  return p;
}

}  // namespace hart::vector
