"""The operation table: its two halves agree, the self-check page's printed JavaScript computes
what each entry's float64 form does (run in node), and JavaScript's erf is math.erf's."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

from symbp.core import operations
from symbp.core.functions import ACTIVATIONS, ALL_ENTRIES, LOSSES, activation
from symbp.errors import SymbpError
from symbp.formats.javascript import ERF_JS, activation_functions

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


@pytest.mark.parametrize(
    ("spec", "argv", "message"),
    [
        ('activation = "sigmod"', [], "unknown activation 'sigmod' (known: sigmoid, tanh"),
        ('activation = "Relu"', [], "did you mean 'relu'?"),
        ('loss = "cross_entropyy"', [], "did you mean 'cross_entropy'?"),
        ('optimizer = "adamw2"', [], "did you mean 'adamw'?"),
        ('activation = "gelu"\napproximate = "tan"', [], "did you mean 'tanh'?"),
        (
            "",
            ["--optimizer", "sgdd"],
            "unknown optimizer 'sgdd' (known: sgd, adam, adamw, rmsprop, adagrad)",
        ),
    ],
)
def test_an_unknown_name_is_one_line_with_the_nearest(
    spec: str, argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from symbp.cli import main

    path = tmp_path / "spec.toml"
    path.write_text(
        f"layers = [2, 2, 2]\n{spec}\ninputs = [1, 2]\ntargets = [0, 1]\nweights = 'zero'\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["step", "--spec", str(path), *argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error, error


def test_a_far_name_gets_no_guess_and_the_api_says_the_same() -> None:
    with pytest.raises(SymbpError, match=r"unknown activation 'xyz' \(known: [a-z_, ]+\)$"):
        activation("xyz")
    with pytest.raises(SymbpError, match="did you mean 'multiply'"):
        operations.operation_info("multipy")
    with pytest.raises(SymbpError, match="did you mean 'bce'"):
        operations.loss_info("bec")
