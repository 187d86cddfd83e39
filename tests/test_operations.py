"""The operation table: its two halves agree, the self-check page's printed JavaScript computes
what each entry's float64 form does (run in node), and JavaScript's erf is math.erf's."""

from __future__ import annotations

import json
import math
import subprocess

import pytest

from symbp import operations
from symbp.formats.javascript import ERF_JS, activation_functions
from symbp.functions import ACTIVATIONS, ALL_ENTRIES, LOSSES

from .conftest import require_tool

#: where activations bend, saturate or overflow: 0 and its neighbours, the kink, both tails
GRID = (
    0.0,
    -0.0,
    1e-300,
    -1e-300,
    1e-8,
    -1e-8,
    0.5,
    -0.5,
    1.0,
    -1.0,
    2.5,
    -2.5,
    3.0,
    -3.0,
    7.5,
    -7.5,
    30.0,
    -30.0,
    700.0,
    -700.0,
    800.0,
    -800.0,
)


def test_both_halves_name_the_same_entries() -> None:
    assert tuple(ACTIVATIONS) == operations.ACTIVATION_NAMES
    assert tuple(LOSSES) == operations.LOSS_NAMES
    for loss in operations.LOSSES:
        if loss.cancels_with:
            assert LOSSES[loss.name].logit_activation == loss.cancels_with


def _node(program: str) -> object:
    node = require_tool("node")
    done = subprocess.run(
        [node, "-e", program], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def _parameter(name: str) -> float:
    info = operations.activation_info(name)
    if info.parameter is None:
        return math.nan
    default = info.parameter.default
    return float(default) if isinstance(default, float) else math.nan


@pytest.mark.parametrize("key", [e.key for e in ALL_ENTRIES if e.elementwise and e.primitive])
def test_printed_javascript_computes_the_entrys_float_form(key: str) -> None:
    entry = next(e for e in ALL_ENTRIES if e.key == key)
    name = entry.name
    parameter = _parameter(name) if name in operations.ACTIVATION_NAMES else math.nan
    program = (
        ERF_JS
        + "const FUNCTIONS = {\n"
        + activation_functions()
        + "\n};\n"
        + f"const grid = {json.dumps(GRID)};\n"
        + f"const p = {json.dumps(parameter if math.isfinite(parameter) else None)};\n"
        + f"console.log(JSON.stringify(grid.map((z) => String(FUNCTIONS[{key!r}]([z, p])))));"
    )
    printed = [float(text) for text in _node(program)]  # type: ignore[union-attr]
    assert entry.evaluate is not None
    for z, value in zip(GRID, printed, strict=True):
        expected = entry.evaluate(z, parameter)
        if math.isnan(expected):
            assert math.isnan(value), (name, z)
        else:
            # a few units in the last place (erf's series, the printer's order of operations);
            # e^(−z²) of a large z loses more, but only below 1e-15, far under any half-unit
            assert value == pytest.approx(expected, rel=1e-14, abs=1e-15), (name, z)


@pytest.mark.parametrize(("function", "reference"), [("erf", math.erf), ("erfc", math.erfc)])
def test_javascript_erf_is_maths(function: str, reference: object) -> None:
    assert callable(reference)
    xs = [k / 64 for k in range(-448, 449)] + [1e-12, -1e-12, 1e-300, 5.9, 6.5, 26.0, -27.0]
    program = ERF_JS + f"console.log(JSON.stringify({json.dumps(xs)}.map({function})));"
    values = _node(program)
    assert isinstance(values, list)
    for x, value in zip(xs, values, strict=True):
        # a few units in the last place: the series and the fraction round differently
        assert value == pytest.approx(reference(x), rel=2e-15, abs=1e-300), x
