"""Read a skinheal result file (HDF5, docs/output-format.md) into an xarray.Dataset."""
from __future__ import annotations

import os

import numpy as np

__all__ = ["open", "layer_means"]


def _strings(ds) -> list[str]:
    return [s for s in ds.asstr()[()]] if ds.shape else [ds.asstr()[()]]


def _parameter_text(value: str) -> str:
    """One /parameters value as text: TOML string quotes dropped ('"1.5 mm"' → '1.5 mm'; a
    quantity carries its units in the value)."""
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1]
    return v


def _geometry(grid, dim: int) -> str:
    """The /grid ``geometry`` attribute: "xz", "xyz" or "rz". Files written before the attribute
    existed are Cartesian, so by their dimension: "xz" in 2D, "xyz" in 3D."""
    value = grid.attrs.get("geometry")
    if value is None:
        return "xyz" if dim == 3 else "xz"
    return value.decode() if isinstance(value, bytes) else str(value)


def _cell_volume(geometry: str, lateral: np.ndarray, dx: float, dz: np.ndarray, ny: int):
    """Cell volumes as (values, attrs), in the layout of a field (z, x), (z, y, x) or (z, r).

    r–z: the ring 2π r dr dz (r the cell centre: exact for a ring); x–z: dx·dz, the volume per µm
    of y; 3D: dx·dy·dz. The same volumes weight the layer means of ``/summary``."""
    if geometry == "rz":
        area = 2.0 * np.pi * lateral * dx
        attrs = {"units": "um^3", "long_name": "ring volume 2π r dr dz"}
    elif geometry == "xz":
        area = np.full(lateral.shape, dx)
        attrs = {"units": "um^3/um", "long_name": "cell volume per µm of y (dx·dz)"}
    else:
        area = np.full(lateral.shape, dx * dx)
        attrs = {"units": "um^3", "long_name": "cell volume dx·dy·dz"}
    volume = dz[:, None] * area[None, :]
    if ny > 0:
        volume = np.repeat(volume[:, None, :], ny, axis=1)
    return volume, attrs


def _last_at_each_instant(times: np.ndarray) -> np.ndarray:
    """Indices of the snapshots to keep so that no two share a time: of the snapshots written at
    one instant ("scheduled", "before <event>", "after <event>", in that order) the last one,
    the state after every event at that instant. `times` are non-decreasing."""
    if times.size == 0:
        return np.arange(0)
    later = times[1:]
    same = np.abs(later - times[:-1]) <= 1e-9 * np.maximum(1.0, np.abs(later))
    return np.flatnonzero(np.append(~same, True))


def open(path: str | os.PathLike, load: bool = True,  # noqa: A001
         snapshots: str = "unique") -> "xarray.Dataset":  # noqa: F821
    """Open a result file written by ``skinheal run`` or :meth:`Simulation.run` as a Dataset.

    snapshots: ``"unique"`` (the default) gives a ``time`` dimension with one snapshot per time
      value, so ``ds.sel(time=t, method="nearest")`` and ``ds.interp(time=...)`` work: where the
      file holds several snapshots at one instant (the state before and after an event, such as
      a needling session at t = 0), the last one is kept, the state after the event(s). The
      ``snapshot`` coordinate says which of the file's snapshots each time is.
      ``"all"`` keeps every snapshot along a ``snapshot`` dimension (0, 1, ...) with ``time``
      and ``snapshot_label`` as coordinates on it: the pre-event states are there, e.g.
      ``ds.isel(snapshot=0)`` (the initial state) or
      ``ds.where(ds.snapshot_label == "before session_2", drop=True)``; select with ``isel``
      (``time`` is not an index there, as it repeats).

    Data variables:
      - every field, dims ``(time, z, x)``, ``(time, z, y, x)`` or, on an axisymmetric grid,
        ``(time, z, r)`` (float32 snapshots, in the field's ``units`` attribute; ``snapshot``
        instead of ``time`` with ``snapshots="all"``);
      - ``summary_<field>``, dims ``(step, layer)``: per-layer volume-weighted means at every
        accepted step (float64), with coordinate ``step_time`` (s) and ``step_dt`` (s);
      - ``layer_id`` (z, x[, y] or z, r) as a coordinate: the layer index of each cell;
      - ``cell_volume_um3`` (same dims) as a coordinate: the volume of each cell, the weight of
        the layer means (r–z: ring volume 2π r dr dz in µm³; x–z: dx·dz, µm³ per µm of y; 3D:
        dx·dy·dz). :func:`layer_means` uses it.
    Coordinates: ``time`` (s; ``snapshot_label`` and ``snapshot`` beside it), ``x``, ``y``, ``z`` cell centres in
    µm (``z`` is depth below the surface), with faces ``x_faces_um`` etc., ``layer`` (names),
    ``layer_top_um``. On an r–z grid the lateral coordinate is the radius ``r`` (µm from the
    axis; faces ``r_faces_um``) instead of ``x``.
    Attributes: ``geometry`` (``"xz"``, ``"xyz"`` or ``"rz"``; files written before the
    attribute existed are read as ``"xz"``/``"xyz"`` by their dimension), ``format_version``,
    ``scenario`` (the scenario text), ``parameters`` as ``parameter:<key>`` = the value as text
    (``"1.5 mm"``) and ``parameter_source:<key>`` = ``"file"`` or ``"default"``, provenance as
    ``provenance:<name>``.

    The data are read into memory (``load=True``, the default; files are small in 2D). With
    ``load=False`` field snapshots stay lazy (h5py datasets; the file stays open until the
    Dataset is closed).
    """
    import h5py
    import xarray as xr

    if snapshots not in ("unique", "all"):
        raise ValueError(f"open: snapshots={snapshots!r}; expected 'unique' or 'all'")
    if not os.path.isfile(path):
        what = "is a directory, not a result file" if os.path.isdir(path) else "no such file"
        raise FileNotFoundError(f"{os.fspath(path)}: {what}")
    try:
        f = h5py.File(os.fspath(path), "r")
    except OSError as e:
        raise ValueError(f"{os.fspath(path)}: not a readable HDF5 file ({e})") from None
    try:
        if f.attrs.get("format") not in ("skinheal result", b"skinheal result"):
            raise ValueError(f"{path}: not a skinheal result file (root attribute 'format' is "
                             f"{f.attrs.get('format')!r}, expected 'skinheal result')")
        g = f["grid"]
        dim = int(g.attrs["dimension"])
        geometry = _geometry(g, dim)
        # r–z: the x index is the radius (cell i spans [i dr, (i+1) dr] from the axis).
        lateral = "r" if geometry == "rz" else "x"
        spatial = ("z", "y", "x") if dim == 3 else ("z", lateral)
        lateral_long_name = ("radius from the puncture axis (cell centre)" if lateral == "r"
                             else "lateral position (cell centre)")
        x = g["x_um"][:]
        z_faces = g["z_faces_um"][:]
        dx = float(g["dx_um"][()]) if "dx_um" in g else float(g["x_faces_um"][1] - g["x_faces_um"][0])
        volume, volume_attrs = _cell_volume(geometry, x, dx, np.diff(z_faces),
                                            g["y_um"].shape[0] if dim == 3 else 0)
        coords: dict = {
            "time": ("snapshot", f["time"][:], {"units": "s", "long_name": "simulation time"}),
            "snapshot_label": ("snapshot", _strings(f["snapshot_label"]) if f["time"].shape[0] else []),
            "snapshot": ("snapshot", np.arange(f["time"].shape[0]),
                         {"long_name": "index of the snapshot in the file's /time"}),
            lateral: (lateral, x, {"units": "um", "long_name": lateral_long_name}),
            "z": ("z", g["z_um"][:], {"units": "um", "long_name": "depth below the surface (cell centre)"}),
            "layer": ("layer", _strings(g["layer_names"])),
            "layer_top_um": ("layer", g["layer_bounds_um"][:-1], {"units": "um"}),
            "layer_id": (spatial, g["layer_id"][()], {"long_name": "index into layer"}),
            "cell_volume_um3": (spatial, volume, volume_attrs),
            f"{lateral}_faces_um": (f"{lateral}_face", g["x_faces_um"][:], {"units": "um"}),
            "z_faces_um": ("z_face", z_faces, {"units": "um"}),
        }
        if dim == 3:
            coords["y"] = ("y", g["y_um"][:], {"units": "um", "long_name": "lateral position (cell centre)"})
            coords["y_faces_um"] = ("y_face", g["y_faces_um"][:], {"units": "um"})
        data_vars: dict = {}
        for name, d in f["fields"].items():
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in d.attrs.items()}
            values = d[()] if load else d
            data_vars[name] = (("snapshot",) + spatial, values, attrs)
        if "summary" in f:
            s = f["summary"]
            coords["step_time"] = ("step", s["time"][:], {"units": "s"})
            coords["step_dt"] = ("step", s["dt"][:], {"units": "s"})
            for name, d in s.items():
                if name in ("time", "dt", "layer_names"):
                    continue
                attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in d.attrs.items()}
                data_vars[f"summary_{name}"] = (("step", "layer"), d[()], attrs)
        attrs: dict = {"geometry": geometry, "format_version": int(f.attrs.get("format_version", 0)),
                       "source": os.fspath(path)}
        if "scenario" in f:
            attrs["scenario"] = f["scenario"].asstr()[()]
        if "parameters" in f:
            p = f["parameters"]
            # The third column is `source` ("file" | "default"); files written before it was
            # renamed call it `units` (it held the source there too).
            col = "source" if "source" in p else "units"
            for k, v, src in zip(_strings(p["key"]), _strings(p["value"]), _strings(p[col])):
                attrs[f"parameter:{k}"] = _parameter_text(v)
                attrs[f"parameter_source:{k}"] = src
        if "provenance" in f:
            for k, v in f["provenance"].attrs.items():
                attrs[f"provenance:{k}"] = v.decode() if isinstance(v, bytes) else (
                    v.item() if isinstance(v, np.generic) else v)
        ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
        if snapshots == "unique":
            ds = ds.isel(snapshot=_last_at_each_instant(ds["time"].values)).swap_dims(snapshot="time")
    except Exception:
        f.close()
        raise
    if load:
        f.close()
    else:
        ds.set_close(f.close)
    return ds


def layer_means(ds: "xarray.Dataset", field: str) -> "xarray.DataArray":  # noqa: F821
    """Volume-weighted mean of `field` over each layer at every snapshot, dims ``(time, layer)``
    (``(snapshot, layer)`` for a Dataset opened with ``snapshots="all"``).

    The weights are ``ds["cell_volume_um3"]`` (ring volumes on an r–z grid, so the means are
    per-area outcomes), the same weighting as the ``summary_<field>`` means the engine writes at
    every step; this computes them from the (float32) snapshots, e.g. for a field region or a
    derived quantity added to the Dataset.
    """
    import xarray as xr

    along = "time" if "time" in ds.dims else "snapshot"
    if field not in ds.data_vars or along not in ds[field].dims:
        fields = sorted(v for v in ds.data_vars if along in ds[v].dims)
        raise ValueError(f"layer_means: no field '{field}'; valid fields: {', '.join(fields)}")
    da = ds[field]
    spatial = [d for d in da.dims if d != along]
    weights = ds["cell_volume_um3"].transpose(*spatial).values
    layer_id = ds["layer_id"].transpose(*spatial).values
    values = np.asarray(da.transpose(along, *spatial).values, dtype=np.float64)
    n_layers = ds.sizes["layer"]
    means = np.full((values.shape[0], n_layers), np.nan)
    for layer in range(n_layers):
        mask = layer_id == layer
        volume = weights[mask].sum()
        if volume > 0:
            means[:, layer] = (values[:, mask] * weights[mask]).sum(axis=1) / volume
    return xr.DataArray(means, dims=(along, "layer"),
                        coords={along: ds[along], "time": ds["time"], "layer": ds["layer"]},
                        attrs={"units": da.attrs.get("units", ""),
                               "long_name": f"volume-weighted layer mean of {field}"},
                        name=f"layer_mean_{field}")
