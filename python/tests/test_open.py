"""skinheal.open: an HDF5 result file (CLI or Python run) as an xarray.Dataset."""
import subprocess

import h5py
import numpy as np
import pytest

import skinheal

REDUCED = ['time.end="2 d"', 'grid.dx="100 um"']


@pytest.fixture(scope="module")
def cli_file(tmp_path_factory):
    import os
    cli = os.environ.get("SKINHEAL_CLI")
    if not cli or not os.path.exists(cli):
        pytest.skip(f"no skinheal CLI (SKINHEAL_CLI={cli!r}; CTest sets it to build/bin/skinheal)")
    out = tmp_path_factory.mktemp("cli") / "demo.h5"
    args = [cli, "run", str(skinheal.scenarios_dir() / "demo_diffusion.toml"), "-o", str(out), "--quiet"]
    for o in REDUCED:
        args += ["--set", o]
    subprocess.run(args, check=True)
    return out


def test_open_cli_file(cli_file):
    ds = skinheal.open(cli_file)
    assert ds["agent"].dims == ("time", "z", "x")
    assert ds["x"].attrs["units"] == "um" and ds["time"].attrs["units"] == "s"
    assert ds.sizes["x"] == 20  # 2 mm / 100 um
    assert list(ds["layer"].values) == ["stratum_corneum", "viable_epidermis", "papillary_dermis",
                                        "reticular_dermis", "hypodermis"]
    assert ds["time"].values[-1] == pytest.approx(2 * 86400.0)
    assert ds.attrs["parameter:grid.dx"].startswith("100")
    assert ds.attrs["provenance:status"] == "complete"
    assert "demo_diffusion" in ds.attrs["scenario"] or "[model]" in ds.attrs["scenario"]
    assert ds["summary_agent"].dims == ("step", "layer")
    assert ds["agent"].attrs["units"] == "ug/cm^3"
    # The same numbers as h5py reads.
    with h5py.File(cli_file, "r") as f:
        np.testing.assert_array_equal(ds["agent"].values, f["fields/agent"][()])
        np.testing.assert_array_equal(ds["summary_signal"].values, f["summary/signal"][()])
        np.testing.assert_array_equal(ds["z"].values, f["grid/z_um"][()])
    assert set(np.unique(ds["layer_id"].values)) == {0, 1, 2, 3, 4}


def test_python_run_writes_the_cli_file(cli_file, tmp_path):
    sc = skinheal.Scenario.preset("demo_diffusion")
    for o in REDUCED:
        k, v = o.split("=", 1)
        sc[k] = v.strip('"')
    out = tmp_path / "py.h5"
    sim = skinheal.Simulation(sc, threads=1)
    sim.run(output=out)
    assert out.exists() and (tmp_path / "py.xdmf").exists()
    a, b = skinheal.open(out), skinheal.open(cli_file)
    np.testing.assert_array_equal(a["time"].values, b["time"].values)
    assert list(a["snapshot_label"].values) == list(b["snapshot_label"].values)
    for name in ("agent", "signal"):
        np.testing.assert_array_equal(a[name].values, b[name].values)
    assert a.attrs["scenario"] == b.attrs["scenario"]  # same path, same --set overrides
    assert {k for k in a.attrs if k.startswith("parameter:")} == {k for k in b.attrs if k.startswith("parameter:")}
    # the in-memory state equals the last snapshot (float32)
    np.testing.assert_array_equal(a["agent"].values[-1], sim.field("agent").astype(np.float32))


def test_round_trip_python_file(tmp_path, generic_scenario):
    out = tmp_path / "g.h5"
    generic_scenario["time.end"] = "1 d"
    sim = skinheal.Simulation(generic_scenario).run(output=out)
    ds = skinheal.open(out)
    assert float(ds["time"][-1]) == pytest.approx(86400.0)
    np.testing.assert_allclose(ds["u"].isel(time=-1).values, np.exp(-1.0), rtol=1e-3)
    np.testing.assert_allclose(ds["summary_u"].sel(layer="dermis").values,
                               np.exp(-ds["step_time"].values / 86400.0), rtol=1e-3)
    assert ds.attrs["provenance:threads"] == 1
    lazy = skinheal.open(out, load=False)
    np.testing.assert_array_equal(lazy["u"].values, ds["u"].values)
    lazy.close()


def test_existing_output_refused(tmp_path, generic_scenario):
    out = tmp_path / "g.h5"
    generic_scenario["time.end"] = "1 h"
    skinheal.Simulation(generic_scenario).run(output=out)
    with pytest.raises(ValueError, match="exists|overwrite|force"):
        skinheal.Simulation(generic_scenario).run(output=out)
    skinheal.Simulation(generic_scenario).run(output=out, overwrite=True)


def test_not_a_result_file(tmp_path):
    p = tmp_path / "x.h5"
    with h5py.File(p, "w") as f:
        f.attrs["format"] = "other"
    with pytest.raises(ValueError, match="not a skinheal result"):
        skinheal.open(p)


def test_output_must_be_given_before_stepping(tmp_path, generic_scenario):
    sim = skinheal.Simulation(generic_scenario)
    sim.step()
    with pytest.raises(ValueError, match="first run"):
        sim.run(until="1 h", output=tmp_path / "late.h5")


def test_run_again_appends_to_the_same_file(tmp_path, generic_scenario):
    out = tmp_path / "g.h5"
    sim = skinheal.Simulation(generic_scenario)
    sim.run(until="30 min", output=out)  # the first run's end gets a snapshot
    first = skinheal.open(out)
    assert list(first["time"].values) == [0.0, 60.0, 600.0, 1800.0]
    sim.run(until="7 h", output=out)  # then the scenario's schedule (log-spaced to 2 d) goes on
    ds = skinheal.open(out)
    assert list(ds["time"].values) == [0.0, 60.0, 600.0, 1800.0, 3600.0, 21600.0]
    assert float(ds["step_time"][-1]) == pytest.approx(7 * 3600.0)  # summaries at every step
    assert ds.attrs["provenance:status"] == "complete"
    with pytest.raises(ValueError, match="already writes"):
        sim.run(until="3 h", output=tmp_path / "other.h5")
