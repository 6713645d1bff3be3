"""Parameter sweeps: one simulation per combination, each writing its own HDF5 file.

Runs go to local worker processes by default, or to a Dask cluster: pass a
``dask.distributed.Client``, a scheduler address (``"tcp://host:8786"``) or ``"local"`` (a
``LocalCluster`` of processes). A failed run is a row with its error, never fatal to the sweep.

Local workers are fresh interpreters (``python -c``) that import only ``skinheal.sweep`` and
exchange the job and its row as JSON, one process per run. Not ``multiprocessing``: forking a
process that has started OpenMP threads is unsafe, and its ``spawn`` start method re-imports
the caller's ``__main__``, which breaks a plain script without an
``if __name__ == "__main__":`` guard (every run re-running the script). A Dask
``LocalCluster`` (``client="local"``) starts its workers with ``multiprocessing``, so a script
using it does need the guard.
"""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time as _time
import traceback
from pathlib import Path
from typing import Any, Iterable

from .scenario import Scenario, plain_value

__all__ = ["sweep", "run_one", "SweepOutputExists"]

#: Summary columns whose change from t = 0 is reported as ``<column>_gain.<layer>``.
GAIN_COLUMNS = ("collagen_total", "collagen_I", "collagen_III", "elastin")


def run_one(text: str, name: str, overrides: list[str], output: str | None,
            overwrite: bool = False, threads: int = 1) -> dict[str, Any]:
    """Run one scenario to its end and return its outcomes as a flat dict (never raises).

    Keys: ``status`` ("ok" or "failed"), ``error`` (message, "" when ok), ``output`` (the HDF5
    file), ``wall_time_s``, ``time_s`` (simulated), ``steps``, and per layer
    ``<column>.<layer>`` for every observable at the end, plus ``<column>_gain.<layer>`` (end
    minus start) for the matrix columns in GAIN_COLUMNS. Module level so worker processes
    (local or Dask) can import it.
    """
    from . import _core
    from .scenario import Scenario
    from .simulation import Simulation

    start = _time.monotonic()
    row: dict[str, Any] = {"status": "failed", "error": "", "output": output or "",
                           "wall_time_s": float("nan"), "time_s": float("nan"), "steps": 0}
    try:
        _core.set_num_threads(threads)
        sim = Simulation(Scenario(text, name, dict(o.split("=", 1) for o in overrides)))
        initial = sim.observables()
        sim.run(output=output, overwrite=overwrite)
        final = sim.observables()
        for col in final.columns:
            for layer in final.index:
                row[f"{col}.{layer}"] = float(final.at[layer, col])
        for col in GAIN_COLUMNS:
            if col in final.columns:
                for layer in final.index:
                    row[f"{col}_gain.{layer}"] = float(final.at[layer, col] - initial.at[layer, col])
        row["time_s"] = sim.time
        row["steps"] = int(sim._core.last_step["accepted"])
        row["status"] = "ok"
    except BaseException as e:  # noqa: BLE001 — a failed run is a row, not a crash
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        row["error"] = f"{type(e).__name__}: {e}"
        if not isinstance(e, (ValueError, RuntimeError)):
            row["error"] += "\n" + traceback.format_exc(limit=3)
    row["wall_time_s"] = _time.monotonic() - start
    return row


class SweepOutputExists(FileExistsError):
    """The output directory already holds a sweep's results (``summary.csv`` or one of the run
    files this sweep would write); raised before anything runs. ``directory`` and ``existing``
    (the file names found) say where."""

    def __init__(self, directory: Path, existing: list[str]):
        shown = ", ".join(existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
        super().__init__(f"{directory}: holds the results of an earlier sweep ({shown}); pass "
                         "overwrite=True to replace them, or choose another out_dir")
        self.directory, self.existing = directory, existing


def _combinations(vary: dict[str, Iterable[Any]]) -> list[dict[str, Any]]:
    keys = list(vary)
    values = []
    for k in keys:
        v = plain_value(vary[k])  # a NumPy array as a list, a NumPy scalar as a number
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            v = [v]
        values.append([plain_value(x) for x in v])
    for k, v in zip(keys, values):
        if not v:
            raise ValueError(f"vary[{k!r}]: no values")
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def sweep(scenario: Scenario | str | os.PathLike, vary: dict[str, Iterable[Any]],
          client: Any = None, out_dir: str | os.PathLike = "sweep", n_workers: int = 2,
          overwrite: bool = False, threads_per_run: int = 1) -> "pandas.DataFrame":  # noqa: F821
    """Run `scenario` for every combination of the `vary` values; return one row per run.

    scenario: a :class:`Scenario`, a TOML path or a preset name.
    vary: dotted key → values (``{"device.needle_length_mm": [0.25, 0.5, 1.0]}``); every
      combination (Cartesian product) is one run. Each value is validated before anything runs
      (ValueError with the CLI's message).
    client: None (local processes, `n_workers` of them), ``"local"`` (a Dask LocalCluster with
      `n_workers` single-threaded worker processes), a scheduler address, or a
      ``dask.distributed.Client``.
    out_dir: each run writes ``out_dir/run_<i>.h5``; the table is also written to
      ``out_dir/summary.csv``. If `out_dir` already holds ``summary.csv`` or any of these run
      files, the sweep raises :class:`SweepOutputExists` (a FileExistsError) before running
      anything, unless ``overwrite=True`` (as ``skinheal sweep --force``), which replaces them.

    Returns a pandas DataFrame: the varied keys, ``status``, ``error``, ``output``,
    ``wall_time_s``, ``time_s``, ``steps`` and the per-layer outcomes (see :func:`run_one`).
    """
    import pandas as pd

    if not isinstance(scenario, Scenario):
        p = Path(scenario)
        scenario = Scenario.load(p) if p.suffix == ".toml" or p.exists() else Scenario.preset(str(scenario))
    if not vary:
        raise ValueError("sweep: vary is empty; give at least one key with values")
    combos = _combinations(vary)
    out = Path(out_dir)
    outputs = [out / f"run_{i:03d}.h5" for i in range(len(combos))]
    jobs = []
    for i, combo in enumerate(combos):
        sc = scenario.copy().update(combo)  # validates eagerly: ValueError before any run
        jobs.append((sc.base_text, sc.name, sc.override_list, str(outputs[i]), overwrite, threads_per_run))
    if not overwrite:  # an earlier sweep's table and files are never replaced by accident
        existing = [p.name for p in [out / "summary.csv"] + outputs if p.exists()]
        if existing:
            raise SweepOutputExists(out, existing)

    # Connect before creating anything: a scheduler that cannot be reached (OSError) leaves
    # no output directory behind.
    client, own = _connect(client, n_workers)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if overwrite:
            _remove_earlier_runs(out, {Path(o).stem for o in outputs})
        rows = _execute(jobs, client, n_workers)
    finally:
        _close(own)
    records = []
    for combo, row in zip(combos, rows):
        rec = {k: (v if not isinstance(v, (list, tuple)) else str(v)) for k, v in combo.items()}
        rec.update(row)
        records.append(rec)
    table = pd.DataFrame.from_records(records)
    table.to_csv(out / "summary.csv", index=False)
    return table


def _remove_earlier_runs(out: Path, keep: set[str]) -> None:
    """Remove the run files an earlier sweep's summary.csv lists (its `output` column) that this
    sweep does not write again (stems not in `keep`), so that the directory holds what the new
    summary lists, as `skinheal sweep --force` does. Files it does not list are never touched."""
    import csv
    import re

    try:
        with open(out / "summary.csv", newline="", encoding="utf-8") as f:
            listed = [row.get("output") or "" for row in csv.DictReader(f)]
    except (OSError, csv.Error):
        return
    for name in listed:
        p = Path(name)
        if not re.fullmatch(r"run_\d{1,9}", p.stem) or p.stem in keep:
            continue
        try:
            if not p.parent.resolve().samefile(out.resolve()):
                continue
        except OSError:
            continue
        for ext in (".h5", ".xdmf", ".log", ".h5.partial", ".h5.checkpoint"):
            f = out / (p.stem + ext)
            if f.is_file():
                f.unlink()


def _connect(client: Any, n_workers: int) -> tuple[Any, Any]:
    """(client to use, client this sweep owns and must close): a str becomes a Dask Client."""
    if not isinstance(client, str):
        return client, None
    from dask.distributed import Client, LocalCluster

    if client == "local":
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        own = Client(cluster)
    else:  # an address that does not answer fails after 10 s (Dask's default is 30 s)
        own = Client(client, timeout="10s")
    return own, own


def _close(own: Any) -> None:
    if own is not None:
        cluster = own.cluster
        own.close()
        if cluster is not None:
            cluster.close()


def _execute(jobs: list[tuple], client: Any, n_workers: int) -> list[dict[str, Any]]:
    if client is None:
        import concurrent.futures as cf

        if n_workers <= 1 or len(jobs) == 1:
            return [run_one(*j) for j in jobs]
        # Threads that each wait for one worker process at a time.
        pool = cf.ThreadPoolExecutor(max_workers=min(n_workers, len(jobs)))
        live: _LiveProcesses = _LiveProcesses()
        try:
            futures = [pool.submit(_run_in_process, j, live) for j in jobs]
            return [_result_or_row(fut, j) for fut, j in zip(futures, jobs)]
        except BaseException:  # Ctrl-C or a kernel interrupt: start no further runs, end these
            pool.shutdown(wait=False, cancel_futures=True)
            live.terminate_all()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    if isinstance(client, str):  # a caller other than sweep(): connect here
        client, own = _connect(client, n_workers)
        try:
            return _execute(jobs, client, n_workers)
        finally:
            _close(own)
    futures = [client.submit(run_one, *j, pure=False) for j in jobs]
    return [_result_or_row(fut, j) for fut, j in zip(futures, jobs)]


class _LiveProcesses:
    """The worker processes running now, so that an interrupt in the caller's thread can end
    them (a Jupyter interrupt reaches the kernel only, not its children)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen] = set()
        self._closed = False

    def add(self, proc: subprocess.Popen) -> bool:
        """Register a started process; False (and the process is ended) after terminate_all."""
        with self._lock:
            if not self._closed:
                self._procs.add(proc)
                return True
        proc.kill()
        return False

    def discard(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._procs.discard(proc)

    def terminate_all(self) -> None:
        with self._lock:
            self._closed = True
            procs = list(self._procs)
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# The worker's code: the package that started it comes first on sys.path (argv[2]), ahead of the
# current directory that `python -c` puts there, which may hold a source tree's `skinheal`.
_WORKER_CODE = ("import sys; sys.path.insert(0, sys.argv[2]); "
                "from skinheal.sweep import _worker_main; _worker_main()")


def _run_in_process(job: tuple, live: _LiveProcesses | None = None) -> dict[str, Any]:
    """run_one(*job) in a fresh interpreter; raises RuntimeError if that process dies."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryDirectory(prefix="skinheal-sweep-") as tmp:
        row_file = Path(tmp) / "row.json"
        proc = subprocess.Popen([sys.executable, "-c", _WORKER_CODE, str(row_file), package_parent],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, text=True)
        if live is not None and not live.add(proc):
            proc.wait()
            raise RuntimeError("the sweep was interrupted")
        try:
            _, err = proc.communicate(json.dumps(list(job)))
        finally:
            if live is not None:
                live.discard(proc)
        if proc.returncode != 0 or not row_file.exists():
            tail = "\n".join(err.strip().splitlines()[-3:])
            raise RuntimeError(f"worker process exited with code {proc.returncode}: {tail}")
        return json.loads(row_file.read_text(encoding="utf-8"))


def _worker_main() -> None:
    """A worker process: the job (run_one's arguments) as JSON on stdin; the row as JSON into the
    file named by argv[1]."""
    row = run_one(*json.loads(sys.stdin.read()))
    Path(sys.argv[1]).write_text(json.dumps(row), encoding="utf-8")


def _result_or_row(future: Any, job: tuple) -> dict[str, Any]:
    """A worker that died (not a failed run: run_one never raises) still gives a row."""
    try:
        return future.result()
    except Exception as e:  # noqa: BLE001
        return {"status": "failed", "error": f"worker failed: {type(e).__name__}: {e}",
                "output": job[3], "wall_time_s": float("nan"), "time_s": float("nan"), "steps": 0}
