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
    # The same numbers as h5py reads (one snapshot per time: `snapshot` says which of the file's).
    with h5py.File(cli_file, "r") as f:
        np.testing.assert_array_equal(ds["agent"].values, f["fields/agent"][()][ds["snapshot"].values])
        np.testing.assert_array_equal(skinheal.open(cli_file, snapshots="all")["agent"].values,
                                      f["fields/agent"][()])
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


def test_a_refused_output_after_steps_leaves_nothing_attached(tmp_path, generic_scenario):
    """An existing file refused mid-run (after step()s) says overwrite=True, not --force, and the
    simulation goes on as if it had never been asked: no dead writer, no landing on its times."""
    generic_scenario["time.end"] = "1 h"
    taken = tmp_path / "taken.h5"
    skinheal.Simulation(generic_scenario).run(output=taken)
    sim = skinheal.Simulation(generic_scenario)
    sim.step()
    with pytest.raises(ValueError, match="overwrite=True") as err:
        sim.run(output=taken)
    assert "--force" not in str(err.value)
    sim.run(output=tmp_path / "fresh.h5")
    ds = skinheal.open(tmp_path / "fresh.h5")
    assert float(ds["time"][-1]) == pytest.approx(3600.0)


def test_not_a_result_file(tmp_path):
    p = tmp_path / "x.h5"
    with h5py.File(p, "w") as f:
        f.attrs["format"] = "other"
    with pytest.raises(ValueError, match="not a skinheal result"):
        skinheal.open(p)


def test_output_given_after_steps_starts_at_the_current_time(tmp_path, generic_scenario):
    """python/README: sim.step() and then sim.run(output=...): the file starts where the run is."""
    sim = skinheal.Simulation(generic_scenario)
    sim.step()
    sim.step()
    t0, u0 = sim.time, sim.field("u").copy()
    assert 0 < t0 < 60.0
    sim.run(until="1 h", output=tmp_path / "late.h5")
    ds = skinheal.open(tmp_path / "late.h5")
    assert list(ds["time"].values) == [t0, 60.0, 600.0, 3600.0]  # then the schedule's 1 min, 10 min, 1 h
    assert list(ds["snapshot_label"].values) == ["scheduled"] * 4
    np.testing.assert_array_equal(ds["u"].isel(time=0).values, u0.astype(np.float32))
    assert float(ds["step_time"][0]) == t0 and float(ds["step_time"][-1]) == pytest.approx(3600.0)
    assert ds.attrs["provenance:status"] == "complete"


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


@pytest.fixture(scope="module")
def rz_file(tmp_path_factory):
    """unit_cell_rz for one day after one session (~2 s): an axisymmetric r–z result file."""
    sc = skinheal.Scenario.preset("unit_cell_rz")
    sc.update({"time.end": "1 d", "treatment.sessions": ["0 d"]})
    out = tmp_path_factory.mktemp("rz") / "rz.h5"
    skinheal.Simulation(sc, threads=1).run(output=out)
    return out


def test_open_rz_file_names_the_radius_and_weights_by_rings(rz_file):
    ds = skinheal.open(rz_file)
    assert ds.attrs["geometry"] == "rz"
    assert ds["collagen_I"].dims == ("time", "z", "r") and "x" not in ds.coords
    assert ds["r"].attrs["units"] == "um" and "radius" in ds["r"].attrs["long_name"]
    with h5py.File(rz_file, "r") as f:
        r, r_faces, dz = f["grid/x_um"][()], f["grid/x_faces_um"][()], np.diff(f["grid/z_faces_um"][()])
        np.testing.assert_array_equal(ds["r"].values, r)
        np.testing.assert_array_equal(ds["r_faces_um"].values, r_faces)
    # Ring volumes: π (r_out² − r_in²) dz, and together the cylinder π R² depth.
    vol = ds["cell_volume_um3"]
    assert vol.dims == ("z", "r") and vol.attrs["units"] == "um^3"
    np.testing.assert_allclose(vol.values, np.pi * np.diff(r_faces ** 2)[None, :] * dz[:, None], rtol=1e-12)
    np.testing.assert_allclose(float(vol.sum()), np.pi * r_faces[-1] ** 2 * float(ds["z_faces_um"][-1]),
                               rtol=1e-12)
    # The volume-weighted layer means of the snapshots are the engine's /summary means (float32
    # snapshots); a plain (Cartesian-weighted) mean is not: the puncture sits on the axis.
    assert float(ds["step_time"][-1]) == float(ds["time"][-1])
    means = skinheal.layer_means(ds, "damage")
    assert means.dims == ("time", "layer")
    np.testing.assert_allclose(means.isel(time=-1).values, ds["summary_damage"].isel(step=-1).values,
                               rtol=1e-5, atol=1e-12)
    papillary = ds["layer_id"] == list(ds["layer"].values).index("papillary_dermis")
    plain = float(ds["damage"].isel(time=-1).where(papillary).mean())
    assert plain > 1.5 * float(means.sel(layer="papillary_dermis").isel(time=-1))


def test_open_xz_file_keeps_x_and_has_per_y_volumes(tmp_path, generic_scenario):
    out = tmp_path / "g.h5"
    generic_scenario["time.end"] = "1 h"
    skinheal.Simulation(generic_scenario).run(output=out)
    ds = skinheal.open(out)
    assert ds.attrs["geometry"] == "xz"
    assert ds["u"].dims == ("time", "z", "x") and "r" not in ds.coords and "x_faces_um" in ds.coords
    vol = ds["cell_volume_um3"]
    assert vol.dims == ("z", "x") and "per µm of y" in vol.attrs["long_name"]
    np.testing.assert_allclose(vol.values, 10.0 * 5.0)  # dx · dz (10 µm × 5 µm)
    np.testing.assert_allclose(skinheal.layer_means(ds, "u").isel(time=-1).values,
                               ds["summary_u"].isel(step=-1).values, rtol=1e-6)
    with pytest.raises(ValueError, match="valid fields"):
        skinheal.layer_means(ds, "nope")
    # Files written before /grid had a geometry attribute are Cartesian: "xz" in 2D.
    with h5py.File(out, "r+") as f:
        del f["grid"].attrs["geometry"]
    old = skinheal.open(out)
    assert old.attrs["geometry"] == "xz" and old["u"].dims == ("time", "z", "x")


@pytest.fixture(scope="module")
def session_file(tmp_path_factory):
    """single_needle, coarse and short: the session and the topical agent at t = 0 and the
    topical agent's removal at 4 h write "before"/"after" snapshots sharing a time."""
    sc = skinheal.Scenario.preset("single_needle")
    sc.update({"time.end": "6 h", "grid.dx": "80 um"})
    out = tmp_path_factory.mktemp("session") / "s.h5"
    skinheal.Simulation(sc, threads=1).run(output=out)
    return out


def test_time_is_a_unique_index(session_file):
    with h5py.File(session_file, "r") as f:
        raw_time = f["time"][()]
        raw_damage = f["fields/damage"][()]
    assert len(np.unique(raw_time)) < len(raw_time)  # the file repeats times
    ds = skinheal.open(session_file)
    assert ds.indexes["time"].is_unique
    np.testing.assert_array_equal(ds["time"].values, np.unique(raw_time))
    # Of the snapshots at one time, the last one (after the events) is kept.
    at_zero = ds.sel(time=0.0)
    assert int(at_zero["snapshot"]) == int(np.flatnonzero(raw_time == 0.0)[-1])
    assert str(at_zero["snapshot_label"].values).startswith("after")
    np.testing.assert_array_equal(at_zero["damage"].values, raw_damage[int(at_zero["snapshot"])])
    # Standard xarray selection by time.
    near = ds.sel(time=3000.0, method="nearest")
    assert float(near["time"]) == 3600.0
    mid = ds["damage"].interp(time=[1800.0])
    assert mid.shape[0] == 1 and np.isfinite(mid.values).all()
    # A single time, as python/README.md says (the text coordinate dropped first).
    one = ds.drop_vars("snapshot_label").interp(time=1800.0)
    np.testing.assert_allclose(one["damage"].values, mid.values[0])
    assert skinheal.layer_means(ds, "damage").dims == ("time", "layer")


def test_all_snapshots_along_a_snapshot_dimension(session_file):
    with h5py.File(session_file, "r") as f:
        raw_time = f["time"][()]
        raw_damage = f["fields/damage"][()]
        labels = list(f["snapshot_label"].asstr()[()])
    ds = skinheal.open(session_file, snapshots="all")
    assert ds["damage"].dims[0] == "snapshot"
    np.testing.assert_array_equal(ds["time"].values, raw_time)
    assert list(ds["snapshot_label"].values) == labels
    np.testing.assert_array_equal(ds["damage"].values, raw_damage)
    assert float(ds["damage"].isel(snapshot=0).max()) == 0.0  # before the session: no damage
    assert float(ds["damage"].isel(snapshot=-1).max()) > 0.0
    means = skinheal.layer_means(ds, "damage")
    assert means.dims == ("snapshot", "layer")
    np.testing.assert_array_equal(means["time"].values, raw_time)
    with pytest.raises(ValueError, match="snapshots"):
        skinheal.open(session_file, snapshots="some")


def test_open_missing_or_foreign_file_names_it(tmp_path):
    missing = tmp_path / "missing.h5"
    with pytest.raises(FileNotFoundError, match="missing.h5: no such file"):
        skinheal.open(missing)
    text = tmp_path / "text.h5"
    text.write_text("not hdf5")
    with pytest.raises(ValueError, match="text.h5: not a readable HDF5 file"):
        skinheal.open(text)
