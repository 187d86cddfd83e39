"""A spec's `steps` in the handout: every update, one parameter worked in full per update, a
table for the rest, checked against torch.optim.Adam stepping the same parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import symbp
from symbp.content.numbers import significant
from symbp.core.spec import load_spec

from .conftest import require_module

LEAKY_ADAM = """
title = "Leaky ReLU with Adam, 2 steps"
layers = [2, 3, 2]
activation = ["leaky_relu", "sigmoid"]
loss = "half_sse"
learning_rate = 0.1
optimizer = { name = "adam", betas = [0.9, 0.999], eps = 1e-8 }
steps = 2
inputs = [0.5, -0.3]
targets = [0.2, 0.9]
weights = { random = "uniform", seed = 5 }
"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_two_adam_steps_each_worked_for_one_parameter(tmp_path: Path, lang: str) -> None:
    require_module("torch")
    import torch

    from symbp.torchcheck.check import torch_loss_and_gradients

    path = tmp_path / "net.toml"
    path.write_text(LEAKY_ADAM, encoding="utf-8")
    spec = load_spec(path)
    parameters = torch.tensor(spec.weights, dtype=torch.float64)
    optimizer = torch.optim.Adam([parameters], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    w1_after, losses = [], []
    for _ in range(2):
        loss, gradients, _ = torch_loss_and_gradients(spec, weights=parameters.tolist())
        losses.append(loss)
        parameters.grad = torch.tensor(gradients, dtype=torch.float64)
        optimizer.step()
        w1_after.append(float(parameters[0]))
    losses.append(torch_loss_and_gradients(spec, weights=parameters.tolist())[0])

    text = symbp.problem(spec).handout(check=False, lang=lang).render("markdown")
    heading = "### Update {}" if lang == "en" else "### 第 {} 次更新"
    assert [heading.format(k) in text for k in (1, 2, 3)] == [True, True, False]
    # w1 ← … at update 1, p⁽²⁾ of w1 ← … at update 2 (p⁽¹⁾, g⁽²⁾: that round's values)
    updates = re.findall(
        r"^(?:w_\{1\}|p\^\{\(2\)\}_\{w_\{1\}\}) &\\leftarrow .* = (-?[\d.]+)$", text, flags=re.M
    )
    assert updates == [significant(v) for v in w1_after]
    # one parameter worked per update: the others are table rows (w2 … w12 twice)
    assert len(re.findall(r"^\| \$w_\{12\}\$", text, flags=re.M)) == 2
    assert not re.search(r"^w_\{2\} &\\leftarrow", text, flags=re.M)
    for loss in losses:
        assert significant(loss) in text
