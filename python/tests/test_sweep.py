"""skinheal.sweep: local processes, a Dask LocalCluster, failed runs as rows, the CLI module."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import skinheal


@pytest.fixture
def short(generic_scenario):
    generic_scenario["time.end"] = "1 d"
    return generic_scenario


def test_sweep_on_dask_local_cluster(short, tmp_path):
    pytest.importorskip("dask.distributed")
    # One run fails at run time (its output file exists): a row with the error, not a crash.
    (tmp_path / "run_001.h5").write_bytes(b"")
    table = skinheal.sweep(short, vary={"time.end": ["12 h", "1 d", "2 d"]}, client="local", out_dir=tmp_path)
    assert list(table["time.end"]) == ["12 h", "1 d", "2 d"]
    assert list(table["status"]) == ["ok", "failed", "ok"]
    assert "exists" in table["error"][1] or "overwrite" in table["error"][1]
    for i, days in ((0, 0.5), (2, 2.0)):
        assert table.at[i, "u.dermis"] == pytest.approx(np.exp(-days), rel=1e-3)
        assert (tmp_path / f"run_{i:03d}.h5").exists()
    saved = pd.read_csv(tmp_path / "summary.csv")
    assert len(saved) == 3 and list(saved["status"]) == ["ok", "failed", "ok"]


def test_sweep_local_processes_two_keys(short, tmp_path):
    table = skinheal.sweep(short, vary={"time.end": ["6 h", "12 h"], "time.rtol": [1e-3, 1e-4]},
                           out_dir=tmp_path)
    assert len(table) == 4 and (table["status"] == "ok").all()
    assert table.at[3, "u.dermis"] == pytest.approx(np.exp(-0.5), rel=1e-4)
    assert "w.dermis" in table.columns


def test_sweep_bad_value_raises_before_running(short, tmp_path):
    with pytest.raises(ValueError, match="time.end"):
        skinheal.sweep(short, vary={"time.end": ["1 d", "3 mm"]}, out_dir=tmp_path)
    assert not list(tmp_path.glob("*.h5"))


def test_python_m_skinheal_sweep(tmp_path, generic_text):
    scen = tmp_path / "g.toml"
    scen.write_text(generic_text)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "skinheal", "sweep", str(scen), "--vary", "time.end=6 h,12 h",
                        "--set", 'time.rtol=1e-3', "-o", str(out), "-j", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out / "summary.csv")
    assert list(table["time.end"]) == ["6 h", "12 h"]
    assert table.at[1, "u.dermis"] == pytest.approx(np.exp(-0.5), rel=1e-3)
    bad = subprocess.run([sys.executable, "-m", "skinheal", "sweep", str(scen), "--vary", "grid.dxx=1,2",
                          "-o", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "dxx" in bad.stderr and bad.stderr.count("\n") == 1


def test_sweep_on_a_scheduler_address_and_client(short, tmp_path, generic_text):
    """The paths the C++ `skinheal sweep --scheduler ADDR` takes: a Client object, and
    `python -m skinheal sweep --scheduler ADDR` against a running scheduler."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        table = skinheal.sweep(short, vary={"time.end": ["6 h"]}, client=client, out_dir=tmp_path / "a")
        assert list(table["status"]) == ["ok"]
        assert table.at[0, "u.dermis"] == pytest.approx(np.exp(-0.25), rel=1e-3)
        scen = tmp_path / "g.toml"
        scen.write_text(generic_text)
        r = subprocess.run([sys.executable, "-m", "skinheal", "sweep", str(scen), "--vary", "time.end=3 h,6 h",
                            "-o", str(tmp_path / "b"), "--scheduler", cluster.scheduler_address],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        saved = pd.read_csv(tmp_path / "b" / "summary.csv")
        assert list(saved["status"]) == ["ok", "ok"]
        assert saved.at[0, "u.dermis"] == pytest.approx(np.exp(-0.125), rel=1e-3)
