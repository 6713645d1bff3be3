#!/usr/bin/python3
"""ParaView opens a skinheal result's XDMF sidecar headless and reads every time step and every
field array with the values of the HDF5 file. Usage: check_paraview.py OUT.h5 [OUT2.h5 ...]

Runs ParaView's pvbatch on a small script; nothing needs a display because only readers run
(no rendering), so DISPLAY is left unset. Exits 77 (CTest skip) only if ParaView is not
installed (apt-get install --no-install-recommends paraview); see paraview_python() for how
its Python modules are found.

What is checked, per file, against h5py: ParaView's Xdmf3ReaderS lists one time step per
snapshot, strictly increasing, each within 1e-6 relative (at least 1 us per tie) of /time and a
normal number (no denormals such as -4.9e-324); at every time step the grid has every cell and
every /fields/<name> array equals the snapshot's float32 values exactly, cell by cell, as does
layer_id; and at least two snapshots with different values were among those compared (so a
reader that returned the first snapshot for every time would fail).

The arrays are taken from the reader's own output object (pvbatch runs in one process), not via
servermanager.Fetch: in Debian's ParaView 5.11 Fetch of a 2D rectilinear grid returns partly wrong
cell values (seen with a .vtr written by VTK too) although the reader's output is right.
"""
import math
import os
import shutil
import subprocess
import sys

PV_SCRIPT = r'''
import sys
import numpy as np
from paraview.simple import Xdmf3ReaderS
from vtkmodules.numpy_interface import dataset_adapter as dsa
path, out_path = sys.argv[1], sys.argv[2]
r = Xdmf3ReaderS(FileName=[path])
r.UpdatePipelineInformation()
times = list(r.TimestepValues) if r.TimestepValues else []
arrays = {"times": np.array(times, dtype=np.float64)}
for s, t in enumerate(times):
    r.UpdatePipeline(t)
    o = r.GetClientSideObject().GetOutputDataObject(0)
    if o.IsA("vtkMultiBlockDataSet"):
        o = o.GetBlock(0)
    d = dsa.WrapDataObject(o)
    arrays["cells_%d" % s] = np.array([d.GetNumberOfCells()])
    arrays["class_%d" % s] = np.array([o.GetClassName()])
    for name in d.CellData.keys():
        arrays["%d/%s" % (s, name)] = np.array(d.CellData[name])
np.savez(out_path, **arrays)
print("PVRESULT %d time steps" % len(times))
'''


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def paraview_python(work):
    """A ParaView Python interpreter and the environment it needs, or (None, reason).

    Debian's python3-paraview (ParaView's Python modules) cannot be installed next to
    libvtk9-dev and python3-vtk9 (they ship the same vtkmodules files; apt removes the VTK
    development package). So if `import paraview` fails in pvbatch, the package is fetched with
    `apt-get download` and unpacked with `dpkg -x` into WORK/python3-paraview (not installed),
    and pvbatch runs with that on PYTHONPATH.
    """
    pvbatch = shutil.which("pvbatch") or shutil.which("pvpython")
    if pvbatch is None:
        return None, None, "ParaView is not installed (apt-get install paraview)"
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    test_script = os.path.join(work, "paraview_probe.py")
    with open(test_script, "w") as f:
        f.write("import paraview.simple\nprint('PVOK')\n")

    def works(e):
        r = subprocess.run([pvbatch, test_script], capture_output=True, text=True, env=e,
                           timeout=300)
        return "PVOK" in r.stdout

    if works(env):
        return pvbatch, env, None
    root = os.path.join(work, "python3-paraview")
    site = os.path.join(root, "usr", "lib", "python3", "dist-packages")
    if not os.path.isdir(os.path.join(site, "paraview")):
        os.makedirs(root, exist_ok=True)
        d = subprocess.run(["apt-get", "download", "python3-paraview"], cwd=root,
                           capture_output=True, text=True)
        debs = [f for f in os.listdir(root) if f.endswith(".deb")]
        if d.returncode != 0 or not debs:
            return None, None, ("ParaView's Python modules (python3-paraview) are not available "
                                "and apt-get download failed: " + d.stderr.strip()[-300:])
        subprocess.run(["dpkg", "-x", os.path.join(root, debs[0]), root], check=True)
    env["PYTHONPATH"] = site + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if works(env):
        return pvbatch, env, None
    return None, None, "pvbatch cannot import paraview.simple even with python3-paraview unpacked"


def check(h5, got):
    """Compare what ParaView read (the npz written by PV_SCRIPT) with the HDF5 file."""
    import h5py
    import numpy as np
    xdmf = os.path.splitext(h5)[0] + ".xdmf"
    with h5py.File(h5, "r") as f:
        fields = sorted(f["fields"].keys())
        times = f["time"][:]
        layer_id = f["grid/layer_id"][()].ravel()
        pv_times = got["times"]
        if len(pv_times) != len(times):
            fail("%s: ParaView sees %d time steps, the file has %d" %
                 (xdmf, len(pv_times), len(times)))
        for s, (tp, th) in enumerate(zip(pv_times, times)):
            if tp != 0.0 and not (math.isfinite(tp) and abs(tp) >= sys.float_info.min):
                fail("%s step %d: time %r is not a normal number" % (xdmf, s, tp))
            if abs(tp - th) > 1e-5 * max(1.0, abs(th)):
                fail("%s step %d: ParaView time %r, /time %r" % (xdmf, s, tp, th))
            if s > 0 and not pv_times[s - 1] < tp:
                fail("%s: times not strictly increasing at step %d: %r" % (xdmf, s, list(pv_times)))
        distinct = set()
        for s in range(len(times)):
            cells = int(got["cells_%d" % s][0])
            if cells != layer_id.size:
                fail("%s step %d: %d cells (%s), expected %d" %
                     (xdmf, s, cells, got["class_%d" % s][0], layer_id.size))
            names = sorted(k.split("/", 1)[1] for k in got.files if k.startswith("%d/" % s))
            missing = [n for n in fields + ["layer_id"] if n not in names]
            if missing:
                fail("%s step %d: ParaView reads arrays %s but not %s" % (xdmf, s, names, missing))
            for n in fields:
                want = f["fields"][n][s].ravel()
                have = got["%d/%s" % (s, n)].ravel()
                if have.shape != want.shape or not np.array_equal(have.astype(np.float32), want,
                                                                  equal_nan=True):
                    same_shape = have.shape == want.shape
                    bad = int(np.argmax(have.astype(np.float32) != want)) if same_shape else -1
                    fail("%s step %d (t = %r s) field %s: ParaView values differ from the HDF5 "
                         "snapshot (first differing cell %d: %r vs %r; ranges [%g, %g] vs [%g, %g])"
                         % (xdmf, s, float(times[s]), n, bad,
                            float(have.ravel()[bad]) if bad >= 0 else None,
                            float(want[bad]) if bad >= 0 else None,
                            float(have.min()), float(have.max()), float(want.min()),
                            float(want.max())))
                distinct.add((n, want.tobytes()))
            if not np.array_equal(got["%d/layer_id" % s].ravel(), layer_id):
                fail("%s step %d: layer_id differs from /grid/layer_id" % (xdmf, s))
        varying = [n for n in fields if sum(1 for m, _ in distinct if m == n) >= 2]
        if not varying:
            fail("%s: every snapshot has the same values; the check needs a field that changes"
                 % xdmf)
    print("%s: %d time steps (%s), fields %s equal to the HDF5 snapshots cell by cell "
          "(changing over time: %s)" % (xdmf, len(times), ", ".join("%g" % t for t in pv_times),
                                          ", ".join(fields), ", ".join(varying)))


def main():
    import numpy as np
    work = os.path.dirname(os.path.abspath(sys.argv[1]))
    pv, env, reason = paraview_python(work)
    if pv is None:
        if shutil.which("pvbatch") or shutil.which("pvpython"):
            fail(reason)
        print("SKIP: " + reason)
        sys.exit(77)
    script = os.path.join(work, "paraview_read.py")
    with open(script, "w") as f:
        f.write(PV_SCRIPT)
    for h5 in sys.argv[1:]:
        xdmf = os.path.splitext(h5)[0] + ".xdmf"
        if not os.path.exists(xdmf):
            fail(xdmf + " missing (the writer writes it next to the .h5)")
        got_path = os.path.join(work, os.path.basename(h5) + ".paraview.npz")
        if os.path.exists(got_path):
            os.remove(got_path)
        # Run from another directory: the sidecar's relative paths must still resolve.
        r = subprocess.run([pv, script, os.path.abspath(xdmf), got_path], capture_output=True,
                           text=True, env=env, cwd="/")
        if r.returncode != 0 or "PVRESULT" not in r.stdout or not os.path.exists(got_path):
            fail("%s on %s exited %d\n%s\n%s" % (pv, xdmf, r.returncode, r.stdout[-2000:],
                                                r.stderr[-2000:]))
        if "Skipping unrecognized array type" in r.stdout + r.stderr:
            fail("%s: ParaView skipped arrays:\n%s" % (xdmf, (r.stdout + r.stderr)[-2000:]))
        with np.load(got_path) as got:
            check(h5, got)
    print("OK")


if __name__ == "__main__":
    main()
