"""skinheal: microneedling and twelve months of skin remodelling, from Python.

    import skinheal
    sc = skinheal.Scenario.preset("single_needle")
    sc["time.end"] = "1 d"                     # validated at once (ValueError, CLI message)
    sim = skinheal.Simulation(sc)
    sim.run(until="6 h", output="run.h5")      # the same HDF5 file `skinheal run` writes
    sim.field("collagen_I")                    # zero-copy NumPy view, (z, x)
    sim.observables()                          # per-layer pandas DataFrame
    ds = skinheal.open("run.h5")               # xarray.Dataset
    skinheal.layer_means(ds, "collagen_I")     # volume-weighted per-layer means (time, layer)
    table = skinheal.sweep(sc, vary={"device.needle_length_mm": [0.5, 1.0]}, out_dir="sw")

Times are seconds unless given as text with units ("14 d"); lengths are µm.
"""
from . import _core
from ._core import NumericalError
from .results import layer_means, open  # noqa: A004 — skinheal.open mirrors xarray.open_dataset
from .scenario import Scenario, scenarios_dir
from .simulation import Simulation, format_duration, parse_time_s
from .sweep import SweepOutputExists, sweep
from . import plot

__version__ = _core.__version__

__all__ = ["Scenario", "Simulation", "open", "layer_means", "sweep", "plot", "scenarios_dir", "parse_time_s",
           "format_duration", "NumericalError", "SweepOutputExists", "set_num_threads", "num_threads"]


def set_num_threads(n: int) -> None:
    """OpenMP threads the engine uses (0: all cores). Results do not depend on it."""
    _core.set_num_threads(int(n))


def num_threads() -> int:
    """OpenMP threads the engine uses."""
    return _core.num_threads()
