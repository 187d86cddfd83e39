"""Recurrent networks (issue 22): the spec, the unrolled graph, every loss of the table, the CLI
(derive, check, handout, export --torch), bad input as one line with exit status 2, and random
networks against torch (nn.RNN and a loop written here) to 1e-10.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.api.rnn import rnn
from symbp.cli import main
from symbp.core.operations import LOSSES, loss_info
from symbp.core.rnn import build_rnn, derive_rnn
from symbp.core.rnn_spec import rnn_spec_from_mapping
from symbp.errors import SymbpError
from tests.conftest import require_module

PRACHUB = {
    "title": "prachub",
    "layers": [1, {"rnn": 1, "activation": "tanh"}, {"dense": 1, "activation": "identity"}],
    "inputs": [[1.0], [2.0]],
    "targets": [[1.0], [2.0]],
    "initial_state": [0.0],
    "weights": {"W_xh": [[0.5]], "W_hh": [[0.1]], "W_hy": [[2.0]]},
    "bias": "none",
    "loss": "half_sse",
}

TOML = """\
title = "prachub"
layers = [1, { rnn = 1, activation = "tanh" }, { dense = 1, activation = "identity" }]
inputs = [[1.0], [2.0]]
targets = [[1.0], [2.0]]
initial_state = [0.0]
weights = { W_xh = [[0.5]], W_hh = [[0.1]], W_hy = [[2.0]] }
bias = "none"
loss = "half_sse"
"""


def _two_unit(**changes: Any) -> dict[str, Any]:
    """Two sequences of three steps, 2 inputs, 2 hidden units, 2 outputs, every bias."""
    data: dict[str, Any] = {
        "layers": [2, {"rnn": 2, "activation": "tanh"}, {"dense": 2, "activation": "identity"}],
        "inputs": [
            [[0.5, -1.0], [0.2, 0.3], [-0.4, 0.8]],
            [[1.0, 0.0], [-0.5, 0.5], [0.3, -0.2]],
        ],
        "targets": [
            [[0.1, 0.2], [0.3, -0.1], [0.0, 0.5]],
            [[-0.2, 0.4], [0.6, 0.1], [0.2, 0.2]],
        ],
        "initial_state": [[0.1, -0.1], [0.0, 0.2]],
        "weights": {
            "W_xh": [[0.3, -0.2], [0.1, 0.4]],
            "W_hh": [[0.5, 0.1], [-0.3, 0.2]],
            "W_hy": [[0.7, -0.4], [0.2, 0.6]],
        },
        "bias": {"b_ih": [0.1, -0.1], "b_hh": [0.05, 0.02], "b_y": [0.0, 0.3]},
    }
    data.update(changes)
    return data


# -- torch, written here: a loop over the steps, independent of symbp's own torch module -----------


def _torch_loss_and_gradients(data: dict[str, Any]) -> tuple[float, dict[str, float]]:
    """L (half_sse, sum over steps and sequences) and every parameter's gradient by a plain
    torch loop; the cell's activation by its torch function's name."""
    import torch

    def tensor(value: Any) -> Any:
        return torch.tensor(value, dtype=torch.float64, requires_grad=True)

    weights = {name: tensor(value) for name, value in data["weights"].items()}
    bias = data.get("bias", "none")
    biases = {} if bias == "none" else {name: tensor(v) for name, v in bias.items()}
    inputs = data["inputs"]
    several = isinstance(inputs[0][0], list)
    sequences = inputs if several else [inputs]
    targets = data.get("targets")
    target_rows = (targets if several else [targets]) if targets is not None else None
    n_hidden = len(data["weights"]["W_hh"])
    initial = data.get("initial_state")
    cell = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
            "identity": lambda z: z}[data["layers"][1].get("activation", "tanh")]  # fmt: skip
    head = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
            "identity": lambda z: z}[data["layers"][2].get("activation", "identity")]  # fmt: skip
    last = data.get("target_steps", "all") == "last"
    total = torch.zeros((), dtype=torch.float64)
    for s, sequence in enumerate(sequences):
        if initial is None:
            h = torch.zeros(n_hidden, dtype=torch.float64)
        elif isinstance(initial[0], list):
            h = torch.tensor(initial[s], dtype=torch.float64)
        else:
            h = torch.tensor(initial, dtype=torch.float64)
        for t, row in enumerate(sequence):
            x = torch.tensor(row, dtype=torch.float64)
            z = weights["W_xh"] @ x + weights["W_hh"] @ h
            for name in ("b_ih", "b_hh"):
                if name in biases:
                    z = z + biases[name]
            h = cell(z)
            if last and t != len(sequence) - 1:
                continue
            u = weights["W_hy"] @ h + biases.get("b_y", 0)
            o = head(u)
            assert target_rows is not None
            y = target_rows[s] if last else target_rows[s][t]
            total = total + 0.5 * ((o - torch.tensor(y, dtype=torch.float64)) ** 2).sum()
    total.backward()
    found: dict[str, float] = {}
    for name, value in {**weights, **biases}.items():
        grad = value.grad.tolist()
        for r, row in enumerate(grad):
            if isinstance(row, list):
                for c, entry in enumerate(row):
                    found[f"{name}[{r},{c}]"] = entry
            else:
                found[f"{name}[{r}]"] = row
    return float(total.detach()), found


def test_two_sequences_two_units_every_bias_against_a_torch_loop() -> None:
    require_module("torch")
    data = _two_unit()
    loss, expected = _torch_loss_and_gradients(data)
    result = rnn(data)
    assert result.loss == pytest.approx(loss, abs=1e-12)
    assert set(result.gradients) == set(expected)
    for name, value in expected.items():
        assert result.gradients[name] == pytest.approx(value, abs=1e-12), name
    assert result.passed
    assert result.check is not None and result.check.nn_rnn  # nn.RNN has tanh


def test_the_shared_weight_is_one_leaf_summed_over_steps() -> None:
    """W_hh[0,1]'s gradient is the sum of one term per (sequence, step), each δ_t[0]·h_{t−1}[1]."""
    derivation = derive_rnn(rnn_spec_from_mapping(_two_unit()))
    model = derivation.model
    weight = model.parameter("W_hh[0,1]")
    terms = derivation.step_terms(weight)
    assert [(t.sequence, t.step) for t in terms] == [(s, t) for s in (0, 1) for t in (1, 2, 3)]
    for term in terms:
        delta = derivation.gradient(model.z[term.sequence][term.step][0])
        before = derivation.value(model.h[term.sequence][term.step - 1][1])
        assert term.value == pytest.approx(delta * before, rel=1e-14)
    assert sum(t.value for t in terms) == pytest.approx(derivation.gradient(weight), rel=1e-13)
    # the δ recursion: ∂L/∂h_t = W_hyᵀ δo_t + W_hhᵀ δ_{t+1}
    h = model.h[0][1][0]
    expected = sum(
        derivation.value(model.parameters[f"W_hy[{k},0]"]) * derivation.gradient(model.u[0][1][k])
        for k in (0, 1)
    ) + sum(
        derivation.value(model.parameters[f"W_hh[{m},0]"]) * derivation.gradient(model.z[0][2][m])
        for m in (0, 1)
    )
    assert derivation.gradient(h) == pytest.approx(expected, rel=1e-13)


def test_central_differences_agree() -> None:
    derivation = derive_rnn(rnn_spec_from_mapping(_two_unit()))
    differences = derivation.central_differences()
    for name, value in derivation.parameter_gradients.items():
        assert differences[name] == pytest.approx(value, abs=1e-7), name


def _loss_case(name: str) -> dict[str, Any]:
    """A 2-step network for the loss `name`: a head and targets the loss accepts."""
    info = loss_info(name)
    head = info.cancels_with or "identity"
    data = _two_unit(layers=[2, {"rnn": 2, "activation": "tanh"}, {"dense": 2, "activation": head}])
    data["loss"] = name
    if info.objective:
        del data["targets"]
    elif info.class_targets:
        data["targets"] = [[0, 1, 1], [1, 0, 1]]
    elif info.unit_targets:
        data["targets"] = [
            [[0.2, 0.9], [1.0, 0.0], [0.5, 0.5]],
            [[0.1, 0.3], [0.7, 0.6], [0.0, 1.0]],
        ]
    return data


@pytest.mark.parametrize("name", [loss.name for loss in LOSSES])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_every_loss_of_the_table_against_torch(name: str, reduction: str) -> None:
    require_module("torch")
    data = _loss_case(name)
    data["reduction"] = reduction
    result = rnn(data)
    check = result.check
    assert check is not None
    assert check.passed, (name, check.largest_torch_error, check.largest_difference_error)
    assert math.isfinite(result.loss)


@pytest.mark.parametrize("activation", ["sigmoid", "identity", "relu", "leaky_relu", "elu"])
def test_cell_activations_nn_rnn_lacks_are_checked_by_the_loop(activation: str) -> None:
    require_module("torch")
    data = _two_unit(layers=[2, {"rnn": 2, "activation": activation}, {"dense": 2}])
    result = rnn(data)
    assert result.passed
    assert result.check is not None
    assert bool(result.check.nn_rnn) == (activation == "relu")


def test_last_step_only_has_one_output_per_sequence() -> None:
    data = _two_unit(target_steps="last", targets=[[0.1, 0.2], [0.3, 0.4]])
    model = build_rnn(rnn_spec_from_mapping(data))
    assert [sorted(o) for o in model.o] == [[3], [3]]
    require_module("torch")
    loss, expected = _torch_loss_and_gradients(data)
    result = rnn(data)
    assert result.loss == pytest.approx(loss, abs=1e-12)
    for name, value in expected.items():
        assert result.gradients[name] == pytest.approx(value, abs=1e-12), name


def test_initial_state_defaults_to_zeros_as_torch() -> None:
    data = dict(PRACHUB)
    del data["initial_state"]
    spec = rnn_spec_from_mapping(data)
    assert spec.initial_states == ((0.0,),)


# -- names -------------------------------------------------------------------------------------


def test_parameter_names_and_near_misses() -> None:
    model = build_rnn(rnn_spec_from_mapping(_two_unit()))
    assert model.parameter("W_hh[0,1]") is model.parameter("W_hh[0][1]")
    assert model.parameter("w_hh[0, 1]") is model.parameter("W_hh[0,1]")
    assert len(model.matrix("W_hh")) == 4
    # a whole matrix in any case, as its entries are (trial of issue 22: w_hh, W_HH refused)
    assert model.matrix("w_hh") == model.matrix("W_HH") == model.matrix("W_hh")
    with pytest.raises(SymbpError, match="did you mean 'W_hh\\[0,1\\]'"):
        model.parameter("W_hhh[0,1]")
    with pytest.raises(SymbpError, match="not a weight"):
        model.parameter("s1.h_1[0]")


# -- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "prachub.toml"
    path.write_text(TOML, encoding="utf-8")
    return path


def test_cli_derive_every_format(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("text", "markdown", "html", "latex", "mathml"):
        assert main(["derive", "--spec", str(spec_file), "--no-check", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "0.7803" in out and "0.09938" in out, fmt
    assert main(["derive", "--spec", str(spec_file), "--no-check", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    h1 = math.tanh(0.5)
    h2 = math.tanh(1 + 0.1 * h1)
    assert data["loss"] == pytest.approx(0.5 * (2 * h1 - 1) ** 2 + 0.5 * (2 * h2 - 2) ** 2)
    assert set(data["gradients"]) == {"W_xh[0,0]", "W_hh[0,0]", "W_hy[0,0]"}
    assert [t["step"] for t in data["step_terms"]["W_hh[0,0]"]] == [1, 2]


def test_cli_check_and_weight_selection(
    spec_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_module("torch")
    assert main(["check", "--spec", str(spec_file)]) == 0
    out = capsys.readouterr().out
    assert "nn.RNN" in out and "agrees" in out
    assert main(["derive", "--spec", str(spec_file), "--weight", "W_hh", "--no-check"]) == 0
    out = capsys.readouterr().out
    assert "∂L/∂W_hh = δ_1·h_0 + δ_2·h_1" in out
    for spelling in ("w_hh", "W_HH"):
        assert main(["derive", "--spec", str(spec_file), "--weight", spelling, "--no-check"]) == 0
        assert "∂L/∂W_hh = δ_1·h_0 + δ_2·h_1" in capsys.readouterr().out
    assert main(["derive", "--spec", str(spec_file), "--weight", "W_hx", "--no-check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean" in err


def test_cli_export_torch_runs(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_module("torch")
    assert main(["export", "--torch", "--spec", str(spec_file)]) == 0
    script = capsys.readouterr().out
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    loss = float(ran.stdout.split("L = ")[1].split()[0])
    assert loss == pytest.approx(0.0993807534391376, abs=1e-12)
    assert "nn.RNN agrees on the hidden states: True" in ran.stdout


def test_cli_handout_latex_compiles(spec_file: Path, tmp_path: Path) -> None:
    from tests.conftest import require_tool

    pdflatex = require_tool("pdflatex")
    out = tmp_path / "bptt.tex"
    assert main(["handout", "--spec", str(spec_file), "--no-check", "-o", str(out)]) == 0
    ran = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", out.name],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        env={**os.environ, "TEXMFOUTPUT": str(tmp_path)},
    )
    assert ran.returncode == 0, ran.stdout[-2000:]


def test_cli_step_runs_on_a_recurrent_network(
    spec_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the numbers against torch.optim: tests/test_fit.py
    assert main(["step", "--spec", str(spec_file)]) == 0
    assert "1 gradient-descent step" in capsys.readouterr().out


# -- bad input: one line naming it, exit status 2 -------------------------------------------------

BAD = [
    (
        {"inputs": [[[1.0], [2.0]], [[1.0]]], "targets": [[[1.0], [2.0]], [[1.0]]]},
        "sequences of unequal length",
    ),
    ({"initial_state": [0.0, 1.0]}, "initial_state has 2 numbers but the hidden state needs 1"),
    ({"weights": {"W_xh": [[0.5]], "W_hh": [[0.1, 0.2]], "W_hy": [[2.0]]}}, "W_hh must be a 1×1"),
    ({"weights": {"W_xh": [[0.5]], "W_hh": [[0.1]]}}, "missing W_hy"),
    ({"weights": {"W_xh": [[0.5]], "W_hh": [[0.1]], "W_hy": [[2.0]], "W_hx": [[1.0]]}}, "W_hx"),
    ({"targets": [[1.0]]}, "a target per step"),
    ({"bias": {"b_h": [0.1]}}, "did you mean"),
    ({"layers": [1, {"rnn": 1, "activation": "tahn"}, {"dense": 1}]}, "did you mean 'tanh'"),
    ({"loss": "cross_entropy"}, "needs activation 'softmax'"),
    ({"inputs": [[1.0, 2.0], [2.0, 3.0]]}, "inputs[0] has 2 numbers"),
]


@pytest.mark.parametrize(("change", "words"), BAD)
def test_bad_input_is_one_line_exit_2(
    change: dict[str, Any], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {**PRACHUB, **change}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["derive", "--spec", str(path), "--no-check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err


def test_a_missing_state_of_one_sequence_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _two_unit(initial_state=[[0.1, -0.1]])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["check", "--spec", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the initial state of sequence 2 is missing" in err and err.count("\n") == 1


# -- random networks against torch ---------------------------------------------------------------

ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")
numbers = st.floats(-1.0, 1.0, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    n_in, n_hidden, n_out = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 2)),
    )
    steps, n_seq = draw(st.integers(1, 4)), draw(st.integers(1, 2))
    last = draw(st.booleans())

    def matrix(rows: int, columns: int) -> list[list[float]]:
        return [[draw(numbers) for _ in range(columns)] for _ in range(rows)]

    data: dict[str, Any] = {
        "layers": [
            n_in,
            {"rnn": n_hidden, "activation": draw(st.sampled_from(ACTIVATIONS))},
            {"dense": n_out, "activation": draw(st.sampled_from(ACTIVATIONS))},
        ],
        "inputs": [matrix(steps, n_in) for _ in range(n_seq)],
        "initial_state": [[draw(numbers) for _ in range(n_hidden)] for _ in range(n_seq)],
        "weights": {
            "W_xh": matrix(n_hidden, n_in),
            "W_hh": matrix(n_hidden, n_hidden),
            "W_hy": matrix(n_out, n_hidden),
        },
        "target_steps": "last" if last else "all",
    }
    chosen = draw(st.lists(st.sampled_from(["b_ih", "b_hh", "b_y"]), unique=True))
    if chosen:
        data["bias"] = {
            name: [draw(numbers) for _ in range(n_out if name == "b_y" else n_hidden)]
            for name in chosen
        }
    data["targets"] = [
        [draw(numbers) for _ in range(n_out)] if last else matrix(steps, n_out)
        for _ in range(n_seq)
    ]
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_networks_agree_with_torch(data: dict[str, Any]) -> None:
    require_module("torch")
    loss, expected = _torch_loss_and_gradients(data)
    derivation = derive_rnn(rnn_spec_from_mapping(data))
    assert derivation.loss == pytest.approx(loss, abs=1e-10)
    for name, value in expected.items():
        assert abs(derivation.parameter_gradients[name] - value) <= 1e-10 * max(1.0, abs(value))


# -- from_torch -----------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [True, False])
def test_rnn_from_torch_gives_torch_gradients(batch_first: bool) -> None:
    require_module("torch")
    import torch
    from torch import nn

    import symbp

    torch.manual_seed(22)
    rnn_module = nn.RNN(2, 3, batch_first=batch_first, dtype=torch.float64)
    head = nn.Linear(3, 2, dtype=torch.float64)
    x = torch.randn(2, 4, 2, dtype=torch.float64)  # (sequences, steps, inputs)
    y = torch.randn(2, 4, 2, dtype=torch.float64)
    h0 = torch.randn(1, 2, 3, dtype=torch.float64)
    fed_x = x if batch_first else x.transpose(0, 1)
    fed_y = y if batch_first else y.transpose(0, 1)
    loss_fn = nn.MSELoss(reduction="sum")
    out, _ = rnn_module(fed_x, h0)
    loss = loss_fn(head(out), fed_y)
    loss.backward()
    spec = symbp.rnn_from_torch(rnn_module, head, fed_x, fed_y, loss_fn, h0=h0)
    result = symbp.rnn(spec)
    assert result.loss == pytest.approx(float(loss.detach()), abs=1e-12)
    torch_grads = {
        "W_xh": rnn_module.weight_ih_l0.grad,
        "W_hh": rnn_module.weight_hh_l0.grad,
        "W_hy": head.weight.grad,
        "b_ih": rnn_module.bias_ih_l0.grad,
        "b_hh": rnn_module.bias_hh_l0.grad,
        "b_y": head.bias.grad,
    }
    for name, grad in torch_grads.items():
        for index, value in enumerate(grad.reshape(-1).tolist()):
            key = (
                f"{name}[{index}]"
                if grad.dim() == 1
                else f"{name}[{index // grad.shape[1]},{index % grad.shape[1]}]"
            )
            assert result.gradients[key] == pytest.approx(value, abs=1e-12), key
    assert result.passed


def test_dense_from_torch_points_to_rnn_from_torch() -> None:
    require_module("torch")
    from torch import nn

    import symbp

    with pytest.raises(SymbpError, match="rnn_from_torch"):
        symbp.from_torch(nn.RNN(1, 1), [[1.0]], [[1.0]], nn.MSELoss())


@pytest.mark.parametrize(
    ("target_steps", "classes"), [("all", False), ("last", False), ("all", True), ("last", True)]
)
def test_rnn_from_torch_reads_unbatched_input(target_steps: str, classes: bool) -> None:
    """torch's unbatched convention (trial of issue 22, case D1): x (steps, inputs) with y
    (steps, outputs), or the last step's (outputs,), or class indices (steps,) / a scalar; the
    loss and gradients are torch's own on that unbatched call."""
    require_module("torch")
    import torch
    from torch import nn

    import symbp

    torch.manual_seed(2)
    rnn_module = nn.RNN(1, 2, dtype=torch.float64)
    head = nn.Linear(2, 3 if classes else 1, dtype=torch.float64)
    x = torch.randn(3, 1, dtype=torch.float64)
    out, _ = rnn_module(x)  # (steps, hidden): unbatched
    scores = head(out if target_steps == "all" else out[-1])
    if classes:
        y = torch.tensor([2, 0, 1]) if target_steps == "all" else torch.tensor(1)
        loss_fn: nn.Module = nn.CrossEntropyLoss(reduction="sum")
    else:
        y = torch.randn(*scores.shape, dtype=torch.float64)
        loss_fn = nn.MSELoss(reduction="sum")
    loss = loss_fn(scores, y)
    loss.backward()
    spec = symbp.rnn_from_torch(rnn_module, head, x, y, loss_fn, target_steps=target_steps)
    result = symbp.rnn(spec, check=False)
    assert result.loss == pytest.approx(float(loss.detach()), abs=1e-12)
    for index, value in enumerate(rnn_module.weight_hh_l0.grad.reshape(-1).tolist()):
        key = f"W_hh[{index // 2},{index % 2}]"
        assert result.gradients[key] == pytest.approx(value, abs=1e-12), key


CLASS_HEAD = {
    "layers": [1, {"rnn": 2, "activation": "tanh"}, {"dense": 3, "activation": "softmax"}],
    "inputs": [[1.0], [0.5]],
    "weights": {
        "W_xh": [[0.5], [0.1]],
        "W_hh": [[0.1, 0.2], [0.3, 0.1]],
        "W_hy": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
    },
    "loss": "cross_entropy",
    "target_steps": "last",
}


def _class_loss(xs: list[float], target: int) -> float:
    """−log softmax(W_hy h_T)[target], the recursion worked with numpy."""
    w_xh = np.array(CLASS_HEAD["weights"]["W_xh"])
    w_hh = np.array(CLASS_HEAD["weights"]["W_hh"])
    w_hy = np.array(CLASS_HEAD["weights"]["W_hy"])
    h = np.zeros(2)
    for x in xs:
        h = np.tanh(w_xh @ np.array([x]) + w_hh @ h)
    scores = w_hy @ h
    return float(np.log(np.exp(scores).sum()) - scores[target])


@pytest.mark.parametrize(
    ("inputs", "targets", "classes"),
    [
        ([[1.0], [0.5]], [[2]], [2]),  # the trial's row for one sequence
        ([[1.0], [0.5]], [2], [2]),
        ([[[1.0], [0.5]], [[0.2], [-0.4]]], [[1], [0]], [1, 0]),  # a row per sequence
    ],
)
def test_class_index_written_as_a_row(inputs, targets, classes) -> None:
    """Docs say "one row per sequence": a class index in a row of its own is that index (trial
    of issue 22: `targets = [[2]]` was refused as "has 1 values but the layers need 3")."""
    import symbp

    result = symbp.rnn({**CLASS_HEAD, "inputs": inputs, "targets": targets}, check=False)
    sequences = inputs if isinstance(inputs[0][0], list) else [inputs]
    expected = sum(
        _class_loss([row[0] for row in seq], c) for seq, c in zip(sequences, classes, strict=True)
    )
    assert result.loss == pytest.approx(expected, abs=1e-12)
