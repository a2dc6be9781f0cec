// Activation quantization to Q8_0 / Q8_K blocks (see activations.h for the form).
#include "tensor/activations.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "tensor/cpu_path.h"
#include "util/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include "tensor/simd_x86.h"
#endif

namespace hart::tensor {
namespace {

// Round half to even for |v| < 2^22, as CVTPS2DQ does under the default MXCSR:
// adding 1.5 * 2^23 leaves no fraction bits, so the float add itself rounds.
inline int round_even(float v) { return static_cast<int>((v + 12582912.0f) - 12582912.0f); }

void quantize_block(const float* x, size_t b, int8_t* qs, float* d) {
  float amax = 0.0f;  // std::max(amax, NaN) keeps amax as std::fmax would, without a libm call per element
  for (size_t i = 0; i < b; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float scale = amax / 127.0f;
  const float inv = scale != 0.0f ? 1.0f / scale : 0.0f;
  *d = scale;
  for (size_t i = 0; i < b; ++i) qs[i] = static_cast<int8_t>(round_even(x[i] * inv));
}

void quantize_row_scalar(const float* x, size_t cols, size_t b, size_t g, int8_t* qs, float* d, int16_t* sums) {
  for (size_t i = 0; i < cols / b; ++i) quantize_block(x + i * b, b, qs + i * b, d + i);
  for (size_t i = 0; i < cols / g; ++i) {
    int s = 0;
    for (size_t j = 0; j < g; ++j) s += qs[i * g + j];
    sums[i] = static_cast<int16_t>(s);
  }
}

#ifdef HART_AVX2
// The same bits as quantize_row_scalar (max is exact, CVTPS2DQ rounds half to even as
// round_even does, the sums are integers), 32 elements a step: a prompt's activations
// are quantized before every matrix, and scalar code took 7% of a 512-token prompt.
HART_AVX2 void quantize_row_avx2(const float* x, size_t cols, size_t b, size_t g, int8_t* qs, float* d,
                                 int16_t* sums) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (size_t i = 0; i < cols / b; ++i) {
    const float* xb = x + i * b;
    __m256 mv = _mm256_setzero_ps();  // max(|x|, m) keeps m where x is NaN, as std::max does
    for (size_t j = 0; j < b; j += 8) mv = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(xb + j), abs_mask), mv);
    const float amax = simd::hmax(mv), scale = amax / 127.0f, inv = scale != 0.0f ? 1.0f / scale : 0.0f;
    d[i] = scale;
    const __m256 iv = _mm256_set1_ps(inv);
    for (size_t j = 0; j < b; j += 32) {
      __m256i q[4];
      HART_UNROLL for (int k = 0; k < 4; ++k) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + j + 8 * k), iv));
      const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
      const __m256i v = _mm256_permutevar8x32_epi32(packed, order);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + i * b + j), v);
      // sums of 4, then of 16 per 128-bit lane: one group of 16 per lane, or both for 32
      const __m256i s4 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), v), _mm256_set1_epi16(1));
      const __m256i s16 = _mm256_hadd_epi32(_mm256_hadd_epi32(s4, s4), s4);
      const int lo = _mm_cvtsi128_si32(_mm256_castsi256_si128(s16)), hi = _mm_cvtsi128_si32(_mm256_extracti128_si256(s16, 1));
      int16_t* out = sums + (i * b + j) / g;
      if (g == 16)
        out[0] = static_cast<int16_t>(lo), out[1] = static_cast<int16_t>(hi);
      else
        out[0] = static_cast<int16_t>(lo + hi);
    }
  }
}
#endif

using QuantizeRowFn = void (*)(const float*, size_t, size_t, size_t, int8_t*, float*, int16_t*);
QuantizeRowFn pick_quantize_row() {
#ifdef HART_AVX2
  if (best_path() != Path::Scalar) return quantize_row_avx2;
#endif
  return quantize_row_scalar;
}
const QuantizeRowFn quantize_row = pick_quantize_row();

// Every weight type with kernels, and the activations they multiply (as llama.cpp
// pairs them: 32-element types with Q8_0 blocks, 256-element ones with Q8_K).
struct WeightForm {
  DType type;
  ActFormat act;
};
constexpr WeightForm kForms[] = {
    {DType::F32, ActFormat::F32},    {DType::F16, ActFormat::F32},     {DType::BF16, ActFormat::F32},
    {DType::Q8_0, ActFormat::Q8_0},  {DType::Q4_0, ActFormat::Q8_0},   {DType::Q4_1, ActFormat::Q8_0},
    {DType::Q5_0, ActFormat::Q8_0},  {DType::Q5_1, ActFormat::Q8_0},   {DType::IQ4_NL, ActFormat::Q8_0},
    {DType::Q2_K, ActFormat::Q8_K},  {DType::Q3_K, ActFormat::Q8_K},   {DType::Q4_K, ActFormat::Q8_K},
    {DType::Q5_K, ActFormat::Q8_K},  {DType::Q6_K, ActFormat::Q8_K},   {DType::IQ4_XS, ActFormat::Q8_K},
};

}  // namespace

ActFormat act_format(DType t) {
  for (const WeightForm& f : kForms)
    if (f.type == t) return f.act;
  throw Error(std::string("tensor kernels: no matmul for weight type ") + dtype_info(t).name + " (supported: " +
              matmul_type_names() + ")");
}

std::string matmul_type_names() {
  std::string names;
  for (const WeightForm& f : kForms) names += std::string(names.empty() ? "" : " ") + dtype_info(f.type).name;
  return names;
}

size_t act_block(ActFormat f) { return f == ActFormat::Q8_0 ? 32 : f == ActFormat::Q8_K ? 256 : 1; }

namespace {

size_t sum_group(ActFormat f) { return f == ActFormat::Q8_0 ? 32 : 16; }

// Sizes `out` for n rows without filling it.
void prepare_activations(ActFormat f, size_t n, size_t cols, Activations& out) {
  const size_t b = act_block(f);
  if (cols % b)
    throw Error("tensor kernels: activation width " + std::to_string(cols) + " is not a multiple of " +
                std::to_string(b) + " (the block size)");
  out.format = f;
  out.n = n;
  out.cols = cols;
  out.f32 = nullptr;
  if (f == ActFormat::F32) return;
  out.qs.resize(n * cols);
  out.d.resize(n * cols / b);
  out.sums.resize(n * cols / sum_group(f));
}

// Quantizes row r of x into `out` (prepared for at least r+1 rows).
void quantize_activation_row(const float* x, size_t r, Activations& out) {
  const size_t b = act_block(out.format), g = sum_group(out.format), cols = out.cols;
  quantize_row(x, cols, b, g, out.qs.data() + r * cols, out.d.data() + r * cols / b, out.sums.data() + r * cols / g);
}

}  // namespace

void quantize_activations(ActFormat f, const float* x, size_t n, size_t cols, Activations& out, ThreadPool* pool) {
  prepare_activations(f, n, cols, out);
  if (f == ActFormat::F32) {
    out.f32 = x;
    return;
  }
  auto rows = [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) quantize_activation_row(x + r * cols, r, out);
  };
  if (pool && n > 1)
    pool->parallel_for(n, 1, rows);
  else
    rows(0, n);
}

}  // namespace hart::tensor
