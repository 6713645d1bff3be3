"""`skinheal sweep --scheduler ADDR`: the C++ command line hands the sweep to a running Dask
scheduler (through ``python3 -m skinheal sweep``); the runs happen on the cluster's workers and
DIR/summary.csv has one row per combination."""
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cli() -> Path:
    """The built command line: $SKINHEAL_CLI (set by CTest), else build/bin/skinheal."""
    cli = Path(os.environ.get("SKINHEAL_CLI", ROOT / "build" / "bin" / "skinheal"))
    if not cli.is_file():
        pytest.skip(f"{cli} is not built")
    return cli


def _saw_run_one(dask_scheduler=None):
    """Module level, so that the scheduler can unpickle it."""
    return "run_one" in dask_scheduler.task_prefixes


def test_cli_sweep_on_a_dask_scheduler(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    cli = _cli()
    demo = ROOT / "scenarios" / "demo_diffusion.toml"
    out = tmp_path / "sweep"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        r = subprocess.run(
            [str(cli), "sweep", str(demo), "--scheduler", cluster.scheduler_address,
             "--set", 'time.end="1 h"', "--set", 'output.snapshots=["1 h"]',
             "--vary", 'grid.dx="100 um","200 um"', "-o", str(out)],
            capture_output=True, text=True, timeout=240)
        assert r.returncode == 0, r.stderr
        # The runs went to this cluster (its scheduler saw run_one tasks), not local processes.
        with distributed.Client(cluster) as client:
            assert client.run_on_scheduler(_saw_run_one)
    table = pd.read_csv(out / "summary.csv")
    assert list(table["grid.dx"]) == ["100 um", "200 um"]
    assert list(table["status"]) == ["ok", "ok"]
    assert list(table["output"]) == [str(out / "run_000.h5"), str(out / "run_001.h5")]
    for i in range(2):
        assert (out / f"run_{i:03d}.h5").is_file()
        assert table.at[i, "time_s"] == pytest.approx(3600.0)
    agent = [c for c in table.columns if c.startswith("agent.")]
    assert agent and (table[agent].to_numpy() >= 0.0).all() and table[agent].to_numpy().max() > 0.0
    assert "wrote 2 run(s)" in r.stdout


def test_cli_sweep_scheduler_unreachable_is_an_error(tmp_path):
    """A scheduler that does not answer: exit 2 with one line, not a hang or a traceback, and
    no output directory."""
    pytest.importorskip("dask.distributed")
    cli = _cli()
    demo = ROOT / "scenarios" / "demo_diffusion.toml"
    r = subprocess.run(
        [str(cli), "sweep", str(demo), "--scheduler", "tcp://127.0.0.1:9", "--vary",
         'time.end="1 h"', "-o", str(tmp_path / "s")],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.count("\n") == 1 and "tcp://127.0.0.1:9" in r.stderr, r.stderr
    assert not (tmp_path / "s").exists()  # nothing created before connecting
