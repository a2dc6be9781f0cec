#include "vector/space.h"

#include <cmath>

#include "util/error.h"

namespace hart::vector {

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::L2: return "l2";
    case Metric::InnerProduct: return "ip";
    case Metric::Cosine: return "cosine";
  }
  return "?";
}

Metric parse_metric(std::string_view name) {
  for (Metric m : {Metric::L2, Metric::InnerProduct, Metric::Cosine})
    if (name == metric_name(m)) return m;
  throw UsageError("unknown vector metric '" + std::string(name) + "' (known: l2, ip, cosine)");
}

const char* element_type_name(ElementType t) { return t == ElementType::F32 ? "f32" : "?"; }

Space::Space(Metric metric, size_t dim, ElementType type, SimdPath path)
    : metric_(metric), dim_(dim), type_(type), kernels_(&distance_kernels(path)) {
  if (dim == 0 || dim > kMaxDim)
    throw UsageError("vector space: dimension " + std::to_string(dim) + " is outside 1.." + std::to_string(kMaxDim));
  if (metric != Metric::L2 && metric != Metric::InnerProduct && metric != Metric::Cosine)
    throw UsageError("vector space: unknown metric code " + std::to_string(static_cast<uint32_t>(metric)));
  if (type != ElementType::F32)
    throw UsageError("vector space: unknown element type code " + std::to_string(static_cast<uint32_t>(type)));
}

std::string Space::describe() const {
  return std::string(metric_name(metric_)) + ", " + std::to_string(dim_) + " dims, " + element_type_name(type_) +
         ", " + simd_path_name(path()) + " kernels";
}

void Space::prepare(std::span<const float> v, float* out, std::string_view what) const {
  if (v.size() != dim_)
    throw UsageError(std::string(what) + ": has " + std::to_string(v.size()) + " values, the space has " +
                     std::to_string(dim_) + " dimensions");
  for (size_t i = 0; i < dim_; ++i)
    if (!std::isfinite(v[i]))
      throw UsageError(std::string(what) + ": value " + std::to_string(i) + " is not finite (" +
                       std::to_string(v[i]) + ")");
  double scale = 1;
  if (metric_ == Metric::Cosine) {
    double norm2 = 0;
    for (float x : v) norm2 += static_cast<double>(x) * x;
    if (norm2 > 0) scale = 1 / std::sqrt(norm2);
  }
  for (size_t i = 0; i < dim_; ++i) out[i] = static_cast<float>(v[i] * scale);
}

float Space::distance(const float* a, const float* b) const {
  if (metric_ == Metric::L2) return kernels_->l2_squared(a, b, dim_);
  return 1.0f - kernels_->dot(a, b, dim_);
}

void Space::distances(const float* query, const float* rows, size_t n_rows, float* out) const {
  if (metric_ == Metric::L2) return kernels_->l2_squared_rows(query, rows, n_rows, dim_, out);
  kernels_->dot_rows(query, rows, n_rows, dim_, out);
  for (size_t i = 0; i < n_rows; ++i) out[i] = 1.0f - out[i];
}

}  // namespace hart::vector
