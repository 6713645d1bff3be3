#!/usr/bin/env bash
# `skinheal validate`: one case end to end, its JSON report read back, and a bad case name.
# Usage: test_validate_cli.sh SKINHEAL PYTHON WORKDIR
set -euo pipefail
skinheal=$1 python=$2 work=$3
rm -rf "$work" && mkdir -p "$work"

"$skinheal" validate --threads 1 --case occlusion -o "$work/report" >"$work/stdout" 2>"$work/stderr"
grep -q '1 of 1 checks inside' "$work/stdout"
test -s "$work/report/validation.md"
test ! -e "$work/report/validation.json.partial"
"$python" - "$work/report/validation.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["total"] == 1 and r["passed"] == 1, r
check = r["cases"][0]["checks"][0]
assert check["id"] == "occluded_barrier_t90", check
assert check["lo"] <= check["measured"] <= check["hi"], check
assert check["units"] == "h" and check["source"], check
PY

# An unknown case: exit 2, one line naming the nearest valid case.
rc=0
"$skinheal" validate --case oclusion >"$work/out2" 2>"$work/err2" || rc=$?
[[ $rc == 2 ]] || { echo "unknown case: exit $rc, expected 2"; exit 1; }
[[ $(wc -l <"$work/err2") == 1 ]] || { echo "unknown case: not one line:"; cat "$work/err2"; exit 1; }
grep -q "occlusion" "$work/err2"
# -q: only failed checks (none here) and the total, nothing on stderr.
"$skinheal" validate -q --case occlusion >"$work/out3" 2>"$work/err3"
[[ $(cat "$work/out3") == "1 of 1 checks inside their literature windows" && ! -s $work/err3 ]] ||
  { echo "validate -q:"; cat "$work/out3" "$work/err3"; exit 1; }
echo "validate CLI: ok"
