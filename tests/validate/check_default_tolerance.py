"""The default scenario's day-365 outcomes against a run converged in the step size (label `slow`).

Runs the 12-month default scenario (scenarios/DEFAULT) three times through the CLI:
  1. as shipped (coupled growth-factor solve with the growth factor lagged in the reactions,
     rtol 0.03, steps of up to 7 days: about 330 steps),
  2. the reference: the same with steps of at most 6 h. It must agree within REFERENCE_CHECK
     with a run converged in the step and the tolerances (docs/numerics.md, "The lagged growth
     factor": steps of at most 20 min, rtol 0.003, tight absolute tolerances, 35 831 steps),
     whose papillary collagen I and fibroblasts are pinned below,
  3. the line sweeps at 7-day steps (the default until session 6), known to be biased on this
     model,
and compares the dermal layer means of collagen I, collagen III, elastin and fibroblasts at
day 365 (HDF5 /summary). The default must be within DEFAULT_TOLERANCE of the reference on
every one, and the biased run must miss by more than that on at least one, which shows that
the comparison can tell them apart.

With --converged it instead runs the converged reference itself (about 35 000 steps, a few
minutes: label `slow`) and checks that it still gives the pinned values.

Usage: check_default_tolerance.py SKINHEAL SOURCE_DIR WORKDIR [--converged]
"""
import os
import subprocess
import sys

import h5py

# Measured 2026-12-08 (docs/numerics.md), after fibroblast motility kept the resting profile:
# the default is +0.57 % on papillary collagen I and −0.88 % on fibroblasts against the
# converged run at day 365; steps of 6 h within 0.02 % there (0.31 % at worst over the year).
DEFAULT_TOLERANCE = 0.02
REFERENCE_CHECK = 0.005
# The run converged in the step and the tolerances (papillary dermis, day 365), and how it is run.
CONVERGED = {("collagen_I", "papillary_dermis"): 122.46, ("fibroblasts", "papillary_dermis"): 1.2907}
CONVERGED_SETTINGS = ('time.dt_max="20 min"', "time.rtol=0.003", "time.atol.growth_factor=1e-4",
                      "time.atol.immune=1e-6", "time.atol.fibroblasts=1e-3")
FIELDS = ("collagen_I", "collagen_III", "elastin", "fibroblasts")
LAYERS = ("papillary_dermis", "reticular_dermis")


def run(skinheal, scenario, out, *overrides):
    args = [skinheal, "run", scenario, "-o", out, "--force", "--quiet"]
    for o in overrides:
        args += ["--set", o]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("skinheal run failed (%s):\n%s%s" % (" ".join(args), r.stdout, r.stderr))


def outcomes(path):
    with h5py.File(path, "r") as f:
        names = [n.decode() for n in f["summary/layer_names"][()]]
        t = f["summary/time"][()]
        if abs(t[-1] - 365 * 86400.0) > 1.0:
            sys.exit("%s: last summary row at t = %g s, expected day 365" % (path, t[-1]))
        return {(field, layer): float(f["summary/" + field][-1, names.index(layer)])
                for field in FIELDS for layer in LAYERS}


def deviations(values, reference):
    """Signed relative deviation from the reference, per (field, layer)."""
    return {key: (values[key] - reference[key]) / abs(reference[key]) for key in reference}


def worst(devs):
    key = max(devs, key=lambda k: abs(devs[k]))
    return key, devs[key]


def check_against_converged(what, values):
    for key, value in CONVERGED.items():
        d = values[key] / value - 1
        print("%s: %s %s = %.4f, %+.3f %% from the converged %.4f" %
              (what, key[0], key[1], values[key], 100 * d, value))
        if abs(d) > REFERENCE_CHECK:
            sys.exit("%s gives %s %s = %.4f, %+.2f %% from the converged %.4f (allowed %.1f %%)" %
                     (what, key[0], key[1], values[key], 100 * d, value, 100 * REFERENCE_CHECK))


def main():
    skinheal, source, work = sys.argv[1:4]
    converged_mode = sys.argv[4:] == ["--converged"]
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(source, "scenarios", "DEFAULT")) as f:  # first non-comment line
        name = next(line.strip() for line in f if line.strip() and not line.startswith("#"))
    scenario = os.path.join(source, "scenarios", name)
    if converged_mode:
        out = os.path.join(work, "converged.h5")
        run(skinheal, scenario, out, *CONVERGED_SETTINGS)
        check_against_converged("the converged reference", outcomes(out))
        return
    h5 = {k: os.path.join(work, k + ".h5") for k in ("default", "reference", "biased")}
    run(skinheal, scenario, h5["default"])
    run(skinheal, scenario, h5["reference"], 'time.dt_max="6 h"')
    run(skinheal, scenario, h5["biased"], 'time.growth_factor_solve="sweeps"', 'time.dt_max="7 d"')

    reference = outcomes(h5["reference"])
    check_against_converged("the 6 h reference", reference)
    dev = {k: deviations(outcomes(h5[k]), reference) for k in ("default", "biased")}
    for key in sorted(reference):
        print("%-12s %-17s reference %9.4f  default %+6.2f %%  line sweeps, 7 d %+6.2f %%" %
              (key[0], key[1], reference[key], 100 * dev["default"][key],
               100 * dev["biased"][key]))
    key, d = worst(dev["default"])
    if abs(d) > DEFAULT_TOLERANCE:
        sys.exit("the default misses the reference by %+.2f %% on %s in the %s (allowed %.0f %%)" %
                 (100 * d, key[0], key[1], 100 * DEFAULT_TOLERANCE))
    _, b = worst(dev["biased"])
    if abs(b) <= DEFAULT_TOLERANCE:
        sys.exit("the line sweeps at 7-day steps, known to be biased on this model, came within "
                 "%.0f %% of the reference: the comparison cannot tell them apart" %
                 (100 * DEFAULT_TOLERANCE))
    print("default within %.2f %% of the reference (allowed %.0f %%); the line sweeps at 7-day "
          "steps miss by up to %.1f %%" % (100 * abs(d), 100 * DEFAULT_TOLERANCE, 100 * abs(b)))


if __name__ == "__main__":
    main()
