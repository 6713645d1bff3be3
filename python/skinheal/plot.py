"""Plot helpers (matplotlib): a skin cross-section, a per-layer timeline, a sweep curve.

Each takes an optional ``ax`` and returns the Axes. They never call ``plt.show()``; in scripts
and tests select the Agg backend (``MPLBACKEND=Agg``).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["cross_section", "timeline", "sweep_curve"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=(6, 4))
    return ax


def cross_section(source: Any, field: str, time: float | str | None = None, ax=None, y_index: int | None = None,
                  log: bool = False, cmap: str = "viridis", layers: bool = True, index: int | None = None):
    """An x–z (or, on an axisymmetric grid, r–z) picture of `field`, surface at the top, with
    layer boundaries. On an r–z grid the horizontal axis is the radius r from the puncture axis.

    source: a Dataset from :func:`skinheal.open` or a :class:`skinheal.Simulation` (its current
      state). For a Dataset pick the snapshot by `time` (seconds as any number, ``3600`` or
      ``3600.0``, or text with a unit, ``"1 h"``: the nearest snapshot, the "after" one where
      an event has two; ValueError outside the run's snapshots) or by position ``index``
      (``index=-1``: the last); neither: the last snapshot.
    y_index: for 3D data, the y row to show (default: the middle).
    log: logarithmic colour scale (values ≤ 0 masked).
    """
    from matplotlib.colors import LogNorm

    from .simulation import Simulation, parse_time_s, format_duration

    if isinstance(source, Simulation) and (time is not None or index is not None):
        raise ValueError("cross_section: a Simulation shows its current state; time= and index= select "
                         "a snapshot of a Dataset from skinheal.open")
    ax = _axes(ax)
    if isinstance(source, Simulation):
        values = np.array(source.field(field))
        x = source.x_um
        geometry = source.geometry
        z_faces = source.z_faces_um
        bounds = source.layer_bounds_um[1:-1]
        t = source.time
        units = source.field_units.get(field, "")
    else:
        da = source[field]
        along = "time" if "time" in da.dims else "snapshot"  # "snapshot": open(..., snapshots="all")
        if time is not None and index is not None:
            raise ValueError("cross_section: give time= (a time) or index= (a snapshot position), not both")
        if time is not None:
            times = source["time"].values
            wanted = parse_time_s(time.item() if isinstance(time, np.generic) else time)
            if times.size == 0:
                raise ValueError(f"cross_section: {source.attrs.get('source', 'the Dataset')} has no snapshots")
            tolerance = 1e-9 * max(1.0, abs(wanted))
            if not times[0] - tolerance <= wanted <= times[-1] + tolerance:
                raise ValueError(f"cross_section: time={time!r} ({format_duration(wanted)}) is outside the "
                                 f"snapshots ({format_duration(times[0])} to {format_duration(times[-1])})")
            # Nearest snapshot; of equal times ("before"/"after" an event) the later one.
            dist = np.abs(times - wanted)
            index = int(np.flatnonzero(dist == dist.min())[-1])
        da = da.isel({along: -1 if index is None else index})
        t = float(da["time"])
        values = np.asarray(da.values, dtype=float)
        geometry = source.attrs.get("geometry", "xyz" if values.ndim == 3 else "xz")
        x = source["r" if geometry == "rz" else "x"].values
        z_faces = source["z_faces_um"].values
        bounds = source["layer_top_um"].values[1:]
        units = da.attrs.get("units", "")
    if values.ndim == 3:
        values = values[:, values.shape[1] // 2 if y_index is None else y_index, :]
    dx = x[1] - x[0] if len(x) > 1 else 1.0
    x_faces = np.concatenate([x - dx / 2, [x[-1] + dx / 2]])
    norm = None
    if log:
        values = np.ma.masked_less_equal(values, 0)
        norm = LogNorm()
    mesh = ax.pcolormesh(x_faces, z_faces, values, cmap=cmap, norm=norm, shading="flat")
    if layers:
        for b in bounds:
            ax.axhline(b, color="w", lw=0.6, ls="--", alpha=0.7)
    ax.set_ylim(z_faces[-1], z_faces[0])  # depth grows downwards: surface on top
    ax.set_xlabel("r (µm)" if geometry == "rz" else "x (µm)")
    ax.set_ylabel("depth (µm)")
    ax.set_title(f"{field} at t = {format_duration(t)}")
    ax.figure.colorbar(mesh, ax=ax, label=f"{field} ({units})" if units else field)
    return ax


def timeline(ds: Any, field: str, layers: Sequence[str] | None = None, ax=None, time_unit: str = "d",
             log_time: bool = False):
    """Per-layer mean of `field` against time, from a Dataset's ``summary_<field>``.

    layers: which layers (default all); time_unit: "s", "min", "h", "d", "weeks" or "months".
    """
    scale = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "weeks": 604800.0,
             "months": 30.4375 * 86400.0}
    if time_unit not in scale:
        raise ValueError(f"time_unit={time_unit!r}: valid units are {', '.join(scale)}")
    name = f"summary_{field}"
    if name not in ds:
        fields = sorted(v[len("summary_"):] for v in ds.data_vars if v.startswith("summary_"))
        raise ValueError(f"timeline: no summary of '{field}'; valid fields: {', '.join(fields)}")
    ax = _axes(ax)
    t = ds["step_time"].values / scale[time_unit]
    for layer in (layers if layers is not None else list(ds["layer"].values)):
        ax.plot(t, ds[name].sel(layer=layer).values, label=str(layer))
    if log_time:
        ax.set_xscale("symlog", linthresh=max(t[1] if len(t) > 1 else 1e-3, 1e-6))
    ax.set_xlabel(f"time ({time_unit})")
    units = ds[name].attrs.get("units", "")
    ax.set_ylabel(f"{field} ({units})" if units else field)
    ax.legend(fontsize="small")
    return ax


def sweep_curve(table: Any, x: str, y: str, ax=None, label: str | None = None, marker: str = "o"):
    """One outcome `y` against a varied key `x` from a :func:`skinheal.sweep` table.

    Failed runs are left out (and counted in the title). `y` is a column such as
    ``"collagen_total_gain.reticular_dermis"``.
    """
    import difflib

    for col in (x, y):
        if col not in table.columns:
            columns = list(map(str, table.columns))
            nearest = difflib.get_close_matches(col, columns, n=1)
            hint = f"did you mean '{nearest[0]}'? " if nearest else ""
            raise ValueError(f"sweep_curve: no column '{col}'; {hint}columns: {', '.join(columns)}")
    ax = _axes(ax)
    ok = table[table["status"] == "ok"].sort_values(x)
    ax.plot(ok[x].values, ok[y].values, marker=marker, label=label)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    failed = int((table["status"] != "ok").sum())
    if failed:
        ax.set_title(f"{failed} failed run(s) not shown")
    if label:
        ax.legend()
    return ax
