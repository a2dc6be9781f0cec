// Which instruction-set path the tensor kernels run. Chosen once at run time from
// what the CPU supports (the build targets the portable x86-64 baseline); tests
// force each path explicitly. AMX is never used.
#pragma once
#include "util/cpu_features.h"

namespace hart::tensor {

// Scalar: the reference every other path is tested against.
// Avx2: AVX2 + FMA + F16C: maddubs/madd integer dots, 256-bit FMA.
// Avx512: AVX-512 F/BW/VL/DQ + VNNI: dpbusd/dpwssd integer dots, 512-bit FMA.
using Path = SimdPath;

Path best_path();              // the path the plain entry points use
bool path_supported(Path p);   // whether this CPU can run `p`
inline const char* path_name(Path p) { return simd_path_name(p); }

}  // namespace hart::tensor
