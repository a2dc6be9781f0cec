// matvec / matmul against dequantize-then-dot, path against path, and thread
// counts against each other.
//
// Tolerances (u = 2^-24, the float unit roundoff). For output r of activation row c:
//   exact = sum_i w_i x_i          (w = hart::dequantize of the weights; double)
//   emul  = sum_i w_i xq_i         (xq = the quantized activations the kernel used)
// (A) Activation quantization. xq_i = d_b q_i with q_i = round(x_i / d_b), so
//     |x_i - xq_i| <= d_b/2 (x 1.0001 for the rounding of x_i * (1/d_b)), hence
//     |exact - emul| <= sum_b 0.5001 d_b sum_{i in b} |w_i|.   Checked for every output.
//     (For F32/F16/BF16 weights the activations are not quantized: emul = exact.)
// (B) Float evaluation. The kernel forms exact integer sums per block, then sums
//     K scaled terms in float (K = number of blocks; elements for float weights),
//     sequentially (scalar) or in lanes plus a final tree (SIMD). Each term is a
//     product of <= 3 roundings, so |y - emul| <= (K + 8) u S with
//     S = sum_i |w_i| |xq_i| (for types with a min, whose terms d*sc*q and dmin*m
//     are summed separately, S = sum_i (|w_i| + 2 |dmin m_i|) |xq_i|).
// Two paths are each within (B) of emul, so within twice (B) of each other.
// Any error in the integer dot (a wrong nibble, scale or offset) moves a result by
// about |w_i x_i| for some i, orders of magnitude above (B).
#include "tensor/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "formats/quant_blocks.h"
#include "tensor/interleave.h"
#include "tensor/kernel_data.h"
#include "util/error.h"

namespace hart::tensor {
namespace {

using test::dequantized;
using test::make_acts;
using test::make_weights;

// Every weight type with kernels (activations.cpp's table).
const DType kTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0, DType::Q4_0,
                        DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::IQ4_NL, DType::Q2_K,
                        DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS};
const Path kPaths[] = {Path::Scalar, Path::Avx2, Path::Avx2Vnni, Path::Avx512};
const Path kInterleavedPaths[] = {Path::Avx2, Path::Avx2Vnni, Path::Avx512};

std::vector<Path> supported_paths() {
  std::vector<Path> out;
  for (Path p : kPaths) {
    if (path_supported(p))
      out.push_back(p);
    else
      std::printf("[ SKIPPED  ] path %s: this CPU lacks it\n", path_name(p));
  }
  return out;
}

// The activations exactly as the kernel sees them (dequantized back to float).
std::vector<float> acts_as_used(DType t, const std::vector<float>& x, size_t n, size_t cols, Activations& a) {
  quantize_activations(act_format(t), x.data(), n, cols, a);
  if (a.format == ActFormat::F32) return x;
  std::vector<float> out(n * cols);
  const size_t b = act_block(a.format);
  for (size_t i = 0; i < n * cols; ++i) out[i] = a.d[i / b] * a.qs[i];
  return out;
}

// The quant bytes [first, end) of each block of the types with a min.
struct MinType {
  DType t;
  size_t first, end;
};
constexpr MinType kMinTypes[] = {
    {DType::Q4_1, 4, 20}, {DType::Q5_1, 4, 24}, {DType::Q2_K, 16, 80}, {DType::Q4_K, 16, 144}, {DType::Q5_K, 16, 176}};

// Per element: |min| of the block or sub-block the element is in (0 for types
// without one), found by dequantizing the blocks with all quants zeroed (then w =
// the min term alone).
std::vector<float> min_terms(DType t, const std::string& bytes, size_t n) {
  std::vector<float> out(n, 0.0f);
  const MinType* m = nullptr;
  for (const MinType& e : kMinTypes)
    if (e.t == t) m = &e;
  if (!m) return out;
  std::string z = bytes;
  const size_t bb = dtype_info(t).block_bytes;
  for (size_t b = 0; b < z.size() / bb; ++b) std::memset(z.data() + b * bb + m->first, 0, m->end - m->first);
  out = dequantized(t, z, n);
  for (float& v : out) v = std::fabs(v);
  return out;
}

struct Case {
  DType t;
  size_t rows, cols, n;
  bool raw = false;
};

std::string label(const Case& c, Path p) {
  return std::string(dtype_info(c.t).name) + (c.raw ? "(raw bytes)" : "") + " " + std::to_string(c.rows) + "x" +
         std::to_string(c.cols) + " n=" + std::to_string(c.n) + " path " + path_name(p);
}

size_t terms(DType t, size_t cols) {
  const size_t b = act_block(act_format(t));
  return b == 1 ? cols : cols / b;
}

// Runs one case on every path and checks (A), (B) and path agreement.
void check_case(const Case& c, ThreadPool& pool) {
  const std::string wbytes = make_weights(c.t, c.rows, c.cols, 1000 + c.rows + c.cols, c.raw);
  const std::vector<float> w = dequantized(c.t, wbytes, c.rows * c.cols);
  const std::vector<float> mins = min_terms(c.t, wbytes, c.rows * c.cols);
  const std::vector<float> x = make_acts(c.n * c.cols, 7 + c.n);
  Activations a;
  const std::vector<float> xq = acts_as_used(c.t, x, c.n, c.cols, a);
  const Weights W{c.t, wbytes.data(), c.rows, c.cols};
  const double u = std::ldexp(1.0, -24), K = double(terms(c.t, c.cols));
  const size_t blk = act_block(a.format);

  auto check = [&](const Weights& W, Path p, const std::string& what) {
    std::vector<float> y(c.n * c.rows, NAN);
    if (c.n == 1)
      matvec(p, W, x.data(), y.data(), pool);
    else
      matmul(p, W, x.data(), c.n, y.data(), pool);
    for (size_t j = 0; j < c.n; ++j)
      for (size_t r = 0; r < c.rows; ++r) {
        const float* wr = w.data() + r * c.cols;
        const float* mr = mins.data() + r * c.cols;
        double exact = 0, emul = 0, S = 0, boundA = 0;
        for (size_t i = 0; i < c.cols; ++i) {
          exact += double(wr[i]) * x[j * c.cols + i];
          emul += double(wr[i]) * xq[j * c.cols + i];
          S += (std::fabs(wr[i]) + 2.0 * mr[i]) * std::fabs(xq[j * c.cols + i]);
          if (blk > 1) boundA += 0.5001 * a.d[(j * c.cols + i) / blk] * std::fabs(wr[i]);
        }
        const double boundB = (K + 8) * u * S;
        const float got = y[j * c.rows + r];
        ASSERT_LE(std::fabs(exact - emul), boundA) << "(A) " << what << " row " << r << " act " << j;
        ASSERT_LE(std::fabs(got - emul), boundB)
            << "(B) " << what << " row " << r << " act " << j << ": got " << got << ", dequantized dot " << emul
            << " (exact " << exact << ")";
      }
  };
  for (Path p : supported_paths()) check(W, p, label(c, p));
  // The same weights re-laid 16 rows side by side, as LoadedModel does for the
  // paths with interleaved kernels.
  if (interleave_pays(c.t, c.rows, c.cols)) {
    std::string inter = wbytes;
    interleave(c.t, reinterpret_cast<uint8_t*>(inter.data()), c.rows, c.cols);
    for (Path p : kInterleavedPaths)
      if (path_supported(p)) check({c.t, inter.data(), c.rows, c.cols, true}, p, label(c, p) + " interleaved");
  }
}

TEST(Matmul, EveryTypeAndPathMatchesDequantizeThenDot) {
  ThreadPool pool(2);
  for (DType t : kTypes)
    for (size_t n : {1, 5}) check_case({t, 37, 512, n}, pool);
}

// Rows in groups of 16: Q8_0, Q4_0 and Q4_K also run interleaved (tile edges n = 1..9).
TEST(Matmul, InterleavedQ8_0Q4_0AndQ4_KMatchDequantizeThenDot) {
  if (!path_supported(Path::Avx2))
    GTEST_SKIP() << "interleaved kernels need AVX2, which this CPU lacks";
  ThreadPool pool(3);
  for (DType t : {DType::Q8_0, DType::Q4_0})
    for (size_t n : {1, 2, 3, 4, 5, 9}) check_case({t, 48, 320, n}, pool);
  for (size_t n : {1, 2, 3, 4, 5, 9}) check_case({DType::Q4_K, 48, 512, n}, pool);
}

// Interleaving is a permutation: every plain row comes back, byte for byte, from any
// bytes (Q4_K's packed 6-bit scales and mins included).
TEST(Matmul, InterleavedRowsDeinterleaveToThePlainBytes) {
  uint32_t seed = 4242;
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_K}) {
    const size_t rows = 32, cols = 512, row_bytes = dtype_info(t).block_bytes * cols / dtype_info(t).block_elems;
    std::string plain(rows * row_bytes, '\0');
    for (char& ch : plain) ch = static_cast<char>((seed = seed * 1664525u + 1013904223u) >> 24);
    std::string inter = plain;
    interleave(t, reinterpret_cast<uint8_t*>(inter.data()), rows, cols);
    EXPECT_NE(inter, plain) << dtype_info(t).name;
    std::string back(rows * row_bytes, '\0');
    for (size_t r = 0; r < rows; ++r)
      deinterleave_row(t, reinterpret_cast<const uint8_t*>(inter.data()), cols, r,
                       reinterpret_cast<uint8_t*>(back.data()) + r * row_bytes);
    EXPECT_EQ(back, plain) << dtype_info(t).name;
  }
}

TEST(Matmul, RandomByteQ8_0AndQ4_0Blocks) {  // Q8_0 quants of -128, every nibble value
  ThreadPool pool(2);
  for (DType t : {DType::Q8_0, DType::Q4_0})
    for (size_t n : {1, 6}) check_case({t, 19, 256, n, true}, pool), check_case({t, 32, 256, n, true}, pool);
}

TEST(Matmul, OddSizes) {
  ThreadPool pool(3);
  for (DType t : kTypes) {
    const size_t b = dtype_info(t).block_elems == 1 ? 32 : dtype_info(t).block_elems;
    for (size_t rows : {1, 2, 3, 5}) check_case({t, rows, b, 1}, pool);  // one block per row
    for (size_t n : {2, 3, 4, 9}) check_case({t, 7, 3 * b, n}, pool);    // tile edges
  }
  for (DType t : {DType::F32, DType::F16, DType::BF16})  // vector tails
    for (size_t cols : {1, 7, 8, 15, 16, 17, 31, 33, 47, 100}) check_case({t, 3, cols, 2}, pool);
}

// Thread counts 1, 2, 3, 8 give the same bits on every path: each output is
// computed by one thread, the same way whatever rows that thread owns.
TEST(Matmul, ThreadCountsGiveIdenticalResults) {
  std::vector<ThreadPool*> pools;
  ThreadPool p1(1), p2(2), p3(3), p8(8);
  for (DType t : kTypes)
    for (Path p : supported_paths())
      for (size_t n : {1, 7}) {
        const size_t rows = 43, cols = 512;
        const std::string wb = make_weights(t, rows, cols, 99);
        const std::vector<float> x = make_acts(n * cols, 5);
        const Weights W{t, wb.data(), rows, cols};
        std::vector<std::vector<float>> ys;
        for (ThreadPool* pool : {&p1, &p2, &p3, &p8}) {
          std::vector<float> y(n * rows);
          matmul(p, W, x.data(), n, y.data(), *pool);
          ys.push_back(y);
        }
        for (size_t k = 1; k < ys.size(); ++k)
          ASSERT_EQ(0, std::memcmp(ys[0].data(), ys[k].data(), ys[0].size() * 4))
              << dtype_info(t).name << " path " << path_name(p) << " n " << n << " pool #" << k;
        // one row and more threads than rows
        std::vector<float> y1(n), y8(n);
        const Weights one{t, wb.data(), 1, cols};
        matmul(p, one, x.data(), n, y1.data(), p1);
        matmul(p, one, x.data(), n, y8.data(), p8);
        ASSERT_EQ(0, std::memcmp(y1.data(), y8.data(), n * 4)) << dtype_info(t).name;
        ASSERT_EQ(y1[0], ys[0][0]);  // and a row computes the same alone as among others
      }
}

TEST(Matmul, InterleavedThreadCountsGiveIdenticalResults) {
  ThreadPool p1(1), p2(2), p3(3), p8(8);
  for (Path path : kInterleavedPaths) {
    if (!path_supported(path)) {
      std::printf("[ SKIPPED  ] interleaved kernels on path %s: this CPU lacks it\n", path_name(path));
      continue;
    }
    for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_K})
      for (size_t n : {1, 7}) {
        const size_t rows = 80, cols = 512;
        std::string wb = make_weights(t, rows, cols, 99);
        interleave(t, reinterpret_cast<uint8_t*>(wb.data()), rows, cols);
        const std::vector<float> x = make_acts(n * cols, 5);
        std::vector<std::vector<float>> ys;
        for (ThreadPool* pool : {&p1, &p2, &p3, &p8}) {
          std::vector<float> y(n * rows);
          matmul(path, {t, wb.data(), rows, cols, true}, x.data(), n, y.data(), *pool);
          ys.push_back(y);
        }
        for (size_t k = 1; k < ys.size(); ++k)
          ASSERT_EQ(0, std::memcmp(ys[0].data(), ys[k].data(), ys[0].size() * 4))
              << dtype_info(t).name << " path " << path_name(path) << " n " << n;
      }
  }
}

// AVX-VNNI's one-instruction dots give the same integers as maddubs + madd (the
// kernels never saturate maddubs), so the two AVX2 paths agree bit for bit.
TEST(Matmul, Avx2VnniEqualsAvx2) {
  if (!path_supported(Path::Avx2Vnni)) GTEST_SKIP() << "this CPU lacks AVX-VNNI";
  ThreadPool pool(2);
  for (DType t : kTypes)
    for (size_t n : {1, 6}) {
      const size_t rows = 19, cols = 768;
      const std::string wb = make_weights(t, rows, cols, 11, true);
      const std::vector<float> x = make_acts(n * cols, 12);
      std::vector<float> a(n * rows), b(n * rows);
      matmul(Path::Avx2, {t, wb.data(), rows, cols}, x.data(), n, a.data(), pool);
      matmul(Path::Avx2Vnni, {t, wb.data(), rows, cols}, x.data(), n, b.data(), pool);
      ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4)) << dtype_info(t).name << " n " << n;
    }
}

TEST(Matmul, MatvecEqualsMatmulOfOneRowAndPreparedActivations) {
  ThreadPool pool(2);
  for (DType t : kTypes) {
    const size_t rows = 21, cols = 256;
    const std::string wb = make_weights(t, rows, cols, 3);
    const std::vector<float> x = make_acts(cols, 4);
    const Weights W{t, wb.data(), rows, cols};
    std::vector<float> a(rows), b(rows), c(rows);
    matvec(W, x.data(), a.data(), pool);
    matmul(W, x.data(), 1, b.data(), pool);
    Activations acts;
    quantize_activations(act_format(t), x.data(), 1, cols, acts);
    matmul(W, acts, c.data(), pool);
    EXPECT_EQ(a, b) << dtype_info(t).name;
    EXPECT_EQ(a, c) << dtype_info(t).name;
  }
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Matmul, ErrorsNameTheProblem) {
  ThreadPool pool(1);
  std::vector<float> x(512), y(4);
  std::string bytes(4096, '\0');
  EXPECT_NE(error_of([&] { matvec({DType::Q8_1, bytes.data(), 1, 256}, x.data(), y.data(), pool); }).find("Q8_1"),
            std::string::npos);
  EXPECT_NE(error_of([&] { matvec({DType::Q4_0, bytes.data(), 1, 48}, x.data(), y.data(), pool); }).find("48"),
            std::string::npos);
  Activations a;
  quantize_activations(ActFormat::Q8_0, x.data(), 1, 256, a);
  EXPECT_NE(error_of([&] { matmul({DType::Q6_K, bytes.data(), 1, 256}, a, y.data(), pool); }).find("wrong form"),
            std::string::npos);
  EXPECT_NE(error_of([&] { matmul({DType::Q8_0, bytes.data(), 1, 512}, a, y.data(), pool); }).find("256"),
            std::string::npos);
  EXPECT_NE(error_of([&] { quantize_activations(ActFormat::Q8_K, x.data(), 1, 100, a); }).find("100"),
            std::string::npos);
  const Weights inter{DType::Q8_0, bytes.data(), 16, 32, true};
  EXPECT_NE(error_of([&] { matvec(Path::Scalar, inter, x.data(), y.data(), pool); }).find("avx512"), std::string::npos);
  EXPECT_NE(error_of([&] { interleave(DType::Q5_K, reinterpret_cast<uint8_t*>(bytes.data()), 16, 256); }).find("Q5_K"),
            std::string::npos);
}

}  // namespace
}  // namespace hart::tensor
