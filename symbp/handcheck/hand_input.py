"""Reading a hand calculation: TOML, JSON, or the plain form students type.

The plain form is one `name = value` per line with `#` comments; a value is a number, a formula,
or both (`dL/dw5 = delta_o1 * h1 = 0.0346`). A number keeps the text it was written as, because
its digits say the precision it was worked to (0.01 is two decimals, 0.0100 four; 0 and 1 state
none and are exact). TOML and JSON numbers keep theirs too (read through the parsers' parse_float
hooks). Names are checked against the network later, when it is known; here the file is only
read.

Students type on phones, in Word and with Chinese input methods, so the text is normalised first
(normalise_text): full-width characters become ASCII (NFKC, which also turns w₁ into w1), every
kind of minus becomes -, `:` `≈` and `＝` separate a name from its value like `=`, a decimal
comma (0,0346) is a decimal point when it cannot be a thousands separator, and a trailing
remark after the number ("(rounded)", "约") is a comment.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbp.core.operations import SPELLINGS
from symbp.core.spec import check_nesting, toml_value_error, unique_keys
from symbp.errors import HandInputError
from symbp.files import read_small_text

from . import precision

MAX_FILE_BYTES = 200_000
MAX_LINE_CHARS = 1_000
MAX_ENTRIES = 2_000
MAX_NESTING = 8

LEARNING_RATE_NAMES = ("eta", "η", "lr", "learning_rate", "learningrate", "alpha", "α", "学习率")

#: a plain number: at most 40 characters and a 3-digit exponent (longer is read as a formula,
#: whose reader refuses it with a reason)
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?$")
#: a number followed by a remark: "-0.0084 (rounded)", "0.5622 approx", "0.5622（四舍五入）"
_REMARK = re.compile(
    r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*"
    r"(?P<remark>\(.*\)|\[.*\]|[^\W\d_][^\d()\[\]*/^+=<>-]*)$"
)
#: words that are not remarks after a number: they would be part of a formula
NOT_REMARKS = (
    "e",
    *(spelling for spelling in SPELLINGS if spelling.isascii()),
    "sqrt",
    *LEARNING_RATE_NAMES,
)
_NOT_REMARKS = set(NOT_REMARKS)
#: a decimal comma between digits: 0,0346 -> 0.0346 (1,234 could be a thousand: refused)
_DECIMAL_COMMA = re.compile(r"(?<![\w.,])(\d+),(\d+)(?![\w.,])")
_MINUSES = str.maketrans({c: "-" for c in "−–—‐‑‒﹣－"} | {"∗": "*", "′": "'", "’": "'"})
#: what separates a name from its value, and the steps of a value from each other
_SEPARATOR = re.compile(r":=|=|≈|:")
_STEP_SEPARATOR = re.compile(r"=|≈")
#: what a student may write before a value to say it is rounded
_APPROXIMATELY = re.compile(r"^(?:≈|~|约|大约|approx\.?\s)\s*")


@dataclass(frozen=True)
class WrittenNumber:
    """A number as the student wrote it, and the precision its digits state."""

    text: str
    value: float
    decimals: int  # digits after the point, less the exponent: 0.01 -> 2, 1.5e-3 -> 4
    exact: bool = False  # no decimals (0, 1, 12, 5e2): no rounding stated (precision.py)

    @property
    def half_unit(self) -> float:
        """Half a unit in the last written place: how far rounding may have moved the value."""
        return precision.half_unit(self.decimals)


@dataclass(frozen=True)
class HandEntry:
    """One line of a hand calculation: a name and a number, a formula, or both."""

    name: str
    line: int  # 1-based line in the plain form; 0 for TOML/JSON
    number: WrittenNumber | None
    formula: str | None
    #: a second formula of the same quantity, usually the numbers substituted:
    #: dL/dw5 = δ_o1·h1 = 0.0616 × 0.5622 = 0.0346
    substituted: str | None = None


@dataclass(frozen=True)
class HandCalculation:
    """A student's hand calculation, as read: entries, and optionally a spec and learning rate."""

    entries: tuple[HandEntry, ...]
    source: str = "<hand calculation>"
    spec_path: Path | None = None
    learning_rate: float | None = None


def normalise_text(text: str) -> str:
    """Full-width and compatibility characters as ASCII (NFKC; ² and ³ kept), every minus as -."""
    protected = text.replace("²", "\ue000").replace("³", "\ue001")
    normal = unicodedata.normalize("NFKC", protected)
    return normal.replace("\ue000", "²").replace("\ue001", "³").translate(_MINUSES)


def read_number(text: str, where: str) -> WrittenNumber | None:
    """A WrittenNumber if the text is a plain number, None if it is something else (a formula)."""
    text = text.strip()
    if len(text) > 40 or not _NUMBER.match(text):
        return None
    mantissa, _, exponent = text.lower().partition("e")
    _, _, fraction = mantissa.lstrip("+-").partition(".")
    decimals = len(fraction) - (int(exponent) if exponent else 0)
    value = float(text)
    if not math.isfinite(value):
        raise HandInputError(f"{where}: {text[:30]} is not a finite number")
    exact = precision.states_no_rounding(decimals)  # 1, 12, 5e2; 0.00 states two decimals
    return WrittenNumber(text=text, value=value, decimals=decimals, exact=exact)


def read_cell_number(text: str, where: str) -> WrittenNumber:
    """One number typed into a spreadsheet cell or a form's blank, read exactly as the value of
    a `name = number` line is (normalised, a leading ≈ or 约, a decimal comma, a trailing
    remark); HandInputError when it is not a single number (formulas belong in files)."""
    value = _unquote(normalise_text(text).strip())
    steps = _STEP_SEPARATOR.split(_APPROXIMATELY.sub("", value))
    number = None
    if len(steps) == 1 and steps[0].strip():
        number = read_number(_plain_value(steps[0].strip(), where), where)
    if number is None:
        raise HandInputError(f"{where}: {_short(text)!r} is not a number")
    return number


def display_path(path: Path) -> str:
    """A file name as reports show it: control characters and undecodable bytes escaped."""
    name = str(path)
    if name.isprintable():
        return name
    return repr(name)[1:-1]


def read_hand_file(path: str | Path) -> HandCalculation:
    """Read a hand calculation; the extension decides the format (.toml, .json, else plain; a
    plain file that is a JSON object is read as JSON)."""
    path = Path(path)
    source = display_path(path)
    text = read_small_text(path, MAX_FILE_BYTES, HandInputError, repr(source))
    suffix = path.suffix.lower()
    if suffix == ".toml":
        hand = parse_toml(text, source)
    elif suffix == ".json" or text.lstrip().startswith("{"):
        hand = parse_json(text, source)
    else:
        hand = parse_plain(text, source)
    if hand.spec_path is not None and not hand.spec_path.is_absolute():
        hand = HandCalculation(
            hand.entries, hand.source, path.parent / hand.spec_path, hand.learning_rate
        )
    return hand


def parse_plain(text: str, source: str = "<hand calculation>") -> HandCalculation:
    """The plain form: `name = value` lines (or `name: value`, `name ≈ value`), `#` comments."""
    pairs: list[tuple[str, str, int]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(raw) > MAX_LINE_CHARS:
            raise HandInputError(
                f"{source}: line {number} is longer than {MAX_LINE_CHARS} characters"
            )
        line = normalise_text(raw).split("#", 1)[0].strip()
        if not line or (line.startswith("[") and line.endswith("]")):
            continue  # blank, a comment, or a TOML table header
        match = _SEPARATOR.search(line)
        if match is None:
            raise HandInputError(
                f"{source}: line {number}: expected 'name = value', got {_short(line)!r}"
            )
        name, rest = line[: match.start()].strip(), line[match.end() :].strip()
        if match.group() == ":" and not rest:
            continue  # a heading such as "Forward pass:"
        if not name or not rest:
            raise HandInputError(
                f"{source}: line {number}: expected 'name = value', got {_short(line)!r}"
            )
        pairs.append((_unquote(name), rest, number))
    return _build(pairs, source)


def parse_toml(text: str, source: str = "<toml>") -> HandCalculation:
    check_nesting(text, MAX_NESTING, HandInputError, source, comments="#")
    try:
        data = tomllib.loads(text, parse_float=str)
    except tomllib.TOMLDecodeError as error:
        raise HandInputError(f"{source}: not valid TOML: {' '.join(str(error).split())}") from None
    except RecursionError:
        raise HandInputError(f"{source}: not valid TOML: nested too deeply") from None
    except ValueError as error:  # an integer of more than 4,300 digits, or another refusal
        raise HandInputError(f"{source}: not valid TOML: {toml_value_error(error)}") from None
    return _from_mapping(data, source)


def parse_json(text: str, source: str = "<json>") -> HandCalculation:
    def reject(name: str) -> Any:
        raise HandInputError(f"{source}: {name} is not a finite number")

    check_nesting(text, MAX_NESTING, HandInputError, source)
    try:
        data = json.loads(
            text,
            parse_float=str,
            parse_int=str,
            parse_constant=reject,
            object_pairs_hook=unique_keys(HandInputError, source),
        )
    except json.JSONDecodeError as error:
        raise HandInputError(f"{source}: not valid JSON: {' '.join(str(error).split())}") from None
    except RecursionError:
        raise HandInputError(f"{source}: not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise HandInputError(f"{source}: the top level must be an object of names")
    return _from_mapping(data, source)


def _from_mapping(data: dict[str, Any], source: str) -> HandCalculation:
    pairs: list[tuple[str, str, int]] = []
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise HandInputError(f"{source}: {_short(name)!r} must be a number or a formula string")
        pairs.append((normalise_text(name).strip(), normalise_text(str(value)), 0))
    return _build(pairs, source)


def _build(pairs: list[tuple[str, str, int]], source: str) -> HandCalculation:
    if len(pairs) > MAX_ENTRIES:
        raise HandInputError(f"{source}: more than {MAX_ENTRIES} entries")
    entries: list[HandEntry] = []
    spec_path: Path | None = None
    learning_rate: float | None = None
    seen: dict[str, int] = {}
    for name, value, line in pairs:
        where = f"{source}: line {line}" if line else f"{source}: {_short(name)!r}"
        if len(value) > MAX_LINE_CHARS:
            raise HandInputError(f"{where}: value is longer than {MAX_LINE_CHARS} characters")
        lowered = "".join(name.split()).lower()
        if lowered == "spec":
            spec_path = Path(_unquote(value.strip()))
            continue
        if lowered in LEARNING_RATE_NAMES:
            rate = read_number(_plain_value(value.strip(), where), where)
            if rate is None:
                raise HandInputError(f"{where}: the learning rate must be a number")
            if rate.value <= 0:
                raise HandInputError(
                    f"{where}: the learning rate must be positive, not {rate.text}"
                )
            learning_rate = rate.value
            continue
        key = "".join(name.split())
        if key in seen:
            raise HandInputError(f"{where}: {_short(name)!r} is given twice")
        seen[key] = line
        steps = _STEP_SEPARATOR.split(_APPROXIMATELY.sub("", _unquote(value.strip())))
        parts = [_plain_value(part.strip(), where) for part in steps]
        if any(not part for part in parts):
            raise HandInputError(f"{where}: empty value in {_short(value)!r}")
        number = read_number(parts[-1], where)
        formulas = parts if number is None else parts[:-1]
        if len(formulas) > 2:
            raise HandInputError(
                f"{where}: give at most a formula, the numbers substituted, and the result"
            )
        entries.append(
            HandEntry(
                name,
                line,
                number,
                formulas[0] if formulas else None,
                formulas[1] if len(formulas) > 1 else None,
            )
        )
    if not entries:
        raise HandInputError(
            f"{source}: nothing to check: no line of the form 'name = value' names a quantity "
            "(for example dL/dw1 = -0.0084)"
        )
    return HandCalculation(tuple(entries), source, spec_path, learning_rate)


def _plain_value(text: str, where: str) -> str:
    """A value without quotes, a leading ≈ or 约, a trailing remark, and with decimal points
    for decimal commas."""
    text = _APPROXIMATELY.sub("", _unquote(text))
    text = _decimal_commas(text, where)
    match = _REMARK.match(text)
    if match and match.group("remark").strip().lower() not in _NOT_REMARKS:
        return match.group("number")
    return text


def decimal_commas(text: str, where: str) -> str:
    """Decimal points for decimal commas between digits (0,0346 -> 0.0346); HandInputError for
    one that could be a thousands separator (1,234)."""
    return _decimal_commas(text, where)


def without_approximately(text: str) -> str:
    """The text without a leading ≈, ~ or 约 (a student's mark that the number is rounded)."""
    return _APPROXIMATELY.sub("", text)


def _decimal_commas(text: str, where: str) -> str:
    def point(match: re.Match[str]) -> str:
        whole, fraction = match.group(1), match.group(2)
        if whole.strip("0") and len(fraction) == 3:
            raise HandInputError(
                f"{where}: {match.group()} could be {whole}{fraction} or {whole}.{fraction}: "
                "write it with a decimal point"
            )
        return f"{whole}.{fraction}"

    return _DECIMAL_COMMA.sub(point, text)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."
