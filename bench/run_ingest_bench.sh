#!/usr/bin/env bash
# Content ingestion benchmark ("Ingest anything", requirement 8): `hart ingest` of a
# generated mixed corpus (>= 200 MB of text, pictures and recordings, with some exact
# copies; bench/make_ingest_corpus.py) into a fresh database, as MB/s and files/s and
# as a ratio to `sha256sum` over the same files in the same run; then the re-ingest of
# the unchanged corpus. Runs alternate (sha256sum, ingest, re-ingest), REPS times;
# medians are reported. All times are wall-clock times of whole processes; the corpus
# is read once before timing, so both sides read it from the page cache.
#
# Usage: bench/run_ingest_bench.sh [--quick]
#   HART_BUILD   build directory holding src/hart (default ./build); this script builds
#                nothing: ninja -C "$HART_BUILD" hart
#   HART_BENCH_REPS  repeats (default 3; --quick: 1)
#   CORPUS_MB    corpus size in MB (default 210; --quick: 20)
#   TMPDIR       where the corpus and databases go (about 3x the corpus size)
#   HART_INGEST_ARGS  extra options for both `hart ingest` runs, e.g.
#                "--no-ocr --max-transcript-seconds 0" to time storage without OCR and
#                speech recognition (which dominate a default run)
#   CORPUS_DIR   keep the generated corpus here and reuse it on later runs (it is
#                written once per CORPUS_MB; default: a temporary folder, deleted)
#   --quick      a 20 MB corpus and one repeat: a smoke test, not a measurement
# Needs /usr/bin/python3 with numpy and PIL (Debian: python3-numpy python3-pil) to
# write the corpus, and ../shared/data/wikitext2-raw (or WIKITEXT=FILE, any English
# text) for its sentences.
set -euo pipefail
export LC_ALL=C

source "$(dirname "$0")/bench_common.sh"
bench_args "$@"
BUILD=${HART_BUILD:-./build}
HART=$BUILD/src/hart
bench_require_exe "$BUILD" src/hart
if ! /usr/bin/python3 -c 'import numpy, PIL' 2>/dev/null; then
  echo "run_ingest_bench.sh: /usr/bin/python3 needs numpy and PIL: apt-get install -y python3-numpy python3-pil" >&2
  exit 1
fi
REPS=${HART_BENCH_REPS:-3}
MB=${CORPUS_MB:-210}
if (( QUICK )); then REPS=1; MB=20; fi
ARGS=${HART_INGEST_ARGS:-}
HERE=$(cd "$(dirname "$0")" && pwd)
WIKITEXT=${WIKITEXT:-$HERE/../../shared/data/wikitext2-raw/wiki.test.raw}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hart-ingest-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
CORPUS=${CORPUS_DIR:-$TMP/corpus}
now() { echo "$EPOCHREALTIME"; }

echo "== Hartonomous content ingestion benchmark ($( ((QUICK)) && echo 'QUICK: smoke test, not a measurement' || echo "$REPS alternating repeats, medians"))"
echo "hart ingest options: ${ARGS:-(defaults: OCR and speech recognition on)}"
echo "host: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
t0=$(now)
if [[ -f "$CORPUS.made-$MB" ]]; then
  echo "corpus: reusing $CORPUS ($(cat "$CORPUS.made-$MB"))"
else
  if [[ -d "$CORPUS" && -n "$(ls -A "$CORPUS")" ]]; then
    echo "run_ingest_bench.sh: $CORPUS is not empty and holds no corpus of $MB MB made by this script; name an empty or new folder" >&2
    exit 1
  fi
  GEN=$(/usr/bin/python3 "$HERE/make_ingest_corpus.py" "$CORPUS" --megabytes "$MB" --wikitext "$WIKITEXT")
  echo "corpus: $GEN (written in $(calc '%.1f' "$(now) - $t0") s)"
  [[ -n "${CORPUS_DIR:-}" ]] && echo "$GEN" >"$CORPUS.made-$MB"
fi
mapfile -t FILES < <(find "$CORPUS" -type f | sort)
BYTES=$(cat "${FILES[@]}" | wc -c)  # also reads the corpus into the page cache
NFILES=${#FILES[@]}
echo "       $NFILES files, $BYTES bytes"

SHA=() ING=() RE=()
for ((r = 1; r <= REPS; r++)); do
  t=$(now); sha256sum "${FILES[@]}" >/dev/null; SHA+=("$(calc '%.6f' "$(now) - $t")")
  db=$TMP/bench-$r.db
  "$HART" init "$db" >/dev/null
  t=$(now); status=0; "$HART" ingest "$db" "$CORPUS" $ARGS >"$TMP/ingest-$r.log" 2>&1 || status=$?
  ING+=("$(calc '%.6f' "$(now) - $t")")
  if (( status != 0 && status != 2 )); then cat "$TMP/ingest-$r.log" >&2; exit 1; fi
  t=$(now); "$HART" ingest "$db" "$CORPUS" $ARGS >"$TMP/reingest-$r.log" 2>&1 || true
  RE+=("$(calc '%.6f' "$(now) - $t")")
  echo "   round $r: sha256sum $(calc '%.2f' "${SHA[-1]}") s, ingest $(calc '%.2f' "${ING[-1]}") s (exit $status), re-ingest $(calc '%.2f' "${RE[-1]}") s"
  rm -f "$db" "$db-wal" "$db-shm"
done
sha=$(median "${SHA[@]}") ing=$(median "${ING[@]}") re=$(median "${RE[@]}")
echo
echo "hart ingest summary (round 1):"
grep -E '^(files|atoms):' "$TMP/ingest-1.log" | sed 's/^/   /'
grep -A50 -E '^failed' "$TMP/ingest-1.log" | head -20 | sed 's/^/   /' || true
echo "re-ingest summary (round 1):"
grep -E '^(files|atoms):' "$TMP/reingest-1.log" | sed 's/^/   /'
echo
printf '%-34s | %12s | %10s | %10s\n' "measurement (median of $REPS)" "seconds" "MB/s" "files/s"
printf -- '-%.0s' {1..76}; echo
printf '%-34s | %12.2f | %10.1f | %10.1f\n' "sha256sum over the corpus" "$sha" "$(calc '%.6f' "$BYTES / 1e6 / $sha")" "$(calc '%.6f' "$NFILES / $sha")"
printf '%-34s | %12.2f | %10.1f | %10.1f\n' "hart ingest (fresh database)" "$ing" "$(calc '%.6f' "$BYTES / 1e6 / $ing")" "$(calc '%.6f' "$NFILES / $ing")"
printf '%-34s | %12.2f | %10s | %10.1f\n' "hart ingest again (unchanged)" "$re" "-" "$(calc '%.6f' "$NFILES / $re")"
echo
echo "ratio ingest / sha256sum throughput: $(calc '%.3f' "$sha / $ing")"
echo "commands: $HART ingest DB CORPUS $ARGS; sha256sum FILES...; $HART ingest DB CORPUS $ARGS (again)"
