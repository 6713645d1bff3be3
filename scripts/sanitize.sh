#!/usr/bin/env bash
# scripts/sanitize.sh — the unit and verification tests under AddressSanitizer and UBSan.
#   Installs missing packages, configures a Debug build (-O1) in build-asan/ with
#   -DSKINHEAL_SANITIZE=ON (benchmarks off), builds it, and runs `ctest -L 'unit|verification'`.
#   Any sanitizer report fails the test that caused it (UBSan is made fatal).
# Usage: bash scripts/sanitize.sh [extra ctest options...]   (e.g. -R units)
# Environment: SKINHEAL_JOBS=N compiler processes (default: all cores), e.g.
#   SKINHEAL_JOBS=1 nice -n 10 bash scripts/sanitize.sh   on a machine shared with other work.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dir=build-asan
skinheal_ensure_packages
# Debug (assertions on, no NDEBUG) at -O1, the usual optimisation for ASan: at -O0, Eigen code
# under ASan runs ~100x slower than Release (a 4 s verification test did not end in 25 min).
skinheal_configure "$dir" -DCMAKE_BUILD_TYPE=Debug -DSKINHEAL_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
  -DSKINHEAL_BUILD_BENCHMARKS=OFF -DPython3_EXECUTABLE="$SKINHEAL_PYTHON"
skinheal_build "$dir"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# One OpenMP thread per test, two tests at a time (see test.sh).
skinheal_say "running the unit and verification tests under ASan/UBSan"
OMP_NUM_THREADS=1 ctest --test-dir "$dir" --output-on-failure --no-tests=error -j2 \
  -L 'unit|verification' "$@"
