"""skinheal.Scenario: load/preset/save, dotted get/set validated with the CLI's messages."""
import pytest

import skinheal


def test_preset_and_get():
    sc = skinheal.Scenario.preset("demo_diffusion")
    assert sc["model.kind"] == "generic"
    assert sc["grid.dx"] == "20 um"
    assert sc["time.end"] == "30 d"
    # A default (not in the file) comes back from the effective parameters as text.
    assert "time.adaptive" in sc.parameters()
    assert "demo_diffusion" in sc.presets()


def test_set_valid_value_and_unit_suffix():
    sc = skinheal.Scenario.preset("single_needle")
    sc["time.end"] = "6 h"
    assert sc["time.end"] == "6 h"
    sc["device.needle_length_mm"] = 0.25
    assert sc["device.needle_length"] == "0.25 mm"
    assert sc.overrides == {"time.end": '"6 h"', "device.needle_length": '"0.25 mm"'}
    assert sc.override_list == ['time.end="6 h"', 'device.needle_length="0.25 mm"']


def test_bad_key_raises_cli_message_and_keeps_state():
    sc = skinheal.Scenario.preset("demo_diffusion")
    with pytest.raises(ValueError) as err:
        sc["grid.dxx"] = "10 um"
    msg = str(err.value)
    assert "dxx" in msg and "dx" in msg  # names the key and suggests the nearest valid one
    assert sc.overrides == {}
    assert sc["grid.dx"] == "20 um"


def test_bad_unit_raises_with_expected_dimension():
    sc = skinheal.Scenario.preset("demo_diffusion")
    with pytest.raises(ValueError, match="grid.dx"):
        sc["grid.dx"] = "3 d"  # a time where a length is expected
    with pytest.raises(ValueError, match="length"):
        sc["grid.dx"] = "3 d"


def test_unknown_preset_lists_valid_ones():
    with pytest.raises(ValueError, match="demo_diffusion"):
        skinheal.Scenario.preset("no_such_scenario")


def test_missing_file():
    with pytest.raises(ValueError, match="cannot read"):
        skinheal.Scenario.load("/nonexistent/x.toml")


def test_save_round_trip(tmp_path, generic_scenario):
    generic_scenario["time.end"] = "3 h"
    path = generic_scenario.save(tmp_path / "s.toml")
    again = skinheal.Scenario.load(path)
    assert again["time.end"] == "3 h"
    assert again["fields"][0]["name"] == "u"
    assert again.parameters()["time.end"] == generic_scenario.parameters()["time.end"]


def test_copy_is_independent(generic_scenario):
    c = generic_scenario.copy()
    c["time.end"] = "1 h"
    assert generic_scenario["time.end"] == "2 d"
    d = generic_scenario.with_values(time__end="5 h")
    assert d["time.end"] == "5 h"


def test_toml_literal():
    from skinheal.scenario import toml_literal
    assert toml_literal("1.5 mm") == '"1.5 mm"'
    assert toml_literal(True) == "true"
    assert toml_literal(["0 d", "30 d"]) == '["0 d", "30 d"]'
    with pytest.raises(TypeError):
        toml_literal(object())


def test_numpy_scalars_and_arrays_are_accepted(generic_scenario):
    np = pytest.importorskip("numpy")
    generic_scenario["grid.dim"] = np.int64(2)
    assert generic_scenario["grid.dim"] == 2 and generic_scenario.overrides["grid.dim"] == "2"
    generic_scenario["time.rtol"] = np.float32(0.5)
    assert generic_scenario["time.rtol"] == 0.5
    generic_scenario["time.end_h"] = np.int64(6)  # unit suffix with a NumPy integer
    assert generic_scenario["time.end"] == "6 h"
    generic_scenario["time.adaptive"] = np.bool_(True)
    assert generic_scenario["time.adaptive"] is True
    from skinheal.scenario import toml_literal
    assert toml_literal(np.array([100, 250])) == "[100, 250]"
    assert toml_literal(np.array(["0 d", "3 d"])) == '["0 d", "3 d"]'


def test_defaults_read_like_values_that_are_set():
    sc = skinheal.Scenario.preset("single_needle")
    assert "device.needle_diameter" not in sc.overrides
    default = sc["device.needle_diameter"]
    assert isinstance(default, str) and not default.startswith('"')  # '300 um', not '"300 um"'
    assert default == sc.parameters()["device.needle_diameter"].strip('"')
    sc["device.needle_diameter"] = default
    assert sc["device.needle_diameter"] == default
    sc["device.needle_diameter"] = "40 um"
    assert sc["device.needle_diameter"] == "40 um"
    # A default number has the number type a value set has.
    factor = sc["device.pressure_factor"]  # not in the file
    assert isinstance(factor, (int, float)) and not isinstance(factor, bool)
    sc["device.pressure_factor"] = factor
    assert sc["device.pressure_factor"] == factor


def test_a_key_that_breaks_another_points_to_update():
    """Setting time.end alone before the sessions that no longer fit: the error says to set
    dependent keys together with update(), which accepts the same change."""
    sc = skinheal.Scenario.preset("unit_cell_rz")
    with pytest.raises(ValueError, match=r"sc\.update"):
        sc["time.end"] = "2 d"
    sc.update({"time.end": "2 d", "treatment.sessions": ["0 d"]})
    assert sc["time.end"] == "2 d"
    with pytest.raises(ValueError) as err:  # a bad value of the key itself: no update() hint
        sc["grid.dx"] = "abc"
    assert "update" not in str(err.value)


def test_scenario_warnings_are_python_warnings(capfd):
    """A grid that leaves out a layer warns through Python's warnings (shown once per place by
    default), not by printing to stderr at every load."""
    sc = skinheal.Scenario.preset("roller_1p5mm_collagen_induction")
    with pytest.warns(UserWarning, match="leaves out the hypodermis of site 'abdomen'"):
        sc["skin.site"] = "abdomen"
    assert "leaves out" not in capfd.readouterr().err


def test_a_misspelt_key_gets_no_update_hint():
    sc = skinheal.Scenario.preset("roller_1p5mm_collagen_induction")
    with pytest.raises(ValueError, match="did you mean 'time.end'") as err:
        sc["time.edn"] = "1 d"
    assert "update" not in str(err.value)
