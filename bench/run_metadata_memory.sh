#!/usr/bin/env bash
# Peak memory (maximum resident set size) of `hart ingest` and `hart export` for GGUF
# files that are almost all one metadata array (bench/README.md, "Metadata-heavy GGUF").
#   bash bench/run_metadata_memory.sh [build/src/hart]     ~2 minutes, ~1 GB of /tmp
# Prints one row per file: its size, each command's peak RSS and exit status, and the
# ingest peak above a tiny model's, per byte of the file.
set -uo pipefail
hart=$(realpath "${1:-build/src/hart}")
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

peak_kib() {  # runs "$@", prints "<max RSS KiB> <exit status>"
  /usr/bin/time -f '%M %x' -o "$dir/time" "$@" >/dev/null 2>"$dir/err"
  cat "$dir/time" | tail -1
}

run() {  # name type count
  local f="$dir/$1.gguf" db="$dir/$1.db"
  python3 "$here/make_metadata_gguf.py" "$f" --type "$2" --count "$3"
  "$hart" init "$db" >/dev/null
  read -r ingest ingest_rc < <(peak_kib "$hart" ingest "$db" "$f")
  local export="-" export_rc="-"
  if [ "$ingest_rc" = 0 ]; then read -r export export_rc < <(peak_kib "$hart" export "$db" "$1" "$dir/out.gguf"); fi
  local size; size=$(stat -c %s "$f")
  if [ "$1" = tiny ]; then base=$ingest; fi
  echo "$1 $size $ingest $ingest_rc $export $export_rc $base" | awk '{
    ratio = $2 > 1000 ? ($3 - $7) * 1024 / $2 : 0
    ex = $5 == "-" ? "-" : sprintf("%.1f", $5 * 1024 / 1e6)
    printf "%-10s %6.1f MB  ingest %7.1f MB (exit %s, %5.1f x file above tiny)  export %7s MB (exit %s)\n",
      $1, $2 / 1e6, $3 * 1024 / 1e6, $4, ratio, ex, $6 }'
  if [ "$ingest_rc" != 0 ]; then sed 's/^/    /' "$dir/err" | cut -c1-200; fi
  rm -f "$f" "$db"* "$dir/out.gguf"
}

run tiny tiny 0
run u8_40M u8 40000000
run i32_10M i32 10000000
run str_4.4M str 4400000
run u8_8.38M u8 8388000
run i32_8.38M i32 8388000
run f32_8.38M f32 8388000
run str_8.38M str 8388000
