"""skinheal.plot: cross-section, timeline and sweep curve draw the data they are given."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import skinheal  # noqa: E402


def test_cross_section_and_timeline(tmp_path, generic_scenario):
    generic_scenario["time.end"] = "1 d"
    sim = skinheal.Simulation(generic_scenario).run(output=tmp_path / "g.h5")
    ds = skinheal.open(tmp_path / "g.h5")
    ax = skinheal.plot.cross_section(ds, "w", time="1 d")
    mesh = ax.collections[0]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).ravel(),
                               ds["w"].isel(time=-1).values.ravel(), rtol=1e-6)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # surface on top
    assert ax.get_xlabel() == "x (µm)"
    ax2 = skinheal.plot.cross_section(sim, "w", log=True)
    assert "t = 1 d" in ax2.get_title()
    ax3 = skinheal.plot.timeline(ds, "u", time_unit="h")
    x, y = ax3.lines[0].get_data()
    np.testing.assert_allclose(y, np.exp(-x / 24.0), rtol=1e-3)
    with pytest.raises(ValueError, match="valid fields"):
        skinheal.plot.timeline(ds, "nope")
    plt.close("all")


def test_cross_section_of_an_rz_grid_shows_the_radius(tmp_path):
    sc = skinheal.Scenario.preset("unit_cell_rz")
    sc.update({"time.end": "1 h", "treatment.sessions": ["0 d"]})
    sim = skinheal.Simulation(sc, threads=1).run(output=tmp_path / "rz.h5")
    ds = skinheal.open(tmp_path / "rz.h5")
    ax = skinheal.plot.cross_section(ds, "damage")
    assert ax.get_xlabel() == "r (µm)"
    faces = ds["r_faces_um"].values
    np.testing.assert_allclose(ax.collections[0].get_coordinates()[0, [0, -1], 0], faces[[0, -1]])
    assert sim.geometry == "rz"
    assert skinheal.plot.cross_section(sim, "damage").get_xlabel() == "r (µm)"
    plt.close("all")


def test_sweep_curve_skips_failed_runs():
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, np.nan, 9.0], "status": ["ok", "failed", "ok"]})
    ax = skinheal.plot.sweep_curve(table, "x", "y")
    x, y = ax.lines[0].get_data()
    assert list(x) == [1.0, 3.0] and list(y) == [1.0, 9.0]
    assert "1 failed" in ax.get_title()
    with pytest.raises(ValueError, match="columns"):
        skinheal.plot.sweep_curve(table, "x", "z")
    plt.close("all")


def test_cross_section_time_is_a_time_whatever_its_type(tmp_path, generic_scenario):
    generic_scenario["time.end"] = "1 d"
    skinheal.Simulation(generic_scenario).run(output=tmp_path / "g.h5")
    ds = skinheal.open(tmp_path / "g.h5")
    assert 3600.0 in ds["time"].values
    at_1h = ds["w"].sel(time=3600.0).values.ravel()
    for t in (3600, 3600.0, np.int64(3600), np.float32(3600.0), "1 h"):
        ax = skinheal.plot.cross_section(ds, "w", time=t)
        np.testing.assert_allclose(np.asarray(ax.collections[0].get_array()).ravel(), at_1h, rtol=1e-6)
        assert "t = 1 h" in ax.get_title()
    ax = skinheal.plot.cross_section(ds, "w", index=0)  # a snapshot by position
    assert "t = 0 s" in ax.get_title()
    with pytest.raises(ValueError, match="outside"):
        skinheal.plot.cross_section(ds, "w", time="20 d")
    plt.close("all")


def test_sweep_curve_suggests_the_column():
    table = pd.DataFrame({"device.needle_length_mm": [0.5, 1.0], "status": ["ok", "ok"], "y": [1.0, 2.0]})
    with pytest.raises(ValueError, match="did you mean 'device.needle_length_mm'"):
        skinheal.plot.sweep_curve(table, "device.needle_length", "y")
