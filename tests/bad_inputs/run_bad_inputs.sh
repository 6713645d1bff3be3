#!/usr/bin/env bash
# Bad scenarios: every tests/bad_inputs/*.toml is given to `skinheal check` and to
# `skinheal run -o OUT.h5`; each must exit with code 2 (not a signal, not a hang), print
# exactly one line on stderr that names the file and contains the expected text, and leave no
# output or .partial file. The expected text is the first line of the file, `# expect: TEXT`,
# or the whole of NAME.expect beside it (for files that cannot carry a comment: empty, blank).
# Cases that need no file of their own (missing file, a directory, a huge file, --set errors)
# and the needle-length warning (exit 0, one warning line) are made here.
#
# Usage: run_bad_inputs.sh SKINHEAL_EXE BAD_INPUTS_DIR [NAME_REGEX]
set -u
skinheal=$1
dir=$2
only=${3:-.}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/out
mkdir -p "$out"
passed=0
failed=0
cases=0

fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}

# check_case NAME EXPECT FILE_NAME_IN_MESSAGE -- ARGS...: one invocation.
check_case() {
  local name=$1 expect=$2 fname=$3
  shift 4
  local err got lines
  err=$(timeout 60 "$skinheal" "$@" 2>&1 >/dev/null)
  got=$?
  lines=$(printf '%s' "$err" | awk 'END { print NR }')
  if [[ $got -eq 124 ]]; then
    fail "$name: skinheal $* hung (killed after 60 s)"
  elif [[ $got -gt 128 ]]; then
    fail "$name: skinheal $* died with signal $((got - 128)); stderr: $err"
  elif [[ $got -ne 2 ]]; then
    fail "$name: skinheal $* exited $got (want 2); stderr: $err"
  elif [[ $lines -ne 1 ]]; then
    fail "$name: skinheal $* printed $lines lines on stderr (want 1): $err"
  elif [[ "$err" != *"$expect"* ]]; then
    fail "$name: skinheal $* stderr lacks '$expect': $err"
  elif [[ -n "$fname" && "$err" != *"$fname"* ]]; then
    fail "$name: skinheal $* stderr does not name the file '$fname': $err"
  else
    passed=$((passed + 1))
  fi
  if [[ -n "$(ls -A "$out")" ]]; then
    fail "$name: skinheal $* left $(ls -A "$out" | tr '\n' ' ')"
    rm -rf "${out:?}"/* "$out"/.[!.]* 2>/dev/null
  fi
}

# both NAME EXPECT FILE: `check FILE` and `run FILE -o OUT.h5`.
both() {
  local name=$1 expect=$2 file=$3
  [[ $name =~ $only ]] || return 0
  cases=$((cases + 1))
  check_case "$name" "$expect" "$(basename "$file")" -- check "$file"
  check_case "$name" "$expect" "$(basename "$file")" -- run "$file" -o "$out/x.h5"
}

for file in "$dir"/*.toml; do
  name=$(basename "$file" .toml)
  if [[ -f "$dir/$name.expect" ]]; then
    expect=$(head -n 1 "$dir/$name.expect")
  else
    expect=$(head -n 1 "$file" | sed -n 's/^# expect: //p')
  fi
  if [[ -z "$expect" ]]; then
    fail "$name: no '# expect: TEXT' first line and no $name.expect"
    continue
  fi
  both "$name" "$expect" "$file"
done

# Files that are not scenario files.
both missing_file "no such file" "$work/does_not_exist.toml"
mkdir "$work/a_directory.toml"
both directory "is a directory" "$work/a_directory.toml"
{
  echo '# a 5 MiB file: refused before it is parsed'
  head -c $((5 << 20)) /dev/zero | tr '\0' '#'
} > "$work/huge.toml"
both huge_file "limited to 4 MiB" "$work/huge.toml"

# --set errors, against a good generic scenario.
good=$dir/../../scenarios/demo_diffusion.toml
set_case() {  # set_case NAME EXPECT VALUE
  [[ $1 =~ $only ]] || return 0
  cases=$((cases + 1))
  check_case "$1" "$2" demo_diffusion.toml -- check "$good" --set "$3"
  check_case "$1" "$2" demo_diffusion.toml -- run "$good" -o "$out/x.h5" --set "$3"
}
set_case set_typo "did you mean 'time.end'" 'time.edn="1 d"'
set_case set_unquoted_unit "is not valid TOML (quote strings with units: time.end='\"1 d\"')" 'time.end=1 d'
set_case set_unquoted_list "time.end='[\"1 d\", \"2 d\"]'" 'time.end=1 d, 2 d # two'
set_case set_no_equals "expected KEY=VALUE" 'time.end'
set_case set_empty_key_part "is not a dotted key" 'time..end="1 d"'
set_case set_bad_unit "unknown unit 'kg'" 'grid.dx="1 kg"'
set_case set_into_array "'layers' is not a table" 'layers.name="x"'
set_case set_index_out_of_range "has 5 entries" 'layers[7].name="x"'
set_case set_index_not_array "'grid' is not an array" 'grid[0].dx="1 um"'
set_case set_wrong_dimension "is a time, expected a length" 'grid.dx="1 h"'
set_case set_range "must be a positive length" 'grid.dx="-1 um"'

# --set is applied to the parsed file, not by rewriting its text: a message about an overridden
# value names the override (its line would point into text the user never saw), and a message
# about any other key keeps its line in the user's file.
set_case set_names_override_value 'demo_diffusion.toml: --set grid.dx="abc": "abc" for '"'grid.dx'" \
  'grid.dx="abc"'
set_case set_names_override_range \
  'demo_diffusion.toml: --set grid.dx="-1 um": '"'grid.dx' must be a positive length" 'grid.dx="-1 um"'
set_case set_names_override_type \
  'demo_diffusion.toml: --set grid.dim=2.5: '"'grid.dim' must be an integer" 'grid.dim=2.5'
set_case set_names_override_unknown \
  'demo_diffusion.toml: --set grid.dxx="1 um": unknown key '"'grid.dxx'; did you mean 'grid.dx'?" \
  'grid.dxx="1 um"'
set_case set_names_override_new_table \
  'demo_diffusion.toml: --set output.snapshots=["2 h", "1 mm"]: "1 mm" for '"'output.snapshots[1]'" \
  'output.snapshots=["2 h", "1 mm"]'
set_case set_names_override_table_missing_key \
  'demo_diffusion.toml: --set grid={dim=2, dx="20 um"}: missing required key '"'grid.width'" \
  'grid={dim=2, dx="20 um"}'
set_case set_names_override_array_element \
  'demo_diffusion.toml: --set layers[1].thickness="1 h": "1 h" for '"'layers[1].thickness'" \
  'layers[1].thickness="1 h"'

# file_set_case NAME EXPECT FILE VALUE: a bad file with an override of some other key; the
# message must keep the line of the file.
file_set_case() {
  [[ $1 =~ $only ]] || return 0
  cases=$((cases + 1))
  check_case "$1" "$2" "$(basename "$3")" -- check "$3" --set "$4"
  check_case "$1" "$2" "$(basename "$3")" -- run "$3" -o "$out/x.h5" --set "$4"
}
file_set_case set_keeps_file_line_range \
  "range_needle_too_long.toml:11: 'device.needle_length' = \"6 mm\" is out of range" \
  "$dir/range_needle_too_long.toml" 'time.end="2 d"'
file_set_case set_keeps_file_line_unknown \
  "unknown_key_grid.toml:9: unknown key 'grid.dz_surfce'; did you mean 'grid.dz_surface'?" \
  "$dir/unknown_key_grid.toml" 'grid.width="400 um"'
file_set_case set_keeps_file_line_unit \
  "unit_weeks_for_length.toml:11: \"6 weeks\" for 'device.needle_length': is a time" \
  "$dir/unit_weeks_for_length.toml" 'grid.dx="10 um"'

# A needle length outside 0.25-3 mm is a warning: one line on stderr, and the run goes on.
if [[ warning_needle_length =~ $only ]]; then
  cases=$((cases + 1))
  # (the grid as deep as the forearm's skin, so that the needle is the only warning)
  sed -e 's/^needle_length = .*/needle_length = "0.2 mm"/' -e 's/^depth = .*/depth = "1.2 mm"/' \
    "$dir/range_needle_too_long.toml" | sed '1,2d' > "$work/short_needle.toml"
  err=$(timeout 300 "$skinheal" run "$work/short_needle.toml" -o "$out/warn.h5" --quiet 2>&1 >/dev/null)
  got=$?
  lines=$(printf '%s' "$err" | awk 'END { print NR }')
  if [[ $got -ne 0 || $lines -ne 1 || "$err" != *"warning: "*"short_needle.toml:9:"* ||
    "$err" != *"outside 0.25-3 mm"* || ! -f "$out/warn.h5" ]]; then
    fail "warning_needle_length: exit $got, $lines line(s): $err"
  else
    passed=$((passed + 1))
  fi
  err=$(timeout 60 "$skinheal" check "$work/short_needle.toml" 2>&1 >/dev/null)
  if [[ $? -ne 0 || "$err" != *"outside 0.25-3 mm"* ]]; then
    fail "warning_needle_length (check): $err"
  else
    passed=$((passed + 1))
  fi
  # The same warning for a value given by --set names the override, not a line.
  err=$(timeout 60 "$skinheal" check "$dir/range_needle_too_long.toml" \
    --set 'device.needle_length="0.2 mm"' 2>&1 >/dev/null)
  if [[ $? -ne 0 || "$err" != *'warning: '*'range_needle_too_long.toml: --set device.needle_length="0.2 mm": '* ||
    "$err" != *"outside 0.25-3 mm"* ]]; then
    fail "warning_needle_length (--set): $err"
  else
    passed=$((passed + 1))
  fi
  rm -rf "${out:?}"/*
fi

echo "$cases cases, $passed checks passed, $failed failed"
[[ $cases -gt 0 && $failed -eq 0 ]]
