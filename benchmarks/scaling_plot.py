#!/usr/bin/python3
"""Scaling plot of the full model step (issue 7): time per step against voxels and threads.

Runs ``skinheal_bench --benchmark_format=json`` on the BM_ModelStep cases (one Simulation::step of
the default skin scenario one hour after the first session, at grid.width = 1, 2, 4, 8 mm and
1 and 2 engine threads), then draws two panels into a PNG:

  left   wall ms per model step against voxels, one line per thread count (log-log, with the
         linear-scaling guide through the smallest 1-thread point);
  right  wall ms per model step against threads, one line per grid size, and the ideal 1/t.

Usage (from the repository root; /usr/bin/python3 has Debian's matplotlib):

    /usr/bin/python3 benchmarks/scaling_plot.py --bench build/bin/skinheal_bench \
        -o out/bench/model_scaling.png
    /usr/bin/python3 benchmarks/scaling_plot.py --json out/bench/model_scaling.json -o plot.png

The raw JSON is kept next to the PNG (same name, .json), so a plot can be redrawn without
re-running (``--json``). Medians are used when ``--repetitions`` > 1.
"""

import argparse
import json
import os
import re
import subprocess
import sys

NAME = re.compile(r"^BM_ModelStep/2d/(?P<phase>\w+)/width_mm:(?P<width>\d+)/threads:(?P<threads>\d+)")


def run_bench(bench, phase, repetitions, min_time):
    cmd = [
        bench,
        "--benchmark_filter=^BM_ModelStep/2d/%s/" % phase,
        "--benchmark_format=json",
        "--benchmark_repetitions=%d" % repetitions,
        "--benchmark_min_time=%g" % min_time,
    ]
    if repetitions > 1:
        cmd.append("--benchmark_report_aggregates_only=true")
    print("running:", " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE)
    return json.loads(done.stdout)


def points(report):
    """{(threads, voxels, width): ms per step} from a Google Benchmark JSON report."""
    out = {}
    for b in report["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        m = NAME.match(b["name"])
        if not m:
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        key = (int(m["threads"]), int(b["voxels"]), int(m["width"]))
        out[key] = b["real_time"] * scale
    return out


def plot(data, title, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    threads = sorted({t for t, _, _ in data})
    for t in threads:
        xs = sorted((v, ms) for (tt, v, _), ms in data.items() if tt == t)
        left.plot([v for v, _ in xs], [ms for _, ms in xs], "o-", label="%d thread(s)" % t)
    ones = sorted((v, ms) for (t, v, _), ms in data.items() if t == 1)
    if ones:
        v0, ms0 = ones[0]
        vs = [v for v, _ in ones]
        left.plot(vs, [ms0 * v / v0 for v in vs], "k:", label="linear in voxels")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("voxels")
    left.set_ylabel("wall ms per model step")
    left.set_title("time vs voxels")
    left.grid(True, which="both", alpha=0.3)
    left.legend()

    sizes = sorted({(v, w) for _, v, w in data})
    for v, w in sizes:
        xs = sorted((t, ms) for (t, vv, _), ms in data.items() if vv == v)
        right.plot([t for t, _ in xs], [ms for _, ms in xs], "o-", label="%d mm, %d voxels" % (w, v))
        if xs:
            right.plot([t for t, _ in xs], [xs[0][1] / t for t, _ in xs], ":", color="grey")
    right.set_xticks(threads)
    right.set_xlabel("engine threads")
    right.set_ylabel("wall ms per model step")
    right.set_title("time vs threads (dotted: ideal)")
    right.set_yscale("log")
    right.grid(True, alpha=0.3)
    right.legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bench", default=os.path.join(here, "..", "build", "bin", "skinheal_bench"))
    p.add_argument("--json", help="plot this saved JSON report instead of running the benchmark")
    p.add_argument("--phase", default="session", choices=["session", "late"])
    p.add_argument("--repetitions", type=int, default=3)
    p.add_argument("--min-time", type=float, default=0.5, help="seconds per case (Google Benchmark)")
    p.add_argument("-o", "--output", default="model_scaling.png")
    a = p.parse_args()

    if a.json:
        with open(a.json) as f:
            report = json.load(f)
    else:
        report = run_bench(a.bench, a.phase, a.repetitions, a.min_time)
        os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
        with open(os.path.splitext(a.output)[0] + ".json", "w") as f:
            json.dump(report, f, indent=1)
    data = points(report)
    if not data:
        sys.exit("scaling_plot: no BM_ModelStep cases in the report")
    ctx = report.get("context", {})
    title = "BM_ModelStep/2d/%s  (%s, %s CPUs, load %s)" % (
        a.phase,
        ctx.get("date", "?"),
        ctx.get("num_cpus", "?"),
        " ".join("%.2f" % x for x in ctx.get("load_avg", [])) or "?",
    )
    plot(data, title, a.output)
    for (t, v, w), ms in sorted(data.items()):
        print("threads %d  width %d mm  voxels %7d  %9.3f ms/step  %6.2f M voxel-steps/s"
              % (t, w, v, ms, v / ms / 1e3))
    print("wrote", a.output)


if __name__ == "__main__":
    main()
