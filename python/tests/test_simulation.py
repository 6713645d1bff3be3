"""skinheal.Simulation: stepping, time, zero-copy field views, observables, GIL, Ctrl-C."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import skinheal


def test_step_advances_time(generic_scenario):
    sim = skinheal.Simulation(generic_scenario)
    assert sim.time == 0.0
    info = sim.step()
    assert info["t_s"] == pytest.approx(sim.time) and sim.time > 0
    assert info["accepted"] == 1
    sim.run(until="1 h")
    assert sim.time == pytest.approx(3600.0)
    assert sim.end_time == pytest.approx(2 * 86400.0)


def test_field_view_is_zero_copy_and_follows_steps(generic_scenario):
    sim = skinheal.Simulation(generic_scenario)
    u = sim.field("u")
    assert u.shape == sim.shape == (200, 2)
    assert u.dtype == np.float64
    assert not u.flags.owndata and not u.flags.writeable
    assert np.all(u == 1.0)
    before = u.copy()
    for _ in range(3):  # odd and even steps (the engine alternates its buffers)
        sim.step()
        assert np.all(u < before)  # the same array object now shows the new state
        np.testing.assert_array_equal(u, sim.field("u"))
        assert np.shares_memory(u, sim.field("u"))
        before = u.copy()
    with pytest.raises(ValueError):
        u[0, 0] = 2.0  # read-only


def test_writable_view_changes_the_state(generic_scenario):
    sim = skinheal.Simulation(generic_scenario)
    sim.step()
    sim.step()
    u = sim.field("u", writable=True)
    u[:] = 2.0
    t0 = sim.time
    info = sim.step()
    k = 1.0 / 86400.0
    np.testing.assert_allclose(u, 2.0 * np.exp(-k * (sim.time - t0)), rtol=1e-6)
    assert info["dt_s"] > 0


def test_unknown_field_suggests_nearest(generic_scenario):
    sim = skinheal.Simulation(generic_scenario)
    with pytest.raises(ValueError, match="'u'|u"):
        sim.field("uu")
    with pytest.raises(ValueError, match="'u'|u"):
        sim.field("v")


def test_observables_table(generic_scenario):
    sim = skinheal.Simulation(generic_scenario).run(until="1 d")
    df = sim.observables()
    assert list(df.index) == ["dermis"]
    assert set(df.columns) == {"u", "w"}
    assert df.attrs["units"]["u"] == "ug/cm^3"
    assert df.at["dermis", "u"] == pytest.approx(np.exp(-1.0), rel=1e-3)
    assert df.attrs["time_s"] == pytest.approx(86400.0)


def test_skin_observables_have_skin_columns():
    sc = skinheal.Scenario.preset("single_needle")
    sc.update({"time.end": "10 min", "grid.dx": "50 um", "grid.width": "0.5 mm", "grid.depth": "0.6 mm"})
    sim = skinheal.Simulation(sc)
    sim.run()
    df = sim.observables()
    assert "collagen_total" in df.columns and "collagen_I" in df.columns
    assert df["damage"].max() > 0  # the needle went in


def test_run_until_in_the_past_raises(generic_scenario):
    sim = skinheal.Simulation(generic_scenario).run(until="1 h")
    with pytest.raises(ValueError, match="before the current time"):
        sim.run(until="10 min")


def test_gil_is_released_while_running(surface_text):
    sim = skinheal.Simulation(skinheal.Scenario.from_text(surface_text, "surface.toml"))
    ticks = []
    running = threading.Event()
    stop = threading.Event()

    def counter():
        while not stop.is_set():
            if running.is_set():
                ticks.append(1)
            time.sleep(0.001)

    th = threading.Thread(target=counter)
    th.start()
    running.set()
    t0 = time.monotonic()
    sim.run()
    elapsed = time.monotonic() - t0
    running.clear()
    stop.set()
    th.join()
    # With the GIL held for the whole run the counter could not tick while it runs.
    assert elapsed > 0.05, "run too short to tell"
    assert len(ticks) >= max(3, 10 * elapsed), (len(ticks), elapsed)


def test_ctrl_c_interrupts_cleanly(surface_text, tmp_path):
    script = tmp_path / "long.py"
    scen = tmp_path / "g.toml"
    scen.write_text(surface_text.replace('end = "20 min"', 'end = "1000 d"'))
    script.write_text(textwrap.dedent(f"""
        import sys, skinheal
        sim = skinheal.Simulation(skinheal.Scenario.load({str(scen)!r}))
        print("ready", flush=True)
        try:
            sim.run()
        except KeyboardInterrupt:
            t = sim.time
            sim.step()  # the state is consistent: stepping continues
            print("interrupted", t > 0, sim.time > t, flush=True)
            sys.exit(7)
    """))
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    assert time.monotonic() - t0 < 5.0
    assert p.returncode == 7, out
    assert "interrupted True True" in out


def test_progress_prints(generic_scenario, capsys):
    skinheal.Simulation(generic_scenario).run(until="1 h", progress=True)
    err = capsys.readouterr().err
    assert "of 1 h" in err or "1 h" in err


def test_bad_until_unit(generic_scenario):
    sim = skinheal.Simulation(generic_scenario)
    with pytest.raises(ValueError, match="time"):
        sim.run(until="5 mm")


def test_3d_field_view_is_z_y_x(generic_text):
    sc = skinheal.Scenario.from_text(generic_text, "g3.toml")
    sc.update({"grid.dim": 3, "grid.width_y": "30 um", "grid.dz_surface": "50 um", "grid.dz_max": "50 um"})
    sim = skinheal.Simulation(sc)
    u = sim.field("u")
    assert u.shape == sim.shape == (20, 3, 2) and len(sim.y_um) == 3
    assert u.strides == (3 * 2 * 8, 2 * 8, 8)
    sim.run(until="1 d")
    np.testing.assert_allclose(u, np.exp(-1.0), rtol=1e-3)


def test_step_stops_at_the_scenario_end(generic_scenario):
    generic_scenario["time.end"] = "10 min"
    sim = skinheal.Simulation(generic_scenario)
    for _ in range(10000):
        if sim.time >= sim.end_time:
            break
        sim.step()
    assert sim.time == pytest.approx(600.0, rel=1e-12)
    with pytest.raises(ValueError, match="end"):
        sim.step()
    assert sim.time == pytest.approx(600.0, rel=1e-12)
    with pytest.raises(ValueError, match="until"):
        sim.step(until="5 min")  # already past
    info = sim.step(until="11 min")  # explicitly beyond the end
    assert 600.0 < info["t_s"] <= 660.0 and sim.time == info["t_s"]


def test_step_stops_at_until(generic_scenario):
    sim = skinheal.Simulation(generic_scenario)
    while sim.time < 30.0:
        sim.step(until=30)
    assert sim.time == pytest.approx(30.0)
    with pytest.raises(ValueError):
        sim.step(until=30)


def test_negative_threads_rejected(generic_scenario):
    with pytest.raises(ValueError, match="threads"):
        skinheal.Simulation(generic_scenario, threads=-1)


def _progress_calls(printer, n=100):
    for i in range(1, n + 1):
        printer({"t_s": 1000.0 * i / n, "dt_s": 1.0, "accepted": i, "rejected": 0})
    printer.finish({"t_s": 1000.0, "dt_s": 1.0, "accepted": n, "rejected": 0})


def test_progress_into_a_log_is_sparse():
    import io
    from skinheal.simulation import _ProgressPrinter
    log = io.StringIO()
    _progress_calls(_ProgressPrinter(0.0, 1000.0, None, stream=log))
    lines = log.getvalue().splitlines()
    assert 5 <= len(lines) <= 12, lines  # a line per tenth of the run (+ the final one), not per call
    assert "\r" not in log.getvalue()


def test_progress_in_jupyter_updates_one_line():
    import io

    class OutStream(io.StringIO):  # stands for ipykernel.iostream.OutStream (not a TTY)
        pass
    OutStream.__module__ = "ipykernel.iostream"
    from skinheal.simulation import _ProgressPrinter
    out = OutStream()
    _progress_calls(_ProgressPrinter(0.0, 1000.0, None, stream=out))
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n") and text.count("\r") == 101
