"""The Python API's arguments checked where they enter: a wrong type is a TypeError naming the
argument (as Python's own functions raise), a wrong value of the right type a SymbpError; no
argument reaches deep code to fail there as a KeyError or AttributeError.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from symbp.errors import SymbpError, one_line

#: the precisions torch checks in (symbp.torchcheck.check.TOLERANCES has one entry for each)
DTYPES = ("float64", "float32")


def _kind(value: object) -> str:
    return type(value).__name__


def text(value: object, name: str) -> str:
    """A string argument."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {_kind(value)}")
    return value


def optional_text(value: object, name: str) -> str | None:
    return None if value is None else text(value, name)


def whole(value: object, name: str) -> int:
    """A whole-number argument (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number (int), not {_kind(value)}")
    return value


def optional_whole(value: object, name: str) -> int | None:
    return None if value is None else whole(value, name)


def number(value: object, name: str) -> float:
    """A finite real-number argument."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {_kind(value)}")
    if not math.isfinite(value):
        raise SymbpError(f"{name} must be a finite number, not {value}")
    return float(value)


def optional_number(value: object, name: str) -> float | None:
    return None if value is None else number(value, name)


def flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {_kind(value)}")
    return value


def path(value: object, name: str) -> Path:
    """A file or folder argument: a string or a path object."""
    if isinstance(value, str | os.PathLike):
        if "\x00" in os.fspath(value):  # the OS refuses it with a ValueError deep inside
            raise SymbpError(f"{name} path holds a NUL character: {one_line(repr(value))}")
        return Path(value)
    raise TypeError(f"{name} must be a path (str or pathlib.Path), not {_kind(value)}")


def optional_path(value: object, name: str) -> Path | None:
    return None if value is None else path(value, name)


def names(value: object, name: str) -> tuple[str, ...] | None:
    """None, or a list of names (a single string is refused: its letters are not names)."""
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of names such as ['w1', 'w2'], not {_kind(value)}")
    return tuple(text(item, f"each of {name}") for item in value)


def dtype(value: object) -> str:
    if text(value, "dtype") not in DTYPES:
        raise SymbpError(f"unknown dtype {value!r} (known: {', '.join(DTYPES)})")
    return str(value)


def keyword_table(value: Any, name: str) -> None:
    """An optimizer given as a name, a table (dict) or an OptimizerSpec: the type only."""
    from symbp.core.spec import OptimizerSpec

    if value is not None and not isinstance(value, str | dict | OptimizerSpec):
        raise TypeError(f"{name} must be a name, a dict or an OptimizerSpec, not {_kind(value)}")
