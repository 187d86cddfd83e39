"""Issue 26 item 3: the matrix form states every shape, never writes ⊙ for a softmax output,
and writes the output gradient's formula (G⁽ᴸ⁾ = A⁽ᴸ⁾ − Y, or Δ⁽ᴸ⁾ = A⁽ᴸ⁾ − Y where softmax and
cross-entropy cancel) before its numbers.

The shapes are held to torch's own nn.Linear weights (out × in) and to the matrices the LaTeX
prints; the formulas are read back from the LaTeX, evaluated on torch's forward values and
compared with torch autograd's gradient of each sample's own loss.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import symbp
from symbp.content import expr as E
from symbp.content.blocks import Equations, Math, Paragraph, Table, Text
from symbp.content.labels import labels
from symbp.core.spec import spec_from_mapping

from .conftest import require_module
from .test_matrix_form import BMATRIX, chains, parse_printed

TWO_SAMPLES = {
    "title": "two samples",
    "layers": [4, 5, 5, 3],
    "reduction": "mean",
    "inputs": [[0.5, -0.3, 0.8, 0.1], [0.2, 0.7, -0.4, 0.9]],
    "targets": [[0.2, 0.9, 0.4], [0.8, 0.1, 0.3]],
    "weights": {"random": "uniform", "seed": 2026},
}
MSE_MEAN_3 = {  # ∂L/∂o_k = (2/3)(o_k − y_k): the scale written in front of A − Y
    "title": "mse mean",
    "layers": [2, 3, 3],
    "activation": ["tanh", "sigmoid"],
    "loss": "mse_mean",
    "bias": "per-unit",
    "inputs": [[0.5, -0.3], [0.1, 0.9]],
    "targets": [[0.2, 0.9, 0.4], [0.8, 0.1, 0.3]],
    "weights": {"random": "uniform", "seed": 3},
}
SOFTMAX_CE_BATCH = {
    "title": "softmax batch",
    "layers": [2, 3, 3],
    "activation": ["relu", "softmax"],
    "loss": "cross_entropy",
    "inputs": [[0.5, -0.3], [0.1, 0.2]],
    "targets": [2, 0],
    "weights": {"random": "uniform", "seed": 11},
}
SOFTMAX_CE = {**SOFTMAX_CE_BATCH, "inputs": [0.5, -0.3], "targets": 2}
SOFTMAX_MSE_BATCH = {
    "title": "softmax mse",
    "layers": [2, 2, 2],
    "activation": ["tanh", "softmax"],
    "loss": "mse_mean",
    "inputs": [[0.5, -0.3], [0.1, 0.2]],
    "targets": [[0, 1], [1, 0]],
    "weights": {"random": "uniform", "seed": 11},
}
NETS = {
    "two_samples": TWO_SAMPLES,
    "mse_mean_3": MSE_MEAN_3,
    "softmax_ce_batch": SOFTMAX_CE_BATCH,
    "softmax_ce": SOFTMAX_CE,
    "softmax_mse_batch": SOFTMAX_MSE_BATCH,
}


def _problem(name: str) -> symbp.Problem:
    return symbp.Problem(spec_from_mapping({"learning_rate": 0.5, **NETS[name]}, source=name))


def _text(parts: Any) -> str:
    return "".join(p.text for p in parts if isinstance(p, Text))


# -- shapes --------------------------------------------------------------------------------------


def _shape(cell: Any) -> tuple[int, int] | None:
    found = re.fullmatch(r"(\d+) × (\d+)", _text(cell))
    return (int(found.group(1)), int(found.group(2))) if found else None


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(NETS))
def test_the_shapes_stated_are_the_shapes_printed_and_torch_s(name: str, lang: str) -> None:
    require_module("torch")
    import torch

    problem = _problem(name)
    document = problem.handout(form="matrix", check=False, lang=lang)
    layer_word = labels(lang)["matrix_shapes_layer"]
    tables = [
        b for b in document.blocks() if isinstance(b, Table) and _text(b.header[0]) == layer_word
    ]
    assert len(tables) == 1
    rows = tables[0].rows
    sizes = list(problem.network.spec.layers)
    samples = len(problem.network.spec.samples)
    assert len(rows) == len(sizes)
    latex = document.render("latex")
    printed: dict[str, tuple[int, ...]] = {}
    for lhs, steps in chains(latex):
        whole = BMATRIX.fullmatch(steps[-1][1])
        if whole and (parsed := parse_printed(whole)) is not None:  # [⋯]ᵀ is a column
            printed[lhs] = parsed[0].shape
    for layer, row in enumerate(rows):
        vector = _shape(row[3])
        assert vector == (sizes[layer], 1)
        if samples > 1:
            assert _shape(row[4]) == (sizes[layer], samples)
        if layer == 0:
            continue
        # torch's own layer holds its weight as out_features × in_features
        linear = torch.nn.Linear(sizes[layer - 1], sizes[layer])
        weight = _shape(row[2])
        assert weight == tuple(linear.weight.shape)
        assert printed[f"W^{{({layer})}}"] == weight
        assert printed[rf"\frac{{\partial L}}{{\partial W^{{({layer})}}}}"] == weight
        z = f"Z^{{({layer})}}" if samples > 1 else f"z^{{({layer})}}"
        assert printed[z] == (_shape(row[4]) if samples > 1 else vector)


def test_the_rule_of_the_shapes_and_the_index_order_are_stated() -> None:
    latex = _problem("softmax_ce").derivations(form="matrix").render("latex")
    assert r"n_{l} \times n_{l-1}" in latex.replace(r"\(", "").replace(r"\)", "")
    assert "entry (j, i), row j and column i" in latex
    assert r"\frac{\partial L}{\partial w_{ij}} = \delta_{j} a_{i}" in latex


# -- no ⊙ for a softmax output ------------------------------------------------------------------


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, E.Chain):
        for member in node.members:
            yield from _nodes(member)
        return
    for field in ("terms", "factors", "args"):
        for child in getattr(node, field, ()):
            yield from _nodes(child)
    for field in ("arg", "num", "den", "base", "body"):
        child = getattr(node, field, None)
        if child is not None and not isinstance(child, str | int | float):
            yield from _nodes(child)


def _names(node: Any) -> Iterator[E.Name]:
    for found in _nodes(node):
        if isinstance(found, E.Sym):
            yield found.name
        elif isinstance(found, E.Grad):
            yield found.wrt


def _expressions(document: Any) -> Iterator[Any]:
    blocks = document.blocks() if callable(document.blocks) else document.blocks
    for block in blocks:
        if isinstance(block, Paragraph):
            yield from (p.expr for p in block.parts if isinstance(p, Math))
        elif isinstance(block, Equations):
            yield from (row.chain for row in block.rows)


def _output_hadamards(problem: symbp.Problem, form: str) -> int:
    """How many ⊙ products take a factor of the output layer (G, ∇_a L, f′(z) of layer L; a
    matrix product such as (W⁽ᴸ⁾)ᵀδ⁽ᴸ⁾ is a hidden layer's, and is not counted)."""
    document = (
        problem.handout(form="matrix", check=False)
        if form == "handout"
        else problem.derivations(form="matrix").document()
    )
    last = f"({len(problem.network.layers) - 1})"
    found = 0
    for expression in _expressions(document):
        for node in _nodes(expression):
            if isinstance(node, E.Hadamard) and any(
                name.sup == last
                for factor in node.factors
                if not isinstance(factor, E.Mul)
                for name in _names(factor)
            ):
                found += 1
    return found


@pytest.mark.parametrize("form", ["derive", "handout"])
@pytest.mark.parametrize("name", ["softmax_ce", "softmax_ce_batch", "softmax_mse_batch"])
def test_a_softmax_output_is_never_multiplied_entry_by_entry(name: str, form: str) -> None:
    assert _output_hadamards(_problem(name), form) == 0


@pytest.mark.parametrize("name", ["two_samples", "mse_mean_3"])
def test_the_detector_finds_an_elementwise_output_s_hadamard(name: str) -> None:
    # a sigmoid output's δ⁽ᴸ⁾ = G ⊙ σ′(Z⁽ᴸ⁾) is right, and found: the test above sees ⊙
    assert _output_hadamards(_problem(name), "derive") >= 2


def test_the_softmax_jacobian_comes_before_the_rows_that_use_it() -> None:
    text = _problem("softmax_ce").derivations(form="matrix").render("text")
    output = text[text.index("\nOutput layer\n", text.index("Backward pass")) :]
    assert output.index("Jacobian") < output.index("∇_a⁽²⁾ L =")


# -- the output gradient's formula, read back and held to torch ------------------------------------


def _torch_outputs(problem: symbp.Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sample: the outputs a⁽ᴸ⁾, torch's ∂L⁽ⁿ⁾/∂a⁽ᴸ⁾ and ∂L⁽ⁿ⁾/∂z⁽ᴸ⁾ (columns = samples),
    from a torch net built here from the spec's weights."""
    import torch

    form = problem.matrices
    spec = problem.network.spec
    functions = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "softmax": lambda z: torch.softmax(z, dim=0),
    }
    outputs, by_a, by_z = [], [], []
    for x, y in spec.samples:
        a = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        z = a
        for layer, activation in zip(form.layers, spec.activations, strict=True):
            weight = torch.tensor(form.weights(layer), dtype=torch.float64)
            z = weight @ a
            if layer.has_bias:
                z = z + torch.tensor(form.bias_vector(layer), dtype=torch.float64)
            a = functions[activation](z)
        z.retain_grad()
        a.retain_grad()
        target = torch.tensor(y, dtype=torch.float64)
        if spec.loss == "cross_entropy":
            loss = -(target * torch.log(a)).sum()
        elif spec.loss == "mse_mean":
            loss = ((a - target) ** 2).mean()
        else:
            assert spec.loss == "half_sse"
            loss = 0.5 * ((a - target) ** 2).sum()
        loss.backward()
        assert a.grad is not None and z.grad is not None
        outputs.append(a.detach().numpy())
        by_a.append(a.grad.numpy())
        by_z.append(z.grad.numpy())
    return np.array(outputs).T, np.array(by_a).T, np.array(by_z).T


FORMULA = re.compile(r"^(?:\\frac\{(\d+)\}\{(\d+)\} \\left\()?A\^\{\((\d+)\)\} - Y(?:\\right\))?$")


def _evaluate_formula(formula: str, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """c(A⁽ᴸ⁾ − Y) as printed, on the given A and Y."""
    found = FORMULA.match(formula.strip())
    assert found, f"not a formula of A and Y: {formula!r}"
    scale = int(found.group(1)) / int(found.group(2)) if found.group(1) else 1.0
    return scale * (a - y)


@pytest.mark.parametrize(
    ("name", "lhs", "wrt"),
    [
        ("two_samples", "G^{(3)}", "a"),
        ("mse_mean_3", "G^{(2)}", "a"),
        ("softmax_mse_batch", "G^{(2)}", "a"),
        ("softmax_ce_batch", r"\Delta^{(2)}", "z"),
    ],
)
@pytest.mark.parametrize("form", ["derive", "handout"])
def test_the_output_gradient_s_formula_comes_first_and_equals_torch(
    name: str, lhs: str, wrt: str, form: str
) -> None:
    require_module("torch")
    problem = _problem(name)
    latex = (
        problem.handout(form="matrix", check=False, lang="zh").render("latex")
        if form == "handout"
        else problem.derivations(form="matrix").render("latex")
    )
    steps = next(steps for found, steps in chains(latex) if found == lhs)
    outputs, by_a, by_z = _torch_outputs(problem)
    targets = np.array([y for _, y in problem.network.spec.samples], dtype=float).T
    reference = by_a if wrt == "a" else by_z
    # the first member is the formula, read back and evaluated on torch's outputs
    assert steps[0][0] == "="
    assert np.allclose(_evaluate_formula(steps[0][1], outputs, targets), reference, atol=1e-12)
    # its numbers, then the result, as printed, within half a unit of the last digit
    whole = BMATRIX.fullmatch(steps[-1][1])
    assert whole is not None
    parsed = parse_printed(whole)
    assert parsed is not None
    printed, half_unit = parsed
    assert np.all(np.abs(printed - reference) <= half_unit * 1.0001 + 1e-15)


def test_the_formula_reader_rejects_a_wrong_formula() -> None:
    with pytest.raises(AssertionError):
        _evaluate_formula(r"-Y \oslash A^{(2)}", np.ones((2, 2)), np.ones((2, 2)))
    half = _evaluate_formula(
        r"\frac{2}{3} \left(A^{(2)} - Y\right)", np.ones((1, 1)), np.zeros((1, 1))
    )
    assert half == pytest.approx(2 / 3)
