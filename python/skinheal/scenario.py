"""Scenarios: a scenario file (TOML) plus dotted-key overrides, validated by the engine.

A :class:`Scenario` holds the text of a scenario file and an ordered set of overrides
(``"dotted.key" -> TOML value``), exactly what ``skinheal run SCENARIO --set KEY=VALUE`` gets.
Every assignment is validated at once by building the scenario as ``skinheal check`` does, so a
bad key or value raises :class:`ValueError` with the command line's message (file, key, reason,
valid values) and the scenario is left unchanged.
"""
from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path
from typing import Any, Iterator

from . import _core

__all__ = ["Scenario", "scenarios_dir", "toml_literal", "plain_value"]

# Convenience suffixes: sc["device.needle_length_mm"] = 1.5 sets device.needle_length = "1.5 mm".
_UNIT_SUFFIXES = {
    "_nm": "nm", "_um": "um", "_mm": "mm", "_cm": "cm",
    "_s": "s", "_min": "min", "_h": "h", "_d": "d", "_weeks": "weeks", "_months": "months",
}


def scenarios_dir() -> Path:
    """The directory holding the preset scenarios (``scenarios/*.toml``).

    Looked up in order: the ``SKINHEAL_SCENARIOS`` environment variable; the source tree the
    package was built from (recorded at configure time); ``../../scenarios`` relative to this
    file (running from the source tree).
    """
    env = os.environ.get("SKINHEAL_SCENARIOS")
    if env:
        return Path(env)
    try:
        from ._paths import SCENARIOS_DIR  # written by python/CMakeLists.txt
        if Path(SCENARIOS_DIR).is_dir():
            return Path(SCENARIOS_DIR)
    except ImportError:
        pass
    return Path(__file__).resolve().parent.parent.parent / "scenarios"


def plain_value(value: Any) -> Any:
    """`value` with NumPy scalars and arrays turned into Python ones (``np.int64(10)`` → ``10``,
    ``np.array([1, 2])`` → ``[1, 2]``), recursively through lists, tuples and dicts; anything
    else unchanged. NumPy is not imported for it."""
    if type(value).__module__ == "numpy":
        tolist = getattr(value, "tolist", None)  # np.generic and np.ndarray both have it
        if tolist is not None:
            return plain_value(tolist())
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    return value


def toml_literal(value: Any) -> str:
    """A Python value as a TOML value: str → quoted string, bool, int, float, list, dict (NumPy
    scalars and arrays as the Python values they hold)."""
    value = plain_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r}: not a finite number")
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_literal(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"{value!r}: cannot be written as a TOML value (use str, number, bool, list)")


def _keys_named_in(message: str) -> list[str]:
    """The dotted keys a CLI error message names ('treatment.sessions' [1] = ... -> treatment.sessions)."""
    import re

    return re.findall(r"'([A-Za-z_][\w]*(?:\.[\w\[\]]+)+)'", message)


def _resolve_suffix(key: str, value: Any) -> tuple[str, Any]:
    """``a.b_mm = 1.5`` → ``a.b = "1.5 mm"`` (only for numbers and a known unit suffix)."""
    value = plain_value(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for suffix, unit in _UNIT_SUFFIXES.items():
            if key.endswith(suffix):
                return key[: -len(suffix)], f"{value:g} {unit}"
    return key, value


def _default_value(text: str) -> Any:
    """An effective parameter's text (a TOML value: ``'"250 um"'``, ``'1e-4'``) as the Python
    value a file or an override setting it would give (``"250 um"``, ``0.0001``); text that is
    not a TOML value is returned as it is."""
    try:
        return tomllib.loads("v = " + text)["v"]
    except tomllib.TOMLDecodeError:
        return text


class Scenario:
    """A scenario file plus overrides; build a :class:`skinheal.Simulation` from it.

    Create with :meth:`load`, :meth:`preset` or :meth:`from_text`; read and set values by dotted
    key (``sc["time.end"] = "3 d"``, ``sc["device.needle_length_mm"] = 1.5``); :meth:`save`
    writes the effective scenario text.
    """

    def __init__(self, text: str, name: str = "<scenario>", overrides: dict[str, str] | None = None):
        self._text = text
        self._name = name
        self._overrides: dict[str, str] = dict(overrides or {})
        self._parameters = _core.check(self._text, self._name, self.override_list)

    # --- construction -------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike) -> "Scenario":
        """Read a scenario file; raises ValueError (CLI message) if it is not valid."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as e:
            raise ValueError(f"{p}: cannot read the scenario file ({e.strerror})") from None
        return cls(text, str(p))

    @classmethod
    def preset(cls, name: str) -> "Scenario":
        """A scenario shipped in ``scenarios/<name>.toml`` (see :func:`scenarios_dir`)."""
        d = scenarios_dir()
        path = d / f"{name}.toml"
        if not path.is_file():
            known = sorted(p.stem for p in d.glob("*.toml"))
            raise ValueError(f"preset '{name}': no {path}; valid presets: {', '.join(known) or '(none)'}"
                             " (set SKINHEAL_SCENARIOS to the scenarios directory)")
        return cls.load(path)

    @classmethod
    def from_text(cls, text: str, name: str = "<scenario>") -> "Scenario":
        """A scenario from TOML text held in memory; `name` stands for the file in messages."""
        return cls(text, name)

    @staticmethod
    def presets() -> list[str]:
        """Names of the preset scenarios."""
        return sorted(p.stem for p in scenarios_dir().glob("*.toml"))

    # --- values -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The file name (or the name given) used in messages."""
        return self._name

    @property
    def overrides(self) -> dict[str, str]:
        """The overrides, dotted key → TOML value text, in the order they were set."""
        return dict(self._overrides)

    @property
    def override_list(self) -> list[str]:
        """The overrides as the CLI's ``--set`` arguments (``KEY=VALUE``)."""
        return [f"{k}={v}" for k, v in self._overrides.items()]

    @property
    def text(self) -> str:
        """The effective scenario text (file text with the overrides applied)."""
        return _core.apply_overrides(self._text, self._name, self.override_list)

    @property
    def base_text(self) -> str:
        """The scenario text as loaded, without overrides."""
        return self._text

    def parameters(self) -> dict[str, str]:
        """Every effective parameter (defaults included) as text, by dotted key."""
        return {k: v for k, v, _source in self._parameters}

    def __setitem__(self, key: str, value: Any) -> None:
        self.set(key, value)

    def set(self, key: str, value: Any) -> "Scenario":
        """Set a dotted key; validated at once (ValueError with the CLI's message).

        Values: str (quantities with units: ``"1.5 mm"``, ``"14 d"``), numbers, bools, lists.
        A key ending in a unit suffix with a number (``device.needle_length_mm = 1.5``) sets
        the key without the suffix to the number with that unit. Returns self (chainable).
        """
        if not isinstance(key, str) or not key or key.startswith(".") or key.endswith("."):
            raise ValueError(f"{key!r}: expected a dotted key such as 'time.end'")
        key, value = _resolve_suffix(key, value)
        trial = dict(self._overrides)
        trial.pop(key, None)
        trial[key] = toml_literal(value)
        try:
            params = _core.check(self._text, self._name, [f"{k}={v}" for k, v in trial.items()])
        except ValueError as e:
            # One key at a time can pass through an invalid combination (a shorter time.end
            # before the sessions that no longer fit): update() checks the keys together.
            own = f"--set {key}=" in str(e)  # a message about this key's own value
            if not own and any(k != key for k in _keys_named_in(str(e))):
                raise ValueError(f"{e} (setting '{key}' alone; to change several keys that "
                                 f"depend on each other, set them together with "
                                 f"sc.update({{...}}))") from None
            raise
        self._overrides, self._parameters = trial, params
        return self

    def update(self, values: dict[str, Any]) -> "Scenario":
        """Set several dotted keys (validated together, after all are applied)."""
        trial = dict(self._overrides)
        for k, v in values.items():
            k, v = _resolve_suffix(k, v)
            trial.pop(k, None)
            trial[k] = toml_literal(v)
        params = _core.check(self._text, self._name, [f"{k}={v}" for k, v in trial.items()])
        self._overrides, self._parameters = trial, params
        return self

    def __getitem__(self, key: str) -> Any:
        """The value of a dotted key as a Python value of its TOML type, whether the file, an
        override or a default sets it: quantities are unquoted strings (``"250 um"``), numbers
        numbers, lists lists. KeyError if the scenario has no such key."""
        node: Any = tomllib.loads(self.text)
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                break
        else:
            return node
        params = self.parameters()
        if key in params:
            return _default_value(params[key])
        raise KeyError(f"{key}: not a key of {self._name}")

    def __contains__(self, key: str) -> bool:
        try:
            self[key]
            return True
        except KeyError:
            return False

    def keys(self) -> list[str]:
        """Every effective parameter key."""
        return list(self.parameters())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def copy(self) -> "Scenario":
        """An independent copy (same text and overrides)."""
        c = Scenario.__new__(Scenario)
        c._text, c._name = self._text, self._name
        c._overrides, c._parameters = dict(self._overrides), list(self._parameters)
        return c

    def with_values(self, **dotted: Any) -> "Scenario":
        """A copy with values set; keys use ``__`` for dots (``time__end="3 d"``)."""
        return self.copy().update({k.replace("__", "."): v for k, v in dotted.items()})

    def save(self, path: str | os.PathLike) -> Path:
        """Write the effective scenario text (overrides applied) to `path`."""
        p = Path(path)
        p.write_text(self.text, encoding="utf-8")
        return p

    def __repr__(self) -> str:
        ov = ", ".join(f"{k}={v}" for k, v in self._overrides.items())
        return f"Scenario({self._name!r}{', ' + ov if ov else ''})"
