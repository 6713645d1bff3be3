#!/usr/bin/env bash
# `skinheal sweep`: a 2 x 2 sweep of the demo scenario (shortened) must write one CSV row per
# run with the varied values, status ok and final layer means; a combination that fails at run
# time gives a failed row and exit 3 without stopping the others; a combination that does not
# validate stops the sweep with exit 2 and one line before anything runs; nothing is
# overwritten without --force.
# Usage: test_sweep.sh SKINHEAL_EXE SOURCE_DIR
set -u
skinheal=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
demo=$root/scenarios/demo_diffusion.toml
failed=0
fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}
short=(--set 'time.end="1 h"' --set 'output.snapshots=["1 h"]')

# 1. A 2 x 2 sweep, two runs at a time.
"$skinheal" sweep "$demo" -o "$work/s1" -j 2 "${short[@]}" \
  --vary 'grid.dx="100 um","200 um"' --vary 'time.rtol=1e-2,1e-3' > "$work/s1.out" 2> "$work/s1.err"
code=$?
[[ $code -eq 0 ]] || fail "sweep exited $code: $(cat "$work/s1.err")"
csv=$work/s1/summary.csv
if [[ ! -f $csv ]]; then
  fail "no summary.csv"
else
  rows=$(($(wc -l < "$csv") - 1))
  [[ $rows -eq 4 ]] || fail "summary.csv has $rows rows, want 4"
  header=$(head -n 1 "$csv")
  [[ $header == run,grid.dx,time.rtol,status,exit_code,wall_s,output,t_end_s,final.* ]] ||
    fail "unexpected header: $header"
  [[ $header == *final.agent.dermis* || $header == *final.agent.reticular_dermis* ]] ||
    fail "no final.agent.<layer> column: $header"
  # Row-major order: the last --vary changes fastest. A varied TOML string is its plain text.
  expect_rows=('0,100 um,1e-2,ok' '1,100 um,1e-3,ok' '2,200 um,1e-2,ok' '3,200 um,1e-3,ok')
  for i in 0 1 2 3; do
    line=$(sed -n "$((i + 2))p" "$csv")
    [[ $line == "${expect_rows[$i]}",0,* ]] || fail "row $i is '$line', want '${expect_rows[$i]},0,...'"
    [[ -f $work/s1/run_$i.h5 ]] || fail "run_$i.h5 missing"
    # t_end_s is 3600 and the agent has entered the skin (a positive final mean).
    /usr/bin/python3 - "$csv" "$i" <<'PY' || fail "row $i: bad outcome values"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
r = rows[int(sys.argv[2])]
assert abs(float(r["t_end_s"]) - 3600.0) < 1e-6, r["t_end_s"]
agent = [float(v) for k, v in r.items() if k.startswith("final.agent.")]
assert agent and all(v == v for v in agent) and max(agent) > 0.0, agent
assert float(r["wall_s"]) > 0.0
# final.<field>.<layer> columns list each field's layers from the surface down.
layers = [k.split(".", 2)[2] for k in r if k.startswith("final.agent.")]
import h5py
with h5py.File(r["output"], "r") as f:
    depth_order = [n.decode() for n in f["summary/layer_names"][()]]
assert layers == depth_order, (layers, depth_order)
PY
  done
fi

# 2. Not again without --force; with --force, yes.
"$skinheal" sweep "$demo" -o "$work/s1" "${short[@]}" --vary 'time.rtol=1e-2' 2> "$work/s2.err" > /dev/null
code=$?
[[ $code -eq 2 && $(wc -l < "$work/s2.err") -eq 1 && $(cat "$work/s2.err") == *"use --force"* ]] ||
  fail "existing summary.csv: exit $code, $(cat "$work/s2.err")"
# With --force one run replaces the four, and the earlier runs' files beyond it are gone; a
# file of the same pattern that the earlier summary does not list (the user's own) stays.
echo "mine" > "$work/s1/run_9.log"
"$skinheal" sweep "$demo" -o "$work/s1" "${short[@]}" --vary 'time.rtol=1e-2' --force -q \
  2> "$work/s2f.err" > /dev/null
code=$?
[[ $code -eq 0 && $(($(wc -l < "$work/s1/summary.csv") - 1)) -eq 1 && -f $work/s1/run_0.h5 ]] ||
  fail "sweep --force: exit $code, $(cat "$work/s2f.err")"
leftover=$(ls "$work/s1" | grep -E '^run_[1-9]' || true)
[[ $leftover == run_9.log ]] || fail "sweep --force left or removed the wrong files: $leftover"

# 3. A combination that validates but fails while running (a production of 1e306 per s
#    overflows to Inf: exit 3 from the run):
#    a failed row, the other run ok, exit 3.
"$skinheal" sweep "$demo" -o "$work/s3" -j 1 "${short[@]}" --set 'grid.dx="200 um"' \
  --vary 'fields[1].production="0/s","1e306/s"' > /dev/null 2> "$work/s3.err"
code=$?
[[ $code -eq 3 ]] || fail "sweep with a failing run exited $code (want 3): $(cat "$work/s3.err")"
if [[ -f $work/s3/summary.csv ]]; then
  r0=$(sed -n 2p "$work/s3/summary.csv")
  r1=$(sed -n 3p "$work/s3/summary.csv")
  [[ $r0 == 0,*,ok,0,* ]] || fail "failing sweep: row 0 is '$r0'"
  [[ $r1 == 1,*,failed,* && $r1 != *,failed,0,* ]] || fail "failing sweep: row 1 is '$r1'"
  grep -q "run 1 failed" "$work/s3.err" || fail "the failed run was not reported: $(cat "$work/s3.err")"
else
  fail "failing sweep wrote no summary.csv"
fi

# 4. One combination does not validate: exit 2, one line naming it, nothing run or written.
"$skinheal" sweep "$demo" -o "$work/s4" "${short[@]}" --vary 'grid.dx="100 um","1 kg"' \
  > /dev/null 2> "$work/s4.err"
code=$?
err=$(cat "$work/s4.err")
[[ $code -eq 2 && $(wc -l < "$work/s4.err") -eq 1 && $err == *'run 1 grid.dx="1 kg"'* &&
  $err == *"unknown unit 'kg'"* && $err == *demo_diffusion.toml* ]] ||
  fail "invalid combination: exit $code, $err"
[[ ! -e $work/s4 ]] || fail "invalid combination created $work/s4"

# 5. Usage errors: a --vary without '=' and a key given twice.
for args in "--vary grid.dx" "--vary time.rtol=1e-2 --vary time.rtol=1e-3"; do
  # shellcheck disable=SC2086
  "$skinheal" sweep "$demo" -o "$work/s5" $args > /dev/null 2> "$work/s5.err"
  code=$?
  [[ $code -eq 2 && $(wc -l < "$work/s5.err") -eq 1 ]] || fail "sweep $args: exit $code, $(cat "$work/s5.err")"
done

if [[ $failed -eq 0 ]]; then echo "sweep: all checks passed"; fi
[[ $failed -eq 0 ]]
