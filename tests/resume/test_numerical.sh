#!/usr/bin/env bash
# A numerical failure (issues 4 and 6): "NaN, Inf or negative blow-up stops the run with the
# field, voxel, time and step named, exit 3, and keeps the last good checkpoint". The fast
# scenario gets an absurd source for 'agent' (5e304 per second, fixed 1000 s steps), so the
# values overflow a few steps in. Checked: exit 3; the message names the field, the voxel, the
# time and step and the kept checkpoint; the checkpoint written before the failure is unchanged
# byte for byte, opens in h5py and is accepted by --resume (which fails again, identically);
# OUT.h5.partial stays (status running, readable by `skinheal info`); no OUT.h5 or OUT.xdmf.
# A failure before any checkpoint says so.
source "$(dirname "$0")/common.sh"

BLOWUP=(--set 'fields[0].production="5e304/s"' --set 'time.adaptive=false'
  --set 'time.dt_initial="1000 s"' --checkpoint-every '0 s')
CK="$WORK/b.h5.checkpoint"
PART="$WORK/b.h5.partial"

# 1. Stop after the first step (t = 1 min, landing on the 1-min snapshot): a good checkpoint.
rc=$(run b "${BLOWUP[@]}" --interrupt-after-steps 1)
[ "$rc" = 130 ] || fail "interruption: exit $rc: $(cat "$WORK/b.err")"
[ -f "$CK" ] || fail "no checkpoint after the interruption"
good=$(md5sum <"$CK")

# 2. Continue: the next steps blow up.
rc=$(run b "${BLOWUP[@]}" --resume)
msg=$(cat "$WORK/b.err")
[ "$rc" = 3 ] || fail "blow-up: exit $rc, expected 3: $msg"
echo "ok: exit 3: $msg"
for pattern in "numerical failure" "field 'agent' became" "at voxel (i=" "depth " \
  "at t = [0-9.e+]* s" "after a step of [0-9.e+]* s (step [0-9]*)" \
  "the last good checkpoint (t = 1 min) is kept in $CK"; do
  grep -q -- "$pattern" <<<"$msg" || fail "message lacks '$pattern': $msg"
done
[ "$(md5sum <"$CK")" = "$good" ] || fail "the checkpoint changed during the failed run"
[ -e "$WORK/b.h5" ] && fail "a failed run produced b.h5"
[ -e "$WORK/b.xdmf" ] && fail "a failed run produced b.xdmf"
[ -f "$PART" ] || fail "the partial file is gone"

# 3. The kept checkpoint is intact: h5py opens it; it holds t = 60 s after one step.
"$PY" - "$CK" <<'PYEOF' || fail "the kept checkpoint does not read back"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["format"] == "skinheal checkpoint", f.attrs["format"]
    t, acc = float(f["loop"].attrs["t_s"]), int(f["loop"].attrs["accepted"])
    assert t == 60.0 and acc == 1, (t, acc)
    assert set(f["parameters"]) == {"key", "value", "source"}, list(f["parameters"])
print(f"checkpoint: t = {t} s, {acc} step(s)")
PYEOF

# 4. The partial file opens: skinheal info (status running) and h5py.
"$SKINHEAL" info "$PART" >"$WORK/info.out" 2>"$WORK/info.err" ||
  fail "skinheal info on the partial file: $(cat "$WORK/info.err")"
grep -q "status running" "$WORK/info.out" || fail "info: $(head -3 "$WORK/info.out")"
echo "ok: $(head -1 "$WORK/info.out")"

# 5. --resume accepts the kept checkpoint and, deterministic as the run is, fails the same way
#    without replacing it.
rc=$(run b "${BLOWUP[@]}" --resume)
[ "$rc" = 3 ] || fail "second resume: exit $rc: $(cat "$WORK/b.err")"
[ "$(cat "$WORK/b.err")" = "$msg" ] || fail "second resume: other message: $(cat "$WORK/b.err")"
[ "$(md5sum <"$CK")" = "$good" ] || fail "the checkpoint changed during the second resume"
echo "ok: --resume from the kept checkpoint fails identically"

# 6. A fresh run (checkpoints after every step) keeps the checkpoint of the step before the
#    failure and names it.
rc=$(run c "${BLOWUP[@]}")
[ "$rc" = 3 ] || fail "fresh blow-up: exit $rc: $(cat "$WORK/c.err")"
grep -q "the last good checkpoint (t = [0-9.]* [a-z]*) is kept in $WORK/c.h5.checkpoint" \
  "$WORK/c.err" || fail "fresh run message: $(cat "$WORK/c.err")"
[ -f "$WORK/c.h5.checkpoint" ] || fail "fresh run: checkpoint missing"
echo "ok: fresh run: $(cat "$WORK/c.err")"

# 7. A failure in the very first step: no checkpoint exists, and the message says so.
rc=$(run d --set 'fields[0].production="1e308/s"' --set 'time.adaptive=false' \
  --set 'time.dt_initial="1000 s"')
[ "$rc" = 3 ] || fail "first-step blow-up: exit $rc: $(cat "$WORK/d.err")"
grep -q "no checkpoint was written" "$WORK/d.err" || fail "first step: $(cat "$WORK/d.err")"
[ -e "$WORK/d.h5.checkpoint" ] && fail "first step: a checkpoint appeared"
echo "ok: first step: $(cat "$WORK/d.err")"
echo OK
