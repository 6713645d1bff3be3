#!/usr/bin/env bash
# The engine is bitwise thread-independent, so a run checkpointed with 1 thread and resumed with
# 2 ends bitwise equal to a 1-thread run.
source "$(dirname "$0")/common.sh"

[ "$(run ref --threads 1)" = 0 ] || fail "reference run failed: $(cat "$WORK/ref.err")"
rc=$(run a --threads 1 --interrupt-after-steps 30)
[ "$rc" = 130 ] || fail "interruption: exit $rc"
rc=$(run a --threads 2 --resume)
[ "$rc" = 0 ] || fail "resume with 2 threads: exit $rc: $(cat "$WORK/a.err")"
same_bits "$WORK/ref.h5" "$WORK/a.h5"

echo "PASS"
