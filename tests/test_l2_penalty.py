"""regularization = { l2 = λ }: an L2 penalty written into L, ½λΣw² (or λΣw²), on the
weights (and the biases with biases = true): deeplearning.ai's regularised cost reproduced,
λw in every weight's gradient, torch (autograd and 5 rounds of SGD, Adam) on three networks,
export --torch, and a negative λ refused in one line."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from symbp.cli import main
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import spec_from_mapping

from .conftest import require_module
from .torch_agreement import NETWORKS, gradient_difference, network_spec, training_difference


def test_deeplearning_ai_regularised_cost() -> None:
    # deeplearning.ai, Improving Deep Neural Networks, week 1 "Regularization" assignment:
    # compute_cost_with_regularization(A3, Y, parameters, lambd=0.1) → cost = 1.78648594516,
    # J = −(1/m)Σ[y log a + (1 − y) log(1 − a)] + (1/m)(λ/2)Σ‖W‖², with its test case:
    # np.random.seed(1); W1 = randn(2, 3), b1 = randn(2, 1), W2 = randn(3, 2), b2 = randn(3, 1),
    # W3 = randn(1, 3), b3 = randn(1, 1); Y = [1, 1, 0, 1, 0];
    # A3 = [0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402].
    # symbp's penalty is ½λΣw² on the mean of the samples' losses, so deeplearning.ai's λ/m is
    # symbp's l2. A 3-2-3-1 network with those W (identity hidden units, no biases, a sigmoid
    # output, bce) whose inputs are chosen so that its outputs are A3.
    import numpy as np

    rng = np.random.RandomState(1)
    w1 = rng.randn(2, 3)
    rng.randn(2, 1)
    w2 = rng.randn(3, 2)
    rng.randn(3, 1)
    w3 = rng.randn(1, 3)
    a3 = [0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]
    row = (w3 @ w2 @ w1).reshape(-1)  # z_o = row · x with identity hidden layers
    inputs = [[float(v) for v in math.log(a / (1 - a)) * row / float(row @ row)] for a in a3]
    # layered numbering: weights by layer, target-major, as deeplearning.ai's W[target, source]
    weights = [float(v) for w in (w1, w2, w3) for v in w.reshape(-1)]
    spec = spec_from_mapping(
        {
            "layers": [3, 2, 3, 1],
            "activation": ["identity", "identity", "sigmoid"],
            "loss": "bce",
            "numbering": "layered",
            "inputs": inputs,
            "targets": [[1], [1], [0], [1], [0]],
            "weights": weights,
            "regularization": {"l2": 0.1 / 5},
        }
    )
    cost, _ = CompiledNetwork(Network(spec)).batch_loss_and_gradients(spec.parameters)
    assert round(cost, 11) == 1.78648594516


def test_lambda_w_in_every_gradient() -> None:
    # the penalty's gradient is λw (half convention) or 2λw (full): the difference between a
    # regularised and a plain network's gradients, weight by weight
    base: dict[str, Any] = {
        "layers": [2, 2, 1],
        "activation": ["tanh", "sigmoid"],
        "loss": "bce",
        "inputs": [0.5, -0.3],
        "targets": [1.0],
        "weights": [0.2, -0.4, 0.5, 0.6, 0.1, -0.5],
        "bias": "per-unit",
        "bias_values": [0.1, 0.2, -0.3],
    }
    plain = CompiledNetwork(Network(spec_from_mapping(base))).evaluate().gradients
    for regularization, scale, biases in (
        ({"l2": 0.1}, 0.1, False),
        ({"l2": 0.1, "l2_convention": "full"}, 0.2, False),
        ({"l2": 0.3, "biases": True}, 0.3, True),
    ):
        spec = spec_from_mapping({**base, "regularization": regularization})
        penalised = CompiledNetwork(Network(spec)).evaluate().gradients
        values = spec.parameters
        for index, (a, b) in enumerate(zip(penalised, plain, strict=True)):
            is_weight = index < len(spec.weights)
            expected = scale * values[index] if (is_weight or biases) else 0.0
            assert a - b == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("index", range(len(NETWORKS)))
@pytest.mark.parametrize(
    ("regularization", "optimizer"),
    [
        ({"l2": 0.1}, "sgd"),
        ({"l2": 0.05, "l2_convention": "full", "biases": True}, "sgd"),
        ({"l2": 0.2}, "adam"),
    ],
)
def test_agrees_with_torch(
    regularization: dict[str, Any], optimizer: str, index: int, report_figure: Any
) -> None:
    spec = network_spec(index, "half_sse", regularization=regularization, optimizer=optimizer)
    gradients = gradient_difference(spec)
    training = training_difference(spec)
    report_figure(
        f"l2 {regularization} {optimizer} network {index + 1}: gradients {gradients:.1e}, "
        f"5 rounds {training:.1e} from torch"
    )
    assert gradients <= 1e-12 and training <= 1e-12


def test_export_torch_writes_the_penalty(tmp_path: Path) -> None:
    import subprocess
    import sys

    from symbp.torchcheck.bridge import torch_script

    require_module("torch")
    spec = network_spec(0, "half_sse", regularization={"l2": 0.1, "biases": True})
    script = tmp_path / "s.py"
    script.write_text(torch_script(spec), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    printed = dict(line.split(" = ") for line in done.stdout.splitlines() if line.startswith("L ="))
    loss, _ = CompiledNetwork(Network(spec)).batch_loss_and_gradients(spec.parameters)
    assert float(printed["L"]) == pytest.approx(loss, abs=1e-15)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("{ l2 = -0.1 }", "l2 must be ≥ 0, not -0.1"),
        ('{ l2 = 0.1, l2_convention = "double" }', "unknown l2_convention 'double'"),
        ("{ l1 = 0.1 }", "unknown key 'l1'"),
    ],
)
def test_bad_regularization_is_one_line(
    tmp_path: Path, table: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(
        "layers = [1, 1]\ninputs = [1]\ntargets = [0]\nweights = [0.5]\n"
        f"regularization = {table}\n",
        encoding="utf-8",
    )
    assert main(["step", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


#: a trial's homework on its l2.toml (2-2-2, tanh then identity, half_sse, λ = 0.1): every
#: gradient written without the penalty's λw, L (which holds R) right
L2_TRIAL = {
    "title": "l2.toml",
    "layers": [2, 2, 2],
    "activation": ["tanh", "identity"],
    "bias": "per-unit",
    "bias_values": [0.1, -0.2, 0.3, 0.05],
    "inputs": [0.5, -1.2],
    "weights": [0.4, -0.7, 0.9, 0.3, 1.2, -0.8, 0.6, 1.1],
    "learning_rate": 0.5,
    "loss": "half_sse",
    "targets": [1.5, -0.3],
    "regularization": {"l2": 0.1},
}


def _l2_trial_by_torch() -> tuple[float, list[float], list[float]]:
    """L, and ∂L/∂w (w1…w8 by source) without and with the penalty, by torch autograd."""
    require_module("torch")
    import torch

    x = torch.tensor([0.5, -1.2], dtype=torch.float64)
    w = torch.tensor(L2_TRIAL["weights"], dtype=torch.float64, requires_grad=True)
    # by-source: w1 x1→h1, w2 x1→h2, w3 x2→h1, w4 x2→h2, w5 h1→o1, w6 h1→o2, w7 h2→o1, …
    w1 = w[:4].reshape(2, 2).T
    w2 = w[4:].reshape(2, 2).T
    h = torch.tanh(w1 @ x + torch.tensor([0.1, -0.2], dtype=torch.float64))
    o = w2 @ h + torch.tensor([0.3, 0.05], dtype=torch.float64)
    data = 0.5 * ((o - torch.tensor([1.5, -0.3], dtype=torch.float64)) ** 2).sum()
    (data_gradient,) = torch.autograd.grad(data, w, retain_graph=True)
    loss = data + 0.5 * 0.1 * (w**2).sum()
    (gradient,) = torch.autograd.grad(loss, w)
    return float(loss), data_gradient.tolist(), gradient.tolist()


def test_check_hand_names_the_forgotten_penalty() -> None:
    """The penalty's λw left out of every gradient is named, and reproduces the numbers; no
    mistake that changes nothing here (σ′ missing on an identity output, σ′ = 1) is named."""
    import symbp

    loss, without, right = _l2_trial_by_torch()
    assert right[0] == pytest.approx(without[0] + 0.1 * 0.4)
    lines = [f"L = {loss:.4g}", "eta = 0.5"]
    lines += [f"dL/dw{k} = {without[k - 1]:.4g}" for k in (1, 5, 8)]
    lines.append(f"w5_new = {1.2 - 0.5 * without[4]:.4g}")
    problem = symbp.problem(spec_from_mapping(L2_TRIAL))
    report = problem.check_hand("\n".join(lines))
    assert set(report.wrong) == {"dL/dw1", "dL/dw5", "dL/dw8", "w5_new"}
    assert report.mistakes == ("penalty_forgotten",)
    named = {key for d in report.report.diagnoses for key in d.keys}
    assert not named & {"missing_sigma_prime", "missing_sigma_prime_output", "labels_swapped"}
    # the right numbers, written, are all right: the penalty is in every variant but this one
    right_lines = [f"dL/dw{k} = {right[k - 1]:.4g}" for k in (1, 5, 8)]
    assert problem.check_hand("\n".join(right_lines)).all_right


def test_r_is_defined_and_a_loss_term(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R is defined wherever L shows it (handout, derive, JSON) with λ and what it covers, and
    problem.loss_terms gives the data loss's terms and R (a trial found {})."""
    import json

    import symbp

    problem = symbp.problem(spec_from_mapping(L2_TRIAL))
    terms = problem.loss_terms
    # R = ½·0.1·Σw² = 0.05 × (0.16 + 0.49 + 0.81 + 0.09 + 1.44 + 0.64 + 0.36 + 1.21) = 0.26
    assert terms["R"] == pytest.approx(0.26, abs=1e-15)
    assert set(terms) == {"L_o1", "L_o2", "R"}
    assert math.fsum(terms.values()) == pytest.approx(problem.evaluation.loss, abs=1e-12)
    spec = tmp_path / "l2.json"
    spec.write_text(json.dumps(L2_TRIAL), encoding="utf-8")
    assert main(["derive", "--spec", str(spec), "--wrt", "w1", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["loss_terms"]["R"] == pytest.approx(0.26, abs=1e-15)
    assert document["penalty"]["lambda"] == 0.1
    assert document["penalty"]["parameters"] == [f"w{k}" for k in range(1, 9)]
    assert main(["derive", "--spec", str(spec), "--wrt", "w1"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "R is the L2 penalty R = ½λ·Σw² with λ = 0.1, over the weights only" in text
    assert "weight_decay" in text
    out = tmp_path / "handout.md"
    assert main(["handout", "--spec", str(spec), "-o", str(out)]) == 0
    handout = " ".join(out.read_text(encoding="utf-8").split())
    assert "R is the L2 penalty" in handout and "weight\\_decay" in handout
