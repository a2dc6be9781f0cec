# Sourced by the bench/run_*.sh scripts: their shared argument handling and arithmetic.
# bench_args "$@" sets QUICK=1 for --quick, prints the calling script's header comment
# for -h/--help, and refuses anything else.
bench_args() {
  QUICK=0
  local arg
  for arg in "$@"; do
    case "$arg" in
      --quick) QUICK=1 ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) echo "$(basename "$0"): unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
  done
}

# bench_require_exe BUILD TARGET...: each $BUILD/<path> must be an executable; the
# message names the ninja targets to build (the basenames).
bench_require_exe() {
  local build=$1 exe
  shift
  for exe in "$@"; do
    if [[ ! -x "$build/$exe" ]]; then
      local targets=()
      for t in "$@"; do targets+=("$(basename "$t")"); done
      echo "$(basename "$0"): $build/$exe not found; build it first: ninja -C $build ${targets[*]}" >&2
      exit 1
    fi
  done
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# field NAME "k=v k=v ...": the first value of NAME
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | head -n1; }
