#!/usr/bin/env bash
# Write volume of `hart ingest` against the data it stores (issue 10, requirement 3,
# "Costs proportional to the data"): target write_bytes <= 4x the final database.
#
# Three ingests, each into a fresh database (`hart init`, then `hart ingest DB PATH`):
#   folder  300 small text files (~1.26 MB) split by lines from wikitext2's test set
#   260K    /work/shared/data/stories260K/stories260K.gguf
#   synth   an F16 model from hart-synth (4 layers, dim 1024, ffn 2816: ~130 MB)
# For each it reads the ingest's I/O counters from /proc/PID/io of a bash wrapper that
# has reaped it (Linux adds a reaped child's counters to its parent's, so nothing the
# ingest wrote at its exit is missed), polls the size of DB-wal every 10 ms (peak,
# and after the exit), and prints:
#   wchar        bytes passed to write()/pwrite() by the ingest
#   write_bytes  bytes the ingest sent to storage (0 on tmpfs and some containers)
#   db           the database file after the ingest; wal_peak and wal_end likewise
#   and the ratios write_bytes/db and wchar/db.
# hart closes the database at exit, which checkpoints and removes the WAL: wal_end
# is 0 unless a reader held it; wal_peak is what a long-running writer would keep.
#
# Usage: bench/run_write_volume.sh [--quick]
#   HART_BUILD  build directory holding src/hart and bench/hart-synth (default ./build;
#               this script builds nothing: ninja -C "$HART_BUILD" hart hart-synth)
#   HART_DATA   the shared data folder (default /work/shared/data); no network needed
#   TMPDIR      where the files and databases go (needs ~400 MB; use a real disk, not
#               tmpfs, for write_bytes to mean anything)
#   --quick     the folder and stories260K only
set -euo pipefail
export LC_ALL=C

source "$(dirname "$0")/bench_common.sh"
bench_args "$@"

BUILD=${HART_BUILD:-./build}
DATA=${HART_DATA:-/work/shared/data}
HART=$BUILD/src/hart
SYNTH=$BUILD/bench/hart-synth
bench_require_exe "$BUILD" src/hart bench/hart-synth
[[ -r /proc/self/io ]] || { echo "$(basename "$0"): /proc/self/io is not readable here" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hart-write-volume.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# measure NAME PATH: one fresh database, one ingest of PATH, one line of figures.
measure() {
  local name=$1 path=$2 db=$WORK/$1.db
  "$HART" init "$db" >/dev/null
  # The wrapper itself writes nothing; its counters after the wait are the ingest's.
  bash -c '"$@" >/dev/null || exit 1; cat /proc/$$/io' _ "$HART" ingest --quiet "$db" "$path" \
    >"$WORK/$name.io" &
  local pid=$! peak=0 w
  while kill -0 "$pid" 2>/dev/null; do
    w=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
    (( w > peak )) && peak=$w
    sleep 0.01
  done
  wait "$pid" || { echo "$(basename "$0"): hart ingest $path failed" >&2; exit 1; }
  local wchar wbytes
  wchar=$(awk '$1 == "wchar:" { print $2 }' "$WORK/$name.io")
  wbytes=$(awk '$1 == "write_bytes:" { print $2 }' "$WORK/$name.io")
  local size end
  size=$(stat -c %s "$db")
  end=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
  (( end > peak )) && peak=$end
  printf '%-7s wchar=%d write_bytes=%d db=%d wal_peak=%d wal_end=%d write_bytes/db=%s wchar/db=%s\n' \
    "$name" "$wchar" "$wbytes" "$size" "$peak" "$end" \
    "$(calc %.2f "$wbytes / $size")" "$(calc %.2f "$wchar / $size")"
}

mkdir "$WORK/folder"
split -n l/300 -d -a 3 --additional-suffix=.txt "$DATA/wikitext2/wiki.test.tokens.txt" "$WORK/folder/part-"
echo "folder: $(ls "$WORK/folder" | wc -l) files, $(cat "$WORK/folder"/* | wc -c) bytes"
measure folder "$WORK/folder"
measure 260K "$DATA/stories260K/stories260K.gguf"
if (( ! QUICK )); then
  "$SYNTH" --dtype F16 --layers 4 --dim 1024 --ffn 2816 --vocab 32000 --heads 16 --kv-heads 4 --seed 42 \
    --out "$WORK/synth.gguf" >/dev/null
  echo "synth: $(stat -c %s "$WORK/synth.gguf") bytes"
  measure synth "$WORK/synth.gguf"
fi
