"""`derive --wrt` on a unit of a network with a parameterised loss (huber's delta, smooth_l1's
beta, hinge's and multi_margin's margin): the unit-gradient torch check passes the loss's own
number (a trial found it passed None), and the value agrees with torch autograd in the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from symbp.cli import main
from symbp.core.operations import LOSSES

from .conftest import require_module

#: every loss the table gives a number, with a value unlike its default
PARAMETERISED = tuple(loss for loss in LOSSES if loss.parameter is not None)
VALUES = {"delta": 0.5, "beta": 0.4, "margin": 2.0}

INPUTS = [0.5, -1.2]
WEIGHTS = [0.4, -0.7, 0.9, 0.3, 1.2, -0.8, 0.6, 1.1, -0.5, 0.2]


def _spec(loss: Any) -> dict[str, Any]:
    key = loss.parameter.key
    return {
        "title": f"{loss.name} unit check",
        "layers": [2, 2, 3],
        "activation": ["tanh", "identity"],
        "inputs": INPUTS,
        "numbering": "by-target",  # w1: x1→h1, w2: x2→h1, …: row-major below
        "weights": WEIGHTS,
        "learning_rate": 0.1,
        "loss": loss.name,
        key: VALUES[key],
        "targets": 0 if loss.index_targets else [1.5, -0.3, 0.2],
    }


def _by_torch(loss: Any) -> dict[str, float]:
    """∂L/∂o1 and ∂L/∂h1 by torch autograd, worked without symbp: torch's loss module on the
    sample, scaled to symbp's L of one sample (huber/smooth_l1: Σ over outputs ÷ K, torch's
    mean; hinge: CS231n's sum, K × torch's; multi_margin: torch's own)."""
    require_module("torch")
    import torch
    from torch import nn

    x = torch.tensor([INPUTS], dtype=torch.float64)
    w = torch.tensor(WEIGHTS, dtype=torch.float64, requires_grad=True)
    w1, w2 = w[:4].reshape(2, 2), w[4:].reshape(3, 2)
    h = torch.tanh(x @ w1.T)
    h.retain_grad()
    o = h @ w2.T
    o.retain_grad()
    key = loss.parameter.key
    module = getattr(nn, loss.torch_module)(**{key: VALUES[key]})
    if loss.index_targets:
        value = module(o, torch.tensor([0]))
        value = value * 3 if loss.name == "hinge" else value
    else:
        value = module(o, torch.tensor([[1.5, -0.3, 0.2]], dtype=torch.float64))
    value.backward()
    return {"o1": float(o.grad[0, 0]), "h1": float(h.grad[0, 0])}


@pytest.mark.parametrize("loss", PARAMETERISED, ids=lambda loss: loss.name)
def test_wrt_a_unit_checks_with_the_losss_number(
    loss: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _by_torch(loss)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_spec(loss)), encoding="utf-8")
    for unit in ("o1", "h1"):
        code = main(["derive", "--wrt", unit, "--spec", str(spec), "--format", "json"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        found = json.loads(captured.out)["unit_derivations"][0]["gradient"]
        assert found == pytest.approx(expected[unit], abs=1e-12), (loss.name, unit)
        code = main(["derive", "--wrt", unit, "--spec", str(spec)])
        text = capsys.readouterr().out
        assert code == 0 and "agrees" in text, (loss.name, unit)
