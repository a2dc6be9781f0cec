// What the x86 CPU supports, asked once (CPUID traps to the hypervisor on virtual
// machines), and the three instruction-set paths the SIMD code of tensor/, formats/
// and vector/ is built for. The build targets the portable x86-64 baseline: SIMD
// functions carry target attributes and run only after these checks (never
// -march=native). Each folder decides which features its paths need.
#pragma once

namespace hart {

struct CpuFeatures {
  // __builtin_cpu_supports also checks that the OS saves the YMM/ZMM state.
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false;
  bool avxvnni = false;  // VEX-encoded VPDPBUSD/VPDPWSSD on 128/256 bits (CPUID 7.1 EAX bit 4)
};

const CpuFeatures& cpu_features();  // all false on other architectures

enum class SimdPath {
  Scalar,  // portable C++, the reference every other path is tested against
  Avx2,    // 256-bit
  Avx512,  // 512-bit
};

const char* simd_path_name(SimdPath p);  // "scalar", "avx2", "avx512"

// The widest path `supported` accepts (Scalar when it accepts neither SIMD path).
SimdPath widest_path(bool (*supported)(SimdPath));

}  // namespace hart
