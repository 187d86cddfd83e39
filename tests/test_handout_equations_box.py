"""Issue 26 item 11: the four backpropagation equations, set once before the backward pass in
the handout's notation, and true: checked with torch autograd on a [3, 4, 2] tanh/sigmoid net
with per-unit biases (δ = ∂L/∂z from autograd, the rows' right-hand sides from torch's own
tensors, nothing from symbp's sweep)."""

from __future__ import annotations

import re
from typing import Any

import pytest

import symbp
from symbp.content.blocks import Equations, Heading, Paragraph, Text
from symbp.core.spec import spec_from_mapping

from .conftest import require_module

NET: dict[str, Any] = {
    "title": "box",
    "layers": [3, 4, 2],
    "activation": ["tanh", "sigmoid"],
    "bias": "per-unit",
    "inputs": [0.5, -0.3, 0.8],
    "targets": [0.2, 0.9],
    "weights": {"random": "uniform", "seed": 7},
}
SOFTMAX: dict[str, Any] = {
    "title": "softmax",
    "layers": [2, 3, 3],
    "activation": ["relu", "softmax"],
    "loss": "cross_entropy",
    "inputs": [0.5, -0.3],
    "targets": 2,
    "weights": {"random": "uniform", "seed": 11},
}


BOX_TITLES = ("The backpropagation equations, from", "反向传播的基本方程（")


def _text(block: Heading | Paragraph) -> str:
    return "".join(p.text for p in block.parts if isinstance(p, Text))


def _box(data: dict[str, Any], lang: str = "en") -> tuple[list[object], int, Equations]:
    """The handout's blocks, where the box's introduction stands, and the box."""
    handout = symbp.Problem(spec_from_mapping(data)).handout(check=False, lang=lang)
    blocks: list[object] = list(handout.blocks())
    start = next(
        i
        for i, b in enumerate(blocks)
        if isinstance(b, Paragraph) and any(title in _text(b) for title in BOX_TITLES)
    )
    box = blocks[start + 1]
    assert isinstance(box, Equations)
    return blocks, start, box


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_box_comes_before_the_first_layer_of_the_backward_pass(lang: str) -> None:
    blocks, start, box = _box(NET, lang)
    headings = [i for i, b in enumerate(blocks) if isinstance(b, Heading)]
    backward = next(i for i in headings if _text(blocks[i]).startswith(("3.", "三")))  # type: ignore[arg-type]
    assert BOX_TITLES[lang == "zh"] in _text(blocks[start])  # type: ignore[arg-type]
    assert start == backward + 1  # the backward pass's introduction leads to it == backward + 1
    assert len(box.rows) == 4  # output δ, hidden δ, bias, weight
    assert all(row.tag for row in box.rows)


def test_the_box_drops_rows_the_network_has_no_use_for_and_sums_a_softmax() -> None:
    single = {**NET, "layers": [3, 2], "activation": ["sigmoid"], "bias": "none"}
    assert len(_box(single)[2].rows) == 2  # no hidden layer, no bias
    softmax = _box(SOFTMAX)[2]
    first = softmax.rows[0].chain.steps[0].expr
    assert type(first).__name__ == "Sum" and first.index == "m"  # type: ignore[attr-defined]


def test_the_four_equations_hold_in_torch() -> None:
    require_module("torch")
    import torch

    problem = symbp.Problem(spec_from_mapping(NET))
    weights = torch.tensor(problem.spec.weights, dtype=torch.float64)
    w1 = weights[:12].reshape(3, 4).clone().requires_grad_(True)  # w_ij: x_i → h_j, by source
    w2 = weights[12:20].reshape(4, 2).clone().requires_grad_(True)
    b1 = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    b2 = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(NET["inputs"], dtype=torch.float64)
    y = torch.tensor(NET["targets"], dtype=torch.float64)
    z1 = x @ w1 + b1
    h = torch.tanh(z1)
    z2 = h @ w2 + b2
    o = torch.sigmoid(z2)
    for tensor in (z1, z2, h, o):
        tensor.retain_grad()
    loss = 0.5 * ((o - y) ** 2).sum()
    loss.backward()
    assert z1.grad is not None and z2.grad is not None and o.grad is not None
    d1, d2 = z1.grad, z2.grad  # δ_j = ∂L/∂z_j
    # output unit j: δ_j = ∂L/∂a_j · f′(z_j), sigmoid′ = o(1 − o)
    torch.testing.assert_close(d2, o.grad * o.detach() * (1 - o.detach()))
    # hidden unit j: δ_j = f′(z_j) · Σ_k w_jk δ_k, tanh′ = 1 − h²
    torch.testing.assert_close(d1, (1 - h.detach() ** 2) * (w2.detach() @ d2))
    # the bias of unit j: ∂L/∂b_j = δ_j
    torch.testing.assert_close(b1.grad, d1)
    torch.testing.assert_close(b2.grad, d2)
    # weight i → j: ∂L/∂w_ij = δ_j a_i
    torch.testing.assert_close(w1.grad, torch.outer(x, d1))
    torch.testing.assert_close(w2.grad, torch.outer(h.detach(), d2))


def test_a_course_sized_net_has_the_box_too() -> None:
    # every layer pair drawn without labels (its weights in matrices): the box is there as
    # well, and the 2-sample [4, 5, 5, 3] handout still fits six pages (tests/test_layout.py)
    course = {**NET, "layers": [4, 5, 5, 3], "activation": "sigmoid", "bias": "none"}
    course.update(inputs=[0.1, 0.2, 0.3, 0.4], targets=[0.5, 0.5, 0.5])
    handout = symbp.Problem(spec_from_mapping(course)).handout(check=False)
    assert any(isinstance(b, Paragraph) and BOX_TITLES[0] in _text(b) for b in handout.blocks())


_HIDDEN = re.compile(r"<(math|script|style)\b.*?</\1>", re.S)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("data", [NET, SOFTMAX], ids=["tanh_sigmoid", "softmax"])
def test_no_html_handout_prints_latex_source(data: dict[str, Any], lang: str) -> None:
    """Trial t26: the box's tag "weight i → j:" reached the page as `weight i \\(\\to\\) j:`.
    Outside MathML, scripts and styles an HTML handout holds no backslash command at all."""
    problem = symbp.Problem(spec_from_mapping(data))
    for form in ("scalar", "matrix"):
        page = problem.handout(check=False, lang=lang, form=form).render("html")
        visible = _HIDDEN.sub("", page)
        assert re.findall(r"\\[A-Za-z()\[\]]", visible) == [], form
        # inside MathML, no mtext holds LaTeX source either
        texts = re.findall(r"<mtext>(.*?)</mtext>", page)
        assert [t for t in texts if "\\" in t] == [], form
