#!/usr/bin/env bash
# How long another writer waits for the lock while a large model is ingested (issue 10,
# requirement 1: long writes do not block other writers for their whole length).
#
# Writes an F16 model with hart-synth (4 layers, dim 2048, ffn 5632: ~470 MB), starts
# `hart ingest` of it into a fresh database, and while it runs performs one small write
# after another from a second process,
#   hart --busy-timeout 600000 sql DB "SELECT hart_setting('inference_log', 'full')"
# timing each one (start-up of hart included, about 10 ms). Prints the ingest's length,
# how many writes ran during it, and the median and longest wait. Before batched model
# writes the longest wait was the rest of the ingest.
#
# Usage: bench/run_lock_wait.sh [--quick]
#   HART_BUILD  build directory holding src/hart and bench/hart-synth (default ./build)
#   TMPDIR      where the model and database go (needs ~1 GB on a real disk)
#   --quick     a model of 2 layers (~230 MB)
set -euo pipefail
export LC_ALL=C

source "$(dirname "$0")/bench_common.sh"
bench_args "$@"

BUILD=${HART_BUILD:-./build}
HART=$BUILD/src/hart
SYNTH=$BUILD/bench/hart-synth
bench_require_exe "$BUILD" src/hart bench/hart-synth

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hart-lock-wait.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
layers=4
(( QUICK )) && layers=2
"$SYNTH" --out "$WORK/model.gguf" --dtype F16 --layers "$layers" --dim 2048 --ffn 5632 >/dev/null
"$HART" init "$WORK/db" >/dev/null

now() { date +%s.%N; }
start=$(now)
"$HART" ingest --quiet "$WORK/db" "$WORK/model.gguf" >/dev/null &
ingest=$!
# The ingest has begun writing once the WAL holds something.
while kill -0 "$ingest" 2>/dev/null && (( $(stat -c %s "$WORK/db-wal" 2>/dev/null || echo 0) < 1048576 )); do
  sleep 0.005
done
waits=()
while kill -0 "$ingest" 2>/dev/null; do
  t0=$(now)
  "$HART" --busy-timeout 600000 sql "$WORK/db" "SELECT hart_setting('inference_log', 'full')" >/dev/null
  t1=$(now)
  kill -0 "$ingest" 2>/dev/null && waits+=("$(calc '%.3f' "$t1 - $t0")")
  sleep 0.02
done
wait "$ingest"
end=$(now)
model_mb=$(calc '%.0f' "$(stat -c %s "$WORK/model.gguf") / 1e6")
if (( ${#waits[@]} == 0 )); then
  echo "model ${model_mb} MB: ingest $(calc '%.2f' "$end - $start") s; no write finished while it ran"
  exit 0
fi
longest=$(printf '%s\n' "${waits[@]}" | sort -g | tail -n1)
echo "model ${model_mb} MB: ingest $(calc '%.2f' "$end - $start") s; ${#waits[@]} writes during it:" \
  "median wait $(median "${waits[@]}") s, longest ${longest} s"
