#!/usr/bin/python3
"""ParaView opens a skinheal result's XDMF sidecar headless and reads every time step and every
field array. Usage: check_paraview.py OUT.h5 [OUT2.h5 ...]

Runs ParaView's pvbatch on a small script; nothing needs a display because only readers run
(no rendering), so DISPLAY is left unset. Exits 77 (CTest skip) only if ParaView is not
installed (apt-get install --no-install-recommends paraview); see paraview_python() for how
its Python modules are found. The expected time steps, fields and value ranges come from the HDF5 file
(h5py), so the check fails if ParaView drops a field, a time step or reads wrong values.
"""
import json
import os
import shutil
import subprocess
import sys

PV_SCRIPT = r'''
import json, sys
from paraview.simple import Xdmf3ReaderS
from paraview import servermanager as sm
from vtkmodules.numpy_interface import dataset_adapter as dsa
path, want_path = sys.argv[1], sys.argv[2]
want = json.load(open(want_path))
r = Xdmf3ReaderS(FileName=[path])
r.UpdatePipelineInformation()
times = list(r.TimestepValues) if r.TimestepValues else []
out = {"times": times, "steps": []}
for t in times:
    r.UpdatePipeline(t)
    d = dsa.WrapDataObject(sm.Fetch(r))
    step = {"cells": int(d.GetNumberOfCells()), "arrays": {}}
    for name in d.CellData.keys():
        a = d.CellData[name]
        step["arrays"][name] = [float(a.min()), float(a.max())]
    out["steps"].append(step)
print("PVRESULT " + json.dumps(out))
'''


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def expected(h5_path):
    import h5py
    with h5py.File(h5_path, "r") as f:
        fields = sorted(f["fields"].keys())
        times = f["time"][:]
        ranges = {n: [[float(f["fields"][n][s].min()), float(f["fields"][n][s].max())]
                      for s in range(len(times))] for n in fields}
        cells = int(f["grid/layer_id"].size)
    return {"fields": fields, "times": [float(t) for t in times], "ranges": ranges,
            "cells": cells}


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


def main():
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
        want = expected(h5)
        want_path = os.path.join(work, os.path.basename(h5) + ".expected.json")
        with open(want_path, "w") as f:
            json.dump(want, f)
        # Run from another directory: the sidecar's relative paths must still resolve.
        r = subprocess.run([pv, script, os.path.abspath(xdmf), want_path], capture_output=True,
                           text=True, env=env, cwd="/")
        lines = [l for l in r.stdout.splitlines() if l.startswith("PVRESULT ")]
        if r.returncode != 0 or not lines:
            fail("%s on %s exited %d\n%s\n%s" % (pv, xdmf, r.returncode, r.stdout[-2000:],
                                                r.stderr[-2000:]))
        got = json.loads(lines[-1][len("PVRESULT "):])
        if len(got["times"]) != len(want["times"]):
            fail("%s: ParaView sees %d time steps, the file has %d" %
                 (xdmf, len(got["times"]), len(want["times"])))
        for s, step in enumerate(got["steps"]):
            if step["cells"] != want["cells"]:
                fail("%s step %d: %d cells, expected %d" % (xdmf, s, step["cells"], want["cells"]))
            missing = [n for n in want["fields"] if n not in step["arrays"]]
            if missing:
                fail("%s step %d: ParaView reads arrays %s but not the fields %s" %
                     (xdmf, s, sorted(step["arrays"]), missing))
            for n in want["fields"]:
                lo, hi = want["ranges"][n][s]
                glo, ghi = step["arrays"][n]
                tol = 1e-5 * max(1.0, abs(lo), abs(hi))
                if abs(glo - lo) > tol or abs(ghi - hi) > tol:
                    fail("%s step %d field %s: ParaView range [%g, %g], HDF5 [%g, %g]" %
                         (xdmf, s, n, glo, ghi, lo, hi))
        print("%s: %d time steps, fields %s read by %s with matching ranges" %
              (xdmf, len(got["times"]), ", ".join(want["fields"]), os.path.basename(pv)))
    print("OK")


if __name__ == "__main__":
    main()
