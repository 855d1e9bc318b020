"""Range checks for settings, raised as ``SettingError`` when a setting is built.

The rules live beside the fields they check (``Config``, ``Limits``, ``WebSocketSettings``
call these from ``__post_init__``), so ``albany.run(port=99999)`` and ``albany --port 99999``
are refused alike; the CLI turns the setting's name into its option.
"""

from __future__ import annotations

import math


class SettingError(ValueError):
    """A setting outside its range; ``setting`` is its field path (``limits.max_body_size``)."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting} {problem}")
        self.setting = setting
        self.problem = problem


def at_least(setting: str, value: float | None, lowest: float, optional: bool = False) -> None:
    """``value`` is a finite number no smaller than ``lowest`` (or None, when ``optional``)."""
    if value is None and optional:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or math.isinf(value)
        or value < lowest
    ):
        floor = int(lowest) if float(lowest).is_integer() else lowest
        raise SettingError(setting, f"must be a number of at least {floor}, not {value!r}")


def between(setting: str, value: int | None, lowest: int, highest: int) -> None:
    """``value`` is an int within ``lowest..highest``."""
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise SettingError(setting, f"must be between {lowest} and {highest}, not {value!r}")


def one_of(setting: str, value: object, choices: tuple[object, ...]) -> None:
    """``value`` is one of ``choices``."""
    if value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise SettingError(setting, f"must be one of {listed}, not {value!r}")


def nested(prefix: str, error: SettingError) -> SettingError:
    """``error`` of a field of ``prefix`` (``limits``), with the field path in front."""
    return SettingError(f"{prefix}.{error.setting}", error.problem)
