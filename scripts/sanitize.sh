#!/usr/bin/env bash
# The test suite built with AddressSanitizer + UndefinedBehaviorSanitizer, in its own
# build folder (build-sanitize/, never build/). Any report fails the test that hit it.
#
#   bash scripts/sanitize.sh                    # build everything, run all of ctest
#   bash scripts/sanitize.sh --subset           # only tests labelled sanitize-subset
#                                               # (util, formats, tokenizer: what CI runs)
#   bash scripts/sanitize.sh test_store ...     # build these targets, run their tests
#
# The same subset in an ordinary build (it also holds the fuzzers, which are always
# sanitized): ctest --test-dir build -L sanitize-subset
# Environment: JOBS (default 2), HART_SANITIZE_BUILD (default <repo>/build-sanitize).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HART_SANITIZE_BUILD:-$root/build-sanitize}"
jobs="${JOBS:-2}"

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# -O1, as AddressSanitizer advises: reports keep their frames, and it builds a
# quarter faster than -O2.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DHART_BUILD_FUZZ=OFF -DHART_BUILD_BENCH=OFF "${launcher[@]}" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
case "${1:-}" in
  "")
    cmake --build "$build" -j"$jobs"
    # The extension tests .load hartonomous.so into the stock sqlite3 shell, which is
    # not instrumented: the ASan runtime has to be loaded first.
    LD_PRELOAD="$(${CXX:-c++} -print-file-name=libasan.so)" \
      ctest --test-dir "$build" --output-on-failure -j"$jobs"
    ;;
  --subset)
    # The labels come from gtest_discover_tests, when each executable is built.
    cmake --build "$build" -j"$jobs" --target test_util test_formats test_tokenizer
    ctest --test-dir "$build" --output-on-failure -j"$jobs" -L sanitize-subset
    ;;
  *)
    cmake --build "$build" -j"$jobs" --target "$@"
    for t in "$@"; do "$build/tests/$t"; done
    ;;
esac
