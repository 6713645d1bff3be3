#!/usr/bin/env bash
# --resume refuses, with one line naming the file and exit 2, and without touching anything:
# another scenario, a corrupt / truncated / foreign / empty checkpoint, no checkpoint, a
# checkpoint of another grid geometry (r–z), a damaged partial file. Afterwards the genuine
# resume still ends bitwise equal.
source "$(dirname "$0")/common.sh"

[ "$(run ref)" = 0 ] || fail "reference run failed: $(cat "$WORK/ref.err")"
rc=$(run a --interrupt-after-steps 12)
[ "$rc" = 130 ] || fail "interruption: exit $rc"
CK="$WORK/a.h5.checkpoint"
PART="$WORK/a.h5.partial"
cp "$CK" "$WORK/good.checkpoint"
sums() { md5sum "$CK" "$PART" | cut -d' ' -f1 | tr '\n' ' '; }
before=$(sums)
part_before=$(md5sum <"$PART")

# refuse WHAT PATTERN ARGS...: resume must exit 2 with one stderr line matching PATTERN,
# leave the checkpoint and partial as they were and create no OUT.h5.
refuse() {
  local what=$1 pattern=$2
  shift 2
  local rc
  rc=$(run a --resume "$@")
  [ "$rc" = 2 ] || fail "$what: exit $rc, expected 2: $(cat "$WORK/a.err")"
  [ "$(wc -l <"$WORK/a.err")" = 1 ] || fail "$what: not one line: $(cat "$WORK/a.err")"
  grep -q -- "$pattern" "$WORK/a.err" || fail "$what: message lacks '$pattern': $(cat "$WORK/a.err")"
  [ -e "$WORK/a.h5" ] && fail "$what: produced the output file"
  if [ "$what" != "truncated partial" ]; then
    [ "$(md5sum <"$PART")" = "$part_before" ] || fail "$what: the partial file was changed"
  fi
  echo "ok: $what: $(cat "$WORK/a.err")"
}

refuse "other scenario" "a.h5.checkpoint: written for a different scenario (time.end" \
  --set 'time.end="6 d"'
refuse "--resume with --force" "--resume continues a run and --force starts it over" --force
[ "$(sums)" = "$before" ] || fail "a refused resume changed the checkpoint or the partial file"

"$PY" - "$CK" <<'PYEOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
mid = len(data) // 2
for i in range(mid, mid + 64):
    data[i] ^= 0x5A
open(sys.argv[1], "wb").write(data)
PYEOF
refuse "corrupt checkpoint" "a.h5.checkpoint: corrupt checkpoint"

# Single flipped bits anywhere (header, HDF5 metadata, scenario strings, field data).
size=$(stat -c %s "$WORK/good.checkpoint")
for off in 0 40 300 600 2000 5000 $((size / 3)) $((size / 2)) $((size - 10)); do
  "$PY" - "$WORK/good.checkpoint" "$CK" "$off" <<'PYEOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[int(sys.argv[3])] ^= 0x01
open(sys.argv[2], "wb").write(data)
PYEOF
  refuse "bit flip at byte $off" "a.h5.checkpoint: \(corrupt checkpoint\|not a skinheal checkpoint\)"
done

head -c 3000 "$WORK/good.checkpoint" >"$CK"
refuse "truncated checkpoint" "a.h5.checkpoint: .*checkpoint"
cp "$WORK/ref.h5" "$CK"
refuse "foreign HDF5 file" "a.h5.checkpoint: not a skinheal checkpoint"
echo "hello" >"$CK"
refuse "text file" "a.h5.checkpoint: not a skinheal checkpoint"
: >"$CK"
refuse "empty file" "a.h5.checkpoint: not a skinheal checkpoint"
rm "$CK"
refuse "no checkpoint" "a.h5.checkpoint: no checkpoint to resume from"

# The checkpoint of an axisymmetric r–z run (unit_cell_rz) where the x–z run's belongs: the
# message names both grids (and the first parameter that differs).
"$SKINHEAL" run "$SRC/scenarios/unit_cell_rz.toml" -o "$WORK/rz.h5" -q --set 'time.end="1 d"' \
  --set 'treatment.sessions=["0 d"]' --interrupt-after-steps 3 >"$WORK/rz.out" 2>"$WORK/rz.err"
rc=$?
[ "$rc" = 130 ] || fail "r–z run to checkpoint: exit $rc: $(cat "$WORK/rz.err")"
cp "$WORK/rz.h5.checkpoint" "$CK"
refuse "r-z checkpoint" "a.h5.checkpoint: written for a different grid: the checkpoint has an rz grid of [0-9]* × [0-9]* cells (r × z), the scenario has an xz grid of [0-9]* × [0-9]* cells (x × z); "

cp "$WORK/good.checkpoint" "$CK"
cp "$PART" "$WORK/good.partial"
head -c 2000 "$WORK/good.partial" >"$PART"
refuse "truncated partial" "a.h5.partial: "
cp "$WORK/good.partial" "$PART"
[ "$(sums)" = "$before" ] || fail "restoring the good files did not restore the state"

rc=$(run a --resume)
[ "$rc" = 0 ] || fail "genuine resume: exit $rc: $(cat "$WORK/a.err")"
same_bits "$WORK/ref.h5" "$WORK/a.h5"
echo "PASS"
