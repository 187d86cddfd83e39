"""optimizer_state: an optimizer's state before the first update, given in the spec with
torch.optim's semantics (a loaded state_dict): 5 rounds on three networks agree with
torch.optim holding the same state; momentum from a non-zero velocity worked by hand; a
state of the wrong shape or sign refused in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from symbp.cli import main
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import spec_from_mapping
from symbp.core.train import train

from .torch_agreement import NETWORKS, network_spec, training_difference


def _spread(n: int, scale: float, shift: int = 2) -> list[float]:
    return [round(scale * ((i % 5) - shift), 4) for i in range(n)]


CASES: tuple[tuple[dict[str, Any], Any], ...] = (
    ({"name": "sgd", "momentum": 0.9}, lambda n: {"b": _spread(n, 0.1)}),
    ({"name": "sgd", "momentum": 0.9, "nesterov": True}, lambda n: {"b": _spread(n, 0.05)}),
    (
        {"name": "adam"},
        lambda n: {"m": _spread(n, 0.01), "v": _spread(n, 0.001, 0), "step": 3},
    ),
    ({"name": "adam", "amsgrad": True}, lambda n: {"vmax": _spread(n, 0.002, 0), "step": 2}),
    (
        {"name": "rmsprop", "momentum": 0.5, "centered": True},
        lambda n: {"v": _spread(n, 0.01, -1), "gbar": _spread(n, 0.01), "b": [0.1] * n},
    ),
    ({"name": "adagrad", "lr_decay": 0.1}, lambda n: {"s": _spread(n, 0.5, 0), "step": 2}),
)


@pytest.mark.parametrize("index", range(len(NETWORKS)))
@pytest.mark.parametrize(("optimizer", "state"), CASES)
def test_agrees_with_torch_holding_the_same_state(
    optimizer: dict[str, Any], state: Any, index: int, report_figure: Any
) -> None:
    fresh = network_spec(index, "half_sse", optimizer=optimizer, learning_rate=0.01)
    given = state(len(fresh.parameters))
    spec = network_spec(
        index, "half_sse", optimizer=optimizer, learning_rate=0.01, optimizer_state=given
    )
    difference = training_difference(spec)
    report_figure(
        f"{optimizer} from {sorted(given)} network {index + 1}: 5 rounds {difference:.1e} "
        "from torch.optim"
    )
    assert difference <= 1e-14
    # the state matters: the same run from torch's own start ends elsewhere
    start = train(CompiledNetwork(Network(fresh)), steps=5, learning_rate=0.01)
    held = train(CompiledNetwork(Network(spec)), steps=5, learning_rate=0.01)
    assert start.final_parameters != held.final_parameters


def test_momentum_from_a_given_velocity_by_hand() -> None:
    # w = 10, L = w²/2 so g = w; SGD μ = 0.9, η = 0.1 and a velocity b₀ = 2 already there.
    # torch (and symbp) with a buffer: b₁ = μ·b₀ + g = 0.9·2 + 10 = 11.8, w₁ = 10 − 0.1·11.8
    # = 8.82; b₂ = 0.9·11.8 + 8.82 = 19.44, w₂ = 8.82 − 1.944 = 6.876. Without the given
    # buffer torch would start from b₁ = g = 10 (w₁ = 9). CS231n writes v = μv − η·g, x += v:
    # its v is torch's −η·b, so CS231n's v₀ = −0.2 is this b₀ = 2.
    spec = spec_from_mapping(
        {
            "layers": [1, 1],
            "activation": "identity",
            "loss": "half_sse",
            "inputs": [1.0],
            "targets": [0.0],
            "weights": [10.0],
            "learning_rate": 0.1,
            "optimizer": {"name": "sgd", "momentum": 0.9},
            "optimizer_state": {"b": [2.0]},
        }
    )
    run = train(CompiledNetwork(Network(spec)), steps=2, learning_rate=0.1)
    assert run.steps[1].parameters[0] == pytest.approx(8.82, abs=1e-14)
    assert run.steps[2].parameters[0] == pytest.approx(6.876, abs=1e-14)
    assert run.steps[1].state.buffer("b") == pytest.approx((11.8,), abs=1e-14)


@pytest.mark.parametrize(
    ("optimizer", "state", "message"),
    [
        ('{ name = "sgd", momentum = 0.9 }', "{ b = [1, 2] }", "one number per trainable"),
        ('{ name = "sgd" }', "{ b = [1] }", "sgd keeps no state 'b'"),
        ('"adam"', "{ v = [-1] }", "v holds squares and must be ≥ 0"),
        ('"adam"', "{ m = [0.1], step = -1 }", "step must be a whole number"),
        ('"adagrad"', "{ s = ['a'] }", "optimizer_state: s[0]"),
        ('"adam"', "[1, 2]", "optimizer_state must be a table"),
    ],
)
def test_bad_state_is_one_line(
    tmp_path: Path, optimizer: str, state: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(
        "layers = [1, 1]\ninputs = [1]\ntargets = [0]\nweights = [0.5]\n"
        f"optimizer = {optimizer}\noptimizer_state = {state}\n",
        encoding="utf-8",
    )
    assert main(["step", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


@pytest.mark.parametrize(("optimizer", "state"), [CASES[0], CASES[2], CASES[4], CASES[5]])
def test_export_torch_holds_the_state(
    tmp_path: Path, optimizer: dict[str, Any], state: Any
) -> None:
    # the exported script loads the same state into torch.optim: its new parameters are
    # symbp's first update
    import subprocess
    import sys

    from .conftest import require_module

    require_module("torch")
    fresh = network_spec(1, "half_sse", optimizer=optimizer, learning_rate=0.01)
    spec = network_spec(
        1,
        "half_sse",
        optimizer=optimizer,
        learning_rate=0.01,
        optimizer_state=state(len(fresh.parameters)),
    )
    from symbp.torchcheck.bridge import torch_script

    script = tmp_path / "s.py"
    script.write_text(torch_script(spec), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    printed = dict(line.split(" = ") for line in done.stdout.splitlines() if "_new = " in line)
    run = train(CompiledNetwork(Network(spec)), steps=1, learning_rate=0.01)
    for name, value in zip(spec.parameter_names, run.final_parameters, strict=True):
        assert float(printed[f"{name}_new"]) == pytest.approx(value, abs=1e-15)


def test_step_says_where_the_given_state_comes_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A trial found 'update t (1 for the first)' then update 11 with m⁽¹⁰⁾ = −0.06 unexplained:
    the state given (its step and values) is named before the worked update."""
    base = {
        "layers": [1, 1],
        "activation": "identity",
        "loss": "half_sse",
        "inputs": [1.0],
        "targets": [0.0],
        "weights": [2.0],
        "learning_rate": 0.1,
    }
    adam = dict(
        base,
        optimizer="adam",
        optimizer_state={"m": [-0.06], "v": [0.001], "step": 10},
    )
    spec = tmp_path / "adam.json"
    spec.write_text(json.dumps(adam), encoding="utf-8")
    assert main(["step", "--spec", str(spec)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "given in optimizer_state (step 10: m = [-0.06], v = [0.001]," in text
    assert "so t = 11 below" in text and "update 11" in text
    # g = w·x − y = 2: m⁽¹¹⁾ = 0.9 × (−0.06) + 0.1 × 2 = 0.146, by hand
    assert "= 0.1460" in text
    sgd = dict(base, optimizer={"name": "sgd", "momentum": 0.9}, optimizer_state={"b": [-0.5]})
    spec.write_text(json.dumps(sgd), encoding="utf-8")
    assert main(["step", "--spec", str(spec)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "given in optimizer_state (b = [-0.5]," in text
    # b⁽¹⁾ = 0.9 × (−0.5) + 2 = 1.55, by hand
    assert "= 1.550" in text
