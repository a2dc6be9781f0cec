#!/usr/bin/env bash
# Serving benchmark: `hart serve` beside llama.cpp's llama-server, both serving the
# same GGUF with the same threads, slots and per-slot context, loaded by the same
# client (bench/node/server_load.mjs: the official `openai` npm package, C concurrent
# clients each sending R streamed /v1/completions one after another, temperature 0).
# Per run: aggregate completion tokens/s (all completion tokens / wall time), time to
# first token (TTFT) p50/p99 and request latency p50/p99, errors. Each client count
# runs ROUNDS times, alternating which server goes first; the table gives medians over
# the rounds.
#
#   model    MODEL_GGUF, or by default the ~110M-parameter Llama-shaped model with
#            random weights of run_inference_bench.sh (hart-synth F16: 12 blocks, dim
#            768, ffn 2048, 12 heads, vocab 32000, tied embeddings), quantized to
#            Q4_K_M by llama-quantize
#   ours     hart init DB; hart ingest DB FILE --name NAME; hart serve DB --port 0
#            --slots 16 --ctx-size 512 --threads THREADS --cache-type f16 --queue 64
#   anchor   llama-server -m FILE -t THREADS -tb THREADS -np 16 -c 16*512 (-c is the
#            total context the 16 slots share: 512 each, like ours; f16 KV cache, its
#            default)
#   client   node bench/node/server_load.mjs --clients C --requests R --max-tokens N
#            (first, not counted: a warm-up of max(CLIENTS) clients x 2 requests)
#
# Usage: bench/run_server_bench.sh [--quick]
#   HART_BUILD     build directory holding src/hart, src/hart-serve.so and
#                  bench/hart-synth (default ./build); this script builds nothing:
#                  ninja -C "$HART_BUILD" hart hart-synth
#   LLAMA_SERVER   path to llama.cpp's llama-server (the anchor). Unset or missing: our
#                  side still runs and the llama-server columns say "not run".
#   LLAMA_QUANTIZE llama.cpp's llama-quantize, needed to make the default model
#   MODEL_GGUF     a GGUF to serve instead of the default model (its file name, without
#                  .gguf, is the model name; default name synth-110M)
#   HART_CPU_PATH  caps our kernel path (avx2 against an AVX2-only llama.cpp build)
#   THREADS        forward-pass threads of both servers (default 2)
#   CLIENTS        concurrent client counts (default "1 4 16")
#   REQUESTS       requests per client (default 4)
#   MAX_TOKENS     max_tokens per request (default 64)
#   ROUNDS         alternating rounds per client count (default 3)
#   PROMPT         the prompt (default: a fixed sentence of 40 words)
#   VARY_PROMPT=1  start each prompt with a random per-request tag, so no request finds
#                  its prompt cached (by default every request sends the same prompt, and
#                  both servers reuse it from the slot's cache: TTFT is then mostly
#                  queueing and one decode step, not prompt processing)
#   TMPDIR         where the models, the database and the logs go (~300 MB)
#   LOG_DIR        if set, the servers' logs and the client's JSON lines are copied
#                  there at the end (everything else under TMPDIR is removed)
#   --quick        CLIENTS "1 4", REQUESTS 2, ROUNDS 1, MAX_TOKENS 16 (the variables
#                  above still win): a smoke test, not a measurement
#
# Needs node (>= 20), npm and jq. The client's package (openai 6.49.0, pinned by
# bench/node/package-lock.json) is installed with `npm ci` if bench/node/node_modules
# is missing.
#
# Note: both servers and the client share this machine's cores; the client's own CPU
# time is taken from the servers alike. The client keeps connections alive; llama-server
# (build 10587) closes the connection after each streamed response while announcing
# keep-alive, so against it every request opens a new connection, and now and then one
# is sent on a connection that is being closed: it fails ("Connection error. <- fetch
# failed <- UND_ERR_SOCKET other side closed") and is counted (the SDK's retries, which
# would hide it, are off).
set -euo pipefail
export LC_ALL=C

source "$(dirname "$0")/bench_common.sh"
bench_args "$@"
ME=$(basename "$0")
die() { echo "$ME: $*" >&2; exit 1; }

BUILD=${HART_BUILD:-./build}
HART=$BUILD/src/hart
SYNTH=$BUILD/bench/hart-synth
NODE_DIR=$(cd "$(dirname "$0")/node" && pwd)
LOAD=$NODE_DIR/server_load.mjs

if (( QUICK )); then
  CLIENTS=${CLIENTS:-1 4}; REQUESTS=${REQUESTS:-2}; ROUNDS=${ROUNDS:-1}; MAX_TOKENS=${MAX_TOKENS:-16}
else
  CLIENTS=${CLIENTS:-1 4 16}; REQUESTS=${REQUESTS:-4}; ROUNDS=${ROUNDS:-3}; MAX_TOKENS=${MAX_TOKENS:-64}
fi
THREADS=${THREADS:-2}
read -r -a CLIENT_COUNTS <<<"$CLIENTS"
PROMPT=${PROMPT:-"The old lighthouse keeper climbed the narrow stairs every evening at dusk, trimmed the wick, polished the great lens and watched the ships pass the rocks while he told himself stories about the sailors and the ports they came from."}
VARY_PROMPT=${VARY_PROMPT:-0}
SLOTS=16
CTX=512
LLAMA_QUANTIZE=${LLAMA_QUANTIZE:-}
MODEL_GGUF=${MODEL_GGUF:-}

# ---------------------------------------------------------------- requirements
for v in THREADS REQUESTS ROUNDS MAX_TOKENS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
(( ${#CLIENT_COUNTS[@]} > 0 )) || die "CLIENTS is empty"
for c in "${CLIENT_COUNTS[@]}"; do
  [[ $c =~ ^[1-9][0-9]*$ ]] || die "CLIENTS must be positive integers, got '$CLIENTS'"
done
bench_require_exe "$BUILD" src/hart
[[ -f $BUILD/src/hart-serve.so ]] || die "$BUILD/src/hart-serve.so not found (hart serve loads it); build it first: ninja -C $BUILD hart"
for tool in node jq curl; do
  command -v "$tool" >/dev/null || die "$tool not found on PATH (needed: node >= 20 runs the client, jq reads its JSON, curl polls /health)"
done
(( $(node -p 'process.versions.node.split(".")[0]') >= 20 )) || die "node >= 20 needed, found $(node --version)"
if [[ -n $MODEL_GGUF ]]; then
  [[ -f $MODEL_GGUF ]] || die "MODEL_GGUF=$MODEL_GGUF is not a file"
  MODEL_NAME=$(basename "$MODEL_GGUF" .gguf)
else
  bench_require_exe "$BUILD" bench/hart-synth
  [[ -n $LLAMA_QUANTIZE && -x $LLAMA_QUANTIZE ]] ||
    die "LLAMA_QUANTIZE (llama.cpp's llama-quantize) is needed to make the default Q4_K_M model$([[ -n $LLAMA_QUANTIZE ]] && echo "; '$LLAMA_QUANTIZE' is not an executable"); or set MODEL_GGUF to a GGUF to serve"
  MODEL_NAME=synth-110M
fi
ANCHOR=1
LLAMA_SERVER=${LLAMA_SERVER:-}
if [[ -z $LLAMA_SERVER || ! -x $LLAMA_SERVER ]]; then
  ANCHOR=0
  if [[ -z $LLAMA_SERVER ]]; then echo "$ME: LLAMA_SERVER is not set; the llama-server columns will say 'not run'." >&2
  else echo "$ME: LLAMA_SERVER=$LLAMA_SERVER is not an executable; the llama-server columns will say 'not run'." >&2; fi
fi
if [[ ! -d $NODE_DIR/node_modules/openai ]]; then
  command -v npm >/dev/null || die "npm not found: needed once to install the client's package (npm ci --prefix $NODE_DIR)"
  echo "installing the client's package: npm ci --prefix $NODE_DIR --no-audit --no-fund"
  npm ci --prefix "$NODE_DIR" --no-audit --no-fund >&2 || die "npm ci --prefix $NODE_DIR failed"
fi

SCRIPT_START=$EPOCHREALTIME
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hart-server-bench.XXXXXX")
DB=$TMP/bench.db
OURS_PID=""
LLAMA_PID=""

# stop PID: SIGINT (both servers shut down cleanly on it), SIGKILL after 15 s.
stop() {
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -INT "$pid" 2>/dev/null || true
  for (( i = 0; i < 150; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "$ME: pid $pid ignored SIGINT for 15 s; killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$OURS_PID"; stop "$LLAMA_PID"
  if [[ -n ${LOG_DIR:-} ]]; then
    mkdir -p "$LOG_DIR" && cp "$TMP"/*.log "$TMP"/*.jsonl "$LOG_DIR"/ 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# alive PID NAME LOG: fail, showing the log's end, if the server has exited.
alive() {
  kill -0 "$1" 2>/dev/null && return 0
  echo "$ME: $2 exited; the end of its log ($3):" >&2
  tail -n 20 "$3" >&2
  exit 1
}
# wait_health URL PID NAME LOG: until GET URL answers 200 (at most 180 s).
wait_health() {
  local i
  for (( i = 0; i < 1800; i++ )); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]] && return 0
    alive "$2" "$3" "$4"
    sleep 0.1
  done
  die "$3 did not answer 200 on $1 within 180 s (log: $4)"
}

echo "== hart serve vs llama.cpp llama-server, OpenAI streamed completions ($( ((QUICK)) && echo 'QUICK: smoke test, not a measurement' || echo "$ROUNDS alternating rounds, medians"))"
echo "host: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "build: $BUILD"
echo "HART_CPU_PATH: ${HART_CPU_PATH:-unset (the engine picks the best path this CPU has)}"
if (( ANCHOR )); then
  echo "llama-server: $LLAMA_SERVER ($("$LLAMA_SERVER" --version 2>&1 | grep -m1 '^version' || echo 'version unknown'))"
else
  echo "llama-server: not run (LLAMA_SERVER unset or not executable)"
fi
echo "client: node $(node --version), openai $(node -p "require('$NODE_DIR/node_modules/openai/package.json').version")"

# ---------------------------------------------------------------- model
if [[ -n $MODEL_GGUF ]]; then
  FILE=$MODEL_GGUF
  echo "model: $FILE (MODEL_GGUF), $(stat -c %s "$FILE") bytes"
else
  SHAPE=(--layers 12 --dim 768 --ffn 2048 --vocab 32000 --heads 12 --kv-heads 12 --tied-embeddings --seed 42)
  GEN=$("$SYNTH" --out "$TMP/F16.gguf" --dtype F16 "${SHAPE[@]}" --name "$MODEL_NAME")
  FILE=$TMP/Q4_K_M.gguf
  "$LLAMA_QUANTIZE" "$TMP/F16.gguf" "$FILE" Q4_K_M >"$TMP/quantize.log" 2>&1 || {
    echo "$ME: llama-quantize failed:" >&2; tail -n 20 "$TMP/quantize.log" >&2; exit 1; }
  rm -f "$TMP/F16.gguf"
  echo "model: hart-synth --dtype F16 ${SHAPE[*]} --name $MODEL_NAME ($(field parameters "$GEN") parameters),"
  echo "       then llama-quantize F16.gguf Q4_K_M.gguf Q4_K_M: file $(stat -c %s "$FILE") bytes"
fi
"$HART" init "$DB" >/dev/null
"$HART" ingest "$DB" "$FILE" --name "$MODEL_NAME" --quiet >"$TMP/ingest.log" 2>&1 || {
  echo "$ME: hart ingest failed:" >&2; tail -n 20 "$TMP/ingest.log" >&2; exit 1; }
# hart serve does not name its kernels; one token from hart generate (same process
# environment, same HART_CPU_PATH) does, on its stats line.
KERNELS=$("$HART" generate "$DB" "$MODEL_NAME" "Hello" --max-tokens 1 --threads "$THREADS" 2>&1 >/dev/null |
  sed -n 's/.*; \([^;]*\) kernels;.*/\1/p' | tail -n1 || true)
echo "ours: ${KERNELS:-unknown} kernels (from hart generate's stats line), f16 KV cache"
cat "$FILE" >/dev/null  # page cache, for llama-server's mmap

# ---------------------------------------------------------------- servers
OURS_CMD=("$HART" serve "$DB" --port 0 --slots "$SLOTS" --ctx-size "$CTX" --threads "$THREADS"
  --cache-type f16 --queue 64 --model "$MODEL_NAME")
"${OURS_CMD[@]}" >"$TMP/ours.out" 2>"$TMP/ours.log" &
OURS_PID=$!
OURS_URL=""
for (( i = 0; i < 1800; i++ )); do
  OURS_URL=$(grep -o -m1 'http://127\.0\.0\.1:[0-9]*/v1' "$TMP/ours.log" || true)
  [[ -n $OURS_URL ]] && break
  alive "$OURS_PID" "hart serve" "$TMP/ours.log"
  sleep 0.1
done
[[ -n $OURS_URL ]] || die "hart serve announced no address within 180 s (log: $TMP/ours.log)"
wait_health "${OURS_URL%/v1}/health" "$OURS_PID" "hart serve" "$TMP/ours.log"
echo "hart serve: $OURS_URL ($(head -n1 "$TMP/ours.log" | sed 's/^hart serve: [^ ]* — //'))"

if (( ANCHOR )); then
  # A free port for llama-server (the kernel picks it; released just before the start).
  PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  LLAMA_CMD=("$LLAMA_SERVER" -m "$FILE" --host 127.0.0.1 --port "$PORT" -t "$THREADS" -tb "$THREADS"
    -np "$SLOTS" -c $((SLOTS * CTX)) --no-webui)
  "${LLAMA_CMD[@]}" >"$TMP/llama.out" 2>"$TMP/llama.log" &
  LLAMA_PID=$!
  LLAMA_URL=http://127.0.0.1:$PORT/v1
  wait_health "http://127.0.0.1:$PORT/health" "$LLAMA_PID" "llama-server" "$TMP/llama.log"
  echo "llama-server: $LLAMA_URL ($(grep -o -m1 'n_slots = .*' "$TMP/llama.log" || echo 'slots: see its log'))"
fi

# ---------------------------------------------------------------- runs
declare -A TPS TTFT50 TTFT99 ERRS
LOAD_ARGS=(--model "$MODEL_NAME" --max-tokens "$MAX_TOKENS" --prompt "$PROMPT")
(( VARY_PROMPT == 1 )) && LOAD_ARGS+=(--vary-prompt)
FAILED=0

# run_load SIDE URL C: one client run; its JSON line goes to $LAST, its figures to the arrays.
run_load() {
  local side=$1 url=$2 c=$3 rc=0 pid log
  if [[ $side == ours ]]; then pid=$OURS_PID; log=$TMP/ours.log; else pid=$LLAMA_PID; log=$TMP/llama.log; fi
  alive "$pid" "$side server" "$log"
  LAST=$(node "$LOAD" --base-url "$url" --clients "$c" --requests "$REQUESTS" "${LOAD_ARGS[@]}" 2>"$TMP/load.err") || rc=$?
  if ! jq -e . >/dev/null 2>&1 <<<"$LAST"; then
    echo "$ME: the client printed no result against $side (exit $rc):" >&2; cat "$TMP/load.err" >&2; exit 1
  fi
  [[ -s $TMP/load.err ]] && sed "s/^/   [$side C=$c] /" "$TMP/load.err"
  local errors; errors=$(jq -r .errors <<<"$LAST")
  FAILED=$((FAILED + errors))
  TPS[$side|$c]+="$(jq -r .tokens_per_s <<<"$LAST") "
  TTFT50[$side|$c]+="$(jq -r '.ttft_ms_p50 // "nan"' <<<"$LAST") "
  TTFT99[$side|$c]+="$(jq -r '.ttft_ms_p99 // "nan"' <<<"$LAST") "
  ERRS[$side|$c]=$(( ${ERRS[$side|$c]:-0} + errors ))
  echo "$LAST" >>"$TMP/$side.jsonl"
}
describe() {  # the last run in one line
  jq -r '"\(.tokens_per_s) tok/s, TTFT \(.ttft_ms_p50)/\(.ttft_ms_p99) ms, latency \(.latency_ms_p50)/\(.latency_ms_p99) ms, \(.completion_tokens) tokens in \(.wall_s) s, \(.errors) errors"' <<<"$LAST"
}

echo
# Warm-up: every slot the runs will use serves the prompt twice, on both servers, so that
# round 1 finds what later rounds find (pages touched; the prompt cached in each slot:
# llama-server reuses a prompt only in the slot that ran it, ours also copies it from
# another slot; the one-token eval of a cached prompt, whose first run took llama-server
# ~150 ms in trials) instead of charging first-time costs to the first measured run.
WARM_C=$(printf '%s\n' "${CLIENT_COUNTS[@]}" | sort -n | tail -n1)
(( WARM_C > SLOTS )) && WARM_C=$SLOTS
echo "warm-up: $WARM_C clients x 2 requests per server (max_tokens $MAX_TOKENS), not counted"
node "$LOAD" --base-url "$OURS_URL" --clients "$WARM_C" --requests 2 "${LOAD_ARGS[@]}" >/dev/null ||
  die "the warm-up requests to hart serve failed (log: $TMP/ours.log)"
if (( ANCHOR )); then
  node "$LOAD" --base-url "$LLAMA_URL" --clients "$WARM_C" --requests 2 "${LOAD_ARGS[@]}" >/dev/null ||
    die "the warm-up requests to llama-server failed (log: $TMP/llama.log)"
fi

echo
echo "-- runs (C clients x $REQUESTS requests, max_tokens $MAX_TOKENS; tokens/s = completion tokens / wall time)"
for c in "${CLIENT_COUNTS[@]}"; do
  for (( r = 1; r <= ROUNDS; r++ )); do
    if (( ! ANCHOR )); then
      run_load ours "$OURS_URL" "$c"; o=$(describe); l="not run"
    elif (( r % 2 )); then
      run_load llama "$LLAMA_URL" "$c"; l=$(describe); run_load ours "$OURS_URL" "$c"; o=$(describe)
    else
      run_load ours "$OURS_URL" "$c"; o=$(describe); run_load llama "$LLAMA_URL" "$c"; l=$(describe)
    fi
    echo "   C=$c round $r: ours $o | llama-server $l  (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done

# ---------------------------------------------------------------- table
echo
echo "== Serving (medians of $ROUNDS rounds; tok/s ratio = ours / llama-server, TTFT ratio = llama-server / ours: > 1 means we are faster)"
FMT='%-7s | %10s | %18s | %5s | %21s | %29s | %14s | %s\n'
printf "$FMT" clients "ours tok/s" "llama-server tok/s" ratio "ours TTFT p50/p99 ms" "llama-server TTFT p50/p99 ms" "TTFT p50 ratio" "errors, all rounds (ours/llama-server)"
printf '%s\n' "$(printf -- '-%.0s' {1..150})"
# shq ARG...: the arguments as a shell would need them typed (single quotes where needed)
shq() {
  local a out=()
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
  done
  echo "${out[*]}"
}
med() { local m; m=$(median $1); [[ $m == nan* ]] && echo "-" || calc '%.1f' "$m"; }
for c in "${CLIENT_COUNTS[@]}"; do
  ot=$(med "${TPS[ours|$c]}"); o50=$(med "${TTFT50[ours|$c]}"); o99=$(med "${TTFT99[ours|$c]}")
  if (( ANCHOR )); then
    lt=$(med "${TPS[llama|$c]}"); l50=$(med "${TTFT50[llama|$c]}"); l99=$(med "${TTFT99[llama|$c]}")
    ratio=$(awk -v o="$ot" -v l="$lt" 'BEGIN { print (l > 0) ? sprintf("%.2f", o / l) : "-" }')
    tratio=$(awk -v o="$o50" -v l="$l50" 'BEGIN { print (o > 0 && l > 0) ? sprintf("%.2f", l / o) : "-" }')
    lerr=${ERRS[llama|$c]}; lttft="$l50 / $l99"
  else
    lt="not run"; ratio="-"; tratio="-"; lerr="-"; lttft="not run"
  fi
  printf "$FMT" "$c" "$ot" "$lt" "$ratio" "$o50 / $o99" "$lttft" "$tratio" "${ERRS[ours|$c]} / $lerr"
done

echo
echo "commands:"
echo "  ${HART_CPU_PATH:+HART_CPU_PATH=$HART_CPU_PATH }$(shq "${OURS_CMD[@]}")"
(( ANCHOR )) && echo "  $(shq "${LLAMA_CMD[@]}")"
echo "  node $(shq "$LOAD" --base-url URL --clients C --requests "$REQUESTS" "${LOAD_ARGS[@]}")"
echo "  (warm-up: the same with --clients $WARM_C --requests 2)"
# tokens SIDE: prompt and completion tokens per successful request of SIDE's last run
tokens() {
  jq -r '(.requests - .errors) as $n | if $n == 0 then "no request succeeded" else
    "\(if .prompt_tokens then .prompt_tokens / $n else "?" end) prompt, \(.completion_tokens / $n) completion (\(.usage)); cached prompt tokens reported by the server: \(.cached_prompt_tokens // "none")" end' <<<"$(tail -n1 "$TMP/$1.jsonl")"
}
echo "tokens per request (last run of each server):"
echo "  ours $(tokens ours)"
(( ANCHOR )) && echo "  llama-server $(tokens llama)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "failed requests: $FAILED"
echo "total script time: $(calc '%.1f' "$EPOCHREALTIME - $SCRIPT_START") s"
(( FAILED == 0 )) || exit 1
