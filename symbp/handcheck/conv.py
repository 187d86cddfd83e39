"""Judging a student's convolution homework: δ maps, kernel gradients, bias gradients and the
input's gradient, written as students write grids:

    dL/dz1 =            (or delta1, δ1: the δ map of filter 1, ∂L/∂z)
    0.12  0     -0.3
    0     0.05   0
    dL/dW1 = [[0.1, 0.2], [0.3, 0.4]]
    dL/dW1[2,1] = 0.3   (one cell, rows and columns counted from 1)
    dL/db1 = 0.42
    dL/dX =             (dx, ∂L/∂X; dL/dX2 for the second channel)

`dL/da1` is the gradient after the pooling layer's routing (before the activation's
derivative). With one filter the number may be left out (dL/dW, delta); with several input
channels a kernel's channel follows its filter: dL/dW1_2. Names and numbers are normalised as
check-hand's other readers normalise them (full-width characters, any minus, a BOM).

Each cell is right when it agrees with the true value at the precision it was written to
(precision.py: within half a unit of its last decimal). A wrong cell is recomputed from the
student's own upstream grid (the kernel's and the input's gradient from their δ map, the δ map
from their routed gradient, L's gradient from each sample's): if it agrees, the error was
carried. Otherwise the catalogue's mistakes are tried, each as the whole grid it produces (from
the student's upstream where written); a grid every number of which fits a mistake has its
wrong cells named by it. A value recomputed from the
student's grids agrees within the rounding they carry as well as its own: each written input's
half unit times the size of its coefficient, summed (every step is linear in the δ map), as
dense check-hand widens a carried value (judge.py). In a row, a comma between digits is a
decimal comma (−0,0110 0,0183) unless the row's commas separate its cells (a comma and a
space, a semicolon, a bracket); 1,234 is refused as ambiguous; a leading ≈ or ~ is dropped.

- kernel_not_rotated: ∂L/∂X as δ full-correlated with the kernel as it is, not rotated 180°;
- pool_to_all: max pooling's gradient given to every input of its window, not the winner alone;
- pool_not_divided: average pooling's gradient given whole to each input, not divided by size²;
- one_position: a kernel weight's (or the bias's) gradient taken from one position only, not
  summed over every position the kernel visited;
- kernel_gradient_rotated: ∂L/∂W rotated 180° (x convolved with δ instead of correlated);
- activation_derivative_missing: the δ map taken as ∂L/∂a, the activation's derivative left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import cast

import numpy as np
import sympy as sp

from symbp.core.conv import ConvNet, ConvNumbers
from symbp.core.conv_spec import ConvLayer, PoolLayer, element_name, tensor_indices
from symbp.errors import HandInputError
from symbp.handcheck import conv_layer as C
from symbp.handcheck.hand_input import (
    decimal_commas,
    normalise_text,
    read_number,
    without_approximately,
)
from symbp.handcheck.precision import Precision

#: float slack on top of a written number's half unit (judge.py's)
RELATIVE_SLACK = 1e-12
MAX_LINES = 2_000
MAX_CELLS = 20_000
RIGHT, CARRIED_ERROR, WRONG = "right", "carried", "wrong"
TOO_FEW_DECIMALS = "too few decimals"
#: the quantities, in the order a report lists them
KINDS = ("delta_a", "delta_z", "grad_w", "grad_b", "grad_x")
#: the catalogue's mistakes of the gradient over several samples
SAMPLE_MISTAKES = ("first_sample_only", "summed_samples", "averaged_samples")
MISTAKES = (
    "kernel_not_rotated",
    "pool_to_all",
    "tie_routed_elsewhere",
    "pool_not_divided",
    "one_position",
    "kernel_gradient_rotated",
    "activation_derivative_missing",
    *SAMPLE_MISTAKES,
)

_STEMS = {
    "dl/da": "delta_a",
    "dl/dz": "delta_z",
    "delta": "delta_z",
    "δ": "delta_z",
    "dl/dw": "grad_w",
    "dl/dk": "grad_w",
    "dw": "grad_w",
    "dk": "grad_w",
    "dl/db": "grad_b",
    "db": "grad_b",
    "dl/dx": "grad_x",
    "dx": "grad_x",
}
_NAME = re.compile(
    r"(?P<stem>dl/da|dl/dz|delta|δ|dl/dw|dl/dk|dw|dk|dl/db|db|dl/dx|dx)"
    r"_?(?P<first>\d+)?(?:[_,](?P<second>\d+))?"
    r"(?:[\[(]\s*(?P<row>\d+)\s*,\s*(?P<col>\d+)\s*[\])])?$"
)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?")
_HEADER = re.compile(r"^(?P<name>[^=:≈]+?)\s*(?::=|[=:≈])\s*(?P<rest>.*)$")
#: a row whose commas separate its cells: a comma and a space, a semicolon or a bracket in it
_COMMAS_SEPARATE = re.compile(r",\s|;|[\[\]()]")


#: a quantity's sample when it is the gradient of L over every sample (mean or sum)
COMBINED = -1
#: check-hand judges up to this many samples of a convolutional net (as dense check-hand)
MAX_SAMPLES = 20


@dataclass(frozen=True)
class Quantity:
    """A grid the student may write: its kind, filter and channel (from 0) and its sample
    (from 0; COMBINED for ∂L/∂W and ∂L/∂b of L over every sample)."""

    kind: str
    filter: int
    channel: int
    sample: int = 0
    layer: str = ""  # the convolution layer's name (conv3); "" in a one-layer judge


@dataclass(frozen=True)
class CellVerdict:
    name: str  # the grid's name as written
    quantity: Quantity
    row: int  # from 0 (a bias: 0, 0)
    col: int
    text: str  # the number as written
    written: float
    expected: float
    verdict: str
    mistake: str = ""
    #: a carried cell: the grids written earlier whose wrong numbers it was worked from
    origin: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConvHandReport:
    cells: tuple[CellVerdict, ...]
    #: the grids of a kind the student wrote that they left out (dL/dX(2) beside dL/dX(1))
    unwritten: tuple[str, ...] = ()

    @property
    def all_right(self) -> bool:
        return all(c.verdict == RIGHT for c in self.cells)

    def grids(self) -> list[tuple[str, Quantity, tuple[CellVerdict, ...]]]:
        """The cells grouped by the grid they were written in, in the order written."""
        found: dict[tuple[str, Quantity], list[CellVerdict]] = {}
        for cell in self.cells:
            found.setdefault((cell.name, cell.quantity), []).append(cell)
        return [(name, quantity, tuple(cells)) for (name, quantity), cells in found.items()]


@dataclass(frozen=True)
class Own:
    """A grid as the student's own numbers give it, and how far the rounding of those numbers
    may move each cell: half a unit of each written input's last decimal times the size of its
    coefficient, summed (the interval the dense check-hand's carried values get, judge.py)."""

    value: np.ndarray
    spread: np.ndarray


def _exact(grid: np.ndarray) -> Own:
    """A grid worked from the true numbers alone: no rounding of the student's in it."""
    return Own(grid, np.zeros(np.shape(grid)))


@dataclass(frozen=True)
class _Written:
    name: str
    quantity: Quantity
    cells: tuple[tuple[int, int, str], ...]  # (row, col, number text)
    line: int = 0


def expected_grid(layer: C.ConvLayer, quantity: Quantity) -> np.ndarray:
    """The true grid of a quantity (a bias: a 1 × 1 grid)."""
    f, c = quantity.filter, quantity.channel
    if quantity.kind == "delta_a":
        return layer.delta_a[f]
    if quantity.kind == "delta_z":
        return layer.delta_z[f]
    if quantity.kind == "grad_w":
        return layer.grad_kernels[f, c]
    if quantity.kind == "grad_b":
        return np.array([[layer.grad_bias[f]]])
    return layer.grad_input[c]


#: ⁽²⁾ reads as (²) after normalise_text (which keeps ² and ³ as powers): its digits as digits
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _sample_mark(key: str, samples: int, name: str, number: int) -> tuple[str, int | None]:
    """The name without its sample mark, and the sample it names (from 0; None unmarked):
    delta1(2), delta1^(2), δ1⁽²⁾ (read as δ1(2)), dL(2)/dW1, ∂L⁽²⁾/∂W1."""
    key = key.replace("^(", "(").translate(_SUPERSCRIPT_DIGITS)
    marks = re.findall(r"\((\d+)\)", key)
    if not marks:
        return key, None
    if len(marks) > 1:
        raise HandInputError(f"line {number}: {name[:40]!r}: one sample mark, as delta1(2)")
    sample = int(marks[0])
    if not 1 <= sample <= samples:
        raise HandInputError(
            f"line {number}: {name[:40]!r}: the spec has {samples} sample(s), not {sample}"
        )
    return re.sub(r"\(\d+\)", "", key, count=1), sample - 1


Layers = Mapping[str, C.ConvLayer]
_PREFIX = re.compile(r"(?P<layer>conv\d+)\.(?P<rest>.+)$")


def _layers(layer: C.ConvLayer | Layers) -> Layers:
    """Every convolution layer judged, by name, the first one first ({"": layer} alone)."""
    return {"": layer} if isinstance(layer, C.ConvLayer) else layer


def _quantity(
    name: str, layers: Layers, number: int, samples: int = 1
) -> tuple[Quantity, tuple[int, int] | None]:
    key = name.lower().replace("∂", "d").replace(" ", "")
    layer_name = next(iter(layers))
    prefixed = _PREFIX.match(key)
    if prefixed is not None:  # conv3.delta1: a later convolution layer's grid
        if prefixed.group("layer") not in layers:
            named = ", ".join(k for k in layers if k) or "the first only"
            raise HandInputError(
                f"line {number}: {name[:40]!r}: the convolution layers check-hand judges are "
                f"{named}"
            )
        layer_name, key = prefixed.group("layer"), prefixed.group("rest")
    layer = layers[layer_name]
    key, sample = _sample_mark(key, samples, name, number)
    match = _NAME.fullmatch(key)
    if match is None:
        raise HandInputError(
            f"line {number}: {name[:40]!r} is not a grid check-hand reads "
            "(dL/dz1, delta1, dL/da1, dL/dW1, dL/db1, dL/dX)"
        )
    kind = _STEMS[match.group("stem")]
    first, second = match.group("first"), match.group("second")
    filters, channels = layer.filters, layer.channels
    if kind == "grad_x":
        if second is not None:
            raise HandInputError(f"line {number}: {name[:40]!r}: the input has one index")
        channel = int(first) if first is not None else 1
        if first is None and channels > 1:
            raise HandInputError(f"line {number}: {name[:40]!r}: which channel (1-{channels})?")
        if not 1 <= channel <= channels:
            raise HandInputError(
                f"line {number}: {name[:40]!r}: the input has {channels} channel(s)"
            )
        quantity = Quantity(kind, 0, channel - 1, sample or 0, layer_name)
    else:
        if first is None and filters > 1:
            raise HandInputError(f"line {number}: {name[:40]!r}: which filter (1-{filters})?")
        index = int(first) if first is not None else 1
        if not 1 <= index <= filters:
            raise HandInputError(f"line {number}: {name[:40]!r}: the layer has {filters} filter(s)")
        channel = 1
        if kind == "grad_w":
            if second is None and channels > 1:
                raise HandInputError(
                    f"line {number}: {name[:40]!r}: which channel (dL/dW{index}_1 … _{channels})?"
                )
            channel = int(second) if second is not None else 1
            if not 1 <= channel <= channels:
                raise HandInputError(
                    f"line {number}: {name[:40]!r}: the kernel has {channels} channel(s)"
                )
        elif second is not None:
            raise HandInputError(f"line {number}: {name[:40]!r}: one index (the filter) expected")
        if kind == "delta_a" and layer.pool is None:
            raise HandInputError(f"line {number}: {name[:40]!r}: the layer has no pooling")
        if sample is None:  # unmarked: sample 1's map, or a parameter's gradient of L
            sample = COMBINED if samples > 1 and kind in ("grad_w", "grad_b") else 0
        quantity = Quantity(kind, index - 1, channel - 1, sample, layer_name)
    cell = None
    if match.group("row") is not None:
        cell = (int(match.group("row")) - 1, int(match.group("col")) - 1)
    return quantity, cell


def _plain_row(line: str, where: str) -> str:
    """A line of numbers as written, without a leading ≈ or ~, its decimal commas as points:
    a comma between digits is a decimal comma (−0,0110 0,0183; 1,234 refused as ambiguous)
    unless the line's commas separate its cells (`0.1, 0.2`, `0,1; 0,2`, `[0,1]`)."""
    line = without_approximately(line.strip())
    return line if _COMMAS_SEPARATE.search(line) else decimal_commas(line, where)


def _numbers(text: str, where: str) -> list[str]:
    """The numbers of a row as written; anything but numbers, brackets and separators refused."""
    rest = _NUMBER.sub(" ", text)
    if re.sub(r"[\s,;\[\]()]", "", rest):
        raise HandInputError(f"{where}: {text.strip()[:40]!r} is not a row of numbers")
    found = _NUMBER.findall(text)
    for number in found:
        if read_number(number, where) is None:
            raise HandInputError(f"{where}: {number[:40]!r} is not a number")
    return found


def _rows(text: str) -> list[str]:
    """A grid written on one line as [[a, b], [c, d]] or a; b (MATLAB): one row each."""
    if re.search(r"\]\s*,?\s*\[", text):
        return [part for part in re.split(r"\]\s*,?\s*\[", text) if part.strip()]
    if ";" in text:
        return [part for part in text.split(";") if part.strip()]
    return [text]


def read(text: str, layer: C.ConvLayer | Layers, samples: int = 1) -> list[_Written]:
    """The grids and cells the student wrote, with the quantities they name (`layer`: the
    first convolution layer, or every one judged by name)."""
    layers = _layers(layer)
    lines = normalise_text(text.lstrip("\ufeff")).splitlines()
    if len(lines) > MAX_LINES:
        raise HandInputError(f"the hand calculation has more than {MAX_LINES} lines")
    found: list[_Written] = []
    current: tuple[str, Quantity, list[list[str]], int] | None = None
    row_lines: list[int] = []  # the line of each row of the current grid

    def close() -> None:
        if current is None:
            return
        name, quantity, rows, number = current
        found.append(_grid(name, quantity, rows, layers[quantity.layer], number, row_lines))

    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            close()
            current = None
            continue
        header = _HEADER.match(line)
        if header and re.search(r"[A-Za-zδ]", header.group("name")):
            close()
            current = None
            # ⁽²⁾ reads as (²) after normalise_text: echoed as the sample mark it is
            name = re.sub(r"\(([²³])\)", _sample_digit, header.group("name").strip())
            quantity, cell = _quantity(name, layers, number, samples)
            rest = _plain_row(header.group("rest"), f"line {number}")
            if cell is not None or quantity.kind == "grad_b":
                values = _numbers(rest, f"line {number}")
                if len(values) != 1:
                    raise HandInputError(f"line {number}: {name[:40]!r} takes one number")
                row, col = cell or (0, 0)
                shape = expected_grid(layers[quantity.layer], quantity).shape
                if not (0 <= row < shape[0] and 0 <= col < shape[1]):
                    raise HandInputError(
                        f"line {number}: {name[:40]!r}: the grid is {shape[0]}×{shape[1]}"
                    )
                found.append(_Written(name, quantity, ((row, col, values[0]),), number))
                continue
            rows = [r for r in (_numbers(r, f"line {number}") for r in _rows(rest)) if r]
            current = (name, quantity, rows, number)
            row_lines[:] = [number] * len(rows)
            continue
        if current is None:
            raise HandInputError(f"line {number}: {line[:40]!r} follows no 'name =' line")
        line = _plain_row(line, f"line {number}")
        more = [r for r in (_numbers(p, f"line {number}") for p in _rows(line)) if r]
        current[2].extend(more)
        row_lines.extend([number] * len(more))
    close()
    if not found:  # an empty or comment-only file: as dense check-hand refuses it
        raise HandInputError(
            "nothing to check: no line of the form 'name = value' names a quantity "
            "(for example dL/db1 = 0.25, or dL/dW1 = followed by the grid's rows)"
        )
    if sum(len(w.cells) for w in found) > MAX_CELLS:
        raise HandInputError(f"the hand calculation has more than {MAX_CELLS} numbers")
    _refuse_twice(found)
    return found


def _sample_digit(match: re.Match[str]) -> str:
    return "(" + match.group(1).translate(_SUPERSCRIPT_DIGITS) + ")"


def _refuse_twice(found: list[_Written]) -> None:
    """One line for a number written twice (a grid, or a cell of it, under any of its names):
    which of the two to judge is the student's to say."""
    seen: dict[tuple[Quantity, int, int], _Written] = {}
    for grid in found:
        for r, c, _ in grid.cells:
            first = seen.setdefault((grid.quantity, r, c), grid)
            if first is not grid:
                raise HandInputError(
                    f"line {grid.line}: {grid.name[:40]!r} is written twice (first as "
                    f"{first.name[:40]!r} on line {first.line}): keep the one to be judged"
                )


def _unwritten(written: list[_Written], layers: Layers, samples: int) -> tuple[str, ...]:
    """The grids of each kind the student wrote (a sample's, or L's over the samples) that
    they did not write: dL/dX(2) left out beside dL/dX(1) and dL/dX(3)."""
    have = {w.quantity for w in written}
    kinds = {(w.quantity.layer, w.quantity.kind, w.quantity.sample == COMBINED) for w in written}
    missing = []
    for layer_name, layer in layers.items():
        for quantity in _every_quantity(layer, layer_name, samples):
            kind = (layer_name, quantity.kind, quantity.sample == COMBINED)
            if kind in kinds and quantity not in have:
                missing.append(grid_name(quantity, layer, samples))
    return tuple(missing)


def _every_quantity(layer: C.ConvLayer, layer_name: str, samples: int) -> list[Quantity]:
    found = []
    for n in range(samples):
        for f in range(layer.filters):
            kinds = ("delta_a",) if layer.pool is not None else ()
            for kind in (*kinds, "delta_z"):
                found.append(Quantity(kind, f, 0, n, layer_name))
            found += [Quantity("grad_w", f, c, n, layer_name) for c in range(layer.channels)]
            found.append(Quantity("grad_b", f, 0, n, layer_name))
        found += [Quantity("grad_x", 0, c, n, layer_name) for c in range(layer.channels)]
    if samples > 1:
        for f in range(layer.filters):
            found += [Quantity("grad_w", f, c, COMBINED, layer_name) for c in range(layer.channels)]
            found.append(Quantity("grad_b", f, 0, COMBINED, layer_name))
    return found


def grid_name(quantity: Quantity, layer: C.ConvLayer, samples: int = 1) -> str:
    """The name check-hand reads a grid by: delta1, dL/dW1_2, dL/db1(2), conv3.dL/dX."""
    f, c = quantity.filter + 1, quantity.channel + 1
    channel = f"_{c}" if layer.channels > 1 else ""
    name = {
        "delta_a": f"dL/da{f}",
        "delta_z": f"delta{f}",
        "grad_w": f"dL/dW{f}{channel}",
        "grad_b": f"dL/db{f}",
        "grad_x": f"dL/dX{c if layer.channels > 1 else ''}",
    }[quantity.kind]
    if samples > 1 and quantity.sample != COMBINED:
        name += f"({quantity.sample + 1})"
    return f"{quantity.layer}.{name}" if quantity.layer else name


def _grid(
    name: str,
    quantity: Quantity,
    rows: list[list[str]],
    layer: C.ConvLayer,
    number: int,
    row_lines: Sequence[int] = (),
) -> _Written:
    shape = expected_grid(layer, quantity).shape
    short = next((k for k, r in enumerate(rows) if len(r) != shape[1]), None)
    if short is not None and short < len(row_lines):  # the line of the bad row, not the name's
        raise HandInputError(
            f"line {row_lines[short]}: {name[:40]!r} should be {shape[0]} rows of {shape[1]} "
            f"numbers: its row {short + 1} has {len(rows[short])}"
        )
    if len(rows) != shape[0] or any(len(r) != shape[1] for r in rows):
        lengths = ", ".join(str(len(r)) for r in rows[:12]) or "none"
        raise HandInputError(
            f"line {number}: {name[:40]!r} should be {shape[0]} rows of {shape[1]} numbers "
            f"(found {len(rows)} rows of {lengths})"
        )
    cells = tuple((r, c, text) for r, row in enumerate(rows) for c, text in enumerate(row))
    return _Written(name, quantity, cells, number)


def agrees(text: str, value: float, spread: float = 0.0) -> bool:
    """A written number agrees with a value at the precision its digits state (precision.py,
    the one policy dense check-hand follows): within half a unit of its last decimal; a number
    without decimals (0, 1) only when it is the value exactly. `spread`: how far the rounding of
    the student's own numbers the value was worked from may move it."""
    written = read_number(text, "a grid")
    assert written is not None  # read() let only numbers through
    return abs(written.value - value) <= written.half_unit + spread + _slack(value)


def _written_own(grid: _Written, shape: tuple[int, ...]) -> Own:
    """A grid written in full: its numbers, each with the half unit its digits state."""
    value, spread = np.zeros(shape), np.zeros(shape)
    for r, c, t in grid.cells:
        number = read_number(t, "a grid")
        assert number is not None
        value[r, c], spread[r, c] = number.value, number.half_unit
    return Own(value, spread)


def _too_few_decimals(text: str, value: float) -> bool:
    """A number written without decimals that the value only rounds to (0 for 0.003): a matter
    of precision (precision.py rule 2), not a mistake of the catalogue."""
    written = read_number(text, "a grid")
    assert written is not None
    return Precision().too_few(written.decimals, written.value, value, _slack(value))


def _slack(value: float) -> float:
    return RELATIVE_SLACK * max(1.0, abs(value))


def judge(layer: C.ConvLayer | Layers, text: str) -> ConvHandReport:
    """The student's grids judged cell by cell; a wrong grid's mistake named (`layer`: the
    first convolution layer, or every one judged by name: conv3.delta1 names conv3's)."""
    layers = _layers(layer)
    written = read(text, layers)
    judged: dict[int, list[CellVerdict]] = {}
    for name, numbers in layers.items():
        judged |= _judge_grids(numbers, [w for w in written if w.quantity.layer == name])
    cells = tuple(c for grid in written for c in judged[id(grid)])
    return ConvHandReport(cells, _unwritten(written, layers, 1))


def _judge_grids(layer: C.ConvLayer, written: list[_Written]) -> dict[int, list[CellVerdict]]:
    """One sample's grids judged cell by cell (by id of the written grid)."""
    student = _student_grids(written, layer)
    wrong_maps = _wrong_maps(layer, written)
    judged: dict[int, list[CellVerdict]] = {}
    for grid in written:
        truth = expected_grid(layer, grid.quantity)
        carried = _recomputed(layer, grid.quantity, student)
        candidates = partial(_candidates, layer, grid.quantity, student)
        origin = _origin(grid.quantity, wrong_maps)
        judged[id(grid)] = _cells(grid, truth, carried, candidates, origin)
    return judged


def _cells(
    grid: _Written,
    truth: np.ndarray,
    carried: Own | None,
    candidates: Callable[[], list[Candidate]],
    origin: tuple[str, ...],
) -> list[CellVerdict]:
    """A grid's cells judged: right, carried from the student's own earlier grids, too few
    decimals, or wrong with the catalogue's first mistake that every written number fits."""
    wrong = [(r, c, t) for r, c, t in grid.cells if not agrees(t, truth[r, c])]
    mistake = ""
    if wrong and not (carried is not None and _fits(grid.cells, carried)):
        mistake = next((m for m, make in candidates() if _fits(grid.cells, make())), "")
    verdicts = []
    for r, c, t in grid.cells:
        expected = float(truth[r, c])
        named, source = "", cast(tuple[str, ...], ())
        if agrees(t, expected):
            verdict = RIGHT
        elif (  # a grid whose numbers all fit a mistake: its wrong cells are that mistake's
            carried is not None
            and not mistake
            and agrees(t, carried.value[r, c], carried.spread[r, c])
        ):
            verdict, source = CARRIED_ERROR, origin
        elif not mistake and _too_few_decimals(t, expected):
            verdict = TOO_FEW_DECIMALS
        else:
            verdict, named = WRONG, mistake
        verdicts.append(
            CellVerdict(
                grid.name, grid.quantity, r, c, t, float(t), expected, verdict, named, source
            )
        )
    return verdicts


def _wrong_maps(layer: C.ConvLayer, written: list[_Written]) -> dict[tuple[str, int], str]:
    """The δ maps (∂L/∂a, ∂L/∂z) written in full with a wrong number, by (kind, filter): where
    an error carried into a gradient entered."""
    found = {}
    for grid in written:
        kind, f = grid.quantity.kind, grid.quantity.filter
        if kind not in ("delta_a", "delta_z"):
            continue
        truth = expected_grid(layer, grid.quantity)
        if len(grid.cells) == truth.size and not _fits(grid.cells, _exact(truth)):
            found[(kind, f)] = grid.name
    return found


def _origin(quantity: Quantity, wrong_maps: dict[tuple[str, int], str]) -> tuple[str, ...]:
    """The wrong δ maps a quantity is worked from (all filters' for ∂L/∂x)."""
    if quantity.kind == "delta_z":
        keys = [("delta_a", quantity.filter)]
    elif quantity.kind in ("grad_w", "grad_b"):
        keys = [("delta_z", quantity.filter), ("delta_a", quantity.filter)]
    elif quantity.kind == "grad_x":
        keys = sorted(wrong_maps, key=lambda k: (k[1], k[0] != "delta_a"))
    else:
        keys = []
    return tuple(dict.fromkeys(wrong_maps[k] for k in keys if k in wrong_maps))


# -- several samples -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleLayers:
    """A convolutional net's first layer for every sample, each of that sample's own loss
    L⁽ⁿ⁾, and the gradients of L over the samples (the spec's mean or sum)."""

    layers: tuple[C.ConvLayer, ...]
    grad_kernels: np.ndarray  # ∂L/∂W [F, C, k, k]
    grad_bias: np.ndarray  # ∂L/∂b [F]
    reduction: str  # "mean" or "sum"


def combined_grid(samples: SampleLayers, quantity: Quantity) -> np.ndarray:
    if quantity.kind == "grad_w":
        return samples.grad_kernels[quantity.filter, quantity.channel]
    return np.array([[samples.grad_bias[quantity.filter]]])


def judge_samples(samples: SampleLayers | Mapping[str, SampleLayers], text: str) -> ConvHandReport:
    """A several-sample homework judged: each sample's grids against that sample's own numbers
    (as one sample's), and ∂L/∂W, ∂L/∂b of L against the mean (or sum) over the samples, an
    error there traced to the sample's grid it was worked from (`samples`: the first
    convolution layer's, or every one judged by name)."""
    by_layer = {"": samples} if isinstance(samples, SampleLayers) else samples
    count = len(next(iter(by_layer.values())).layers)
    first_layers = {k: v.layers[0] for k, v in by_layer.items()}
    written = read(text, first_layers, count)
    judged: dict[int, list[CellVerdict]] = {}
    for name, layer_samples in by_layer.items():
        here = [w for w in written if w.quantity.layer == name]
        # each sample's gradients as the student has them, and the grids behind a wrong one
        own: list[dict[tuple[str, int, int], Own]] = []
        wrong_names: list[dict[tuple[str, int, int], tuple[str, ...]]] = []
        for n, layer in enumerate(layer_samples.layers):
            mine = [w for w in here if w.quantity.sample == n]
            judged |= _judge_grids(layer, mine)
            found, wrong = _sample_gradients(layer, mine, judged)
            own.append(found)
            wrong_names.append(wrong)
        for grid in here:
            if grid.quantity.sample == COMBINED:
                judged[id(grid)] = _judge_combined(layer_samples, grid, own, wrong_names)
    cells = tuple(c for grid in written for c in judged[id(grid)])
    return ConvHandReport(cells, _unwritten(written, first_layers, count))


def _sample_gradients(
    layer: C.ConvLayer, written: list[_Written], judged: dict[int, list[CellVerdict]]
) -> tuple[dict[tuple[str, int, int], Own], dict[tuple[str, int, int], tuple[str, ...]]]:
    """A sample's ∂L⁽ⁿ⁾/∂W and ∂L⁽ⁿ⁾/∂b as the student has them, by (kind, filter, channel):
    written in full, else worked from their own δ map; and the grids behind a wrong one."""
    student = _student_grids(written, layer)
    wrong_maps = _wrong_maps(layer, written)
    found: dict[tuple[str, int, int], Own] = {}
    wrong: dict[tuple[str, int, int], tuple[str, ...]] = {}
    for f in range(layer.filters):
        for kind, channels in (("grad_w", layer.channels), ("grad_b", 1)):
            for c in range(channels):
                quantity = Quantity(kind, f, c)
                grids = [
                    w
                    for w in written
                    if (w.quantity.kind, w.quantity.filter, w.quantity.channel) == (kind, f, c)
                ]
                full = next(
                    (w for w in grids if len(w.cells) == expected_grid(layer, w.quantity).size),
                    None,
                )
                if full is not None:
                    found[(kind, f, c)] = _written_own(full, expected_grid(layer, quantity).shape)
                    # where each error entered: the δ map a carried cell was worked from, the
                    # grid itself for a cell wrong there
                    behind = (
                        o
                        for cell in judged[id(full)]
                        if cell.verdict != RIGHT
                        for o in (cell.origin or (full.name,))
                    )
                    named = tuple(dict.fromkeys(behind))
                    if named:
                        wrong[(kind, f, c)] = named
                    continue
                recomputed = _recomputed(layer, quantity, student)
                if recomputed is not None:
                    found[(kind, f, c)] = recomputed
                    origin = _origin(quantity, wrong_maps)
                    if origin:
                        wrong[(kind, f, c)] = origin
    return found, wrong


def _judge_combined(
    samples: SampleLayers,
    grid: _Written,
    own: list[dict[tuple[str, int, int], Own]],
    wrong_names: list[dict[tuple[str, int, int], tuple[str, ...]]],
) -> list[CellVerdict]:
    q = grid.quantity
    index = (q.kind, q.filter, q.channel)
    single = Quantity(q.kind, q.filter, q.channel)
    true_parts = [_exact(expected_grid(layer, single)) for layer in samples.layers]
    parts = [mine.get(index, truth) for mine, truth in zip(own, true_parts, strict=True)]
    count = len(parts)
    total = Own(np.sum([p.value for p in parts], axis=0), np.sum([p.spread for p in parts], axis=0))
    averaged = Own(total.value / count, total.spread / count)
    mean = samples.reduction == "mean"
    carried = None
    if any(index in mine for mine in own):
        carried = averaged if mean else total
    origin = tuple(dict.fromkeys(name for wrong in wrong_names for name in wrong.get(index, ())))

    def candidates() -> list[Candidate]:
        other = ("summed_samples", total) if mean else ("averaged_samples", averaged)
        return [("first_sample_only", lambda: parts[0]), (other[0], lambda: other[1])]

    return _cells(grid, combined_grid(samples, q), carried, candidates, origin)


Student = dict[tuple[str, int], Own]


def _student_grids(written: list[_Written], layer: C.ConvLayer) -> Student:
    """The δ maps (∂L/∂a, ∂L/∂z) the student wrote in full, by (kind, filter)."""
    found: Student = {}
    for grid in written:
        if grid.quantity.kind not in ("delta_a", "delta_z"):
            continue
        shape = expected_grid(layer, grid.quantity).shape
        if len(grid.cells) != shape[0] * shape[1]:
            continue
        found[(grid.quantity.kind, grid.quantity.filter)] = _written_own(grid, shape)
    return found


def _own_delta_z(layer: C.ConvLayer, student: Student) -> Own:
    """∂L/∂z [F, H, W] from the student's own numbers: their δ map, else their ∂L/∂a × f′(z),
    else the true map (no rounding of theirs in it)."""
    stack = np.array(layer.delta_z, dtype=float)
    spread = np.zeros(stack.shape)
    for f in range(stack.shape[0]):
        if ("delta_z", f) in student:
            stack[f], spread[f] = student[("delta_z", f)].value, student[("delta_z", f)].spread
        elif ("delta_a", f) in student:
            own = student[("delta_a", f)]
            stack[f] = own.value * layer.derivative[f]
            spread[f] = own.spread * np.abs(layer.derivative[f])
    return Own(stack, spread)


def _has_own_upstream(quantity: Quantity, student: Student) -> bool:
    if quantity.kind == "delta_z":
        return ("delta_a", quantity.filter) in student
    if quantity.kind in ("grad_w", "grad_b"):
        return ("delta_z", quantity.filter) in student or ("delta_a", quantity.filter) in student
    if quantity.kind == "grad_x":
        return bool(student)
    return False


def _recomputed(layer: C.ConvLayer, quantity: Quantity, student: Student) -> Own | None:
    """The grid recomputed from the student's own upstream grid, when they wrote one; each
    step is linear in the δ map, so the rounding it carries is the same step worked on the
    half units with every coefficient's size (|x|, |W|, |f′|)."""
    if not _has_own_upstream(quantity, student):
        return None
    f, c = quantity.filter, quantity.channel
    if quantity.kind == "delta_z":
        own = student[("delta_a", f)]
        derivative = layer.derivative[f]
        return Own(own.value * derivative, own.spread * np.abs(derivative))
    delta = _own_delta_z(layer, student)
    size, stride, padding = layer.kernels.shape[-1], layer.stride, layer.padding
    if quantity.kind == "grad_w":
        return Own(
            C.kernel_gradient(layer.x, delta.value, size, stride, padding)[f, c],
            C.kernel_gradient(np.abs(layer.x), delta.spread, size, stride, padding)[f, c],
        )
    if quantity.kind == "grad_b":
        return Own(np.array([[delta.value[f].sum()]]), np.array([[delta.spread[f].sum()]]))
    return _input_gradient(layer, delta, rotate=True)[c]


def _input_gradient(layer: C.ConvLayer, delta: Own, rotate: bool) -> list[Own]:
    """∂L/∂X of every channel from a δ stack, with the rounding it carries."""
    shape, stride, padding = layer.x.shape, layer.stride, layer.padding
    value = C.input_gradient(delta.value, layer.kernels, shape, stride, padding, rotate)
    spread = C.input_gradient(delta.spread, np.abs(layer.kernels), shape, stride, padding, rotate)
    return [Own(v, s) for v, s in zip(value, spread, strict=True)]


def _fits(cells: tuple[tuple[int, int, str], ...], grid: Own) -> bool:
    return all(agrees(t, grid.value[r, c], grid.spread[r, c]) for r, c, t in cells)


Candidate = tuple[str, Callable[[], Own]]


def _one_position(layer: C.ConvLayer, delta: Own, f: int, c: int, i: int, j: int) -> Own:
    size, stride, padding = layer.kernels.shape[-1], layer.stride, layer.padding
    value = C.one_position(layer.x, delta.value, size, stride, padding, i, j)[f, c]
    spread = C.one_position(np.abs(layer.x), delta.spread, size, stride, padding, i, j)[f, c]
    return Own(value, spread)


def _rotated_kernel_gradient(layer: C.ConvLayer, delta: Own, f: int, c: int) -> Own:
    size, stride, padding = layer.kernels.shape[-1], layer.stride, layer.padding
    value = C.kernel_gradient(layer.x, delta.value, size, stride, padding)[f, c, ::-1, ::-1]
    spread = C.kernel_gradient(np.abs(layer.x), delta.spread, size, stride, padding)
    return Own(value, spread[f, c, ::-1, ::-1])


def _cell(delta: Own, f: int, i: int, j: int) -> Own:
    return Own(np.array([[delta.value[f, i, j]]]), np.array([[delta.spread[f, i, j]]]))


def _candidates(layer: C.ConvLayer, quantity: Quantity, student: Student) -> list[Candidate]:
    f, c = quantity.filter, quantity.channel
    pool = layer.pool
    found: list[Candidate] = []
    if quantity.kind in ("delta_a", "delta_z") and pool is not None:
        scale = layer.derivative[f] if quantity.kind == "delta_z" else 1.0
        name, how = (
            ("pool_to_all", "to_all")
            if pool.kind == C.MAX_POOL
            else ("pool_not_divided", "undivided")
        )
        found.append((name, lambda: _exact(C.routed(layer.a, pool, how)[f] * scale)))
        own = student.get((quantity.kind, f))
        if pool.kind == C.MAX_POOL and own is not None:
            elsewhere = _tie_routing(layer, f, own.value / np.where(scale == 0.0, 1.0, scale))
            if elsewhere is not None:
                found.append(("tie_routed_elsewhere", lambda: _exact(elsewhere * scale)))
    if quantity.kind == "delta_z" and not np.all(layer.derivative == 1.0):
        found.append(("activation_derivative_missing", lambda: _exact(layer.delta_a[f])))
        if pool is not None:
            how = "to_all" if pool.kind == C.MAX_POOL else "undivided"
            name = "pool_to_all" if pool.kind == C.MAX_POOL else "pool_not_divided"
            found.append((name, lambda: _exact(C.routed(layer.a, pool, how)[f])))
    delta = _own_delta_z(layer, student)
    rows, columns = delta.value.shape[1:]
    if quantity.kind == "grad_w":
        for i in range(rows):
            for j in range(columns):
                found.append(("one_position", partial(_one_position, layer, delta, f, c, i, j)))
        found.append(
            ("kernel_gradient_rotated", partial(_rotated_kernel_gradient, layer, delta, f, c))
        )
    if quantity.kind == "grad_b":
        for i in range(rows):
            for j in range(columns):
                found.append(("one_position", partial(_cell, delta, f, i, j)))
    if quantity.kind == "grad_x":
        found.append(("kernel_not_rotated", lambda: _input_gradient(layer, delta, False)[c]))
    return found


def mistake_grids(layer: C.ConvLayer, quantity: Quantity) -> list[tuple[str, np.ndarray]]:
    """The catalogue's mistakes' grids of a quantity from the true upstream grids, in the order
    check-hand tries them (what a quiz names as feedback)."""
    return [(mistake, make().value) for mistake, make in _candidates(layer, quantity, {})]


def _tie_routing(layer: C.ConvLayer, f: int, own: np.ndarray) -> np.ndarray | None:
    """∂L/∂a of filter f with each tied max window's gradient given to the tied maximum the
    student gave it to (torch gives it to the first in reading order); None without a tie."""
    pool = layer.pool
    assert pool is not None
    grad = C.routed(layer.a, pool)[f].copy()
    size, stride = pool.size, pool.stride
    tied = False
    for i in range(pool.upstream.shape[1]):
        for j in range(pool.upstream.shape[2]):
            top, left = i * stride, j * stride
            window = layer.a[f, top : top + size, left : left + size]
            maxima = [divmod(k, size) for k in np.flatnonzero(window == window.max())]
            if len(maxima) < 2:
                continue
            tied = True
            chosen = max(maxima, key=lambda uv: abs(own[top + uv[0], left + uv[1]]))
            for u, v in maxima:
                grad[top + u, left + v] = 0.0
            grad[top + chosen[0], left + chosen[1]] = pool.upstream[f, i, j]
    return grad if tied else None


# -- the true numbers, from the network's own derivation ------------------------------------------


def conv_names(net: ConvNet) -> tuple[str, ...]:
    """The names of the net's convolution layers, in order (conv1, conv3, …)."""
    return tuple(la.name for la in net.spec.layers if isinstance(la, ConvLayer))


def sample_layers(net: ConvNet, conv_name: str | None = None) -> SampleLayers:
    """Every sample's first convolution layer of its own loss L⁽ⁿ⁾ (the spec with that sample
    alone, through the core's sweep), and ∂L/∂W, ∂L/∂b of L over the samples from the whole
    net's sweep."""
    from dataclasses import replace

    from symbp.core.conv import ConvNet as Net

    spec = net.spec
    if net.samples > MAX_SAMPLES:
        raise HandInputError(
            f"check-hand judges up to {MAX_SAMPLES} samples of a convolution net, not {net.samples}"
        )
    layers = []
    for n in range(net.samples):
        alone = Net(replace(spec, inputs=(spec.inputs[n],), targets=(spec.targets[n],)))
        layers.append(conv_layer(alone, alone.evaluate(), conv_name))
    numbers = net.evaluate()
    conv = next(
        la
        for la in spec.layers
        if isinstance(la, ConvLayer) and (conv_name is None or la.name == conv_name)
    )
    grads = numbers.parameter_gradients
    kernel_names = [element_name(f"{conv.name}_w", i) for i in tensor_indices(conv.weight_shape)]
    bias_names = [element_name(f"{conv.name}_b", (f,)) for f in range(conv.filters)]
    return SampleLayers(
        tuple(layers),
        np.array([grads[k] for k in kernel_names]).reshape(conv.weight_shape),
        np.array([grads.get(k, 0.0) for k in bias_names]),
        spec.reduction,
    )


def first_conv_layer(net: ConvNet, numbers: ConvNumbers, sample: int = 0) -> C.ConvLayer:
    """The first convolution layer's numbers (one sample) as the core's sweep computed them:
    values, δ maps, the kernel's, the bias's and the input's gradients; the pooling layer
    after it, if any, with the gradient it receives."""
    if not isinstance(net.spec.layers[0], ConvLayer):
        raise HandInputError("check-hand judges the first layer when it is a convolution")
    return conv_layer(net, numbers, None, sample)


def conv_layer(
    net: ConvNet, numbers: ConvNumbers, conv_name: str | None = None, sample: int = 0
) -> C.ConvLayer:
    """A convolution layer's numbers (the first, or the one named), as first_conv_layer's: a
    later layer's input x is the previous layer's output (a pooled or activated map) and its
    ∂L/∂X the gradient of that map."""
    spec = net.spec
    if net.samples != 1:  # ∂L/∂W would hold every sample's terms, the δ maps one sample's
        raise HandInputError("check-hand judges a convolution layer of one sample: give one input")
    index, conv = next(
        (i, la)
        for i, la in enumerate(spec.layers)
        if isinstance(la, ConvLayer) and (conv_name is None or la.name == conv_name)
    )
    n = conv.number
    source = spec.layers[index - 1].number if index else 0  # the map the layer reads

    def grid(layer: int, gradient: bool) -> np.ndarray:
        symbols = net.maps[(sample, layer)].symbols
        read = numbers.gradient if gradient else numbers.value
        return np.array(_nested(symbols, read), dtype=float)

    z, a = grid(-n, False), grid(n, False)
    derivative = np.zeros(z.shape)
    z_symbols = np.array(_nested(net.maps[(sample, -n)].symbols, lambda s: s), dtype=object)
    a_symbols = np.array(_nested(net.maps[(sample, n)].symbols, lambda s: s), dtype=object)
    for position in np.ndindex(z.shape):
        local = net.graph.local_derivative(a_symbols[position], z_symbols[position])
        exact = {s: sp.Float(numbers.value(s), 30) for s in local.free_symbols}
        derivative[position] = float(local.xreplace(exact).evalf(30))
    pool = None
    following = spec.layers[index + 1] if index + 1 < len(spec.layers) else None
    if isinstance(following, PoolLayer):
        pool = C.Pooling(
            following.kind, following.size, following.stride, grid(following.number, True)
        )
    weights = np.array(spec.values(f"{conv.name}_w"), dtype=float).reshape(conv.weight_shape)
    bias_key = f"{conv.name}_b"
    has_bias = any(key == bias_key for key, _ in spec.tensors)
    bias = np.array(spec.values(bias_key), dtype=float) if has_bias else np.zeros(conv.filters)
    grads = numbers.parameter_gradients
    kernel_names = [element_name(f"{conv.name}_w", i) for i in tensor_indices(conv.weight_shape)]
    bias_names = [element_name(bias_key, (f,)) for f in range(conv.filters)]
    return C.ConvLayer(
        x=grid(source, False),
        kernels=weights,
        bias=bias,
        stride=conv.stride,
        padding=conv.padding,
        z=z,
        a=a,
        derivative=derivative,
        delta_a=grid(n, True),
        delta_z=grid(-n, True),
        grad_kernels=np.array([grads[k] for k in kernel_names]).reshape(conv.weight_shape),
        grad_bias=np.array([grads.get(k, 0.0) for k in bias_names]),
        grad_input=grid(source, True),
        pool=pool,
    )


def _nested(symbols: object, read: Callable[[sp.Symbol], object]) -> object:
    if isinstance(symbols, tuple):
        return [_nested(item, read) for item in symbols]
    assert isinstance(symbols, sp.Symbol)
    return read(symbols)
