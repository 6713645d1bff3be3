#!/usr/bin/env bash
# CLI error paths: each case must exit with the expected code, print one line on stderr that
# contains the expected text, and leave no output file behind.
set -u
skinheal=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
demo=$root/scenarios/demo_diffusion.toml
passed=0
failed=0

expect() {  # expect CODE TEXT -- ARGS...
  local code=$1 text=$2
  shift 3
  local err
  err=$("$skinheal" "$@" 2>&1 >/dev/null)
  local got=$?
  local lines
  lines=$(printf '%s\n' "$err" | grep -c .)
  if [[ $got -ne $code || "$err" != *"$text"* || $lines -ne 1 ]]; then
    echo "FAIL: skinheal $* -> exit $got (want $code), stderr: $err"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
  if compgen -G "$work/out*" > /dev/null; then
    echo "FAIL: skinheal $* left $(ls "$work"/out*)"
    failed=$((failed + 1))
    rm -f "$work"/out*
  fi
}

printf 'not = [toml' > "$work/broken.toml"
: > "$work/empty.toml"
printf '\xff\xfe bad' > "$work/latin.toml"
sed 's/^dx = "20 um"/dx = "20 kg"/' "$demo" > "$work/badunit.toml"
sed 's/^dx = "20 um"/dxx = "20 um"/' "$demo" > "$work/typo.toml"
sed 's/^kind = "generic"/kind = "genric"/' "$demo" > "$work/kind.toml"
sed 's/^end = "30 d"/end = "30 mm"/' "$demo" > "$work/dim.toml"

expect 2 "no such file" -- run "$work/missing.toml" -o "$work/out.h5"
expect 2 "broken.toml" -- run "$work/broken.toml" -o "$work/out.h5"
expect 2 "empty" -- run "$work/empty.toml" -o "$work/out.h5"
expect 2 "UTF-8" -- run "$work/latin.toml" -o "$work/out.h5"
expect 2 "unknown unit 'kg'" -- run "$work/badunit.toml" -o "$work/out.h5"
expect 2 "is 'grid.dxx' on line" -- run "$work/typo.toml" -o "$work/out.h5"
expect 2 "did you mean 'generic'" -- run "$work/kind.toml" -o "$work/out.h5"
expect 2 "is a length" -- run "$work/dim.toml" -o "$work/out.h5"
expect 2 "did you mean 'time.end'" -- run "$demo" -o "$work/out.h5" --set 'time.edn="1 d"'
expect 2 "not valid TOML" -- run "$demo" -o "$work/out.h5" --set 'time.end=1 d'
expect 2 "must end in .h5" -- run "$demo" -o "$work/out.txt"
expect 2 "--output is required" -- run "$demo"
expect 2 "usage error" -- frobnicate
touch "$work/exists.h5"
expect 2 "use --force" -- run "$demo" -o "$work/exists.h5" --set 'time.end="1 h"'

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
