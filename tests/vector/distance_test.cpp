// Every distance kernel this CPU can run against a double-precision reference on
// random data, for dimensions that exercise every tail length of every path.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "util/error.h"
#include "vector/distance.h"
#include "vector/space.h"
#include "vector/vector_test_util.h"

namespace hart::vector {
namespace {

using test::runnable_paths;
const SimdPath kAllPaths[] = {SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512};

std::vector<float> random_vector(std::mt19937& rng, size_t n, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

struct Reference {
  double value, magnitude;  // magnitude: sum of |terms|, which bounds float rounding error
};

Reference ref_l2(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return {s, s};
}

Reference ref_dot(const float* a, const float* b, size_t n) {
  double s = 0, m = 0;
  for (size_t i = 0; i < n; ++i) {
    s += double(a[i]) * b[i];
    m += std::fabs(double(a[i]) * b[i]);
  }
  return {s, m};
}

// Float sums of n terms are within about n * 2^-24 of the magnitude; the bound is loose
// enough for any summation order and tight enough to catch a wrong element.
void expect_near_ref(float got, Reference ref, size_t n, const std::string& what) {
  double tol = (n + 2) * 6e-8 * ref.magnitude + 1e-30;
  EXPECT_NEAR(got, ref.value, tol) << what;
}

const size_t kDims[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 127, 128, 129, 255, 384, 784, 1000, 1531};

TEST(DistanceKernels, EveryPathMatchesTheReferenceForEveryTail) {
  std::mt19937 rng(42);
  for (SimdPath p : runnable_paths()) {
    const DistanceKernels& k = distance_kernels(p);
    EXPECT_EQ(k.path, p);
    for (size_t n : kDims) {
      for (int rep = 0; rep < 3; ++rep) {
        // One float past an aligned start: loads must not assume alignment.
        std::vector<float> a = random_vector(rng, n + 1, 3.0f), b = random_vector(rng, n + 1, 3.0f);
        const float* pa = a.data() + 1;
        const float* pb = b.data() + 1;
        std::string what = std::string(simd_path_name(p)) + " n=" + std::to_string(n);
        expect_near_ref(k.l2_squared(pa, pb, n), ref_l2(pa, pb, n), n, what + " l2");
        expect_near_ref(k.dot(pa, pb, n), ref_dot(pa, pb, n), n, what + " dot");
      }
    }
  }
}

TEST(DistanceKernels, RowsKernelsGiveThePairKernelsValues) {
  std::mt19937 rng(7);
  for (SimdPath p : runnable_paths()) {
    const DistanceKernels& k = distance_kernels(p);
    for (size_t dim : {3, 16, 37, 128}) {
      const size_t n_rows = 11;
      std::vector<float> q = random_vector(rng, dim), rows = random_vector(rng, dim * n_rows);
      std::vector<float> l2(n_rows), dot(n_rows);
      k.l2_squared_rows(q.data(), rows.data(), n_rows, dim, l2.data());
      k.dot_rows(q.data(), rows.data(), n_rows, dim, dot.data());
      for (size_t r = 0; r < n_rows; ++r) {
        EXPECT_EQ(l2[r], k.l2_squared(q.data(), rows.data() + r * dim, dim)) << simd_path_name(p) << " row " << r;
        EXPECT_EQ(dot[r], k.dot(q.data(), rows.data() + r * dim, dim)) << simd_path_name(p) << " row " << r;
      }
    }
  }
}

TEST(DistanceKernels, IdenticalVectorsAreAtZeroAndLargeValuesStayExact) {
  // Integer-valued vectors (as SIFT's uint8 descriptors) sum exactly in float below 2^24.
  std::vector<float> a(128), b(128);
  for (size_t i = 0; i < 128; ++i) a[i] = float(i % 256), b[i] = float(255 - i % 256);
  double expect = 0;
  for (size_t i = 0; i < 128; ++i) expect += (a[i] - b[i]) * (a[i] - b[i]);
  for (SimdPath p : runnable_paths()) {
    const DistanceKernels& k = distance_kernels(p);
    EXPECT_EQ(k.l2_squared(a.data(), a.data(), 128), 0.0f) << simd_path_name(p);
    EXPECT_EQ(k.l2_squared(a.data(), b.data(), 128), float(expect)) << simd_path_name(p);
  }
}

TEST(DistanceKernels, BestPathIsTheWidestSupported) {
  SimdPath best = best_kernel();
  EXPECT_TRUE(kernel_supported(best));
  if (best == SimdPath::Scalar) {
    EXPECT_FALSE(kernel_supported(SimdPath::Avx2));
  }
  if (best == SimdPath::Avx2) {
    EXPECT_FALSE(kernel_supported(SimdPath::Avx512));
  }
  std::printf("best distance kernels here: %s\n", simd_path_name(best));
  for (SimdPath p : kAllPaths)
    if (!kernel_supported(p)) {
      EXPECT_THROW(distance_kernels(p), UsageError);
    }
}

TEST(Space, MetricsFollowTheirDefinitions) {
  std::mt19937 rng(3);
  for (SimdPath p : runnable_paths()) {
    for (size_t dim : {1, 13, 128}) {
      std::vector<float> a = random_vector(rng, dim), b = random_vector(rng, dim), pa(dim), pb(dim);
      Space l2(Metric::L2, dim, ElementType::F32, p), ip(Metric::InnerProduct, dim, ElementType::F32, p),
          cos(Metric::Cosine, dim, ElementType::F32, p);
      EXPECT_EQ(l2.path(), p);
      l2.prepare(a, pa.data(), "a");
      l2.prepare(b, pb.data(), "b");
      EXPECT_EQ(pa, a);  // l2 and ip store vectors unchanged
      expect_near_ref(l2.distance(pa.data(), pb.data()), ref_l2(a.data(), b.data(), dim), dim, "l2");
      Reference d = ref_dot(a.data(), b.data(), dim);
      EXPECT_NEAR(ip.distance(pa.data(), pb.data()), 1.0 - d.value, (dim + 2) * 6e-8 * (d.magnitude + 1));
      cos.prepare(a, pa.data(), "a");
      cos.prepare(b, pb.data(), "b");
      double na = 0, nb = 0;
      for (size_t i = 0; i < dim; ++i) na += double(a[i]) * a[i], nb += double(b[i]) * b[i];
      EXPECT_NEAR(cos.distance(pa.data(), pb.data()), 1.0 - d.value / std::sqrt(na * nb), 1e-5) << dim;
      EXPECT_NEAR(cos.distance(pa.data(), pa.data()), 0.0, 1e-6);
    }
  }
}

TEST(Space, CosineLeavesAZeroVectorAtDistanceOne) {
  Space cos(Metric::Cosine, 4);
  std::vector<float> zero(4, 0.0f), one{1, 2, 3, 4}, pz(4), po(4);
  cos.prepare(zero, pz.data(), "zero");
  cos.prepare(one, po.data(), "one");
  EXPECT_EQ(pz, zero);
  EXPECT_FLOAT_EQ(cos.distance(pz.data(), po.data()), 1.0f);
}

TEST(Space, BadInputIsRefusedWithTheProblemNamed) {
  EXPECT_THROW(Space(Metric::L2, 0), UsageError);
  EXPECT_THROW(Space(Metric::L2, Space::kMaxDim + 1), UsageError);
  EXPECT_THROW(Space(static_cast<Metric>(9), 4), UsageError);
  Space s(Metric::L2, 3);
  EXPECT_EQ(s.describe().substr(0, 16), "l2, 3 dims, f32,");
  float out[3];
  std::vector<float> two{1, 2}, nan{1, NAN, 3}, inf{1, 2, INFINITY};
  EXPECT_EQ(test::error_of<UsageError>([&] { s.prepare(two, out, "vector 7"); }),
            "vector 7: has 2 values, the space has 3 dimensions");
  std::string e = test::error_of<UsageError>([&] { s.prepare(nan, out, "query"); });
  EXPECT_NE(e.find("query: value 1 is not finite"), std::string::npos) << e;
  EXPECT_THROW(s.prepare(inf, out, "x"), UsageError);
  EXPECT_EQ(parse_metric("cosine"), Metric::Cosine);
  EXPECT_EQ(parse_metric("ip"), Metric::InnerProduct);
  EXPECT_EQ(test::error_of<UsageError>([] { parse_metric("manhattan"); }),
            "unknown vector metric 'manhattan' (known: l2, ip, cosine)");
}

}  // namespace
}  // namespace hart::vector
