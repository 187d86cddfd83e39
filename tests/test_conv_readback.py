"""A kernel weight's derivation read back (issue 21): every displayed chain `formula = numbers =
value` — each position's term δ·x, the sum of the terms, δ = ∂L/∂a · f′(z) — is read from the
LaTeX, the Markdown and the text by the readers in tests/readback (independent of symbp's
printers) and evaluated against values computed here by torch autograd (δ of every conv output,
∂L/∂a, ∂L/∂w) and the spec's own numbers; English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest

import symbp
from symbp import formats
from symbp.content.conv import conv_names, delta_name
from symbp.formats import latex_math as latex_format
from symbp.formats import text_math as text_format
from tests.conftest import require_module
from tests.readback import latex_reader, text_reader
from tests.readback.harness import latex_sources, markdown_sources, read_and_check, text_sources
from tests.test_conv import TEACHING

STRIDED = {
    "layers": [
        [2, 5, 5],
        {"conv": 2, "kernel": 3, "stride": 2, "padding": 1, "activation": "elu"},
        {"pool": "avg", "size": 3},
        {"dense": 2, "activation": "softmax"},
    ],
    "inputs": [
        [[round(0.1 * ((i * 7 + j * 3 + c) % 11) - 0.5, 2) for j in range(5)] for i in range(5)]
        for c in range(2)
    ],
    "weights": {"random": "uniform", "seed": 5},
    "loss": "cross_entropy",
    "targets": 1,
}


def _torch_values(result: Any) -> dict[Any, float]:
    """∂L/∂node for every conv z and a (torch autograd on nn.Conv2d, retaining gradients)."""
    import torch

    from symbp.torchcheck.conv_model import _loss_function, build_model

    spec = result.spec
    model, _, _ = build_model(spec)
    x = torch.tensor([list(s) for s in spec.inputs], dtype=torch.float64).reshape(
        len(spec.inputs), *spec.input_shape
    )
    kept: list[tuple[Any, str]] = []
    value = x
    for module in model:
        value = module(value)
        if isinstance(module, torch.nn.Conv2d):
            value.retain_grad()
            kept.append((value, "z"))
        elif type(module).__name__ in ("ReLU", "ELU", "Sigmoid", "Tanh"):
            value.retain_grad()
            kept.append((value, "a"))
    _loss_function(spec, "float64")(value).backward()
    found: dict[Any, float] = {}
    net = result.net
    layer = spec.layers[0]
    for tensor, kind in kept[:2]:  # the first conv layer's z and a
        symbols = net.maps[(0, -layer.number if kind == "z" else layer.number)].symbols
        for f, plane in enumerate(symbols):
            for i, row in enumerate(plane):
                for j, symbol in enumerate(row):
                    found[symbol] = float(tensor.grad[0, f, i, j])
    return found


def _tables(result: Any) -> tuple[dict[str, float], dict[str, float]]:
    net = result.net
    names = conv_names(net)
    by_torch = _torch_values(result)
    tables: tuple[dict[str, float], dict[str, float]] = ({}, {})
    for table, spell in zip(tables, (latex_format.name, text_format.name), strict=True):
        loss = spell(symbp.content.expr.Name("L", plain="L"))
        for symbol, value in result.numbers.values.items():
            table[spell(names[symbol])] = value
        for symbol, gradient in by_torch.items():
            if net.graph.nodes[symbol].op == "weighted_sum":
                table[spell(delta_name(names[symbol]))] = gradient
            table[f"∂{loss}/∂{spell(names[symbol])}"] = gradient
        for name, _, gradient in result.check.parameters if result.check else ():  # torch
            table[f"∂{loss}/∂{spell(names[net.parameters[name]])}"] = gradient
    return tables


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    ("case", "weight"), [("teaching", "conv1_w[1,0,2,1]"), ("strided", "conv1_w[0,1,0,2]")]
)
def test_kernel_weight_derivation_reads_back(case: str, weight: str, lang: str) -> None:
    require_module("torch")
    import symbp.content.expr  # noqa: F401 - _tables spells L with it

    data = TEACHING if case == "teaching" else STRIDED
    result = symbp.conv(data, weights=[weight], lang=lang)
    assert result.passed
    document = result.document()
    latex_values, text_values = _tables(result)
    outcomes = {
        "latex": read_and_check(
            latex_sources(formats.render(document, "latex")), latex_reader.read, latex_values, case
        ),
        "markdown": read_and_check(
            markdown_sources(formats.render(document, "markdown")),
            latex_reader.read,
            latex_values,
            case,
        ),
        "text": read_and_check(text_sources(document.blocks), text_reader.read, text_values, case),
    }
    terms = len(result.net.sweep.gradient(result.net.parameter_symbol(weight)).uses)
    for fmt, outcome in outcomes.items():
        assert not outcome.mismatches, "\n".join(str(m) for m in outcome.mismatches[:5])
        # every term, the sum and the δ chain
        assert outcome.checked >= min(terms, 16) + 2, (fmt, outcome)
