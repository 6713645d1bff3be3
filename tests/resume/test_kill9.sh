#!/usr/bin/env bash
# kill -9 a run mid-way: OUT.h5.partial must stay readable with every snapshot and summary row
# up to the last flush equal to the uninterrupted run's, and --resume from the last checkpoint
# must end bitwise equal to it.
source "$(dirname "$0")/common.sh"

[ "$(run ref)" = 0 ] || fail "reference run failed: $(cat "$WORK/ref.err")"

# ~150 steps of at least 12 ms each: the run lasts ≥ 1.8 s, twice the longest delay after its
# first checkpoint (with 4 ms it lasted about 0.6 s plus compute and finished first on a busy
# machine).
for delay in 0.3 0.9; do
  name=k$delay
  "$SKINHEAL" run "$SCENARIO" -o "$WORK/$name.h5" -q "${FAST[@]}" --checkpoint-every "0.05 s" \
    --debug-step-delay-ms 12 >"$WORK/$name.out" 2>"$WORK/$name.err" &
  pid=$!
  for _ in $(seq 500); do [ -e "$WORK/$name.h5.checkpoint" ] && break; sleep 0.02; done
  [ -e "$WORK/$name.h5.checkpoint" ] || fail "no checkpoint within 10 s of the start"
  sleep "$delay"
  kill -9 $pid
  wait $pid 2>/dev/null
  [ -e "$WORK/$name.h5" ] && fail "the run finished before kill -9 (make it slower)"
  "$PY" - "$WORK/$name.h5.partial" "$WORK/ref.h5" <<'PYEOF' || fail "partial file after kill -9"
import sys, h5py, numpy as np
p, r = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
n, m = p["time"].shape[0], p["summary/time"].shape[0]
assert n >= 1 and m >= 1, (n, m)
assert n < r["time"].shape[0], "killed after the last snapshot?"
for name in p["fields"]:
    data = p["fields"][name][()]          # every snapshot decompresses
    assert data.shape[0] == n, (name, data.shape, n)
    assert data.tobytes() == r["fields"][name][:n].tobytes(), name
    s = p["summary"][name][()]
    assert s.shape[0] == m and s.tobytes() == r["summary"][name][:m].tobytes(), name
assert p["time"][()].tobytes() == r["time"][:n].tobytes()
assert p["summary/time"][()].tobytes() == r["summary/time"][:m].tobytes()
print(f"partial after kill -9: {n} snapshots and {m} summary rows readable and equal")
PYEOF
  rc=$(run $name --resume)
  [ "$rc" = 0 ] || fail "resume after kill -9: exit $rc: $(cat "$WORK/$name.err")"
  same_bits "$WORK/ref.h5" "$WORK/$name.h5"
done
echo "PASS"
