"""Read a skinheal result file (HDF5, docs/output-format.md) into an xarray.Dataset."""
from __future__ import annotations

import os

import numpy as np

__all__ = ["open"]


def _strings(ds) -> list[str]:
    return [s for s in ds.asstr()[()]] if ds.shape else [ds.asstr()[()]]


def _parameter_text(value: str) -> str:
    """One /parameters value as text: TOML string quotes dropped ('"1.5 mm"' → '1.5 mm'; a
    quantity carries its units in the value)."""
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1]
    return v


def open(path: str | os.PathLike, load: bool = True) -> "xarray.Dataset":  # noqa: A001, F821
    """Open a result file written by ``skinheal run`` or :meth:`Simulation.run` as a Dataset.

    Data variables:
      - every field, dims ``(time, z, x)`` or ``(time, z, y, x)`` (float32 snapshots, in the
        field's ``units`` attribute);
      - ``summary_<field>``, dims ``(step, layer)``: per-layer volume-weighted means at every
        accepted step (float64), with coordinate ``step_time`` (s) and ``step_dt`` (s);
      - ``layer_id`` (z, x[, y]) as a coordinate: the layer index of each cell.
    Coordinates: ``time`` (s; ``snapshot_label`` beside it), ``x``, ``y``, ``z`` cell centres in
    µm (``z`` is depth below the surface), ``layer`` (names), ``layer_top_um``.
    Attributes: ``format_version``, ``scenario`` (the scenario text), ``parameters`` as
    ``parameter:<key>`` = the value as text (``"1.5 mm"``) and ``parameter_source:<key>`` =
    ``"file"`` or ``"default"``, provenance as ``provenance:<name>``.

    The data are read into memory (``load=True``, the default; files are small in 2D). With
    ``load=False`` field snapshots stay lazy (h5py datasets; the file stays open until the
    Dataset is closed).
    """
    import h5py
    import xarray as xr

    f = h5py.File(os.fspath(path), "r")
    try:
        if f.attrs.get("format") not in ("skinheal result", b"skinheal result"):
            raise ValueError(f"{path}: not a skinheal result file (root attribute 'format' is "
                             f"{f.attrs.get('format')!r}, expected 'skinheal result')")
        g = f["grid"]
        dim = int(g.attrs["dimension"])
        spatial = ("z", "y", "x") if dim == 3 else ("z", "x")
        coords: dict = {
            "time": ("time", f["time"][:], {"units": "s", "long_name": "simulation time"}),
            "snapshot_label": ("time", _strings(f["snapshot_label"]) if f["time"].shape[0] else []),
            "x": ("x", g["x_um"][:], {"units": "um", "long_name": "lateral position (cell centre)"}),
            "z": ("z", g["z_um"][:], {"units": "um", "long_name": "depth below the surface (cell centre)"}),
            "layer": ("layer", _strings(g["layer_names"])),
            "layer_top_um": ("layer", g["layer_bounds_um"][:-1], {"units": "um"}),
            "layer_id": (spatial, g["layer_id"][()], {"long_name": "index into layer"}),
            "x_faces_um": ("x_face", g["x_faces_um"][:], {"units": "um"}),
            "z_faces_um": ("z_face", g["z_faces_um"][:], {"units": "um"}),
        }
        if dim == 3:
            coords["y"] = ("y", g["y_um"][:], {"units": "um", "long_name": "lateral position (cell centre)"})
            coords["y_faces_um"] = ("y_face", g["y_faces_um"][:], {"units": "um"})
        data_vars: dict = {}
        for name, d in f["fields"].items():
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in d.attrs.items()}
            values = d[()] if load else d
            data_vars[name] = (("time",) + spatial, values, attrs)
        if "summary" in f:
            s = f["summary"]
            coords["step_time"] = ("step", s["time"][:], {"units": "s"})
            coords["step_dt"] = ("step", s["dt"][:], {"units": "s"})
            for name, d in s.items():
                if name in ("time", "dt", "layer_names"):
                    continue
                attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in d.attrs.items()}
                data_vars[f"summary_{name}"] = (("step", "layer"), d[()], attrs)
        attrs: dict = {"format_version": int(f.attrs.get("format_version", 0)), "source": os.fspath(path)}
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
    except Exception:
        f.close()
        raise
    if load:
        f.close()
    else:
        ds.set_close(f.close)
    return ds
