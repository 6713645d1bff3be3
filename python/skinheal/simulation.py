"""Simulation: step a scenario from Python, read fields as NumPy views, summaries as tables."""
from __future__ import annotations

import os
import sys
import time as _time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import _core
from .scenario import Scenario

__all__ = ["Simulation", "parse_time_s", "format_duration"]


def parse_time_s(value: str | float | int, what: str = "time") -> float:
    """A duration in seconds: numbers are seconds, text carries its unit (``"14 d"``, ``"6 h"``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return _core.parse_time_s(value, what)
    raise TypeError(f"{what}: expected a duration such as \"14 d\" or seconds, got {value!r}")


def _reached(t_s: float, limit_s: float) -> bool:
    """Whether time `t_s` is at or past `limit_s` (with the engine's relative tolerance)."""
    return t_s >= limit_s * (1.0 - 1e-12)


def format_duration(seconds: float) -> str:
    """A duration in s as readable text (``"2 d"``, ``"6 weeks"``)."""
    return _core.format_duration(float(seconds))


class Simulation:
    """One run of a scenario.

    ``Simulation(scenario)`` builds the grid, fields and processes (``scenario`` is a
    :class:`Scenario`, a path to a TOML file or a preset name). Then:

    - :meth:`run` advances to a time (``until="14 d"``, default the scenario's end), optionally
      writing the CLI's HDF5 file; the GIL is released while the engine runs and Ctrl-C raises
      :class:`KeyboardInterrupt` between steps (the state stays consistent: a run can resume);
    - :meth:`step` takes one adaptive step; :attr:`time` is the simulation time in s;
    - :meth:`field` is a zero-copy NumPy view shaped (z, x) or (z, y, x), updated in place by
      every step; :meth:`observables` the per-layer table.
    """

    def __init__(self, scenario: Scenario | str | os.PathLike, threads: int | None = None):
        if not isinstance(scenario, Scenario):
            p = Path(scenario)
            scenario = Scenario.load(p) if p.suffix == ".toml" or p.exists() else Scenario.preset(str(scenario))
        if threads is not None:
            if isinstance(threads, bool) or int(threads) != threads or threads < 0:
                raise ValueError(f"threads={threads!r}: expected a number of OpenMP threads ≥ 1, or 0 for "
                                 "all cores")
            _core.set_num_threads(int(threads))
        self.scenario = scenario.copy()
        self._core = _core.Simulation(scenario.base_text, scenario.name, scenario.override_list)
        self._output: str | None = None
        self._started = False

    # --- time ---------------------------------------------------------------------------
    @property
    def time(self) -> float:
        """Simulation time in s."""
        return self._core.time_s

    @property
    def end_time(self) -> float:
        """The scenario's end time (``time.end``) in s."""
        return self._core.end_time_s

    @property
    def description(self) -> str:
        """One line describing the built scenario."""
        return self._core.description

    def step(self, until: str | float | None = None) -> dict[str, float]:
        """Take one accepted step, never past `until` (default: the scenario's end, ``time.end``).

        Returns the step's info: ``t_s``, ``dt_s``, ``error_norm``, ``accepted``, ``rejected``.
        Once the simulation has reached `until` it raises ValueError instead of stepping (so
        ``while sim.time < sim.end_time: sim.step()`` ends at the scenario's end); pass a later
        `until` to step beyond it.
        """
        limit = self.end_time if until is None else parse_time_s(until, "until")
        if _reached(self.time, limit):
            what = "the scenario's end (time.end)" if until is None else f"until = {format_duration(limit)}"
            raise ValueError(f"step: the simulation is at t = {format_duration(self.time)}, already at "
                             f"{what}; give step() or run() a later until= to go further")
        self._started = True
        return self._core.step(limit)

    def run(self, until: str | float | None = None, progress: bool = False,
            output: str | os.PathLike | None = None, overwrite: bool = False,
            callback: Callable[[dict], Any] | None = None) -> "Simulation":
        """Advance to `until` (text with units, or s; default the scenario's end time).

        progress: print a progress line to stderr about twice a second.
        output: write the run to this HDF5 file exactly as ``skinheal run -o`` does (layout:
        docs/output-format.md; an ``.xdmf`` sidecar beside it). A Simulation writes to one file
        for its whole life: the first run() given `output` attaches it, later runs append to it
        and the file is finalised at the end of every run. Attached after some step()s, the file
        starts at the current time (its first snapshot and summary row). overwrite: replace an
        existing file. Snapshots: the scenario's schedule (``output.snapshots``, else log-spaced
        0, 1 min, 10 min, 1 h, 6 h, 1 d, ... up to ``time.end``, as the CLI writes) from the
        current time on, plus the current time and the end of this run; per-layer summaries at
        every step.
        callback: called with the step info (dict) about twice a second.
        """
        t_end = self.end_time if until is None else parse_time_s(until, "until")
        if output is not None:
            out = os.fspath(output)
            if self._output is None:
                self._core.attach_output(out, t_end, overwrite)
                self._output = out
            elif os.path.abspath(out) != os.path.abspath(self._output):
                raise ValueError(f"output={out}: this Simulation already writes {self._output}; "
                                 "make a new Simulation for another file")
        self._started = True
        cb = callback
        if progress:
            cb = _ProgressPrinter(self.time, t_end, callback)
        self._core.advance(t_end, cb, 0.5)
        if progress:
            cb.finish(self._core.last_step)
        return self

    @property
    def output(self) -> str | None:
        """The HDF5 file this Simulation writes, if any."""
        return self._output

    # --- fields and grid -----------------------------------------------------------------
    @property
    def field_names(self) -> list[str]:
        """Names of the fields (the output contract)."""
        return [f["name"] for f in self._core.field_info]

    @property
    def field_units(self) -> dict[str, str]:
        """Units of each field."""
        return {f["name"]: f["units"] for f in self._core.field_info}

    def field(self, name: str, writable: bool = False) -> np.ndarray:
        """The field `name` as a NumPy view (no copy) shaped (z, x) in 2D or (z, y, x) in 3D.

        The view reflects the engine's state and changes in place after :meth:`step` and
        :meth:`run`; it is read-only unless ``writable=True`` (writes then change the state the
        next step starts from). It stays valid while this Simulation lives. Unknown names raise
        ValueError suggesting the nearest field.
        """
        return self._core.field(name, writable)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one field: (nz, nx) or (nz, ny, nx)."""
        return tuple(self._core.shape)

    @property
    def geometry(self) -> str:
        """The grid's geometry: "xz", "xyz" or "rz" (axisymmetric: :attr:`x_um` are radii)."""
        return self._core.geometry

    @property
    def x_um(self) -> np.ndarray:
        """Cell centres along x in µm (on an r–z grid: ring radii from the axis)."""
        return np.asarray(self._core.x_um)

    @property
    def y_um(self) -> np.ndarray:
        """Cell centres along y in µm (empty in 2D)."""
        return np.asarray(self._core.y_um)

    @property
    def z_um(self) -> np.ndarray:
        """Cell centres in depth (µm below the surface; graded)."""
        return np.asarray(self._core.z_um)

    @property
    def z_faces_um(self) -> np.ndarray:
        """Cell faces in depth (µm), from 0 (the surface)."""
        return np.asarray(self._core.z_faces_um)

    @property
    def layer_names(self) -> list[str]:
        """Skin layers from the surface down."""
        return list(self._core.layer_names)

    @property
    def layer_bounds_um(self) -> np.ndarray:
        """Top of each layer in µm, then the bottom of the grid."""
        return np.asarray(self._core.layer_bounds_um)

    def observables(self) -> "pandas.DataFrame":  # noqa: F821
        """Per-layer observables now: one row per layer, one column per quantity.

        Columns: the volume-weighted mean of every field over the layer (as ``/summary`` in the
        HDF5 file) and, for skin scenarios, the skin summary columns (``collagen_total``,
        ``clot_volume``, ``open_fraction``, ...; models/skin_observables.hpp). ``df.attrs``
        holds ``time_s`` and ``units`` (column → units).
        """
        import pandas as pd

        means = self._core.layer_means()
        units = self.field_units
        data = dict(means)
        skin = self._core.skin_summary()
        if skin is not None:
            for name, u, values in skin:
                data[name] = values
                units[name] = u
        df = pd.DataFrame(data, index=pd.Index(self.layer_names, name="layer"))
        df.attrs["time_s"] = self.time
        df.attrs["units"] = units
        return df

    def parameters(self) -> dict[str, str]:
        """Every effective parameter as text, by dotted key."""
        return {k: v for k, v, _src in self._core.parameters}

    def __repr__(self) -> str:
        return f"<skinheal.Simulation {self.scenario.name}: {self.description}; t = {format_duration(self.time)}>"


def _updates_in_place(stream: Any) -> bool:
    """Whether `stream` shows a carriage return as "rewrite this line": a terminal, or a Jupyter
    kernel's output stream (the notebook front ends interpret a carriage return)."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return True
    return type(stream).__module__.split(".")[0] == "ipykernel"


class _ProgressPrinter:
    """Progress on stderr: one line rewritten in place on a terminal or in Jupyter; elsewhere
    (a log file, a pipe) a new line only at every tenth of the run or every minute of wall time."""

    SPARSE_FRACTION = 0.1
    SPARSE_WALL_S = 60.0

    def __init__(self, t0: float, t_end: float, inner: Callable | None, stream: Any = None):
        self.t0, self.t_end, self.inner = t0, t_end, inner
        self.stream = sys.stderr if stream is None else stream
        self.start = _time.monotonic()
        self.in_place = _updates_in_place(self.stream)
        self.next_fraction = self.SPARSE_FRACTION
        self.last_line_wall = self.start

    def _fraction(self, info: dict) -> float:
        span = max(self.t_end - self.t0, 1e-300)
        return min(1.0, max(0.0, (info["t_s"] - self.t0) / span))

    def _line(self, info: dict) -> str:
        frac = self._fraction(info)
        wall = _time.monotonic() - self.start
        bar = "#" * int(frac * 24)
        return (f"[{bar:<24}] t = {format_duration(info['t_s'])} of {format_duration(self.t_end)}"
                f"  steps {info['accepted']} (+{info['rejected']} rejected)  wall {wall:.1f} s")

    def __call__(self, info: dict) -> None:
        if self.in_place:
            print("\r" + self._line(info), end="", file=self.stream, flush=True)
        else:
            frac, now = self._fraction(info), _time.monotonic()
            if frac >= self.next_fraction or now - self.last_line_wall >= self.SPARSE_WALL_S:
                print("skinheal: " + self._line(info), file=self.stream, flush=True)
                self.last_line_wall = now
                while self.next_fraction <= frac:
                    self.next_fraction += self.SPARSE_FRACTION
        if self.inner is not None:
            self.inner(info)

    def finish(self, info: dict) -> None:
        print(("\r" if self.in_place else "skinheal: ") + self._line(info), file=self.stream, flush=True)
