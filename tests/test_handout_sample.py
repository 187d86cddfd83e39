"""`handout --sample N`: the sample worked step by step, when a spec has several."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import symbp
from symbp.cli import main
from symbp.content.numbers import significant
from symbp.core.spec import load_spec

from .conftest import require_module

XOR = """
title = "XOR"
layers = [2, 2, 1]
activation = ["tanh", "sigmoid"]
loss = "half_sse"
learning_rate = 0.5
inputs = [[0, 0], [0, 1], [1, 0], [1, 1]]
targets = [[0], [1], [1], [0]]
reduction = "mean"
weights = [0.3, -0.2, 0.4, 0.1, 0.5, -0.6]
"""


@pytest.fixture
def xor(tmp_path: Path) -> Path:
    path = tmp_path / "xor.toml"
    path.write_text(XOR, encoding="utf-8")
    return path


def test_the_chosen_sample_is_worked(xor: Path) -> None:
    # sample (0, 0) makes every first-layer gradient 0 × δ; sample 4 = (1, 1) does not
    require_module("torch")
    from symbp.torchcheck.check import torch_loss_and_gradients

    spec = load_spec(xor)
    x, y = spec.samples[3]
    loss_4, gradients_4, _ = torch_loss_and_gradients(
        replace(spec, inputs=x, targets=y, all_samples=())
    )
    text = symbp.problem(spec).handout(check=False, sample=4).render("markdown")
    assert "The values below are sample 4's" in text
    assert "L^{(4)} &= " in text and significant(loss_4) in text
    # ∂L⁽⁴⁾/∂w1 = δ_h1 · x1 with x1 = 1: torch's per-sample gradient, to 4 digits
    assert r"\frac{\partial L^{(4)}}{\partial w_{1}}" in text
    assert significant(gradients_4[0]) in text


@pytest.mark.parametrize("bad", ["0", "5", "-1"])
def test_a_sample_out_of_range_is_one_line_and_exit_2(
    xor: Path, tmp_path: Path, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["handout", "--spec", str(xor), "-o", str(tmp_path / "h.md"), "--sample", bad])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--sample" in err and "1 to 4" in err
