// Validation, threading and cache blocking around the per-path block kernels.
#include "tensor/matmul.h"

#include <algorithm>
#include <string>

#include "tensor/gemm_kernels.h"
#include "tensor/interleave.h"
#include "util/error.h"

namespace hart::tensor {
namespace {

using detail::GemmArgs;
using detail::GemmBlockFn;
using detail::KernelTable;

// Path p's kernels for plain rows or for interleave.h's layout.
KernelTable kernels(Path p, bool interleaved) {
  switch (p) {
    case Path::Avx512: return interleaved ? detail::avx512_interleaved_kernels() : detail::avx512_kernels();
    case Path::Avx2Vnni: return interleaved ? detail::avx2_vnni_interleaved_kernels() : detail::avx2_vnni_kernels();
    case Path::Avx2: return interleaved ? detail::avx2_interleaved_kernels() : detail::avx2_kernels();
    case Path::Scalar: break;
  }
  return interleaved ? KernelTable{} : detail::scalar_kernels();
}

GemmBlockFn kernel(Path p, const Weights& w) {
  const DType t = w.type;
  if (!path_supported(p)) throw Error(std::string("tensor kernels: this CPU cannot run the ") + path_name(p) + " path");
  if (w.interleaved) {
    GemmBlockFn fn = kernels(p, true).find(t);
    if (!fn || w.rows % kInterleaveRows)
      throw Error(std::string("tensor kernels: interleaved ") + dtype_info(t).name +
                  " weights need the avx512, avx2-vnni or avx2 path, not " + path_name(p) + ", and rows in groups of 16");
    return fn;
  }
  act_format(t);  // throws naming an unsupported type
  GemmBlockFn fn = kernels(p, false).find(t);
  if (!fn) throw Error(std::string("tensor kernels: the ") + path_name(p) + " path has no kernel for " + dtype_info(t).name);
  return fn;
}

size_t row_bytes(const Weights& w) {
  act_format(w.type);
  auto b = dtype_row_bytes(w.type, w.cols);
  if (!b || w.cols == 0)
    throw Error("tensor kernels: a row of " + std::to_string(w.cols) + " " + dtype_info(w.type).name +
                " elements is not a whole, non-empty number of " +
                std::to_string(dtype_info(w.type).block_elems) + "-element blocks");
  return *b;
}

// Activation rows per cache block: about 512 KiB of them stay in L2 while a
// thread's weight rows stream past.
size_t act_chunk(const Activations& a) {
  const size_t bytes = a.format == ActFormat::F32 ? 4 * a.cols : a.cols + a.cols / 8;
  return std::max<size_t>(8, (512 << 10) / bytes);
}

// Below this many multiply-adds a hand-off to other threads costs more than it saves
// (measured: a 64 x 64 F32 matvec takes ~0.3 us on one core; a dispatch ~0.8 us).
constexpr size_t kInlineWork = size_t(1) << 15;

thread_local Activations tls_acts;  // activations_for's scratch: no allocation per call

void run(GemmBlockFn fn, const Weights& w, size_t rb, const Activations& a, float* y, ThreadPool& pool) {
  if (a.cols != w.cols)
    throw Error("tensor kernels: activations have " + std::to_string(a.cols) + " columns, weights " +
                std::to_string(w.cols));
  if (a.format != act_format(w.type))
    throw Error(std::string("tensor kernels: activations are in the wrong form for ") + dtype_info(w.type).name +
                " weights");
  const GemmArgs g{static_cast<const uint8_t*>(w.data), rb, w.cols, &a, y, w.rows};
  const size_t chunk = act_chunk(a), n = a.n;
  if (w.rows * w.cols * n < kInlineWork) return fn(g, 0, w.rows, 0, n);
  // Interleaved weights come in groups of 16 rows; others are split 4 rows at a time.
  pool.parallel_for(w.rows, w.interleaved ? kInterleaveRows : 4, [&](size_t r0, size_t r1) {
    for (size_t c0 = 0; c0 < n; c0 += chunk) fn(g, r0, r1, c0, std::min(n, c0 + chunk));
  });
}

// x's n rows in the form w multiplies, in this thread's scratch (reused: a prompt's
// activations are megabytes, and fresh pages cost a fault each), valid until the
// thread's next call.
const Activations& activations_for(const Weights& w, const float* x, size_t n, ThreadPool& pool) {
  quantize_activations(act_format(w.type), x, n, w.cols, tls_acts, &pool);
  return tls_acts;
}

}  // namespace

bool matmul_supported(DType t) { return detail::scalar_kernels().find(t) != nullptr; }

void matmul(Path p, const Weights& w, const Activations& a, float* y, ThreadPool& pool) {
  run(kernel(p, w), w, row_bytes(w), a, y, pool);
}

void matmul(Path p, const Weights& w, const float* x, size_t n, float* y, ThreadPool& pool) {
  const size_t rb = row_bytes(w);
  GemmBlockFn fn = kernel(p, w);
  run(fn, w, rb, activations_for(w, x, n, pool), y, pool);
}

void matmul(std::span<const Product> products, const float* x, size_t n, ThreadPool& pool) {
  const Path p = best_path();
  const Activations* a = nullptr;
  for (const Product& m : products) {
    const size_t rb = row_bytes(*m.w);
    GemmBlockFn fn = kernel(p, *m.w);
    if (!a || a->format != act_format(m.w->type) || a->cols != m.w->cols) a = &activations_for(*m.w, x, n, pool);
    run(fn, *m.w, rb, *a, m.y, pool);
  }
}

void matvec(Path p, const Weights& w, const float* x, float* y, ThreadPool& pool) {
  const size_t rb = row_bytes(w);
  GemmBlockFn fn = kernel(p, w);
  run(fn, w, rb, activations_for(w, x, 1, pool), y, pool);
}

void matvec(const Weights& w, const float* x, float* y, ThreadPool& pool) { matvec(best_path(), w, x, y, pool); }
void matmul(const Weights& w, const float* x, size_t n, float* y, ThreadPool& pool) {
  matmul(best_path(), w, x, n, y, pool);
}
void matmul(const Weights& w, const Activations& a, float* y, ThreadPool& pool) { matmul(best_path(), w, a, y, pool); }

}  // namespace hart::tensor
