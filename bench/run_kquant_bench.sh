#!/usr/bin/env bash
# K-quant models beside llama-bench on both instruction sets ("Run the models people
# bring", requirement 9): prompt processing and generation of a ~110M-parameter
# Llama-shaped model with random weights quantized by llama.cpp's llama-quantize to
# Q4_K_M and Q5_K_M (the mixes people download), run by run_inference_bench.sh twice:
#
#   1. llama.cpp built AVX2-only   beside our kernels capped at avx2   (HART_CPU_PATH=avx2)
#   2. llama.cpp built with AVX-512 (VNNI, BF16; no AMX, which faults on some machines)
#      beside our avx512 kernels
#
# Both sides use an F16 KV cache (llama-bench's default; ours: --cache-type f16), the
# same GGUF files and thread counts; every row's target is >= 1.0x.
#
# Usage: bench/run_kquant_bench.sh [--quick]
#   HART_BUILD            build directory with bench/hart-infer-bench and bench/hart-synth
#   LLAMA_BENCH_AVX2      llama-bench of the AVX2-only build (run_inference_bench.sh --help
#                         shows the cmake line)
#   LLAMA_BENCH_AVX512    llama-bench of a build configured the same way but with
#                         -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON
#                         -DGGML_AVX512_VBMI=ON (AMX still off)
#   LLAMA_QUANTIZE        llama.cpp's llama-quantize (either build)
#   HART_BENCH_ROUNDS, HART_BENCH_REPS, HART_BENCH_THREADS  as in run_inference_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench_common.sh
bench_args "$@"
quick=()
(( QUICK )) && quick=(--quick)
for need in LLAMA_BENCH_AVX2 LLAMA_BENCH_AVX512 LLAMA_QUANTIZE; do
  if [[ -z "${!need:-}" || ! -x "${!need}" ]]; then
    echo "run_kquant_bench.sh: $need must name an executable (see --help)" >&2
    exit 1
  fi
done
export HART_BENCH_DTYPES="Q4_K_M Q5_K_M" HART_BENCH_STORIES=0 HART_BENCH_CACHE=f16 HART_BENCH_PP_TARGET=1.0
for pair in "avx2:$LLAMA_BENCH_AVX2" "avx512:$LLAMA_BENCH_AVX512"; do
  echo "######## llama.cpp ${pair#*:} beside our ${pair%%:*} kernels"
  HART_CPU_PATH=${pair%%:*} LLAMA_BENCH=${pair#*:} bash bench/run_inference_bench.sh "${quick[@]}"
  echo
done
