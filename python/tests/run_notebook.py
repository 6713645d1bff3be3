#!/usr/bin/env python3
"""Execute one notebook headless (nbclient); a failing cell fails (exit 1) naming the cell.

Usage: run_notebook.py NOTEBOOK.ipynb [--timeout SECONDS_PER_CELL]
CTest runs every python/notebooks/*.ipynb this way with SKINHEAL_NOTEBOOK_SMALL=1 (the
notebooks' parameter cells then pick a reduced size) in a temporary working directory, so
notebook outputs never land in the source tree. Prints the wall time.
"""
import argparse
import os
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebook")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    args = ap.parse_args()
    nb = nbformat.read(args.notebook, as_version=4)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quieter ipykernel start
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="skinheal_nb_") as work:
        client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                                resources={"metadata": {"path": work}})
        try:
            client.execute()
        except CellExecutionError as e:
            print(f"{args.notebook}: a cell failed:\n{e}", file=sys.stderr)
            return 1
    print(f"{args.notebook}: all cells ran in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
