"""Shared fixtures: small scenarios that run in well under a second."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("SKINHEAL_SCENARIOS", str(ROOT / "scenarios"))
os.environ.setdefault("MPLBACKEND", "Agg")

#: A one-layer generic model on 200 × 2 cells (5 µm deep, 10 µm wide; 1 mm deep): field `u`
#: decays (k = 1/d), field `w` grows logistically (r = 2/d, K = 5).
GENERIC = """
[model]
kind = "generic"

[grid]
dim = 2
width = "20 um"
dx = "10 um"
dz_surface = "5 um"
dz_max = "5 um"
growth = 1.0

[[layers]]
name = "dermis"
thickness = "1 mm"

[time]
end = "2 d"
rtol = 1e-4
dt_initial = "1 s"
dt_max = "1 h"

[[fields]]
name = "u"
units = "ug/cm^3"
initial = 1.0
decay = "1/d"
abs_tolerance = 1e-9

[[fields]]
name = "w"
units = "cells/mm^3"
initial = 0.1
growth = "2/d"
capacity = 5.0
abs_tolerance = 1e-9
"""


#: Field `v` alone: held at 1 on the surface, diffusing (D = 100 µm²/s) and decaying
#: (k = 1/100 s): steady decay length λ = sqrt(D/k) = 100 µm, reached within ~20 min.
SURFACE = GENERIC[:GENERIC.index("[[fields]]")].replace('end = "2 d"', 'end = "20 min"') + """[[fields]]
name = "v"
units = "ug/cm^3"
initial = 0.0
decay = "0.01/s"
abs_tolerance = 1e-9
diffusivity = { default = "100 um^2/s" }
surface = { kind = "fixed", value = 1.0 }

"""


@pytest.fixture
def generic_text():
    return GENERIC


@pytest.fixture
def surface_text():
    return SURFACE


@pytest.fixture
def generic_scenario():
    import skinheal
    return skinheal.Scenario.from_text(GENERIC, "generic_test.toml")
