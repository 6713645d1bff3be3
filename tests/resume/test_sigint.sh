#!/usr/bin/env bash
# Interrupt a run at several points (the test hook --interrupt-after-steps behaves exactly like
# SIGINT arriving between two steps, at a chosen step), resume each time, and require the final
# file to be bitwise equal to an uninterrupted run's. Then one real SIGINT and one SIGTERM.
source "$(dirname "$0")/common.sh"

[ "$(run ref)" = 0 ] || fail "reference run failed: $(cat "$WORK/ref.err")"
[ -e "$WORK/ref.h5.checkpoint" ] && fail "a finished run left its checkpoint behind"
[ -e "$WORK/ref.h5.partial" ] && fail "a finished run left its partial file behind"

# Three interruptions in one run: after 1 step, 9 more, 40 more; then to the end.
rc=$(run a --interrupt-after-steps 1)
[ "$rc" = 130 ] || fail "first interruption: exit $rc, expected 130: $(cat "$WORK/a.err")"
[ -e "$WORK/a.h5.checkpoint" ] || fail "no checkpoint after the interruption"
[ -e "$WORK/a.h5" ] && fail "an interrupted run produced the final file"
grep -q -- "--resume" "$WORK/a.err" || fail "the interruption message does not say how to resume"
rc=$(run a --resume --interrupt-after-steps 9)
[ "$rc" = 130 ] || fail "second interruption: exit $rc: $(cat "$WORK/a.err")"
rc=$(run a --resume --interrupt-after-steps 40)
[ "$rc" = 130 ] || fail "third interruption: exit $rc: $(cat "$WORK/a.err")"
rc=$(run a --resume)
[ "$rc" = 0 ] || fail "final resume: exit $rc: $(cat "$WORK/a.err")"
[ -e "$WORK/a.h5.checkpoint" ] && fail "the completed run left its checkpoint behind"
same_bits "$WORK/ref.h5" "$WORK/a.h5"

# A fresh run must not silently start over an interrupted one.
rc=$(run b --interrupt-after-steps 5)
[ "$rc" = 130 ] || fail "interruption of b: exit $rc"
rc=$(run b)
[ "$rc" = 2 ] || fail "a fresh run over a checkpoint: exit $rc, expected 2"
grep -q "use --resume\|continue it with --resume" "$WORK/b.err" || fail "no hint: $(cat "$WORK/b.err")"
rc=$(run b --resume)
[ "$rc" = 0 ] || fail "resume of b: exit $rc: $(cat "$WORK/b.err")"
same_bits "$WORK/ref.h5" "$WORK/b.h5"

# Real signals, delivered while the run is in progress (checkpoints only at events and on the
# signal). The run is slowed to one step per 5 ms so the signal lands mid-run.
for sig in INT TERM; do
  name=sig$sig
  "$SKINHEAL" run "$SCENARIO" -o "$WORK/$name.h5" -q "${FAST[@]}" --checkpoint-every off \
    --debug-step-delay-ms 5 >"$WORK/$name.out" 2>"$WORK/$name.err" &
  pid=$!
  for _ in $(seq 200); do [ -e "$WORK/$name.h5.checkpoint" ] && break; sleep 0.02; done
  sleep 0.2
  kill -$sig $pid
  wait $pid
  rc=$?
  [ "$rc" = 130 ] || fail "SIG$sig: exit $rc, expected 130: $(cat "$WORK/$name.err")"
  rc=$(run $name --resume)
  [ "$rc" = 0 ] || fail "resume after SIG$sig: exit $rc: $(cat "$WORK/$name.err")"
  same_bits "$WORK/ref.h5" "$WORK/$name.h5"
done
echo "PASS"
