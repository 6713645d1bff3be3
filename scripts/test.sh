#!/usr/bin/env bash
# scripts/test.sh — the second of the README's two commands: runs every test.
#   Installs missing packages and brings build/ up to date first (as setup.sh does, without
#   running the default scenario), then runs CTest on all labels but `slow`, then pytest on
#   python/tests against build/python with Debian's /usr/bin/python3, then fuzzes the scenario
#   parser for a bounded time (scripts/fuzz.sh: a clang libFuzzer build in build-fuzz/, a few
#   minutes when fresh, then $SKINHEAL_FUZZ_SECONDS s, default 60, of fuzzing).
# Usage: bash scripts/test.sh [--all] [--no-fuzz] [-L LABEL] [other ctest options...]
#   --all      include the tests labelled slow
#   --no-fuzz  leave out the fuzzing stage (also SKINHEAL_FUZZ_SECONDS=0)
#   -L LABEL   only CTest tests with that label (unit, verification, validation, python, slow);
#              pytest then runs only if LABEL matches "python" (-LE LABEL: only if it does not);
#              the fuzzing stage only if LABEL matches "fuzz" (-L fuzz runs only that stage)
#   anything else is passed to ctest (e.g. -R diffusion, -V); -R, -E or -I (a selection of
#   tests) leaves out the fuzzing stage
# Exit code: 0 when every test passed, non-zero otherwise. .ci/run runs this script.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

include_slow=0
run_pytest=1
run_fuzz=1
label_given=0
ctest_args=()
while (($# > 0)); do
  case $1 in
    --all) include_slow=1 ;;
    --no-fuzz) run_fuzz=0 ;;
    -L | --label-regex)
      (($# >= 2)) || skinheal_die 2 "$1 needs a label"
      [[ python =~ $2 ]] || run_pytest=0
      [[ fuzz =~ $2 ]] || run_fuzz=0
      label_given=1
      ctest_args+=(-L "$2")
      shift
      ;;
    -LE | --label-exclude)
      (($# >= 2)) || skinheal_die 2 "$1 needs a label"
      [[ python =~ $2 ]] && run_pytest=0
      [[ fuzz =~ $2 ]] && run_fuzz=0
      ctest_args+=(-LE "$2")
      shift
      ;;
    -R | --tests-regex | -E | --exclude-regex | -I | --tests-information)
      (($# >= 2)) || skinheal_die 2 "$1 needs an argument"
      run_fuzz=0
      ctest_args+=("$1" "$2")
      shift
      ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"
      exit 0
      ;;
    *) ctest_args+=("$1") ;;
  esac
  shift
done
((include_slow)) || ctest_args+=(-LE slow)
# A whole-suite run that finds no test is an error; `-L python` may rightly find none in CTest.
((label_given)) || ctest_args+=(--no-tests=error)

skinheal_prepare

build=$SKINHEAL_BUILD_DIR
# Python tests: run by pytest here, unless some CTest test labelled python already runs them.
pytest_dir=python/tests
if ((run_pytest)); then
  if ctest --test-dir "$build" -N -L python 2>/dev/null | grep -q '^Total Tests: [1-9]'; then
    run_pytest=0
  elif [[ -z $(find "$pytest_dir" -name 'test_*.py' -o -name '*_test.py' 2>/dev/null) ]]; then
    # pytest would exit 5, "no tests collected": right while there are no Python tests.
    skinheal_say "no Python tests in $pytest_dir yet: pytest skipped"
    run_pytest=0
  fi
fi

failed=()
# Two tests at a time, one OpenMP thread each: on the 2-core machine this keeps both cores busy
# without oversubscription (two tests with two spinning OpenMP threads each run several times
# slower). Tests that check thread-count independence set their thread counts themselves.
skinheal_say "running CTest (2 at a time, OMP_NUM_THREADS=1): ${ctest_args[*]}"
OMP_NUM_THREADS=1 ctest --test-dir "$build" --output-on-failure -j2 "${ctest_args[@]}" ||
  failed+=(ctest)

if ((run_pytest)); then
  skinheal_say "running pytest on $pytest_dir (PYTHONPATH=$build/python, $SKINHEAL_PYTHON)"
  rc=0
  PYTHONPATH=$SKINHEAL_ROOT/$build/python "$SKINHEAL_PYTHON" -m pytest -q -p no:cacheprovider \
    "$pytest_dir" || rc=$?
  # Exit 5 ("no tests collected") here means test files that hold no test: a failure too.
  ((rc == 0)) || failed+=("pytest (exit $rc)")
fi

# Fuzzing: a bounded run of the scenario-parser fuzzer (clang and libclang-rt come from
# scripts/packages.txt with the rest; skipped, saying so, only when they are still missing).
fuzz_seconds=${SKINHEAL_FUZZ_SECONDS:-60}
[[ $fuzz_seconds =~ ^[0-9]+$ ]] || skinheal_die 2 "SKINHEAL_FUZZ_SECONDS must be a whole number of seconds, got '$fuzz_seconds'"
((fuzz_seconds > 0)) || run_fuzz=0
if ((run_fuzz)); then
  if ! command -v clang++ > /dev/null ||
    ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" > /dev/null; then
    skinheal_say "fuzzing SKIPPED: clang++ or libFuzzer (libclang-rt-14-dev) is missing and was not installed"
  else
    skinheal_say "fuzzing the scenario parser for $fuzz_seconds s (scripts/fuzz.sh; build in build-fuzz/)"
    # Both cores fuzz (nothing else runs now); the build uses all cores too.
    # A fresh corpus from the seeds: the run stays as bounded as asked (loading the corpus of
    # earlier long runs in build-fuzz/corpus/ can take minutes by itself).
    rm -rf build-fuzz/corpus.test
    SKINHEAL_FUZZ_CORPUS=build-fuzz/corpus.test \
      SKINHEAL_FUZZ_WORKERS=${SKINHEAL_FUZZ_WORKERS:-$(nproc)} \
      bash "$SKINHEAL_ROOT/scripts/fuzz.sh" "$fuzz_seconds" || failed+=(fuzz)
  fi
fi

((${#failed[@]} == 0)) || skinheal_die 1 "tests failed: ${failed[*]}"
