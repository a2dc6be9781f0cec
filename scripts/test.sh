#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: install, build, run ctest.
# Tests that need ../shared/data skip loudly when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Node's better-sqlite3, one of the three SQLite hosts the extension is tested in
# (built from source by npm: about a minute on 2 cores).
npm ci --prefix tests/sql/node --no-audit --no-fund
# The official openai client, which drives hart serve in tests/server/openai_client_test.cpp.
npm ci --prefix tests/server/node --no-audit --no-fund
# The quick suites under AddressSanitizer + UndefinedBehaviorSanitizer, in build-sanitize/
# (the whole suite sanitized: bash scripts/sanitize.sh, too slow for CI's budget).
JOBS="$(nproc)" bash scripts/sanitize.sh --subset
# The benchmarks are not tests: they build with the commands that run them (bench/README.md).
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHART_BUILD_BENCH=OFF
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
