// Which instruction-set path the tensor kernels run. Chosen once at run time from
// what the CPU supports (the build targets the portable x86-64 baseline); tests
// force each path explicitly. AMX is never used.
#pragma once
#include "util/cpu_features.h"

// Before every loop over a kernel tile's rows, columns or accumulators: fully unrolled,
// the tile's accumulator arrays live in registers (at -O2 GCC keeps them on the stack,
// and the store-to-load chain through memory became the kernels' bottleneck).
#define HART_UNROLL _Pragma("GCC unroll 16")

namespace hart::tensor {

enum class Path {
  Scalar,    // portable C++: the reference every other path is tested against
  Avx2,      // AVX2 + FMA + F16C: maddubs/madd integer dots, 256-bit FMA
  Avx2Vnni,  // the same plus AVX-VNNI (VEX dpbusd/dpwssd): CPUs with it but without
             // the AVX-512 path (Alder Lake and later, Zen 5 desktop parts)
  Avx512,    // AVX-512 F/BW/VL/DQ + VNNI: 512-bit dpbusd/dpwssd and FMA
};

// The path the plain entry points use: the widest supported, or at most the one the
// environment variable HART_CPU_PATH names (scalar, avx2, avx2-vnni, avx512).
Path best_path();
bool path_supported(Path p);   // whether this CPU can run `p`
const char* path_name(Path p); // "scalar", "avx2", "avx2-vnni", "avx512"

}  // namespace hart::tensor
