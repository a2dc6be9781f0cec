// Bulk half / bfloat16 -> float conversion, and float -> half (an F16 KV cache). The SIMD paths are chosen once at run
// time from what the CPU supports (the build targets the portable baseline), and
// every path gives the same bits as the scalar f16_to_f32 / bf16_to_f32.
// Sources may sit at any byte address (safetensors offsets need not be even).
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/cpu_features.h"

namespace hart::half {

// Avx2 needs AVX2 + F16C here; Avx512 needs AVX-512F.
using Path = SimdPath;

Path best_path();                 // the path the plain functions below use
bool path_supported(Path p);      // whether this CPU can run `p`
inline const char* path_name(Path p) { return simd_path_name(p); }

void f16_to_f32_row(const void* src, float* dst, size_t n);
void bf16_to_f32_row(const void* src, float* dst, size_t n);
void f32_to_f16_row(const float* src, uint16_t* dst, size_t n);  // round to nearest even, as f32_to_f16

// The same with an explicit path (tests compare paths); `p` must be supported.
void f16_to_f32_row(Path p, const void* src, float* dst, size_t n);
void bf16_to_f32_row(Path p, const void* src, float* dst, size_t n);
void f32_to_f16_row(Path p, const float* src, uint16_t* dst, size_t n);

}  // namespace hart::half
