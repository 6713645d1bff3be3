#!/usr/bin/env bash
# scripts/fuzz.sh — build the scenario-parser fuzzer (libFuzzer, clang, ASan + UBSan) in
#   build-fuzz/ and run it for a bounded time; scripts/test.sh runs it (60 s) after the tests.
#   The build holds only what the parser reaches (fuzz/CMakeLists.txt): a few minutes fresh.
#   The seed corpus is scenarios/*.toml, tests/bad_inputs/*.toml and fuzz/seeds/ (inputs whose
#   first lines are "--set KEY=VALUE" overrides); inputs that find new coverage are kept in
#   build-fuzz/corpus/ (so a second run starts where the first stopped); a crash, sanitizer
#   report, leak, timeout (> 10 s for one input) or out-of-memory (> 2 GiB) is written to
#   build-fuzz/findings/ and fails.
# Usage: bash scripts/fuzz.sh [SECONDS=60] [extra libFuzzer options...]
#   e.g. SKINHEAL_FUZZ_WORKERS=2 bash scripts/fuzz.sh 600
# Environment: SKINHEAL_JOBS=N compiler processes (default: all cores);
#   SKINHEAL_FUZZ_WORKERS=N fuzzing processes sharing the corpus (default 1);
#   SKINHEAL_FUZZ_CORPUS=DIR where new inputs are kept (default build-fuzz/corpus; scripts/test.sh
#   uses a fresh build-fuzz/corpus.test each time, so that loading a big corpus from earlier
#   long runs does not make its bounded run longer than asked).
# The last line reports the executions, the rate and the corpus size.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds=${1:-60}
shift || true
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || skinheal_die 2 "fuzz.sh: SECONDS must be a positive integer, got '$seconds'"
skinheal_ensure_packages  # clang and libclang-rt-14-dev are in scripts/packages.txt
command -v clang++ > /dev/null || skinheal_die 2 "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)"
compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" > /dev/null ||
  skinheal_die 2 "fuzz.sh: libFuzzer not found (apt-get install libclang-rt-14-dev)"

dir=build-fuzz
jobs=${SKINHEAL_JOBS:-$(nproc)}
skinheal_say "building the fuzzer in $dir/ ($jobs jobs, log in $dir/build.log)"
mkdir -p "$dir"
build_start=$SECONDS
skinheal_logged "$dir/configure.log" cmake -S fuzz -B "$dir" -DCMAKE_BUILD_TYPE=Fuzz \
  -DCMAKE_CXX_COMPILER=clang++ ||
  skinheal_die 2 "fuzz.sh: configure failed; see $dir/configure.log"
skinheal_logged "$dir/build.log" cmake --build "$dir" --target fuzz_scenario -j"$jobs" ||
  skinheal_die 2 "fuzz.sh: build failed; see $dir/build.log"
skinheal_say "fuzzer built in $((SECONDS - build_start)) s"
corpus_dir=${SKINHEAL_FUZZ_CORPUS:-$dir/corpus}
mkdir -p "$corpus_dir" "$dir/findings"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export OMP_NUM_THREADS=1
workers=${SKINHEAL_FUZZ_WORKERS:-1}
[[ $workers =~ ^[0-9]+$ && $workers -ge 1 ]] || skinheal_die 2 "fuzz.sh: SKINHEAL_FUZZ_WORKERS must be >= 1"
skinheal_say "fuzzing the scenario parser for $seconds s with $workers worker(s) (logs: $dir/fuzz.<n>.log)"
pids=()
for w in $(seq 1 "$workers"); do
  "$dir/bin/fuzz_scenario" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -dict=fuzz/scenario.dict -artifact_prefix="$dir/findings/" \
    -print_final_stats=1 -seed="$w" "$@" "$corpus_dir" scenarios tests/bad_inputs fuzz/seeds > "$dir/fuzz.$w.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=$?
done
runs=0
rate=0
for w in $(seq 1 "$workers"); do
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.$w.log" | tail -n 1)
  r=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz.$w.log" | tail -n 1)
  runs=$((runs + ${n:-0}))
  rate=$((rate + ${r:-0}))
done
corpus=$(find "$corpus_dir" -type f | wc -l)
if [[ $status -ne 0 ]]; then
  grep -h -m 3 -E 'ERROR|runtime error|finding' "$dir"/fuzz.*.log >&2 || true
  skinheal_die 1 "fuzz.sh: finding after $runs executions; see $dir/fuzz.<n>.log and $dir/findings/"
fi
skinheal_say "fuzz: $runs executions in $seconds s by $workers worker(s) ($rate exec/s in all), corpus $corpus inputs, no finding"
