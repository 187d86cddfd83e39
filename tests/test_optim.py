"""Optimizers: torch.optim's numbers, published worked examples, the equations, the spec keys."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from symbp.api.problem import Problem
from symbp.cli import main
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.optim import B_NEW, M_HAT, M_NEW, P_NEW, V_HAT, V_NEW, apply, update_rule
from symbp.core.spec import DEFAULT_SPEC_DATA, OptimizerSpec, parse_optimizer, spec_from_mapping
from symbp.core.train import train
from symbp.errors import SpecError

from .conftest import require_module

#: three networks: the MOOC's; tanh into softmax with cross-entropy, partly trainable per-unit
#: biases and three samples; relu into identity with per-layer biases, mse summed over samples
NETWORKS: dict[str, dict[str, Any]] = {
    "mooc": dict(DEFAULT_SPEC_DATA),
    "softmax": {
        "layers": [3, 4, 2],
        "activation": ["tanh", "softmax"],
        "loss": "cross_entropy",
        "inputs": [[0.5, -0.2, 0.1], [0.3, 0.8, -0.5], [-0.7, 0.2, 0.9]],
        "targets": [0, 1, 1],
        "weights": {"random": "uniform", "seed": 3},
        "bias": "per-unit",
        "bias_values": [0.1, -0.2, 0.3, 0.0, 0.05, -0.05],
        "bias_trainable": [True, False, True, True, False, True],
    },
    "relu": {
        "layers": [2, 3, 3, 1],
        "activation": ["relu", "leaky_relu", "identity"],
        "loss": "mse_mean",
        "reduction": "sum",
        "inputs": [[0.5, 0.3], [-0.2, 0.9], [1.0, -1.0], [0.1, 0.1]],
        "targets": [[0.2], [-0.1], [0.5], [0.0]],
        "weights": {"random": "uniform", "seed": 11},
        "bias": "per-layer",
        "bias_values": [0.1, -0.1, 0.2],
    },
}
OPTIMIZERS: dict[str, Any] = {
    "sgd": "sgd",
    "momentum": {"name": "sgd", "momentum": 0.9},
    "momentum, dampening, decay": {
        "name": "sgd",
        "momentum": 0.8,
        "dampening": 0.3,
        "weight_decay": 0.05,
    },
    "nesterov": {"name": "sgd", "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    "adam": "adam",
    "adam, decay, amsgrad": {"name": "adam", "weight_decay": 0.1, "amsgrad": True},
    "adamw": "adamw",
    "adamw, betas, eps, amsgrad": {
        "name": "adamw",
        "betas": [0.5, 0.8],
        "eps": 1e-3,
        "weight_decay": 0.2,
        "amsgrad": True,
    },
}


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_five_rounds_equal_torch_optim(network: str, optimizer: str) -> None:
    require_module("torch")
    from symbp.torchcheck.replay import torch_rounds

    data = dict(NETWORKS[network], optimizer=OPTIMIZERS[optimizer])
    spec = spec_from_mapping(data)
    rate = 0.05 if spec.optimizer.name != "sgd" else 0.3
    run = train(CompiledNetwork(Network(spec)), 5, rate)
    rounds = torch_rounds(spec, 5, rate)
    for index, by_torch in enumerate(rounds):
        before, after = run.steps[index], run.steps[index + 1]
        assert before.loss == pytest.approx(by_torch.loss, abs=1e-12, rel=1e-12)
        assert before.gradients == pytest.approx(by_torch.gradients, abs=1e-12, rel=1e-12)
        assert after.parameters == pytest.approx(by_torch.parameters, abs=1e-12, rel=1e-12)
        assert set(by_torch.state) == set(run.state_keys)
        for key, values in by_torch.state.items():
            mine = after.state.buffer(key)
            assert mine is not None
            assert mine == pytest.approx(values, abs=1e-12, rel=1e-12)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_equation_gives_the_number_used(optimizer: str) -> None:
    # what a display will show (formula, numbers substituted, value) is what the step computed
    spec = spec_from_mapping(dict(DEFAULT_SPEC_DATA, optimizer=OPTIMIZERS[optimizer]))
    run = train(CompiledNetwork(Network(spec)), 3, 0.1)
    for step in range(3):
        update = run.update(step)
        assert update.round == step + 1
        assert update.new_parameters == run.steps[step + 1].parameters
        for parameter in update.parameters:
            for target, formula in parameter.equations:
                # abs: p_t = p_(t−1) − step cancels to 1e-4 from terms of 0.1 (weights ~1)
                assert parameter.evaluate(formula) == pytest.approx(
                    parameter.values[target], rel=1e-14, abs=1e-15
                )


def _one_weight(weight: float, x: float, y: float, loss: str) -> dict[str, Any]:
    """A 1-1 identity network: o = w·x, so the loss is a function of one parameter."""
    return {
        "layers": [1, 1],
        "activation": "identity",
        "loss": loss,
        "inputs": [x],
        "targets": [y],
        "weights": [weight],
    }


def test_adam_first_step_of_a_published_hand_computation() -> None:
    # G. Basran, "The Full Adam Algorithm" (MATH 3850 notes, Page 12,
    # gbasran.github.io/ADAM-Machine-Learning-Deepdive/concept-12-full-adam.html):
    # f(θ) = θ², θ0 = 5, α = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8:
    # g1 = 10, m1 = 1, v1 = 0.1, m̂1 = 10, v̂1 = 100, θ1 = 4.9.
    # Here f = (w·1 − 0)² with symbp's sse loss.
    problem = Problem(spec_from_mapping(_one_weight(5.0, 1.0, 0.0, "sse")))
    step = problem.step(0.1, "adam").update
    assert step is not None
    w = step.parameter("w1")
    assert w.gradient == 10
    assert w.values[M_NEW] == pytest.approx(1, abs=1e-15)
    assert w.values[V_NEW] == pytest.approx(0.1, abs=1e-15)
    assert w.values[M_HAT] == pytest.approx(10, abs=1e-13)
    assert w.values[V_HAT] == pytest.approx(100, abs=1e-11)
    assert w.value_after == pytest.approx(4.9, abs=1e-8)


def test_adam_exercise_with_eps_zero() -> None:
    # q4quant.studio, "Compute the First Adam Update by Hand" (exercise and solution):
    # g1 = 4, m0 = v0 = 0, α = 0.1, β1 = 0.9, β2 = 0.999, ε = 0: m1 = 0.4, v1 = 0.016,
    # m̂1 = 4, v̂1 = 16, step −0.1. f = (w − 0)² at w = 2 has gradient 4.
    spec = spec_from_mapping(
        dict(_one_weight(2.0, 1.0, 0.0, "sse"), optimizer={"name": "adam", "eps": 0.0})
    )
    update = Problem(spec).step(0.1).update
    assert update is not None
    w = update.parameter("w1")
    assert (w.gradient, w.values[M_NEW], w.values[V_NEW]) == pytest.approx((4, 0.4, 0.016))
    assert (w.values[M_HAT], w.values[V_HAT]) == pytest.approx((4, 16))
    assert w.value_after - w.value_before == pytest.approx(-0.1, abs=1e-15)


def test_momentum_first_step_is_plain_sgd_as_published() -> None:
    # prof.lexailabs.com/practice/sgd-momentum-step, Example 1 (PyTorch's convention): params
    # [1, 2, 3], grads [0.1, 0.2, 0.3], lr 0.5, momentum 0.9 from zero velocity: velocities
    # [0.1, 0.2, 0.3], params [0.95, 1.9, 2.85]. With half_sse, x = 1 and o = w the gradient
    # is w − y, so y = w − g.
    spec = spec_from_mapping(
        {
            "layers": [1, 3],
            "activation": "identity",
            "loss": "half_sse",
            "inputs": [1.0],
            "targets": [0.9, 1.8, 2.7],
            "weights": [1.0, 2.0, 3.0],
            "optimizer": {"name": "sgd", "momentum": 0.9},
        }
    )
    update = Problem(spec).step(0.5).update
    assert update is not None
    assert update.values[B_NEW] == pytest.approx((0.1, 0.2, 0.3), abs=1e-15)
    assert update.new_parameters == pytest.approx((0.95, 1.9, 2.85), abs=1e-15)


def test_momentum_velocity_under_a_constant_gradient_tends_to_one_over_one_minus_mu() -> None:
    # the same page, Example 2: constant g = 1, momentum 0.9, lr = 0 (frozen parameters):
    # the velocity tends to 1/(1 − 0.9) = 10; after n rounds it is Σ_{k<n} 0.9^k exactly.
    spec = spec_from_mapping(
        dict(_one_weight(2.0, 1.0, 1.0, "half_sse"), optimizer={"name": "sgd", "momentum": 0.9})
    )
    run = train(CompiledNetwork(Network(spec)), 300, 0.0)
    velocities = [step.state.buffer("b") for step in run.steps[1:]]
    assert all(v is not None for v in velocities)
    assert velocities[4] == pytest.approx((sum(0.9**k for k in range(5)),), rel=1e-15)
    assert velocities[-1] == pytest.approx((10.0,), abs=1e-12)


@pytest.mark.parametrize(
    ("optimizer", "published"),
    [
        # mila-iqia/blocks, tests/algorithms/test_algorithms.py, test_momentum: Momentum(0.1, 0.5)
        ({"name": "sgd", "momentum": 0.5}, [(0.6, 0.8), (0.9, 1.2), (1.05, 1.4)]),
        # mila-iqia/blocks-extras, tests/test_algorithms.py, test_nesterov_momentum:
        # NesterovMomentum(0.1, 0.5), whose step is lr·(g + μ·v) with v = μ·v + g: torch's rule
        (
            {"name": "sgd", "momentum": 0.5, "nesterov": True},
            [(0.9, 1.2), (1.05, 1.4), (1.125, 1.5)],
        ),
    ],
)
def test_momentum_and_nesterov_three_rounds_as_published(
    optimizer: dict[str, Any], published: list[tuple[float, float]]
) -> None:
    # Both tests take cost = Σa² at a = (3, 4), so g = (6, 8), and call the step three times
    # without moving a: the gradient stays (6, 8). Here the objective is the identity output
    # o1 = w1·6 + w2·8 (loss = "output"), whose gradient is (6, 8) whatever the weights, and
    # each round's step is the published one.
    spec = spec_from_mapping(
        {
            "layers": [2, 1],
            "activation": "identity",
            "loss": "output",
            "output": "o1",
            "inputs": [6.0, 8.0],
            "weights": [3.0, 4.0],
            "optimizer": optimizer,
        }
    )
    run = train(CompiledNetwork(Network(spec)), 3, 0.1)
    params = [step.parameters for step in run.steps]
    steps = [
        tuple(b - a for a, b in zip(after, before, strict=True))
        for before, after in zip(params, params[1:], strict=False)
    ]
    assert all(step.gradients == (6.0, 8.0) for step in run.steps)
    for got, want in zip(steps, published, strict=True):
        assert got == pytest.approx(want, abs=1e-12)


def test_adamw_decay_acts_without_a_gradient_as_published() -> None:
    # prof.lexailabs.com/practice/adamw-step, Example 1: params [1.0], grads [0.0], t = 1,
    # lr 0.1, betas (0.9, 0.999), eps 1e-8, weight_decay 0.5: params ≈ [0.95]. o = w·1 = y
    # gives a zero gradient. Adam's coupled decay instead feeds λ·p into the moments, so it
    # takes a whole Adam step of about γ, to 0.9.
    spec = spec_from_mapping(
        dict(
            _one_weight(1.0, 1.0, 1.0, "half_sse"), optimizer={"name": "adamw", "weight_decay": 0.5}
        )
    )
    update = Problem(spec).step(0.1).update
    assert update is not None
    assert update.parameter("w1").gradient == 0
    assert update.new_parameters == pytest.approx((0.95,), abs=1e-15)
    plain = Problem(spec).step(0.1, {"name": "adam", "weight_decay": 0.5}).update
    assert plain is not None and plain.new_parameters == pytest.approx((1 - 0.1 * 1.0,), abs=1e-6)


def test_sgd_equations_follow_torch_and_not_the_textbook_velocity() -> None:
    rule = update_rule(OptimizerSpec("sgd", momentum=0.9, nesterov=True), 0.1)
    targets = [str(eq.target) for eq in rule.equations]
    assert targets == ["b_new", "d", "p_new"]
    buffer = rule.equations[0]
    assert buffer.first_round is not None and str(buffer.first_round) == "g"  # b_1 = g_1
    # the learning rate multiplies the buffer in the parameter update, never inside it
    assert "gamma" not in str(buffer.formula)


def test_apply_from_a_state_is_the_next_round() -> None:
    rule = update_rule(OptimizerSpec("adam"), 0.01)
    first = apply(rule, ("a", "b"), (1.0, -2.0), (0.3, 0.1))
    second = apply(rule, ("a", "b"), first.new_parameters, (0.2, -0.4), first.state_after)
    assert second.round == 2 and second.state_before == first.state_after
    assert second.parameter("a").state_before["m"] == first.values[M_NEW][0]
    assert math.isclose(second.values[P_NEW][1], second.parameter("b").value_after)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lion", "unknown optimizer 'lion'"),
        ({"name": "sgd", "momentum": -0.1}, "momentum must be ≥ 0"),
        ({"name": "sgd", "nesterov": True}, "nesterov needs momentum > 0 and dampening = 0"),
        (
            {"name": "sgd", "momentum": 0.9, "dampening": 0.1, "nesterov": True},
            "nesterov needs momentum > 0 and dampening = 0",
        ),
        ({"name": "sgd", "betas": [0.9, 0.99]}, "sgd has no setting 'betas'"),
        ({"name": "adam", "momentum": 0.9}, "adam has no setting 'momentum'"),
        ({"name": "adam", "betas": [0.9]}, "betas must be a list of two numbers"),
        ({"name": "adam", "betas": [1.0, 0.9]}, "betas[0] must be in [0, 1)"),
        ({"name": "adamw", "eps": -1e-8}, "eps must be ≥ 0"),
        ({"name": "adamw", "weight_decay": "a lot"}, "weight_decay must be a number"),
        ({"name": "adam", "amsgrad": "yes"}, "amsgrad must be true or false"),
        (42, "must be a name"),
        # torch.optim.RMSprop refuses alpha < 0 but takes alpha > 1, where v turns negative
        ({"name": "rmsprop", "alpha": 1.5}, "alpha must be in [0, 1], not 1.5"),
        ({"name": "rmsprop", "alpha": -0.1}, "alpha must be ≥ 0"),
        ({"name": "rmsprop", "momentum": -0.1}, "momentum must be ≥ 0"),
        ({"name": "adagrad", "lr_decay": -0.1}, "lr_decay must be ≥ 0"),
        ({"name": "adagrad", "initial_accumulator_value": -1}, "initial_accumulator_value"),
    ],
)
def test_bad_optimizers_are_one_line_spec_errors(value: Any, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)) as error:
        spec_from_mapping(dict(DEFAULT_SPEC_DATA, optimizer=value))
    assert "\n" not in str(error.value)


def test_torch_defaults_fill_an_optimizer() -> None:
    assert parse_optimizer("adamw") == OptimizerSpec("adamw", weight_decay=0.01)
    assert parse_optimizer({"name": "adam"}).betas == (0.9, 0.999)
    assert parse_optimizer({"name": "sgd", "momentum": 0.5}).dampening == 0
    # a spec naming Adam without a learning rate gets torch's 1e-3; a given rate stays
    data = {k: v for k, v in DEFAULT_SPEC_DATA.items() if k != "learning_rate"}
    assert spec_from_mapping(dict(data, optimizer="adam")).learning_rate == 1e-3
    assert spec_from_mapping(data).learning_rate == 1.0
    assert spec_from_mapping(dict(DEFAULT_SPEC_DATA, optimizer="adam")).learning_rate == 1.0


def test_cli_step_json_carries_the_state(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["step", "--optimizer", "{ name = 'sgd', momentum = 0.9 }", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert document["optimizer"]["name"] == "sgd"
    w1 = document["weights"][0]
    assert w1["state_before"] == {} and w1["state_after"]["b"] == w1["gradient"]
    assert w1["updated"] == pytest.approx(0.2 + 0.0084214805, abs=1e-10)


def test_cli_train_csv_has_a_column_per_state_and_parameter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["train", "--steps", "2", "--optimizer", "adam", "--format", "csv"]) == 0
    header, first, second, _ = capsys.readouterr().out.splitlines()
    columns = header.split(",")
    assert columns[10:12] == ["m_w1", "m_w2"] and columns[-1] == "v_w8"
    assert first.split(",")[10:] == ["0.0"] * 16  # the moments start at zero
    assert float(second.split(",")[10]) == pytest.approx(0.1 * -0.0084214805, abs=1e-11)


@pytest.mark.parametrize(
    "value",
    ["lion", "{ name = 'sgd', nesterov = true }", "{ name = ", "{ name = 'adam', betas = 1 }"],
)
def test_cli_bad_optimizer_is_one_line(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["step", "--optimizer", value]) == 2
    error = capsys.readouterr().err
    assert error.startswith("symbp: error: --optimizer") and error.count("\n") == 1


def test_check_hand_refuses_to_judge_an_update_under_another_optimizer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # a right Adam update would otherwise be called wrong against w − η·∂L/∂w
    hand = tmp_path / "hand.txt"
    hand.write_text("dL/dw1 = -0.0084\nw1_new = 0.3\n", encoding="utf-8")
    spec = str(Path(__file__).resolve().parent.parent / "examples" / "adam.toml")
    assert main(["check-hand", str(hand), "--spec", spec]) == 2
    assert "w1_new: this network updates with adam" in capsys.readouterr().err
    hand.write_text("dL/dw1 = -0.0084\n", encoding="utf-8")
    assert main(["check-hand", str(hand), "--spec", spec]) == 0
