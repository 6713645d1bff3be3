"""``python -m skinheal sweep SCENARIO --vary KEY=V1,V2 [--vary ...] -o DIR [-j N] [--scheduler ADDR]``

Runs a parameter sweep (every combination of the --vary values), one HDF5 file per run in DIR,
and writes the outcomes table to DIR/summary.csv. Values are TOML values when they parse as
one (``1.5``, ``true``, ``"0.5 mm"``), else strings (``0.5 mm``); a key with a unit suffix
takes numbers (``device.needle_length_mm=0.5,1,1.5``). SCENARIO is a TOML file or a preset name.

Exit codes (as ``skinheal sweep``, which execs this module for ``--scheduler``): 0 every run
succeeded; 3 some run failed (its row holds the error); 2 bad input (unknown key, bad value,
missing file) — one line naming the key and reason.
"""
from __future__ import annotations

import argparse
import sys
import tomllib


def _value(text: str):
    try:
        return tomllib.loads("v = " + text)["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def _split_values(text: str) -> list[str]:
    """Split on commas outside quotes and brackets."""
    parts, depth, quote, cur = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    parts.append(cur)
    return [p for p in (s.strip() for s in parts) if p]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skinheal", description=__doc__.split("\n\n")[1])
    sub = parser.add_subparsers(dest="command", required=True)
    sw = sub.add_parser("sweep", help="run a parameter sweep",
                        description="Run every combination of the --vary values; write DIR/run_*.h5 "
                                    "and DIR/summary.csv.")
    sw.add_argument("scenario", help="scenario file (TOML) or preset name")
    sw.add_argument("--vary", action="append", required=True, metavar="KEY=V1,V2",
                    help="a dotted key and its comma-separated values (repeatable)")
    sw.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a scenario value for every run (TOML value, as skinheal run --set)")
    sw.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    sw.add_argument("-j", "--jobs", type=int, default=2, help="local worker processes (default 2)")
    sw.add_argument("--scheduler", default=None, metavar="ADDR",
                    help="Dask scheduler address (tcp://host:8786), or 'local' for a Dask LocalCluster")
    sw.add_argument("--force", action="store_true",
                    help="overwrite the results of an earlier sweep in DIR (otherwise refused)")
    sw.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    args = parser.parse_args(argv)

    import skinheal

    try:
        sc = skinheal.Scenario.load(args.scenario) if args.scenario.endswith(".toml") else \
            skinheal.Scenario.preset(args.scenario)
        sets = {}
        for s in args.set:
            key, eq, val = s.partition("=")
            if not eq:
                raise ValueError(f"--set {s}: expected KEY=VALUE, e.g. --set 'time.end=\"2 d\"'")
            sets.pop(key, None)  # a key set twice: the last value, in the last place
            sets[key] = _value(val)
        sc.update(sets)  # validated together, after all are applied (as skinheal run --set)
        vary = {}
        for v in args.vary:
            key, eq, vals = v.partition("=")
            if not eq or not key or not _split_values(vals):
                raise ValueError(f"--vary {v}: expected KEY=V1,V2,..., e.g. --vary device.needle_length_mm=0.5,1")
            vary[key] = [_value(x) for x in _split_values(vals)]
        if args.jobs < 1:
            raise ValueError(f"-j {args.jobs}: expected at least 1 worker")
        table = skinheal.sweep(sc, vary, client=args.scheduler, out_dir=args.output,
                               n_workers=args.jobs, overwrite=args.force)
    except skinheal.SweepOutputExists as e:
        print(f"skinheal: error: {e.directory}: holds the results of an earlier sweep "
              f"({', '.join(e.existing[:3])}{', ...' if len(e.existing) > 3 else ''}); "
              "use --force to overwrite them", file=sys.stderr)
        return 2
    except (ValueError, OSError, Warning) as e:  # one line, as the CLI's errors (-W error too)
        print(f"skinheal: error: {e}".splitlines()[0], file=sys.stderr)
        return 2
    failed = table[table["status"] != "ok"]
    for _, row in failed.iterrows():
        print(f"skinheal sweep: {row['output']}: {row['error']}", file=sys.stderr)
    if not args.quiet:
        cols = [c for c in list(vary) + ["status", "wall_time_s"] if c in table.columns]
        print(table[cols].to_string(index=False))
        print(f"wrote {len(table)} run(s) and {args.output}/summary.csv")
    return 0 if failed.empty else 3


if __name__ == "__main__":
    sys.exit(main())
