#!/usr/bin/env bash
# Inference benchmark ("Inference inside the database", requirement 8): prompt
# processing (pp) and generation (tg) tokens/s of the engine against llama.cpp's
# llama-bench, on the same GGUF files and thread counts (1 and 2), measured side by
# side in the same run (runs alternate; medians of REPS repetitions per run, then
# the median of ROUNDS runs):
#
#   models   stories260K (../shared/data/stories260K/stories260K.gguf, F32) and a
#            ~110M-parameter Llama-shaped model with random weights written by
#            hart-synth in F32, Q8_0 and Q4_0 (12 blocks, dim 768, ffn 2048, 12 heads,
#            vocab 32000, tied embeddings: 109,529,856 parameters)
#   tests    pp64, pp512 (one batched eval of N tokens), tg128 (128 single-token evals
#            from an empty cache), exactly as llama-bench -p 64,512 -n 128 runs them
#   targets  tg >= 1.0x llama.cpp, pp >= 0.8x llama.cpp; peak RSS of the measuring
#            process <= 1.3 x (model tensor bytes + F32 KV cache bytes for the 512
#            positions pp512 fills: n_layer * 2 * 512 * kv_dim * 4)
#
# Our side: bench/hart-infer-bench. Each model is ingested once (a separate process);
# every measurement is its own process that loads the stored model from the
# database (load_stored_model, make_causal_lm), so its peak RSS (getrusage) is that
# model's alone.
#
# Usage: bench/run_inference_bench.sh [--quick]
#   HART_BUILD    build directory holding bench/hart-infer-bench and bench/hart-synth
#                 (default ./build); this script builds nothing:
#                 ninja -C "$HART_BUILD" hart-infer-bench hart-synth
#   LLAMA_BENCH   path to llama.cpp's llama-bench (the anchor). Unset or missing: our
#                 side still runs and the llama.cpp column says "not run".
#   HART_BENCH_ROUNDS  alternating rounds per configuration (default 3; --quick: 1)
#   HART_BENCH_REPS    repetitions per run, both sides (default 5; --quick: 2)
#   STORIES_GGUF  stories260K.gguf (default ../shared/data/stories260K/stories260K.gguf;
#                 HART_BENCH_STORIES=0 leaves it out)
#   HART_BENCH_DTYPES  the synthetic model's types (default "F32 Q8_0 Q4_0"); llama.cpp's
#                 mixes such as Q4_K_M and Q5_K_M are made from the F16 model by
#                 LLAMA_QUANTIZE (llama.cpp's llama-quantize, built beside llama-bench)
#   HART_BENCH_THREADS  thread counts (default "1 2")
#   HART_BENCH_CACHE    our KV cache type, f32 (default) or f16 (llama-bench's default)
#   HART_BENCH_PP_TARGET  the pp rows' target ratio (default 0.8; tg rows: 1.0)
#   HART_CPU_PATH caps our kernel path (avx2 against an AVX2-only llama.cpp build)
#   TMPDIR        where the generated models and the database go (~1.3 GB)
#   --quick       a small synthetic model, 1 round, 2 repetitions: a smoke test
#
# Building llama-bench (never inside this repository): take llama.cpp's sources
# (https://github.com/ggml-org/llama.cpp, or a mirror) into a folder outside the
# repository, e.g. /work/llama.cpp-build/src, then configure a CPU-only Release build
# with the portable AVX2 set and no AVX-512 or AMX (AMX tile instructions fault on
# some virtual machines; a -march=native build can die with "Illegal instruction"):
#
#   cmake -S /work/llama.cpp-build/src -B /work/llama.cpp-build/build -G Ninja \
#     -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON \
#     -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF \
#     -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
#     -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
#     -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF \
#     -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF
#   cmake --build /work/llama.cpp-build/build --target llama-bench -j2
#   export LLAMA_BENCH=/work/llama.cpp-build/build/bin/llama-bench
#
# Note: the engine picks its kernels at run time (AVX-512 + VNNI where the CPU has
# them, else AVX2); the llama.cpp build above is AVX2-only. The header line prints
# the path the engine used.
set -euo pipefail
export LC_ALL=C

source "$(dirname "$0")/bench_common.sh"
bench_args "$@"

BUILD=${HART_BUILD:-./build}
IBENCH=$BUILD/bench/hart-infer-bench
SYNTH=$BUILD/bench/hart-synth
bench_require_exe "$BUILD" bench/hart-infer-bench bench/hart-synth

ANCHOR=1
LLAMA_BENCH=${LLAMA_BENCH:-}
if [[ -z "$LLAMA_BENCH" || ! -x "$LLAMA_BENCH" ]]; then
  ANCHOR=0
  {
    if [[ -z "$LLAMA_BENCH" ]]; then echo "run_inference_bench.sh: LLAMA_BENCH is not set."
    else echo "run_inference_bench.sh: LLAMA_BENCH=$LLAMA_BENCH is not an executable."; fi
    echo "The llama.cpp column will say 'not run'. To build llama-bench:"
    sed -n '/^# Building llama-bench/,/^# Note:/p' "$0" | sed '$d; s/^# \{0,1\}//'
  } >&2
fi
TIME_BIN=""
[[ -x /usr/bin/time ]] && TIME_BIN=/usr/bin/time

if (( QUICK )); then
  ROUNDS=1
  REPS=2
  SHAPE=(--layers 2 --dim 256 --ffn 768 --vocab 4096 --heads 4 --kv-heads 4 --tied-embeddings --seed 42)
  SYNTH_LABEL="small synthetic"
else
  ROUNDS=${HART_BENCH_ROUNDS:-3}
  REPS=${HART_BENCH_REPS:-5}
  SHAPE=(--layers 12 --dim 768 --ffn 2048 --vocab 32000 --heads 12 --kv-heads 12 --tied-embeddings --seed 42)
  SYNTH_LABEL="synth-110M"
fi
PP=64,512
TG=128
read -r -a THREADS <<<"${HART_BENCH_THREADS:-1 2}"
read -r -a DTYPES <<<"${HART_BENCH_DTYPES:-F32 Q8_0 Q4_0}"
CACHE=${HART_BENCH_CACHE:-f32}
PP_TARGET=${HART_BENCH_PP_TARGET:-0.8}
LLAMA_QUANTIZE=${LLAMA_QUANTIZE:-}
STORIES=${STORIES_GGUF:-../shared/data/stories260K/stories260K.gguf}

SCRIPT_START=$EPOCHREALTIME
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hart-infer-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
DB=$TMP/bench.db

# ---------------------------------------------------------------- helpers
mb() { calc '%.1f' "$1 / 1e6"; }

echo "== Hartonomous inference benchmark vs llama.cpp llama-bench ($( ((QUICK)) && echo 'QUICK: smoke test, not a measurement' || echo "$ROUNDS alternating rounds x $REPS repetitions, medians"))"
echo "host: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "build: $BUILD"
if (( ANCHOR )); then
  echo "llama-bench: $LLAMA_BENCH"
else
  echo "llama-bench: not run (LLAMA_BENCH unset or not executable; see above)"
fi

# ---------------------------------------------------------------- models
# Each entry: name|file|dtype
MODELS=()
if [[ "${HART_BENCH_STORIES:-1}" == 0 ]]; then :
elif [[ -f "$STORIES" ]]; then
  MODELS+=("stories260K|$STORIES|F32")
else
  echo "note: $STORIES not found; stories260K rows are skipped"
fi
for dtype in "${DTYPES[@]}"; do
  file=$TMP/synth-$dtype.gguf
  case "$dtype" in
    *_K_*|*_K)  # a llama.cpp mix: quantized from the F16 model by llama-quantize
      if [[ -z "$LLAMA_QUANTIZE" || ! -x "$LLAMA_QUANTIZE" ]]; then
        echo "run_inference_bench.sh: $dtype needs LLAMA_QUANTIZE (llama.cpp's llama-quantize)" >&2; exit 1
      fi
      f16=$TMP/synth-F16.gguf
      [[ -f "$f16" ]] || "$SYNTH" --out "$f16" --dtype F16 --name "$SYNTH_LABEL" "${SHAPE[@]}" >/dev/null
      "$LLAMA_QUANTIZE" "$f16" "$file" "$dtype" >"$TMP/quantize.log" 2>&1 || {
        echo "run_inference_bench.sh: llama-quantize failed:" >&2; tail -n 20 "$TMP/quantize.log" >&2; exit 1; }
      echo "model: hart-synth --dtype F16 ${SHAPE[*]}, then llama-quantize FILE OUT $dtype"
      echo "       file $(stat -c %s "$file") bytes"
      ;;
    *)
      GEN=$("$SYNTH" --out "$file" --dtype "$dtype" --name "$SYNTH_LABEL" "${SHAPE[@]}")
      echo "model: hart-synth --dtype $dtype ${SHAPE[*]}"
      echo "       $(field parameters "$GEN") parameters, $(field tensor_bytes "$GEN") tensor bytes, file $(field file_bytes "$GEN") bytes"
      ;;
  esac
  MODELS+=("$SYNTH_LABEL-$dtype|$file|$dtype")
done
for m in "${MODELS[@]}"; do
  IFS='|' read -r name file dtype <<<"$m"
  ING=$("$IBENCH" --ingest-only --gguf "$file" --db "$DB" --name "$name")
  echo "ingested $name: $(field params "$ING") parameters, $(field tensor_bytes "$ING") tensor bytes, $(field seconds "$ING") s"
  cat "$file" >/dev/null  # page cache, for llama-bench's mmap
done

# ---------------------------------------------------------------- runs
declare -A OURS LLAMA MEMO LRSS INFO
TESTS=(pp64 pp512 tg128)
run_ours() {  # name threads
  local out=$TMP/ours.out
  "$IBENCH" --db "$DB" --model "$1" -t "$2" -p "$PP" -n "$TG" -r "$REPS" --cache-type "$CACHE" >"$out"
  local line t
  for t in "${TESTS[@]}"; do
    line=$(grep "^test name=$t " "$out" || true)
    [[ -n "$line" ]] && OURS[$1|$2|$t]+="$(field median_ts "$line") "
  done
  line=$(grep '^memory ' "$out")
  MEMO[$1|$2]+="$(field peak_rss_bytes "$line") "
  INFO[$1|mem]=$line
  INFO[$1|model]=$(grep '^model ' "$out")
  LAST_OURS=$out
}
run_llama() {  # file name threads
  local json=$TMP/llama.json rss=$TMP/llama.rss
  local cmd=("$LLAMA_BENCH" -m "$1" -p "$PP" -n "$TG" -t "$3" -r "$REPS" -o json)
  if [[ -n "$TIME_BIN" ]]; then "$TIME_BIN" -f '%M' -o "$rss" "${cmd[@]}" >"$json" 2>"$TMP/llama.err"
  else "${cmd[@]}" >"$json" 2>"$TMP/llama.err"; fi || {
    echo "run_inference_bench.sh: llama-bench failed on $1:" >&2; tail -n 20 "$TMP/llama.err" >&2; exit 1; }
  local t samples
  while read -r t samples; do
    LLAMA[$2|$3|$t]+="$(median ${samples//,/ }) "
  done < <(jq -r '.[] | "\(if .n_prompt > 0 then "pp\(.n_prompt)" else "tg\(.n_gen)" end) \(.samples_ts | map(tostring) | join(","))"' "$json")
  [[ -n "$TIME_BIN" ]] && LRSS[$2|$3]+="$(( $(tail -n1 "$rss") * 1024 )) "
  LLAMA_INFO=$(jq -r '.[0] | "build \(.build_number) (\(.build_commit)), \(.backends), \(.cpu_info), type_k \(.type_k), flash_attn \(.flash_attn), n_batch \(.n_batch), n_ubatch \(.n_ubatch)"' "$json")
  return 0
}
last() { local a=($1); echo "${a[-1]}"; }

echo
echo "-- runs (tokens/s, median of $REPS repetitions each; ours / llama.cpp)"
for m in "${MODELS[@]}"; do
  IFS='|' read -r name file dtype <<<"$m"
  for T in "${THREADS[@]}"; do
    for (( r = 1; r <= ROUNDS; r++ )); do
      if (( ! ANCHOR )); then run_ours "$name" "$T"
      elif (( r % 2 )); then run_llama "$file" "$name" "$T"; run_ours "$name" "$T"
      else run_ours "$name" "$T"; run_llama "$file" "$name" "$T"; fi
      line="   $name t=$T round $r:"
      for t in "${TESTS[@]}"; do
        o=${OURS[$name|$T|$t]:-}; l=${LLAMA[$name|$T|$t]:-}
        line+=$(printf ' %s %s/%s' "$t" "$( [[ -n "$o" ]] && calc '%.1f' "$(last "$o")" || echo -)" \
          "$( [[ -n "$l" ]] && calc '%.1f' "$(last "$l")" || echo -)")
      done
      echo "$line  (load $(cut -d' ' -f1 /proc/loadavg))"
    done
  done
done
echo "engine: $(field path "${INFO[${MODELS[0]%%|*}|model]}") kernels (hart-infer-bench's path=), $CACHE KV cache"
(( ANCHOR )) && echo "llama-bench: $LLAMA_INFO"

# ---------------------------------------------------------------- tables
echo
echo "== Speed (tokens/s, median of $ROUNDS rounds of median-of-$REPS; ratio = ours / llama.cpp)"
FMT='%-20s | %-6s | %-7s | %-6s | %10s | %12s | %7s | %-7s | %s\n'
printf "$FMT" model dtype threads test ours llama.cpp ratio target met?
printf '%s\n' "$(printf -- '-%.0s' {1..100})"
MISSES=0
for m in "${MODELS[@]}"; do
  IFS='|' read -r name file dtype <<<"$m"
  for T in "${THREADS[@]}"; do
    for t in "${TESTS[@]}"; do
      o=${OURS[$name|$T|$t]:-}
      [[ -z "$o" ]] && continue
      om=$(median $o)
      if [[ $t == tg* ]]; then target=1.0; else target=$PP_TARGET; fi
      if (( ANCHOR )) && [[ -n "${LLAMA[$name|$T|$t]:-}" ]]; then
        lm=$(median ${LLAMA[$name|$T|$t]})
        ratio=$(calc '%.2f' "$om / $lm")
        met=$(awk -v r="$om" -v l="$lm" -v g="$target" 'BEGIN { print (r / l >= g) ? "yes" : "NO" }')
        [[ $met == NO ]] && MISSES=$((MISSES + 1))
        lm=$(calc '%.1f' "$lm")
      else
        lm="not run"; ratio="-"; met="-"
      fi
      printf "$FMT" "$name" "$dtype" "$T" "$t" "$(calc '%.1f' "$om")" "$lm" "$ratio" ">= ${target}x" "$met"
    done
  done
done

echo
echo "== Peak memory of the measuring process (MB = 10^6 bytes; median of $ROUNDS runs)"
echo "   KV = our $CACHE cache for the 512 positions pp512 fills: n_layer * 2 * 512 * kv_dim * $([[ $CACHE == f16 ]] && echo 2 || echo 4) bytes"
echo "   budget = 1.3 x (tensor bytes + KV); 'base' = RSS before the model is loaded (binary, libraries, SQLite)"
echo "   llama-bench max RSS is for information (its whole run: mmapped file, F16 KV cache of n_prompt + n_gen cells)"
FMT2='%-20s | %-6s | %-7s | %9s | %7s | %9s | %9s | %6s | %-4s | %8s | %11s | %s\n'
printf "$FMT2" model dtype threads tensors KV budget "peak RSS" ratio met? "base" "after load" "llama-bench RSS"
printf '%s\n' "$(printf -- '-%.0s' {1..130})"
for m in "${MODELS[@]}"; do
  IFS='|' read -r name file dtype <<<"$m"
  mem=${INFO[$name|mem]}
  mbytes=$(field model_bytes "$mem"); kv=$(field kv_bytes "$mem"); budget=$(field budget_bytes "$mem")
  for T in "${THREADS[@]}"; do
    peak=$(median ${MEMO[$name|$T]})
    ratio=$(calc '%.2f' "$peak / ($mbytes + $kv)")
    met=$(awk -v p="$peak" -v b="$budget" 'BEGIN { print (p <= b) ? "yes" : "NO" }')
    [[ $met == NO ]] && MISSES=$((MISSES + 1))
    lr="not run"
    [[ -n "${LRSS[$name|$T]:-}" ]] && lr="$(mb "$(median ${LRSS[$name|$T]})")"
    printf "$FMT2" "$name" "$dtype" "$T" "$(mb "$mbytes")" "$(mb "$kv")" "$(mb "$budget")" "$(mb "$peak")" "$ratio" "$met" \
      "$(mb "$(field rss_before_load_bytes "$mem")")" "$(mb "$(field rss_after_load_bytes "$mem")")" "$lr"
  done
done

echo
echo "commands: ${HART_CPU_PATH:+HART_CPU_PATH=$HART_CPU_PATH }$IBENCH --db DB --model NAME -t T -p $PP -n $TG -r $REPS --cache-type $CACHE"
if (( ANCHOR )); then echo "          $LLAMA_BENCH -m FILE -p $PP -n $TG -t T -r $REPS -o json"; fi
echo "rows that miss their target: $MISSES"
echo "total script time: $(calc '%.1f' "$EPOCHREALTIME - $SCRIPT_START") s"
