#!/usr/bin/env bash
# Store benchmarks ("Models as data", requirement 10), each a ratio against an anchor
# measured side by side in the same run (runs alternate, medians of REPS repeats):
#
#   (a) ingestion: `hart ingest --quiet` of a generated F16 GGUF (>= 500 MB) into a
#       fresh database, timed as a whole process (commit and checkpoint included),
#       against `sha256sum` of the same file.           target: ratio >= 0.5
#   (b) a selective `weights` query that the zone maps prune, against the same query
#       with pushdown disabled (`+value`).                target: >= 10x faster
#       plus a full scan of the model in rows per second (no target given).
#
# Usage: bench/run_store_bench.sh [--quick]
#   HART_BUILD   build directory holding src/hart and bench/hart-synth (default ./build);
#                this script builds nothing: ninja -C "$HART_BUILD" hart hart-synth
#   HART_BENCH_REPS  repeats (default 3; --quick uses 1)
#   TMPDIR       where the model and databases go: needs about 3x the model size
#                (~1.9 GB for the default 615 MB model: file + database + WAL)
#   --quick      a ~170 MB model and one repeat: a smoke test, not a measurement
#
# All times are wall-clock times of whole processes (bash $EPOCHREALTIME). The model
# file is read once before timing so both sides of (a) read it from the page cache.
set -euo pipefail
export LC_ALL=C

source "$(dirname "$0")/bench_common.sh"
bench_args "$@"

BUILD=${HART_BUILD:-./build}
HART=$BUILD/src/hart
SYNTH=$BUILD/bench/hart-synth
bench_require_exe "$BUILD" src/hart bench/hart-synth

if (( QUICK )); then
  REPS=1
  SHAPE=(--dtype F16 --layers 2 --dim 1024 --ffn 2816 --vocab 32000 --heads 16 --kv-heads 4 --seed 42)
else
  REPS=${HART_BENCH_REPS:-3}
  # TinyLlama's width (dim 2048, ffn 5632, 32 heads, 4 KV heads, vocab 32000), 4 blocks.
  SHAPE=(--dtype F16 --layers 4 --dim 2048 --ffn 5632 --vocab 32000 --heads 32 --kv-heads 4 --seed 42)
fi

SCRIPT_START=$EPOCHREALTIME
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hart-store-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MODEL=$TMP/synth.gguf
DB=$TMP/bench.db

# ---------------------------------------------------------------- helpers
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
# Runs "$@" with stdout to $OUT_FILE; sets SECS to its wall time.
timed() {
  local t0=$EPOCHREALTIME
  "$@" >"$OUT_FILE"
  SECS=$(elapsed "$t0" "$EPOCHREALTIME")
}
# Runs one SQL query plus weights_scan_stats() in one `hart sql` process; sets SECS,
# RESULT (the query's first row, CSV) and STATS (the scan statistics JSON).
run_query() {
  OUT_FILE=$TMP/query.out
  timed "$HART" sql --csv "$DB" "$1; SELECT weights_scan_stats();"
  RESULT=$(sed -n 2p "$OUT_FILE")
  STATS=$(sed -n 4p "$OUT_FILE" | sed 's/^"//; s/"$//; s/""/"/g')
}

echo "== Hartonomous store benchmark ($( ((QUICK)) && echo 'QUICK: smoke test, not a measurement' || echo "$REPS repeats, medians"))"
echo "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; build: $BUILD"

# ---------------------------------------------------------------- model
DRY=$("$SYNTH" --dry-run "${SHAPE[@]}")
TENSOR_BYTES=$(field tensor_bytes "$DRY")
NEED=$(( TENSOR_BYTES * 3 + 128 * 1024 * 1024 ))
AVAIL=$(df -P -B1 "$TMP" | awk 'NR == 2 { print $4 }')
echo "temp dir: $TMP (needs ~$(calc '%.1f' "$NEED / 1e9") GB free for model + database + WAL; $(calc '%.1f' "$AVAIL / 1e9") GB available)"
if (( AVAIL < NEED )); then
  echo "run_store_bench.sh: not enough free space in $(dirname "$TMP"); set TMPDIR to a larger file system" >&2
  exit 1
fi

GEN=$("$SYNTH" --out "$MODEL" "${SHAPE[@]}")
FILE_BYTES=$(field file_bytes "$GEN")
FILE_MB=$(calc '%.1f' "$FILE_BYTES / 1e6")
echo "model: hart-synth ${SHAPE[*]}"
echo "       $(field parameters "$GEN") parameters in $(field tensors "$GEN") tensors, $FILE_BYTES bytes ($FILE_MB MB), generated in $(field seconds "$GEN") s"
if (( ! QUICK && FILE_BYTES < 500000000 )); then
  echo "run_store_bench.sh: the model is smaller than 500 MB; requirement 10 asks for >= 500 MB" >&2
  exit 1
fi
cat "$MODEL" >/dev/null  # into the page cache, for both sides alike

# ---------------------------------------------------------------- (a) ingestion
echo
echo "-- (a) ingestion vs sha256sum (MB = 10^6 bytes)"
SHA_T=() ING_T=()
run_sha() {
  OUT_FILE=$TMP/sha.out
  timed sha256sum "$MODEL"
  SHA_T+=("$SECS")
}
run_ingest() {
  rm -f "$DB" "$DB-wal" "$DB-shm"
  "$HART" init "$DB" >/dev/null
  OUT_FILE=$TMP/ingest.out
  timed "$HART" ingest --quiet --name synth "$DB" "$MODEL"
  ING_T+=("$SECS")
}
for (( r = 1; r <= REPS; r++ )); do
  if (( r % 2 )); then run_sha; run_ingest; else run_ingest; run_sha; fi
  printf '   run %d: sha256sum %7.3f s (%6.1f MB/s)   ingest %7.3f s (%6.1f MB/s)\n' "$r" \
    "${SHA_T[-1]}" "$(calc '%.6f' "$FILE_BYTES / 1e6 / ${SHA_T[-1]}")" \
    "${ING_T[-1]}" "$(calc '%.6f' "$FILE_BYTES / 1e6 / ${ING_T[-1]}")"
done
echo "   hart says: $(sed -n 2p "$TMP/ingest.out")"
SHA_MED=$(median "${SHA_T[@]}")
ING_MED=$(median "${ING_T[@]}")
SHA_MBS=$(calc '%.1f' "$FILE_BYTES / 1e6 / $SHA_MED")
ING_MBS=$(calc '%.1f' "$FILE_BYTES / 1e6 / $ING_MED")
ING_RATIO=$(calc '%.3f' "$SHA_MED / $ING_MED")
ING_MET=$(awk -v r="$ING_RATIO" 'BEGIN { print (r >= 0.5) ? "yes" : "NO" }')
echo "   database: $(du -b "$DB" | cut -f1) bytes after ingest"

# ---------------------------------------------------------------- (b) queries
echo
echo "-- (b) weights queries on the last ingested database (each a separate \`hart sql\` process)"
Q_SEL="SELECT count(*) FROM weights WHERE model = 'synth' AND value BETWEEN 0.95 AND 1.05"
Q_OFF="SELECT count(*) FROM weights WHERE model = 'synth' AND +value BETWEEN 0.95 AND 1.05"
Q_FULL="SELECT count(*), sum(value) FROM weights WHERE model = 'synth'"
echo "   selective:          $Q_SEL"
echo "   pushdown disabled:  $Q_OFF"
echo "   full scan:          $Q_FULL"
ZONES=$("$HART" sql --csv "$DB" "SELECT sum(val_max >= 0.95 AND val_min <= 1.05), count(*),
  group_concat(DISTINCT t.kind) FILTER (WHERE val_max >= 0.95 AND val_min <= 1.05)
  FROM tensor_chunks tc JOIN tensors t ON t.id = tc.tensor_id" | sed -n 2p)
echo "   zone maps: $(cut -d, -f1 <<<"$ZONES") of $(cut -d, -f2 <<<"$ZONES") chunks overlap [0.95, 1.05] (kinds: $(cut -d, -f3- <<<"$ZONES" | tr -d '"'))"

OUT_FILE=$TMP/noop.out
NOOP_T=()
for (( r = 1; r <= REPS; r++ )); do timed "$HART" sql "$DB" "SELECT 1"; NOOP_T+=("$SECS"); done

SEL_T=() OFF_T=() FULL_T=()
SEL_ROWS="" OFF_ROWS=""
run_sel() { run_query "$Q_SEL"; SEL_T+=("$SECS"); SEL_ROWS=$RESULT; SEL_STATS=$STATS; }
run_off() { run_query "$Q_OFF"; OFF_T+=("$SECS"); OFF_ROWS=$RESULT; OFF_STATS=$STATS; }
for (( r = 1; r <= REPS; r++ )); do
  if (( r % 2 )); then run_sel; run_off; else run_off; run_sel; fi
  printf '   run %d: selective %8.4f s -> %s  %s\n' "$r" "${SEL_T[-1]}" "$SEL_ROWS" "$SEL_STATS"
  printf '          +value    %8.4f s -> %s  %s\n' "${OFF_T[-1]}" "$OFF_ROWS" "$OFF_STATS"
  if [[ "$SEL_ROWS" != "$OFF_ROWS" ]]; then
    echo "run_store_bench.sh: the two forms of the selective query disagree ($SEL_ROWS vs $OFF_ROWS)" >&2
    exit 1
  fi
done
for (( r = 1; r <= REPS; r++ )); do
  run_query "$Q_FULL"
  FULL_T+=("$SECS")
  printf '   run %d: full scan %8.4f s -> %s  %s\n' "$r" "$SECS" "$RESULT" "$STATS"
done
FULL_ROWS=$(cut -d, -f1 <<<"$RESULT")
NOOP_MED=$(median "${NOOP_T[@]}")
SEL_MED=$(median "${SEL_T[@]}")
OFF_MED=$(median "${OFF_T[@]}")
FULL_MED=$(median "${FULL_T[@]}")
SEL_RATIO=$(calc '%.1f' "$OFF_MED / $SEL_MED")
SEL_MET=$(awk -v r="$SEL_RATIO" 'BEGIN { print (r >= 10) ? "yes" : "NO" }')
FULL_RPS=$(calc '%.0f' "$FULL_ROWS / $FULL_MED")
echo "   process overhead (\`hart sql DB 'SELECT 1'\`): $(calc '%.4f' "$NOOP_MED") s median, included in every query time"

# ---------------------------------------------------------------- table
echo
echo "== Results (medians of $REPS; ratio: higher is better — ingest MB/s ours/anchor, query time anchor/ours)"
printf '%-44s | %-24s | %-34s | %-8s | %-8s | %s\n' measure ours anchor ratio target met?
printf '%s\n' "$(printf -- '-%.0s' {1..136})"
printf '%-44s | %-24s | %-34s | %-8s | %-8s | %s\n' \
  "(a) ingest F16 GGUF, $FILE_MB MB (MB/s)" "$ING_MBS MB/s ($(calc '%.2f' "$ING_MED") s)" \
  "sha256sum $SHA_MBS MB/s ($(calc '%.2f' "$SHA_MED") s)" "$ING_RATIO" ">= 0.5" "$ING_MET"
printf '%-44s | %-24s | %-34s | %-8s | %-8s | %s\n' \
  "(b) selective query, value in [0.95, 1.05]" "$(calc '%.4f' "$SEL_MED") s (pushdown)" \
  "$(calc '%.4f' "$OFF_MED") s (+value, no pushdown)" "${SEL_RATIO}x" ">= 10x" "$SEL_MET"
printf '%-44s | %-24s | %-34s | %-8s | %-8s | %s\n' \
  "(b) full scan, count(*) + sum(value)" "$(calc '%.3g' "$FULL_RPS") rows/s" \
  "- ($FULL_ROWS rows in $(calc '%.2f' "$FULL_MED") s)" "-" "-" "-"
echo
echo "total script time: $(calc '%.1f' "$EPOCHREALTIME - $SCRIPT_START") s"
