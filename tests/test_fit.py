"""symbp step and train on convolutional and recurrent networks: the parameters after each of
5 rounds of SGD with momentum, Adam and RMSprop agree to 1e-10 with torch.optim driving an
nn.Conv2d / nn.RNN model built here by hand (independent of symbp's torch check); bad input
is one line, exit status 2."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from symbp.cli import main
from tests.conftest import require_module

CONV = """
title = "Teaching net"
layers = [[1, 4, 4], { conv = 2, kernel = 3, stride = 1, padding = 0, activation = "relu" },
          { pool = "max", size = 2 }, { dense = 2, activation = "sigmoid" }]
inputs = [[[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2], [1.3, 1.4, 1.5, 1.6]]]
bias_values = { conv1 = [0.1, -0.2], dense3 = [0.0, 0.0] }
targets = [1.0, 0.0]

[weights]
conv1 = [[[[0.1, 0.2, -0.1], [0.0, 0.3, 0.1], [-0.2, 0.1, 0.2]]],
         [[[0.2, -0.1, 0.1], [0.1, 0.1, -0.3], [0.2, 0.0, 0.1]]]]
dense3 = [[0.5, -0.4], [0.3, 0.8]]
"""

RNN = """
title = "Two units, three steps"
layers = [2, { rnn = 2, activation = "tanh" }, { dense = 1, activation = "identity" }]
inputs = [[1.0, -0.5], [0.3, 0.8], [-0.2, 0.4]]
targets = [[0.5], [-0.3], [0.2]]
bias = { b_ih = [0.1, -0.1], b_hh = [0.05, 0.02], b_y = [0.1] }

[weights]
W_xh = [[0.1, -0.2], [0.3, 0.4]]
W_hh = [[0.2, -0.1], [0.05, 0.3]]
W_hy = [[0.7, -0.6]]
"""

OPTIMIZERS = [
    ("sgd", '{ name = "sgd", momentum = 0.9 }', 0.1),
    ("adam", "adam", 0.05),
    ("rmsprop", "rmsprop", 0.01),
]
ROUNDS = 5


def _torch_conv(torch: Any) -> tuple[Any, dict[str, Any], Any]:
    """The conv net of CONV as torch modules; its loss ½Σ(o − t)², a parameter by name."""
    conv = torch.nn.Conv2d(1, 2, 3, bias=True).double()
    dense = torch.nn.Linear(2, 2).double()
    with torch.no_grad():
        kernels = [[[[0.1, 0.2, -0.1], [0.0, 0.3, 0.1], [-0.2, 0.1, 0.2]]],
                   [[[0.2, -0.1, 0.1], [0.1, 0.1, -0.3], [0.2, 0.0, 0.1]]]]  # fmt: skip
        conv.weight.copy_(torch.tensor(kernels, dtype=torch.float64))
        conv.bias.copy_(torch.tensor([0.1, -0.2], dtype=torch.float64))
        dense.weight.copy_(torch.tensor([[0.5, -0.4], [0.3, 0.8]], dtype=torch.float64))
        dense.bias.zero_()
    x = torch.arange(1, 17, dtype=torch.float64).reshape(1, 1, 4, 4) / 10
    t = torch.tensor([1.0, 0.0], dtype=torch.float64)

    def loss() -> Any:
        a = torch.relu(conv(x))
        pooled = torch.nn.functional.max_pool2d(a, 2).flatten()
        o = torch.sigmoid(dense(pooled))
        return 0.5 * ((o - t) ** 2).sum()

    named = {"conv1_w": conv.weight, "conv1_b": conv.bias, "dense3_w": dense.weight,
             "dense3_b": dense.bias}  # fmt: skip
    return loss, named, [conv.weight, conv.bias, dense.weight, dense.bias]


def _torch_rnn(torch: Any) -> tuple[Any, dict[str, Any], Any]:
    rnn = torch.nn.RNN(2, 2, nonlinearity="tanh", batch_first=True).double()
    head = torch.nn.Linear(2, 1).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor([[0.1, -0.2], [0.3, 0.4]], dtype=torch.float64))
        rnn.weight_hh_l0.copy_(torch.tensor([[0.2, -0.1], [0.05, 0.3]], dtype=torch.float64))
        rnn.bias_ih_l0.copy_(torch.tensor([0.1, -0.1], dtype=torch.float64))
        rnn.bias_hh_l0.copy_(torch.tensor([0.05, 0.02], dtype=torch.float64))
        head.weight.copy_(torch.tensor([[0.7, -0.6]], dtype=torch.float64))
        head.bias.copy_(torch.tensor([0.1], dtype=torch.float64))
    x = torch.tensor([[[1.0, -0.5], [0.3, 0.8], [-0.2, 0.4]]], dtype=torch.float64)
    t = torch.tensor([[[0.5], [-0.3], [0.2]]], dtype=torch.float64)

    def loss() -> Any:
        h, _ = rnn(x)
        return 0.5 * ((head(h) - t) ** 2).sum()

    named = {"W_xh": rnn.weight_ih_l0, "W_hh": rnn.weight_hh_l0, "W_hy": head.weight,
             "b_ih": rnn.bias_ih_l0, "b_hh": rnn.bias_hh_l0, "b_y": head.bias}  # fmt: skip
    return loss, named, list(named.values())


def _torch_rounds(build: Any, optimizer: str, lr: float) -> list[dict[str, float]]:
    """Every parameter (by symbp's element name) before each round and after the last."""
    require_module("torch")  # fails, not skips, under CI=true
    import torch

    loss, named, parameters = build(torch)
    make = {
        "sgd": lambda: torch.optim.SGD(parameters, lr=lr, momentum=0.9),
        "adam": lambda: torch.optim.Adam(parameters, lr=lr),
        "rmsprop": lambda: torch.optim.RMSprop(parameters, lr=lr),
    }[optimizer]
    optim = make()

    def snapshot() -> dict[str, float]:
        values = {}
        for name, tensor in named.items():
            for index in torch.cartesian_prod(*[torch.arange(n) for n in tensor.shape]).reshape(
                -1, tensor.dim()
            ):
                key = f"{name}[{','.join(str(int(i)) for i in index)}]"
                values[key] = float(tensor.detach()[tuple(int(i) for i in index)])
        return values

    rounds = [snapshot()]
    for _ in range(ROUNDS):
        optim.zero_grad()
        loss().backward()
        optim.step()
        rounds.append(snapshot())
    return rounds


@pytest.mark.parametrize(
    ("kind", "text", "build"),
    [("conv", CONV, _torch_conv), ("rnn", RNN, _torch_rnn)],
    ids=["conv", "rnn"],
)
@pytest.mark.parametrize(("name", "given", "lr"), OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_train_agrees_with_torch_optim_over_five_rounds(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    text: str,
    build: Any,
    name: str,
    given: str,
    lr: float,
) -> None:
    require_module("torch")
    spec = tmp_path / f"{kind}.toml"
    spec.write_text(text, encoding="utf-8")
    argv = ["train", "--spec", str(spec), "--steps", str(ROUNDS), "--lr", str(lr)]
    assert main([*argv, "--optimizer", given, "--format", "json"]) == 0
    run = json.loads(capsys.readouterr().out)
    expected = _torch_rounds(build, name, lr)
    assert len(run["steps"]) == ROUNDS + 1
    worst = 0.0
    for step, torch_values in zip(run["steps"], expected, strict=True):
        ours = dict(zip(run["parameters"], step["parameters"], strict=True))
        assert set(ours) == set(torch_values)
        worst = max(worst, *(abs(ours[key] - value) for key, value in torch_values.items()))
    assert worst <= 1e-10, worst
    # symbp's own check, torch.optim in its worker, replays the first 5 rounds
    assert run["torch_check"]["rounds"] == ROUNDS and run["torch_check"]["passed"] is True
    print(f"{kind} {name}: largest difference from torch.optim over {ROUNDS} rounds {worst:.2e}")


@pytest.mark.parametrize("text", [CONV, RNN], ids=["conv", "rnn"])
def test_step_is_the_first_round_and_reads_the_spec_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    spec = tmp_path / "net.toml"
    keys = 'optimizer = { name = "sgd", momentum = 0.9 }\nlearning_rate = 0.1\nsteps = 3\n'
    spec.write_text(keys + text, encoding="utf-8")
    assert main(["step", "--spec", str(spec), "--format", "json"]) == 0
    step = json.loads(capsys.readouterr().out)
    assert len(step["steps"]) == 2 and step["learning_rate"] == 0.1
    first = step["steps"][0]
    # plain arithmetic: the momentum buffer starts as the gradient, p ← p − η·g
    for before, after, gradient in zip(
        first["parameters"], step["steps"][1]["parameters"], first["gradients"], strict=True
    ):
        assert after == pytest.approx(before - 0.1 * gradient, abs=1e-15)
    assert main(["train", "--spec", str(spec), "--format", "csv"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 1 + 4  # the header, then the start and the spec's 3 steps
    assert main(["step", "--spec", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "1 update by torch.optim.SGD" in out
    assert "Checked against torch.optim on the same network in torch" in out


BAD = [
    (["--optimizer", "nadam"], "unknown optimizer 'nadam'"),
    (["--optimizer", '{ name = "sgd", momentum = -1 }'], "momentum must be ≥ 0, not -1"),
    (["--optimizer", '{ name = "adam", momentum = 0.9 }'], "adam has no setting 'momentum'"),
    (["--optimizer", "{ name = "], "--optimizer is not a valid TOML table"),
    (["--lr", "0"], "must be positive, not 0"),
    (["--steps", "-1"], "--steps must be from 0 to 10000, not -1"),
    (["--plot", "loss.pdf"], "must end in .png or .svg"),
]


@pytest.mark.parametrize("text", [CONV, RNN], ids=["conv", "rnn"])
@pytest.mark.parametrize(("options", "message"), BAD)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    options: list[str],
    message: str,
) -> None:
    spec = tmp_path / "net.toml"
    spec.write_text(text, encoding="utf-8")
    assert main(["train", "--spec", str(spec), *options]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("symbp: error: "), err
    assert message in err, err


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ('optimizer = "lion"', "unknown optimizer 'lion'"),
        ("learning_rate = -1", "learning_rate must be positive"),
        ("steps = 1.5", "steps must be a whole number from 0 to 10000"),
    ],
)
@pytest.mark.parametrize("text", [CONV, RNN], ids=["conv", "rnn"])
def test_bad_spec_keys_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, key: str, message: str
) -> None:
    spec = tmp_path / "net.toml"
    spec.write_text(re.sub(r"^title = .*$", f"{key}\n\\g<0>", text, count=1, flags=re.M),
                    encoding="utf-8")  # fmt: skip
    assert main(["step", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
