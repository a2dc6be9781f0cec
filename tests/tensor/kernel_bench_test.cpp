// Throughput figures, run by hand (DISABLED_ so ctest skips them):
//   build/tests/test_tensor --gtest_also_run_disabled_tests --gtest_filter='KernelBench.*'
// Prints GFLOP/s (2 * rows * cols * n per call) and weight GB/s per type and path,
// from the fastest calls (the machine may be shared);
// Q8_0/Q4_0 also interleaved ("+il") on the paths with such kernels. Environment:
// HART_BENCH_TYPES="Q4_0 Q8_0" and HART_BENCH_PATHS="avx2 avx2-vnni" limit the
// runs; HART_BENCH_THREADS=1 runs one thread count.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tensor/interleave.h"
#include "tensor/kernel_data.h"
#include "tensor/matmul.h"

namespace hart::tensor {
namespace {

const DType kTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0, DType::Q4_0,
                        DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::IQ4_NL, DType::Q2_K,
                        DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS};

bool wanted(const char* env, const char* name) {
  const char* v = std::getenv(env);
  if (!v) return true;
  const std::string list = std::string(" ") + v + " ";
  return list.find(std::string(" ") + name + " ") != std::string::npos;
}
bool wanted(DType t) { return wanted("HART_BENCH_TYPES", dtype_info(t).name); }
bool wanted(Path p) { return path_supported(p) && wanted("HART_BENCH_PATHS", path_name(p)); }
std::vector<int> thread_counts() {
  const char* v = std::getenv("HART_BENCH_THREADS");
  return v ? std::vector<int>{std::atoi(v)} : std::vector<int>{1, 2};
}
// The layouts to time for (t, p): plain, and interleaved where a kernel reads it.
std::vector<bool> layouts(DType t, Path p, size_t rows, size_t cols) {
  if (p != Path::Scalar && (t == DType::Q8_0 || t == DType::Q4_0 || t == DType::Q4_K) && rows % 16 == 0 &&
      cols % 256 == 0)
    return {false, true};
  return {false};
}
std::string interleaved_copy(DType t, const std::string& w, size_t rows, size_t cols) {
  std::string out = w;
  interleave(t, reinterpret_cast<uint8_t*>(out.data()), rows, cols);
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Read bandwidth of this machine: sum a 1 GiB buffer (several passes, best one).
double read_gbps() {
  std::vector<uint64_t> buf(size_t(1) << 27, 1);
  double best = 0;
  for (int pass = 0; pass < 3; ++pass) {
    auto t0 = std::chrono::steady_clock::now();
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i < buf.size(); i += 4) s0 += buf[i], s1 += buf[i + 1], s2 += buf[i + 2], s3 += buf[i + 3];
    double t = seconds_since(t0);
    EXPECT_EQ(s0 + s1 + s2 + s3, buf.size());
    best = std::max(best, buf.size() * 8 / t / 1e9);
  }
  return best;
}

TEST(KernelBench, DISABLED_Matvec4096) {
  std::printf("memory read bandwidth (1 GiB sum, 1 thread): %.1f GB/s\n", read_gbps());
  const size_t rows = 4096, cols = 4096;
  const std::vector<float> x = test::make_acts(cols, 1);
  std::vector<float> y(rows);
  for (int threads : thread_counts()) {
    ThreadPool pool(threads);
    for (DType t : kTypes) {
      if (!wanted(t)) continue;
      const std::string plain = test::make_weights(t, rows, cols, 2);
      for (Path p : {Path::Scalar, Path::Avx2, Path::Avx2Vnni, Path::Avx512}) {
        if (!wanted(p) || (p == Path::Scalar && threads > 1)) continue;
        for (bool il : layouts(t, p, rows, cols)) {
          const std::string one = il ? interleaved_copy(t, plain, rows, cols) : plain;
          // "warm": one matrix again and again (it stays in the L2/L3 caches);
          // "cold": copies totalling >= 512 MiB in turn, so weights come from DRAM.
          const size_t copies = std::max<size_t>(1, (size_t(512) << 20) / one.size());
          std::string many;
          for (size_t i = 0; i < copies; ++i) many += one;
          double rate[2];  // calls per second of the fastest of 8 runs of 16 calls
          for (int cold = 0; cold < 2; ++cold) {
            double best = 1e9;
            for (int run = 0, calls = 0; run < 8; ++run) {
              auto t0 = std::chrono::steady_clock::now();
              for (int i = 0; i < 16; ++i, ++calls) {
                const char* wp = cold ? many.data() + (calls % copies) * one.size() : one.data();
                matvec(p, {t, wp, rows, cols, il}, x.data(), y.data(), pool);
              }
              best = std::min(best, seconds_since(t0) / 16);
            }
            rate[cold] = 1 / best;
          }
          std::printf(
              "matvec 4096x4096 %-6s %-9s %-3s %d thr: warm %8.3f ms %6.1f GFLOP/s %6.1f GB/s | cold %8.3f ms %6.1f GB/s\n",
              dtype_info(t).name, path_name(p), il ? "+il" : "", threads, 1e3 / rate[0],
              rate[0] * 2.0 * rows * cols / 1e9, rate[0] * one.size() / 1e9, 1e3 / rate[1], rate[1] * one.size() / 1e9);
        }
      }
    }
  }
}

TEST(KernelBench, DISABLED_Matmul512x4096x4096) {
  const size_t rows = 4096, cols = 4096, n = 512;
  const std::vector<float> x = test::make_acts(n * cols, 1);
  std::vector<float> y(n * rows);
  for (int threads : thread_counts()) {
    ThreadPool pool(threads);
    for (DType t : kTypes) {
      if (!wanted(t)) continue;
      const std::string plain = test::make_weights(t, rows, cols, 2);
      for (Path p : {Path::Avx2, Path::Avx2Vnni, Path::Avx512}) {
        if (!wanted(p)) continue;
        for (bool il : layouts(t, p, rows, cols)) {
          const std::string w = il ? interleaved_copy(t, plain, rows, cols) : plain;
          // The fastest call of those in about a second: on a shared machine the
          // mean mostly measures the neighbours.
          double s = 1e9;
          auto t0 = std::chrono::steady_clock::now();
          do {
            auto t1 = std::chrono::steady_clock::now();
            matmul(p, {t, w.data(), rows, cols, il}, x.data(), n, y.data(), pool);
            s = std::min(s, seconds_since(t1));
          } while (seconds_since(t0) < 1.0);
          std::printf("matmul 512x4096x4096 %-6s %-9s %-3s %d thr: %8.1f ms %7.1f GFLOP/s\n", dtype_info(t).name,
                      path_name(p), il ? "+il" : "", threads, s * 1e3, 2.0 * rows * cols * n / s / 1e9);
        }
      }
    }
  }
}

// The matrix-vector calls of one token of a stories260K-sized Llama (dim 64,
// hidden 172, 5 layers, vocab 512: 36 matvecs), F32 as that model is stored.
TEST(KernelBench, DISABLED_TinyModelTokenRate) {
  struct M { size_t rows, cols; std::string w; };
  std::vector<M> mats;
  for (int l = 0; l < 5; ++l) {
    for (int i = 0; i < 4; ++i) mats.push_back({64, 64, {}});
    mats.push_back({172, 64, {}});
    mats.push_back({172, 64, {}});
    mats.push_back({64, 172, {}});
  }
  mats.push_back({512, 64, {}});
  for (auto& m : mats) m.w = test::make_weights(DType::F32, m.rows, m.cols, 3);
  const std::vector<float> x = test::make_acts(172, 1);
  std::vector<float> y(512);
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    int tokens = 0;
    auto t0 = std::chrono::steady_clock::now();
    do {
      for (const auto& m : mats) matvec({DType::F32, m.w.data(), m.rows, m.cols}, x.data(), y.data(), pool);
      ++tokens;
    } while (seconds_since(t0) < 1.0);
    const double s = seconds_since(t0);
    std::printf("tiny model, %zu matvecs per token, %d thread(s): %.0f tokens/s (%.2f us per matvec)\n", mats.size(),
                threads, tokens / s, s / tokens / mats.size() * 1e6);
  }
}

}  // namespace
}  // namespace hart::tensor
