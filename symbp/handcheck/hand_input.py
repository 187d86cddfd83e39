"""Reading a hand calculation: TOML, JSON, or the plain form students type.

The plain form is one `name = value` per line with `#` comments; a value is a number, a formula,
or both (`dL/dw5 = delta_o1 * h1 = 0.0346`). A number keeps the text it was written as, because
its decimals say the precision it was worked to (0.01 is two decimals, 0.0100 four). TOML and JSON
numbers keep theirs too (read through the parsers' parse_float hooks). Names are checked against
the network later, when it is known; here the file is only read.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbp.errors import HandInputError
from symbp.files import read_small_text

MAX_FILE_BYTES = 200_000
MAX_LINE_CHARS = 1_000
MAX_ENTRIES = 2_000

LEARNING_RATE_NAMES = ("eta", "η", "lr", "learning_rate", "alpha", "α")

_NUMBER = re.compile(r"^[+\-−]?(?:\d+\.?\d*|\.\d+)(?:[eE][+\-]?\d+)?$")


@dataclass(frozen=True)
class WrittenNumber:
    """A number as the student wrote it, and the precision its decimals state."""

    text: str
    value: float
    decimals: int  # digits after the point, less the exponent: 0.01 -> 2, 1.5e-3 -> 4

    @property
    def half_unit(self) -> float:
        """Half a unit in the last written place: how far rounding may have moved the value."""
        return 0.5 * 10.0 ** (-self.decimals)


@dataclass(frozen=True)
class HandEntry:
    """One line of a hand calculation: a name and a number, a formula, or both."""

    name: str
    line: int  # 1-based line in the plain form; 0 for TOML/JSON
    number: WrittenNumber | None
    formula: str | None


@dataclass(frozen=True)
class HandCalculation:
    """A student's hand calculation, as read: entries, and optionally a spec and learning rate."""

    entries: tuple[HandEntry, ...]
    source: str = "<hand calculation>"
    spec_path: Path | None = None
    learning_rate: float | None = None


def read_number(text: str, where: str) -> WrittenNumber | None:
    """A WrittenNumber if the text is a plain number, None if it is something else (a formula)."""
    text = text.strip()
    if not _NUMBER.match(text):
        return None
    normal = text.replace("−", "-")
    mantissa, _, exponent = normal.lower().partition("e")
    _, _, fraction = mantissa.partition(".")
    decimals = len(fraction) - (int(exponent) if exponent else 0)
    value = float(normal)
    if not math.isfinite(value):
        raise HandInputError(f"{where}: {text[:30]} is not a finite number")
    return WrittenNumber(text=text, value=value, decimals=decimals)


def read_hand_file(path: str | Path) -> HandCalculation:
    """Read a hand calculation; the extension decides the format (.toml, .json, else plain)."""
    path = Path(path)
    text = read_small_text(path, MAX_FILE_BYTES, HandInputError, repr(str(path)))
    suffix = path.suffix.lower()
    if suffix == ".toml":
        hand = parse_toml(text, str(path))
    elif suffix == ".json":
        hand = parse_json(text, str(path))
    else:
        hand = parse_plain(text, str(path))
    if hand.spec_path is not None and not hand.spec_path.is_absolute():
        hand = HandCalculation(
            hand.entries, hand.source, path.parent / hand.spec_path, hand.learning_rate
        )
    return hand


def parse_plain(text: str, source: str = "<hand calculation>") -> HandCalculation:
    """The plain form: `name = value` lines, `#` starts a comment."""
    pairs: list[tuple[str, str, int]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(raw) > MAX_LINE_CHARS:
            raise HandInputError(
                f"{source}: line {number} is longer than {MAX_LINE_CHARS} characters"
            )
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, equals, rest = line.partition("=")
        if not equals or not name.strip() or not rest.strip():
            raise HandInputError(
                f"{source}: line {number}: expected 'name = value', got {_short(line)!r}"
            )
        pairs.append((name.strip(), rest.strip(), number))
    return _build(pairs, source)


def parse_toml(text: str, source: str = "<toml>") -> HandCalculation:
    try:
        data = tomllib.loads(text, parse_float=str)
    except tomllib.TOMLDecodeError as error:
        raise HandInputError(f"{source}: not valid TOML: {' '.join(str(error).split())}") from None
    return _from_mapping(data, source)


def parse_json(text: str, source: str = "<json>") -> HandCalculation:
    def reject(name: str) -> Any:
        raise HandInputError(f"{source}: {name} is not a finite number")

    try:
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=reject)
    except json.JSONDecodeError as error:
        raise HandInputError(f"{source}: not valid JSON: {' '.join(str(error).split())}") from None
    if not isinstance(data, dict):
        raise HandInputError(f"{source}: the top level must be an object of names")
    return _from_mapping(data, source)


def _from_mapping(data: dict[str, Any], source: str) -> HandCalculation:
    pairs: list[tuple[str, str, int]] = []
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise HandInputError(f"{source}: {name!r} must be a number or a formula string")
        pairs.append((name, str(value), 0))
    return _build(pairs, source)


def _build(pairs: list[tuple[str, str, int]], source: str) -> HandCalculation:
    if len(pairs) > MAX_ENTRIES:
        raise HandInputError(f"{source}: more than {MAX_ENTRIES} entries")
    entries: list[HandEntry] = []
    spec_path: Path | None = None
    learning_rate: float | None = None
    seen: dict[str, int] = {}
    for name, value, line in pairs:
        where = f"{source}: line {line}" if line else f"{source}: {name!r}"
        if len(value) > MAX_LINE_CHARS:
            raise HandInputError(f"{where}: value is longer than {MAX_LINE_CHARS} characters")
        lowered = name.lower()
        if lowered == "spec":
            spec_path = Path(value)
            continue
        if lowered in LEARNING_RATE_NAMES:
            rate = read_number(value, where)
            if rate is None:
                raise HandInputError(f"{where}: the learning rate must be a number")
            learning_rate = rate.value
            continue
        key = "".join(name.split())
        if key in seen:
            raise HandInputError(f"{where}: {name!r} is given twice")
        seen[key] = line
        parts = [part.strip() for part in value.split("=")]
        if any(not part for part in parts):
            raise HandInputError(f"{where}: empty value in {_short(value)!r}")
        number = read_number(parts[-1], where)
        formulas = parts if number is None else parts[:-1]
        if len(formulas) > 1:
            raise HandInputError(f"{where}: give one formula and at most one number")
        entries.append(HandEntry(name, line, number, formulas[0] if formulas else None))
    return HandCalculation(tuple(entries), source, spec_path, learning_rate)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."
