# Shared by tests/resume/test_*.sh: arguments, a scratch directory, a fast scenario, and a
# bitwise comparison of two result files.
#   $1 skinheal executable   $2 source directory   $3 python3 with h5py and numpy
set -u
SKINHEAL=$1
SRC=$2
PY=${3:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/skinheal_resume.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

# demo_diffusion on a coarser grid and to 5 days: ~150 steps in about a second, with events at
# t = 0, several log-spaced snapshots and adaptive steps growing from 1 s to hours.
SCENARIO="$SRC/scenarios/demo_diffusion.toml"
FAST=(--set 'grid.dx="100 um"' --set 'time.end="5 d"' --set 'grid.dz_max="100 um"')

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# run NAME ARGS...: skinheal run on the fast scenario writing $WORK/NAME.h5; echoes the exit code.
run() {
  local name=$1
  shift
  "$SKINHEAL" run "$SCENARIO" -o "$WORK/$name.h5" -q "${FAST[@]}" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err"
  echo $?
}

# same_bits A.h5 B.h5: /fields/*, /time, /snapshot_label and /summary/* identical bit for bit.
same_bits() {
  "$PY" - "$1" "$2" <<'PYEOF' || fail "$1 and $2 differ"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
names = [n for n in names if n.split("/")[0] in ("fields", "time", "snapshot_label", "summary")]
assert len(names) >= 6, names
for n in names:
    x, y = a[n][()], b[n][()]
    if x.dtype.kind in "fiu":
        ok = x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()
    else:
        ok = x.shape == y.shape and list(x.ravel()) == list(y.ravel())
    if not ok:
        print(f"/{n} differs: shapes {x.shape} {y.shape}", file=sys.stderr)
        sys.exit(1)
print(f"{len(names)} datasets bitwise equal; {a['time'].shape[0]} snapshots, "
      f"{a['summary/time'].shape[0]} summary rows")
PYEOF
}
