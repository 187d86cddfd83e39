"""The README's specs of the other kinds of model (examples/models/) run as printed and give the
numbers worked here by hand or by numpy, independently of symbp."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from symbp.cli import main

MODELS = Path(__file__).resolve().parents[1] / "examples" / "models"


def _json(capsys: pytest.CaptureFixture[str], spec: str, *extra: str) -> dict:
    assert (
        main(["derive", "--spec", str(MODELS / spec), "--format", "json", "--no-check", *extra])
        == 0
    )
    return json.loads(capsys.readouterr().out)


def test_cs231n_circuit(capsys: pytest.CaptureFixture[str]) -> None:
    # CS231n "Backpropagation, Intuitions": f = (x + y)z = 3 × (−4) = −12; ∂f/∂x = ∂f/∂y = z = −4,
    # ∂f/∂z = x + y = 3
    data = _json(capsys, "circuit_cs231n.toml", "--all")
    assert data["value"] == -12.0
    assert data["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_prachub_rnn(capsys: pytest.CaptureFixture[str]) -> None:
    # h1 = tanh(0.5·1) , h2 = tanh(0.5·2 + 0.1·h1), y_t = 2h_t, L = ½Σ(y_t − target_t)²
    h1 = math.tanh(0.5)
    h2 = math.tanh(1.0 + 0.1 * h1)
    loss = 0.5 * ((2 * h1 - 1) ** 2 + (2 * h2 - 2) ** 2)
    assert round(h1, 4) == 0.4621 and round(h2, 4) == 0.7803  # prachub prints 0.7790
    data = _json(capsys, "rnn_prachub.toml", "--all")
    assert abs(data["loss"] - loss) < 1e-14
    # ∂L/∂W_hy = Σ_t (y_t − target_t)·h_t
    expected = (2 * h1 - 1) * h1 + (2 * h2 - 2) * h2
    assert abs(data["gradients"]["W_hy[0,0]"] - expected) < 1e-14


def test_teaching_convolution(capsys: pytest.CaptureFixture[str]) -> None:
    x = np.arange(1, 17, dtype=float).reshape(4, 4) / 10
    kernels = np.array(
        [
            [[0.1, 0.2, -0.1], [0.0, 0.3, 0.1], [-0.2, 0.1, 0.2]],
            [[0.2, -0.1, 0.1], [0.1, 0.1, -0.3], [0.2, 0.0, 0.1]],
        ]
    )
    bias = np.array([0.1, -0.2])
    z = np.array(
        [[[np.sum(x[i : i + 3, j : j + 3] * k) + b for j in range(2)] for i in range(2)]
         for k, b in zip(kernels, bias, strict=True)]
    )  # fmt: skip
    pooled = np.maximum(z, 0).reshape(2, -1).max(axis=1)
    dense = np.array([[0.5, -0.4], [0.3, 0.8]])
    out = 1 / (1 + np.exp(-(dense @ pooled)))
    loss = 0.5 * np.sum((out - np.array([1.0, 0.0])) ** 2)
    data = _json(capsys, "conv_teaching.toml", "--all")
    assert abs(data["loss"] - loss) < 1e-14
