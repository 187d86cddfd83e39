"""smooth_l1, l1, hinge (CS231n), multi_margin (torch.nn.MultiMarginLoss) and nll, each one
table entry: torch autograd and 5 rounds of torch.optim on three networks (the largest
difference reported), CS231n's worked SVM example, torch's conventions at the kinks, and bad
parameters refused in one line."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from symbp.cli import main
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import spec_from_mapping

from .conftest import require_module
from .torch_agreement import NETWORKS, gradient_difference, network_spec, training_difference

#: (loss, its parameter, class-index targets)
ROWS: tuple[tuple[str, dict[str, Any], bool], ...] = (
    ("smooth_l1", {}, False),
    ("smooth_l1", {"beta": 0.4}, False),
    ("l1", {}, False),
    ("hinge", {}, True),
    ("hinge", {"margin": 0.3}, True),
    ("multi_margin", {}, True),
    ("multi_margin", {"margin": 2.0}, True),
    ("nll", {}, True),
)


@pytest.mark.parametrize("index", range(len(NETWORKS)))
@pytest.mark.parametrize(("loss", "parameter", "classes"), ROWS)
def test_agrees_with_torch(
    loss: str,
    parameter: dict[str, Any],
    classes: bool,
    index: int,
    report_figure: Any,
) -> None:
    spec = network_spec(index, loss, class_targets=classes, **parameter)
    gradients = gradient_difference(spec)
    training = training_difference(spec)
    report_figure(
        f"{loss} {parameter or ''} network {index + 1}: gradients {gradients:.1e}, "
        f"5 rounds {training:.1e} from torch"
    )
    assert gradients <= 1e-12 and training <= 1e-12


def _scores_network(loss: str, scores: list[float], target: int, **keys: Any) -> Network:
    """A network whose outputs are `scores` themselves: identity weights, identity output."""
    k = len(scores)
    identity = [1.0 if i == j else 0.0 for i in range(k) for j in range(k)]
    data = {
        "layers": [k, k],
        "activation": "identity",
        "loss": loss,
        "inputs": scores,
        "targets": target,
        "weights": identity,
        **keys,
    }
    return Network(spec_from_mapping(data))


def test_cs231n_svm_loss_and_its_gradient() -> None:
    # cs231n.github.io/linear-classify/ (Multiclass SVM loss): scores s = [13, −7, 11], the
    # first class correct, Δ = 10: L_i = max(0, −7 − 13 + 10) + max(0, 11 − 13 + 10) = 0 + 8.
    # Gradient by hand: only the third margin is positive, so ∂L/∂s_3 = 1, ∂L/∂s_2 = 0 and
    # ∂L/∂s_1 = −(number of positive margins) = −1.
    network = _scores_network("hinge", [13.0, -7.0, 11.0], 0, margin=10)
    evaluation = CompiledNetwork(network).evaluate()
    assert evaluation.loss == 8.0
    # with identity weights ∂L/∂w_(i→j) = s_i·∂L/∂s_j; by-source numbering puts w1..w3 on x1
    by_hand = [-1.0, 0.0, 1.0]
    gradients = evaluation.gradients
    for j, d_score in enumerate(by_hand):
        assert gradients[j] == 13.0 * d_score
    # torch.nn.MultiMarginLoss is the same divided by the 3 classes
    per_class = _scores_network("multi_margin", [13.0, -7.0, 11.0], 0, margin=10)
    assert CompiledNetwork(per_class).evaluate().loss == pytest.approx(8.0 / 3, rel=1e-15)


def test_hinge_kink_is_torchs() -> None:
    # s = [1, 2, 0], class 2 (index 1), Δ = 1: the first margin 1 − 2 + 1 is exactly 0;
    # torch.nn.MultiMarginLoss gives no gradient there (its margin must be > 0), and L = 0
    require_module("torch")
    import torch

    x = torch.tensor([[1.0, 2.0, 0.0]], dtype=torch.float64, requires_grad=True)
    torch.nn.MultiMarginLoss()(x, torch.tensor([1])).backward()
    assert x.grad is not None and not x.grad.any()
    evaluation = CompiledNetwork(_scores_network("hinge", [1.0, 2.0, 0.0], 1)).evaluate()
    assert evaluation.loss == 0.0 and not any(evaluation.gradients)


def test_l1_at_zero_is_torchs_sign() -> None:
    # |d| at d = 0: torch's L1Loss backward is sign(0) = 0
    network = Network(
        spec_from_mapping(
            {
                "layers": [1, 2],
                "activation": "identity",
                "loss": "l1",
                "inputs": [1.0],
                "targets": [0.5, 0.0],
                "weights": [0.5, 2.0],
            }
        )
    )
    # o = [0.5, 2]: d = [0, 2], so ∂L/∂w1 = sign(0)/2 = 0, ∂L/∂w2 = x·sign(2)/2 = 0.5
    assert CompiledNetwork(network).evaluate().gradients == (0.0, 0.5)


def test_nll_is_minus_the_correct_output() -> None:
    # log-probabilities in: L = −o_y; log(0.2), log(0.5), log(0.3) with class 1 → −log 0.5
    import math

    scores = [math.log(0.2), math.log(0.5), math.log(0.3)]
    evaluation = CompiledNetwork(_scores_network("nll", scores, 1)).evaluate()
    assert evaluation.loss == pytest.approx(math.log(2), rel=1e-15)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('loss = "hinge"\nmargin = -1\ntargets = 0', "margin must be at least 0, not -1"),
        ('loss = "smooth_l1"\nbeta = 0\ntargets = [0, 1]', "beta must be greater than 0"),
        ('loss = "nll"\ntargets = [0, 1]', "nll targets must be a class index (0..1)"),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path, lines: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(
        f"layers = [1, 2]\nactivation = 'identity'\ninputs = [1]\nweights = [0.5, 1]\n{lines}\n",
        encoding="utf-8",
    )
    assert main(["step", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_output_objective_over_several_outputs() -> None:
    # L = o1 + o3 (NNFS, chapter 9: the gradient arriving at each chosen output is 1, its
    # "dvalues" of ones). By hand, one sample x = (0.5, −1), tanh outputs, w by source:
    # z_o1 = 0.1·0.5 + 0.4·(−1) = −0.35, z_o3 = 0.3·0.5 + 0.6·(−1) = −0.45;
    # ∂L/∂w1 = (1 − tanh²(−0.35))·0.5 and o2's weights get nothing.
    import math

    data = {
        "layers": [2, 3],
        "activation": "tanh",
        "loss": "output",
        "output": ["o1", "o3"],
        "inputs": [0.5, -1.0],
        "weights": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    }
    evaluation = CompiledNetwork(Network(spec_from_mapping(data))).evaluate()
    assert evaluation.loss == pytest.approx(math.tanh(-0.35) + math.tanh(-0.45), rel=1e-15)
    gradients = dict(zip(("w1", "w2", "w3", "w4", "w5", "w6"), evaluation.gradients, strict=True))
    assert gradients["w1"] == pytest.approx((1 - math.tanh(-0.35) ** 2) * 0.5, rel=1e-14)
    assert gradients["w2"] == 0.0 and gradients["w5"] == 0.0


@pytest.mark.parametrize("index", range(len(NETWORKS)))
def test_output_objective_agrees_with_torch(index: int, report_figure: Any) -> None:
    layers, activations, keys, inputs = NETWORKS[index]
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    data = {
        "layers": layers,
        "activation": activations[:-1] + ["tanh"],
        "loss": "output",
        "output": ["o1", "o2"],
        "inputs": inputs if len(inputs) > 1 else inputs[0],
        "weights": [round(0.05 * ((3 * i) % 13) - 0.3, 2) for i in range(n_weights)],
        "learning_rate": 0.2,
        **keys,
    }
    spec = spec_from_mapping(data)
    gradients = gradient_difference(spec)
    training = training_difference(spec)
    report_figure(
        f"output = o1 + o2 network {index + 1}: gradients {gradients:.1e}, "
        f"5 rounds {training:.1e} from torch"
    )
    assert gradients <= 1e-12 and training <= 1e-12


@pytest.mark.parametrize(
    ("output", "message"),
    [('["o1", "o1"]', "output names an output twice"), ('["o1", "o9"]', "not the string 'o9'")],
)
def test_bad_output_list_is_one_line(
    tmp_path: Path, output: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(
        f'layers = [1, 2]\nloss = "output"\noutput = {output}\ninputs = [1]\nweights = [1, 2]\n',
        encoding="utf-8",
    )
    assert main(["step", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_json_spec_and_python_api(tmp_path: Path) -> None:
    # the same keys in a JSON spec, through the Python API: CS231n's example with a penalty
    # and one RMSprop step (the penalty ½·0.1·Σw² = 0.05·3 on the identity weights)
    import json

    import symbp

    document = {
        "layers": [3, 3],
        "activation": "identity",
        "loss": "hinge",
        "margin": 10,
        "inputs": [13, -7, 11],
        "targets": 0,
        "weights": [1, 0, 0, 0, 1, 0, 0, 0, 1],
        "regularization": {"l2": 0.1},
        "optimizer": {"name": "rmsprop", "alpha": 0.9},
        "learning_rate": 0.01,
    }
    path = tmp_path / "cs231n.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    problem = symbp.problem(path)
    assert problem.evaluation.loss == pytest.approx(8.0 + 0.05 * 3, abs=1e-15)
    step = problem.step()
    # w1's gradient: 13·(−1) + 0.1·1 = −12.9; RMSprop's first step is −η·g/(√(0.1·g²) + ε)
    g = -12.9
    expected = 1 - 0.01 * g / (math.sqrt(0.1 * g * g) + 1e-8)
    assert step.new_weights[0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize(
    ("wrt", "expected"),
    [
        ("o1", "-1[10 - o1 + o2 > 0] - 1[10 - o1 + o3 > 0]"),
        ("o2", "1[10 - o1 + o2 > 0]"),
        ("o3", "1[10 - o1 + o3 > 0]"),
    ],
)
def test_hinge_derivative_displayed_per_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wrt: str, expected: str
) -> None:
    # CS231n's scores [13, −7, 11], class 1 (index 0), Δ = 10, worked by hand: o_y is o1, so
    # ∂L/∂o_j = 1[o_j − o1 + 10 > 0] for j ≠ 1 and ∂L/∂o1 = −Σ_{j≠1} 1[o_j − o1 + 10 > 0];
    # the indicators' numbers are 1[10 − 13 + (−7) > 0] = 0 and 1[10 − 13 + 11 > 0] = 1
    path = tmp_path / "cs231n.toml"
    path.write_text(
        'layers = [3, 3]\nactivation = "identity"\nloss = "hinge"\nmargin = 10\n'
        "inputs = [13, -7, 11]\ntargets = 0\n"
        "weights = [1, 0, 0, 0, 1, 0, 0, 0, 1]\n",
        encoding="utf-8",
    )
    assert main(["derive", "--spec", str(path), "--wrt", wrt, "--no-check"]) == 0
    text = capsys.readouterr().out
    line = next(
        row
        for row in text.splitlines()
        if row.strip().startswith(f"∂L/∂{wrt} =") and "1[" in row  # the local derivative
    )
    formula = line.split("=", 1)[1].strip()
    assert formula.startswith(expected)
    assert "y1" not in text.split("Closed form")[0]  # the one-hot sum Σ y_m·o_m is gone
    value = {"o1": -1.0, "o2": 0.0, "o3": 1.0}[wrt]
    assert float(line.rsplit("=", 1)[1]) == value


@pytest.mark.parametrize(
    ("loss", "weight", "unit", "expected"),
    [
        # CS231n's scores s = (13, −7, 11), class 1, Δ = 10: margins s2 − s1 + Δ = −10 and
        # s3 − s1 + Δ = 8, so ∂L/∂s1 = −1, ∂L/∂s2 = 0, ∂L/∂s3 = +1 (multi_margin: ÷3)
        ("hinge", "w1", "o1", -1.0),
        ("hinge", "w2", "o2", 0.0),
        ("hinge", "w3", "o3", 1.0),
        ("multi_margin", "w1", "o1", -1 / 3),
        ("multi_margin", "w3", "o3", 1 / 3),
    ],
)
def test_hinge_sign_argues_with_the_margins(
    loss: str, weight: str, unit: str, expected: float, tmp_path: Path, capsys: Any
) -> None:
    """'Why the sign' for a class-index margin loss names the margins s_j − s_y + Δ, never "o1 is
    above its target y1" (y is a class flag), and the sign it claims is the value's sign."""
    spec = tmp_path / "svm.toml"
    spec.write_text(
        f'layers = [1, 3]\nactivation = "identity"\ninputs = [1.0]\nweights = [13, -7, 11]\n'
        f'learning_rate = 0.1\nloss = "{loss}"\nmargin = 10\ntargets = 0\n',
        encoding="utf-8",
    )
    assert main(["derive", "--spec", str(spec), "--wrt", weight]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "its target" not in text
    if unit in ("o1", "o2"):
        assert re.search(r"o2 - o1 \+ 10(\.0+)? = -10\.0+", text)
    if unit in ("o1", "o3"):
        assert re.search(r"o3 - o1 \+ 10(\.0+)? = 8\.0+", text)
    claim = re.search(rf"so ∂L/∂{unit} = (-?[0-9.]+) is (positive|negative|zero)", text)
    assert claim is not None
    value = float(claim.group(1))
    assert value == pytest.approx(expected, abs=5e-4)
    sign = "positive" if value > 0 else "negative" if value < 0 else "zero"
    assert claim.group(2) == sign


@pytest.mark.parametrize(("loss", "third"), [("hinge", ""), ("multi_margin", r"\frac{1}{3} ")])
def test_loss_line_is_cs231n_form_with_the_class_in(
    loss: str, third: str, tmp_path: Path, capsys: Any
) -> None:
    """The handout's Loss: line and check-hand's mistake words write the worked sample's class
    in (CS231n: Σ_{j≠y} max(0, s_j − s_y + Δ), class 1 here), not the one-hot expansion."""
    spec = tmp_path / "svm.toml"
    spec.write_text(
        f'layers = [1, 3]\nactivation = "identity"\ninputs = [1.0]\nweights = [13, -7, 11]\n'
        f'learning_rate = 0.1\nloss = "{loss}"\nmargin = 10\ntargets = 0\n',
        encoding="utf-8",
    )
    out = tmp_path / "handout.md"
    assert main(["handout", "--spec", str(spec), "-o", str(out)]) == 0
    line = next(x for x in out.read_text(encoding="utf-8").splitlines() if x.startswith("Loss:"))
    assert "y_{" not in line
    assert (
        rf"L = {third}\max\left(0, 10 - o_{{1}} + o_{{2}}\right) + "
        rf"{third}\max\left(0, 10 - o_{{1}} + o_{{3}}\right)"
    ) in line
    homework = tmp_path / "hw.txt"
    # the output error's sign flipped: ∂L/∂w1 = +1, ∂L/∂w3 = −1 (÷3 for multi_margin)
    share = 1 if loss == "hinge" else 1 / 3
    homework.write_text(f"dL/dw1 = {share:.4g}\ndL/dw3 = {-share:.4g}\n", encoding="utf-8")
    capsys.readouterr()
    main(["check-hand", "--spec", str(spec), str(homework)])
    report = capsys.readouterr().out
    assert "y1" not in report and "1[10 - o1 + o3 > 0]" in " ".join(report.split())


def test_log_softmax_is_refused_with_a_pointer(tmp_path: Path, capsys: Any) -> None:
    """activation = "log_softmax" is refused in one line pointing at softmax + cross_entropy,
    which is torch's LogSoftmax + NLLLoss: the same L (checked with torch here)."""
    require_module("torch")
    import torch
    from torch import nn

    data = {
        "layers": [2, 3],
        "activation": "log_softmax",
        "inputs": [0.5, -1.0],
        "weights": [0.2, -0.4, 0.7, 0.1, -0.3, 0.5],
        "numbering": "by-target",
        "learning_rate": 0.1,
        "loss": "nll",
        "targets": 2,
    }
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(data), encoding="utf-8")
    assert main(["derive", "--spec", str(spec), "--wrt", "w1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "activation 'softmax' with loss 'cross_entropy'" in err
    same = dict(data, activation="softmax", loss="cross_entropy")
    network = Network(spec_from_mapping(same))
    loss = CompiledNetwork(network).evaluate().loss
    z = torch.tensor([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], dtype=torch.float64) @ torch.tensor(
        [0.5, -1.0], dtype=torch.float64
    )
    by_torch = nn.NLLLoss()(nn.LogSoftmax(dim=1)(z[None]), torch.tensor([2]))
    assert loss == pytest.approx(float(by_torch), abs=1e-14)
