"""A plain reaction–diffusion model built from Python, checked against analytic solutions."""
import numpy as np
import pytest

import skinheal


def test_decay_matches_exp(generic_scenario):
    sim = skinheal.Simulation(generic_scenario)
    for t_d in (0.5, 1.0, 2.0):
        sim.run(until=f"{t_d} d")
        u = sim.field("u")
        np.testing.assert_allclose(u, np.exp(-t_d), rtol=2e-4)


def test_logistic_growth_matches_closed_form(generic_scenario):
    sim = skinheal.Simulation(generic_scenario).run(until="2 d")
    r, K, w0, t = 2.0, 5.0, 0.1, 2.0  # per day, capacity, initial, days
    exact = K / (1 + (K / w0 - 1) * np.exp(-r * t))
    np.testing.assert_allclose(sim.field("w"), exact, rtol=1e-3)


def test_surface_source_with_decay_reaches_cosh_profile(surface_text):
    # Steady state of v_t = D v_zz - k v, v(0) = 1, no flux at depth L:
    #   v(z) = cosh((L - z)/λ) / cosh(L/λ),  λ = sqrt(D/k) = 100 µm.
    sim = skinheal.Simulation(skinheal.Scenario.from_text(surface_text, "surface.toml")).run()
    z = sim.z_um
    L, lam = sim.z_faces_um[-1], 100.0
    exact = np.cosh((L - z) / lam) / np.cosh(L / lam)
    v = sim.field("v")[:, 0]
    assert np.max(np.abs(v - exact)) < 5e-3  # second order in dz = 5 µm: (5/100)^2 ≈ 2.5e-3
    assert v[0] == pytest.approx(exact[0], abs=5e-3)


def test_surface_profile_converges_at_second_order(surface_text):
    errors = []
    for dz in (10.0, 5.0):
        sc = skinheal.Scenario.from_text(surface_text, "surface.toml")
        sc.update({"grid.dz_surface": f"{dz} um", "grid.dz_max": f"{dz} um"})
        sim = skinheal.Simulation(sc).run()
        z = sim.z_um
        L, lam = sim.z_faces_um[-1], 100.0
        exact = np.cosh((L - z) / lam) / np.cosh(L / lam)
        errors.append(np.max(np.abs(sim.field("v")[:, 0] - exact)))
    rate = np.log2(errors[0] / errors[1])
    assert rate > 1.8, f"observed order {rate:.2f} (errors {errors})"
