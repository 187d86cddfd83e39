"""rmsprop and adagrad, torch.optim's RMSprop and Adagrad as table entries: 5 rounds on three
networks against torch.optim (the largest difference reported), Keras' RMSprop docstring,
an Adagrad update worked by hand, the state torch keeps, and bad settings in one line."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from symbp.cli import main
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.optim import apply, update_rule
from symbp.core.spec import parse_optimizer, spec_from_mapping
from symbp.core.train import train
from symbp.torchcheck.replay import torch_rounds

from .conftest import require_module
from .torch_agreement import NETWORKS, network_spec, training_difference

SETTINGS: tuple[dict[str, Any], ...] = (
    {"name": "rmsprop"},
    {"name": "rmsprop", "alpha": 0.9, "eps": 1e-3, "momentum": 0.8},
    {"name": "rmsprop", "centered": True, "weight_decay": 0.1},
    {"name": "rmsprop", "centered": True, "momentum": 0.5, "alpha": 0.7},
    {"name": "adagrad"},
    {"name": "adagrad", "lr_decay": 0.1, "initial_accumulator_value": 0.2},
    {"name": "adagrad", "weight_decay": 0.05, "eps": 1e-4},
)


@pytest.mark.parametrize("index", range(len(NETWORKS)))
@pytest.mark.parametrize("optimizer", SETTINGS)
def test_agrees_with_torch_optim(optimizer: dict[str, Any], index: int, report_figure: Any) -> None:
    # RMSprop's first step is about lr·sign(g)/√(1 − α): lr 0.01 (torch's default) keeps the
    # parameters course-sized, so the difference is one of rounding, not of a far-away loss
    loss = "cross_entropy" if index == 0 else "half_sse"
    extra: dict[str, Any] = {"activation": ["tanh", "softmax"]} if index == 0 else {}
    spec = network_spec(
        index, loss, class_targets=index == 0, optimizer=optimizer, learning_rate=0.01, **extra
    )
    difference = training_difference(spec)
    report_figure(f"{optimizer} network {index + 1}: 5 rounds {difference:.1e} from torch.optim")
    assert difference <= 1e-14


@pytest.mark.parametrize("optimizer", [SETTINGS[3], SETTINGS[5]])
def test_state_after_each_round_is_torchs(optimizer: dict[str, Any]) -> None:
    require_module("torch")
    spec = network_spec(1, "half_sse", optimizer=optimizer, learning_rate=0.01)
    run = train(CompiledNetwork(Network(spec)), steps=5, learning_rate=0.01)
    rounds = torch_rounds(spec, 5, 0.01)
    for step, torch_round in zip(run.steps[1:], rounds, strict=True):
        assert step.state.buffers is not None
        assert set(torch_round.state) == set(step.state.buffers)
        for key, values in torch_round.state.items():
            assert step.state.buffers[key] == pytest.approx(values, abs=1e-15, rel=1e-14)


def test_keras_rmsprop_docstring() -> None:
    # keras.io/api/optimizers/rmsprop/ (keras.optimizers.RMSprop's docstring):
    #   opt = RMSprop(learning_rate=0.1); var1 = 10.0; loss = (var1 ** 2) / 2.0
    #   opt.minimize(loss, [var1]) → var1 = 9.683772
    # Keras' defaults rho = 0.9, epsilon = 1e-7 are torch's alpha and eps; Keras 3 adds ε
    # outside the root as torch does: v = 0.1·10² = 10, 10 − 0.1·10/(√10 + 1e-7). tf.keras 1's
    # ApplyRMSProp put ε inside, √(10 + 1e-7): both give 9.683772 to the published 6 decimals
    # (9.6837722440 and 9.6837722356); symbp follows torch.
    spec = spec_from_mapping(
        {
            "layers": [1, 1],
            "activation": "identity",
            "loss": "half_sse",  # ½(w·1 − 0)² = var1²/2
            "inputs": [1.0],
            "targets": [0.0],
            "weights": [10.0],
            "learning_rate": 0.1,
            "optimizer": {"name": "rmsprop", "alpha": 0.9, "eps": 1e-7},
        }
    )
    evaluation = CompiledNetwork(Network(spec)).evaluate()
    rule = update_rule(spec.optimizer, 0.1)
    step = apply(rule, ("w1",), evaluation.parameters, evaluation.gradients)
    (after,) = step.new_parameters
    assert round(after, 6) == 9.683772
    assert after == 10 - 0.1 * 10 / (math.sqrt(10) + 1e-7)
    assert round(10 - 0.1 * 10 / math.sqrt(10 + 1e-7), 6) == 9.683772


def test_keras_docstring_spec_of_the_docs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/losses.md's Keras spec, through `symbp step`: w1 = 10 − 0.1·10/(√10 + 1e-7)."""
    docs = (Path(__file__).parents[1] / "docs" / "losses.md").read_text(encoding="utf-8")
    start = docs.index('title = "Keras RMSprop docstring"')
    spec = tmp_path / "keras.toml"
    spec.write_text(docs[start : docs.index("```", start)], encoding="utf-8")
    assert main(["step", "--spec", str(spec)]) == 0
    expected = 10 - 0.1 * 10 / (math.sqrt(10) + 1e-7)
    assert f"{expected:.10f}" == "9.6837722440"
    assert "9.6837722440" in capsys.readouterr().out


def test_adagrad_by_hand() -> None:
    # Worked by hand: var = 10, loss var²/2 so g = 10; Keras' initial_accumulator_value 0.1,
    # lr 0.1, torch's lr_decay 0.5 and eps 1e-10. Update 1: s = 0.1 + 10² = 100.1,
    # var = 10 − 0.1·10/(√100.1 + 1e-10) = 9.90004998…; update 2: g = var,
    # s = 100.1 + var², rate 0.1/(1 + 1·0.5), var −= rate·g/(√s + 1e-10).
    spec = spec_from_mapping(
        {
            "layers": [1, 1],
            "activation": "identity",
            "loss": "half_sse",
            "inputs": [1.0],
            "targets": [0.0],
            "weights": [10.0],
            "learning_rate": 0.1,
            "steps": 2,
            "optimizer": {"name": "adagrad", "initial_accumulator_value": 0.1, "lr_decay": 0.5},
        }
    )
    run = train(CompiledNetwork(Network(spec)), steps=2, learning_rate=0.1)
    first = 10 - 0.1 * 10 / (math.sqrt(100.1) + 1e-10)
    second = first - (0.1 / 1.5) * first / (math.sqrt(100.1 + first**2) + 1e-10)
    assert run.steps[1].parameters[0] == pytest.approx(first, rel=1e-15)
    assert round(run.steps[1].parameters[0], 6) == 9.90005
    assert run.steps[2].parameters[0] == pytest.approx(second, rel=1e-15)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('{ name = "rmsprop", alpha = -0.5 }', "alpha must be ≥ 0"),
        ('{ name = "adagrad", initial_accumulator_value = -1 }', "must be ≥ 0"),
        ('{ name = "rmsprop", betas = [0.9, 0.99] }', "rmsprop has no setting 'betas'"),
        ('{ name = "adagrad", lr_decay = -0.1 }', "lr_decay must be ≥ 0"),
    ],
)
def test_bad_settings_are_one_line(
    tmp_path: Path, table: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(
        f"layers = [1, 1]\ninputs = [1]\ntargets = [0]\nweights = [0.5]\noptimizer = {table}\n",
        encoding="utf-8",
    )
    assert main(["step", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_defaults_are_torchs() -> None:
    require_module("torch")
    import torch

    for name, label in (("rmsprop", "RMSprop"), ("adagrad", "Adagrad")):
        settings = parse_optimizer(name).settings()
        parameter = torch.zeros(1, requires_grad=True)
        defaults = getattr(torch.optim, label)([parameter]).defaults
        for key, value in settings.items():
            assert defaults[key] == value, (name, key)


CENTERED = """layers = [2, 2, 1]
activation = ["tanh", "sigmoid"]
loss = "bce"
inputs = [0.5, -0.3]
targets = [1.0]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5]
optimizer = { name = "rmsprop", alpha = 0.9, momentum = 0.5, centered = true }
steps = 2
"""


@pytest.mark.parametrize("output", ["", "h.md", "h.tex"])
def test_centered_mean_written_g_bar_not_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    # ḡ (\overline{g}) is the running mean's name; "gbar" is only optimizer_state's key
    spec = tmp_path / "centered.toml"
    spec.write_text(CENTERED, encoding="utf-8")
    if not output:
        assert main(["train", "--spec", str(spec)]) == 0
        written = capsys.readouterr().out
    else:
        path = tmp_path / output
        assert main(["handout", "--spec", str(spec), "--no-check", "-o", str(path)]) == 0
        written = path.read_text(encoding="utf-8")
    assert "gbar" not in written
    assert ("\\overline{g}" if output else "g\u0304") in written  # g and a combining macron
