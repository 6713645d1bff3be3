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
    # One run fails at run time (its output path is a directory): a row with the error, not a crash.
    (tmp_path / "run_001.h5").mkdir()
    table = skinheal.sweep(short, vary={"time.end": ["12 h", "1 d", "2 d"]}, client="local", out_dir=tmp_path,
                           overwrite=True)
    assert list(table["time.end"]) == ["12 h", "1 d", "2 d"]
    assert list(table["status"]) == ["ok", "failed", "ok"]
    assert "run_001.h5" in table["error"][1]
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


def test_second_sweep_into_the_same_directory_is_refused(short, tmp_path):
    vary = {"time.end": ["6 h", "12 h"]}
    skinheal.sweep(short, vary=vary, out_dir=tmp_path, n_workers=1)
    before = (tmp_path / "summary.csv").read_text()
    with pytest.raises(skinheal.SweepOutputExists, match="overwrite=True") as err:
        skinheal.sweep(short, vary=vary, out_dir=tmp_path, n_workers=1)
    assert isinstance(err.value, FileExistsError) and str(tmp_path) in str(err.value)
    assert "--force" not in str(err.value)
    assert (tmp_path / "summary.csv").read_text() == before  # the old table is kept
    again = skinheal.sweep(short, vary=vary, out_dir=tmp_path, n_workers=1, overwrite=True)
    assert list(again["status"]) == ["ok", "ok"]


def test_cli_second_sweep_refused_and_set_order_free(tmp_path):
    roller = skinheal.scenarios_dir() / "roller_1p5mm_collagen_induction.toml"
    out = tmp_path / "out"
    base = [sys.executable, "-m", "skinheal", "sweep", str(roller), "--vary", "device.needle_length_mm=0.5",
            "--set", 'grid.dx="80 um"', "-o", str(out), "-j", "1"]
    # time.end before the sessions that fit it: valid once both are applied (as skinheal run --set).
    r = subprocess.run(base + ["--set", 'time.end="1 d"', "--set", 'treatment.sessions=["0 d"]'],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    before = (out / "summary.csv").read_text()
    again = subprocess.run(base + ["--set", 'treatment.sessions=["0 d"]', "--set", 'time.end="1 d"'],
                           capture_output=True, text=True)
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert str(out) in again.stderr and "--force" in again.stderr and "overwrite=" not in again.stderr
    assert (out / "summary.csv").read_text() == before
    forced = subprocess.run(base + ["--set", 'treatment.sessions=["0 d"]', "--set", 'time.end="1 d"', "--force"],
                            capture_output=True, text=True)
    assert forced.returncode == 0, forced.stderr


def test_numpy_values_to_vary(short, tmp_path):
    table = skinheal.sweep(short, vary={"time.rtol": np.array([1e-3, 1e-4]), "grid.dim": np.int64(2)},
                           out_dir=tmp_path, n_workers=1)
    assert list(table["status"]) == ["ok", "ok"]
    assert list(table["time.rtol"]) == [1e-3, 1e-4] and list(table["grid.dim"]) == [2, 2]


def test_sweep_in_a_script_without_main_guard(tmp_path, generic_text):
    """Local worker processes must not re-run the calling script (multiprocessing's spawn does)."""
    (tmp_path / "g.toml").write_text(generic_text)
    script = tmp_path / "plain.py"
    script.write_text(
        "import skinheal\n"
        "print('script body ran')\n"
        "sc = skinheal.Scenario.load('g.toml')\n"
        "table = skinheal.sweep(sc, vary={'time.end': ['1 h', '2 h', '3 h']}, out_dir='sw', n_workers=2)\n"
        "print(list(table['status']), list(table['error']))\n")
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "['ok', 'ok', 'ok']" in r.stdout, r.stdout
    assert r.stdout.count("script body ran") == 1
    assert "bootstrapping" not in r.stderr


def test_workers_import_the_callers_package_not_the_working_directorys(short, tmp_path, monkeypatch):
    """`python -c` puts the working directory first on sys.path; a `skinheal` source tree there
    (no compiled _core) must not replace the package that started the sweep."""
    fake = tmp_path / "skinheal"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('the wrong skinheal')\n")
    monkeypatch.chdir(tmp_path)
    table = skinheal.sweep(short, vary={"time.end": ["6 h", "12 h"]}, out_dir=tmp_path / "sw",
                           n_workers=2)
    assert list(table["status"]) == ["ok", "ok"], list(table["error"])


def test_overwrite_removes_an_earlier_larger_sweeps_runs(short, tmp_path):
    skinheal.sweep(short, vary={"time.end": ["6 h", "12 h", "18 h"]}, out_dir=tmp_path, n_workers=1)
    assert (tmp_path / "run_002.h5").exists()
    (tmp_path / "run_009.log").write_text("mine")  # not in the summary: the user's own
    table = skinheal.sweep(short, vary={"time.end": ["6 h"]}, out_dir=tmp_path, n_workers=1,
                           overwrite=True)
    assert list(table["status"]) == ["ok"]
    assert sorted(p.name for p in tmp_path.glob("run_*")) == ["run_000.h5", "run_000.xdmf",
                                                              "run_009.log"]
