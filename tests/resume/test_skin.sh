#!/usr/bin/env bash
# The skin model resumes bitwise: sessions stamp channels into the fields, a topical agent
# switches the surface boundary on and off and its per-voxel diffusivity follows the channels,
# occlusion windows end; interrupted at several points (with 1 and 2 threads) it ends equal.
source "$(dirname "$0")/common.sh"

SKIN=(--set 'grid.width="0.4 mm"' --set 'grid.depth="0.6 mm"' --set 'grid.dx="40 um"'
  --set 'grid.dz_max="100 um"' --set 'time.end="1.5 d"' --set 'treatment.sessions=["0 d", "1 d"]'
  --set 'topical.duration="2 h"' --set 'treatment.occlusion_after_session="6 h"')
skin() {
  local name=$1
  shift
  "$SKINHEAL" run "$SRC/scenarios/roller_1p5mm_collagen_induction.toml" -o "$WORK/$name.h5" -q \
    "${SKIN[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  echo $?
}
[ "$(skin skinref --threads 2)" = 0 ] || fail "skin reference: $(cat "$WORK/skinref.err")"
rc=$(skin s --threads 1 --interrupt-after-steps 3)
[ "$rc" = 130 ] || fail "skin interruption: exit $rc: $(cat "$WORK/s.err")"
for n in 25 40; do
  rc=$(skin s --threads 2 --resume --interrupt-after-steps $n)
  [ "$rc" = 130 ] || fail "skin interruption: exit $rc: $(cat "$WORK/s.err")"
done
rc=$(skin s --threads 1 --resume)
[ "$rc" = 0 ] || fail "skin resume: exit $rc: $(cat "$WORK/s.err")"
same_bits "$WORK/skinref.h5" "$WORK/s.h5"
echo "PASS"
