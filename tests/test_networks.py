"""Every network a course uses (activations, losses, biases, numbering, samples, initial
weights), checked against torch's own modules and against published numbers."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import symbp
from symbp.core.derive import backward_sweep, derive
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork, updated_weights
from symbp.core.spec import spec_from_mapping
from symbp.core.train import train
from symbp.torchcheck.check import check
from symbp.torchcheck.model import torch_loss_and_gradients
from symbp.torchcheck.replay import torch_training

from .conftest import require_module


@pytest.fixture(autouse=True)
def _torch() -> None:
    require_module("torch")


def build(layers: list[int], scale: float = 1.0, seed: int = 0, **fields: Any) -> Network:
    rng = np.random.default_rng(seed)
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    data: dict[str, Any] = {
        "layers": layers,
        "inputs": [0.5, -0.3, 0.8, 0.1][: layers[0]],
        "targets": [0.2, 0.7, 0.1, 0.0][: layers[-1]],
        "weights": (rng.uniform(-1, 1, n_weights) * scale).tolist(),
    }
    data.update(fields)
    return Network(spec_from_mapping(data))


VARIANTS: list[tuple[list[int], dict[str, Any]]] = [
    ([2, 3, 2], {"activation": ["relu", "identity"], "loss": "mse_mean"}),
    ([2, 3, 2], {"activation": "tanh", "loss": "sse"}),
    ([2, 3, 2], {"activation": ["leaky_relu", "sigmoid"], "negative_slope": 0.2}),
    ([2, 3, 3], {"activation": ["tanh", "softmax"], "loss": "cross_entropy", "targets": 1}),
    (
        [2, 3, 3],
        {"activation": ["relu", "softmax"], "loss": "cross_entropy", "targets": [0.2, 0.3, 0.5]},
    ),
    ([2, 2, 3], {"activation": ["sigmoid", "softmax"], "loss": "half_sse"}),
    ([2, 2, 2], {"loss": "bce", "targets": [1, 0], "bias": "per-layer", "bias_values": [0.3, -1]}),
    ([2, 2, 2], {"bias": "per-unit", "bias_values": [0.1, 0.2, 0.3, 0.4], "numbering": "layered"}),
    (
        [2, 2, 2],
        {"bias": "per-layer", "bias_values": [0.35, 0.6], "bias_trainable": False},
    ),
    (
        [2, 2, 2],
        {
            "numbering": "explicit",
            "weight_names": ["a", "b", "c", "d", "e", "f", "g", "k"],
            "activation": "identity",
        },
    ),
    ([2, 3, 2, 2], {"activation": ["tanh", "relu", "sigmoid"], "numbering": "by-target"}),
    (
        [2, 2, 2],
        {
            "inputs": [[0.5, 0.3], [0.1, -0.2], [1, 1]],
            "targets": [[0.2, 0.1], [0.3, 0.3], [0, 1]],
            "reduction": "sum",
        },
    ),
    (
        [2, 3, 3],
        {
            "activation": ["tanh", "softmax"],
            "loss": "cross_entropy",
            "inputs": [[0.5, 0.3], [0.1, -0.2]],
            "targets": [2, 0],
        },
    ),
    (
        [2, 2, 2],
        {"loss": "mse_mean", "inputs": [[0.5, 0.3], [0.1, -0.2]], "targets": [[0, 1], [1, 0]]},
    ),
    (
        [2, 2, 1],
        {
            "loss": "bce",
            "inputs": [[0.5, 0.3], [0.1, -0.2]],
            "targets": [[1], [0.25]],
            "reduction": "sum",
            "bias": "per-unit",
            "bias_values": [0.1, -0.1, 0.5],
        },
    ),
]


@pytest.mark.parametrize(("layers", "fields"), VARIANTS)
def test_variant_agrees_with_torch_and_finite_differences(
    layers: list[int], fields: dict[str, Any]
) -> None:
    network = build(layers, **fields)
    compiled = CompiledNetwork(network)
    evaluation = compiled.evaluate()
    result = check(evaluation, compiled.finite_differences())
    assert result.passed
    assert len(result.weights) == len(network.parameters)
    assert abs(result.loss_symbolic - result.loss_torch) <= 1e-12
    assert max(abs(r.symbolic - r.torch) for r in result.weights) <= 1e-12


@pytest.mark.parametrize(("layers", "fields"), VARIANTS)
def test_weights_of_1000_stay_finite_and_match_torch(
    layers: list[int], fields: dict[str, Any]
) -> None:
    network = build(layers, scale=1000.0, **fields)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        compiled = CompiledNetwork(network)
        evaluation = compiled.evaluate()
    loss, gradients, _ = torch_loss_and_gradients(network.spec)
    assert np.isfinite(loss) and np.all(np.isfinite(gradients))
    assert np.isfinite(evaluation.loss)
    assert evaluation.loss == pytest.approx(loss, rel=1e-12, abs=1e-12)
    assert evaluation.gradients == pytest.approx(gradients, rel=1e-10, abs=1e-10)


def test_bce_equals_torch_bceloss_module() -> None:
    # torch_check uses BCEWithLogitsLoss; the plain nn.BCELoss on nn.Sigmoid must agree
    import torch
    from torch import nn

    network = build([2, 2, 2], loss="bce", targets=[1, 0.25])
    spec = network.spec
    model = nn.Sequential(
        nn.Linear(2, 2, bias=False, dtype=torch.float64),
        nn.Sigmoid(),
        nn.Linear(2, 2, bias=False, dtype=torch.float64),
        nn.Sigmoid(),
    )
    with torch.no_grad():
        for position, edge in enumerate(spec.edges):
            model[2 * (edge.layer - 1)].weight[edge.target, edge.source] = spec.weights[position]
    loss = nn.BCELoss()(model(torch.tensor([spec.inputs], dtype=torch.float64)),
                        torch.tensor([spec.targets], dtype=torch.float64))  # fmt: skip
    loss.backward()
    evaluation = CompiledNetwork(network).evaluate()
    assert evaluation.loss == pytest.approx(loss.item(), abs=1e-14)
    expected = [float(model[2 * (e.layer - 1)].weight.grad[e.target, e.source]) for e in spec.edges]
    assert evaluation.gradients == pytest.approx(expected, abs=1e-14)


MAZUR = {
    "title": "Matt Mazur's step-by-step example",
    "layers": [2, 2, 2],
    "numbering": "by-target",
    "learning_rate": 0.5,
    "inputs": [0.05, 0.10],
    "targets": [0.01, 0.99],
    "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55],
    "bias": "per-layer",
    "bias_values": [0.35, 0.60],
    "bias_trainable": False,
}


def test_mazur_published_numbers() -> None:
    # "A Step by Step Backpropagation Example" (Matt Mazur, 2015): E_total = 0.298371109,
    # ∂E/∂w5 = 0.082167041, w5⁺ = 0.35891648, w1⁺ = 0.149780716
    compiled = CompiledNetwork(Network(spec_from_mapping(MAZUR)))
    evaluation = compiled.evaluate()
    assert evaluation.loss == pytest.approx(0.298371109, abs=1e-9)
    assert evaluation.gradient("w5") == pytest.approx(0.082167041, abs=1e-9)
    assert 0.40 - 0.5 * evaluation.gradient("w5") == pytest.approx(0.35891648, abs=1e-8)
    assert 0.15 - 0.5 * evaluation.gradient("w1") == pytest.approx(0.149780716, abs=1e-9)
    assert len(evaluation.gradients) == 8  # fixed biases are not trained
    # the post's eight updated weights after one step with η = 0.5
    published = [0.149780716, 0.19956143, 0.24975114, 0.29950229,
                 0.35891648, 0.408666186, 0.511301270, 0.561370121]  # fmt: skip
    assert updated_weights(evaluation, 0.5) == pytest.approx(published, abs=1e-8)


def test_zero_weights_give_exactly_zero_hidden_gradients() -> None:
    network = build([2, 3, 2], weights="zero", bias="per-layer", bias_values=[0.1, 0.2])
    evaluation = CompiledNetwork(network).evaluate()
    hidden = [evaluation.gradient(w.name) for w in network.weights if w.target.layer == 1]
    assert hidden == [0.0] * 6
    output = [evaluation.gradient(w.name) for w in network.weights if w.target.layer == 2]
    assert all(g != 0 for g in output)
    _, gradients, _ = torch_loss_and_gradients(network.spec)
    assert gradients[:6] == (0.0,) * 6


def test_relu_derivative_at_zero_follows_torch() -> None:
    # z_h1 = 0 exactly: torch's relu′(0) is 0 (sympy's Heaviside(0) would be ½)
    network = build([2, 2, 1], activation=["relu", "identity"], weights=[1, 0, -1, 1, 1, 1],
                    inputs=[0.5, 0.5], targets=[2.0])  # fmt: skip
    evaluation = CompiledNetwork(network).evaluate()
    by_name = {s.name: v for s, v in evaluation.values.items()}
    assert by_name["z_h1"] == 0.0
    _, gradients, _ = torch_loss_and_gradients(network.spec)
    assert evaluation.gradients == pytest.approx(gradients, abs=1e-15)
    assert evaluation.gradient("w1") == 0.0


@pytest.mark.parametrize(
    ("layers", "fields"), [VARIANTS[0], VARIANTS[4], VARIANTS[7], VARIANTS[14]]
)
def test_training_equals_torch_sgd(layers: list[int], fields: dict[str, Any]) -> None:
    network = build(layers, **fields)
    run = train(CompiledNetwork(network), steps=25, learning_rate=0.3)
    losses, final = torch_training(network.spec, steps=25, learning_rate=0.3)
    assert run.losses == pytest.approx(losses, abs=1e-12)
    assert run.final_parameters == pytest.approx(final, abs=1e-12)
    assert run.losses[-1] < run.losses[0]


def test_softmax_paths_go_through_every_output() -> None:
    network = build([2, 2, 3], activation=["sigmoid", "softmax"], loss="cross_entropy", targets=0)
    derivation = derive(network, "w1", closed_form=False)
    # w1: x1 → h1 reaches z_o1, z_o2, z_o3, and each z reaches o1, o2 and o3
    assert derivation.path_count == 9 == len(derivation.paths)
    derivation = derive(network, "w5", closed_form=False)  # h1 → o1
    routes = [[f.of.name for f in path.factors] for path in derivation.paths]
    assert routes == [["L", f"o{k}", "z_o1"] for k in (1, 2, 3)]
    sweep = backward_sweep(network)
    delta = sweep.deltas[network.outputs[0].delta]  # type: ignore[index]
    assert len(delta.routes) == 3


def _derivation_text(network: Network, weight: str) -> str:
    return symbp.problem(network.spec).derivations([weight]).render("text")


def test_text_says_why_zero_weights_give_zero_hidden_gradients() -> None:
    network = build([2, 2, 2], weights="zero", activation=["tanh", "sigmoid"])
    text = _derivation_text(network, "w1")
    assert "every weight starts at 0, so h1's gradient is exactly 0 by symmetry" in text
    assert "  ∂L/∂w1 = 0.0000000000" in text
    assert "symmetry" not in _derivation_text(network, "w5")  # output weights do learn


def test_text_says_relu_derivative_at_zero_is_torch_s() -> None:
    network = build([2, 2, 1], activation=["relu", "identity"], weights=[1, 0, -1, 1, 1, 1],
                    inputs=[0.5, 0.5], targets=[2.0])  # fmt: skip
    text = _derivation_text(network, "w1")
    assert "z_h1 = 0 exactly" in text and "relu′(0) is taken as 0, as torch does" in text
    assert re.search(r"∂h1/∂z_h1 = 1\[z_h1 > 0\] += 1\[0 > 0\] += 0\n", text)


def test_text_shows_the_softmax_jacobian_and_the_sample_reduction() -> None:
    network = build([2, 2, 3], activation=["sigmoid", "softmax"], loss="cross_entropy",
                    inputs=[[0.5, 0.3], [0.1, 0.2]], targets=[2, 0])  # fmt: skip
    text = _derivation_text(network, "w5")
    assert "δ_o1 = ∂L⁽¹⁾/∂o1·∂o1/∂z_o1 + ∂L⁽¹⁾/∂o2·∂o2/∂z_o1 + ∂L⁽¹⁾/∂o3·∂o3/∂z_o1" in text
    assert "(-y2/o2)·(-o1·o2)" in text
    assert "= o1 - y1" in text  # softmax + cross-entropy simplified
    evaluation = CompiledNetwork(network).evaluate()
    first, second = (s.gradient("w5") for s in evaluation.samples)
    assert evaluation.gradient("w5") == pytest.approx((first + second) / 2, abs=1e-15)
    assert "There are 2 samples. L is the mean of the samples' losses" in text
    assert f"= {evaluation.gradient('w5'):.10f}" in text


def test_saturated_outputs_render_without_warnings_and_say_why_a_factor_is_0_over_0() -> None:
    import warnings

    weights = [1000, -1000, 1000, 1000, -1000, 1000, 1000, -1000, 1000, -1000]
    network = build([2, 2, 3], activation=["tanh", "softmax"], loss="cross_entropy",
                    targets=[0.0, 0.0, 1.0], weights=weights)  # fmt: skip
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        text = _derivation_text(network, "w5")
    assert "∂L/∂o1, ∂L/∂o2 cannot be evaluated on its own here (0/0)" in text
    assert "  ∂L/∂w5 = 0.0000000000" in text


@pytest.mark.parametrize("bias", ["per-layer", "per-unit"])
def test_bias_derivation_is_the_sum_of_its_units_deltas(bias: str) -> None:

    values = [0.35, 0.6] if bias == "per-layer" else [0.1, 0.2, 0.3, 0.4]
    network = build([2, 2, 2], bias=bias, bias_values=values,
                    inputs=[[0.5, 0.3], [0.1, -0.2]], targets=[[0.2, 0.1], [0.3, 0.3]])  # fmt: skip
    _, gradients, _ = torch_loss_and_gradients(network.spec)
    first = network.biases[0]
    text = _derivation_text(network, first.name)
    torch_gradient = gradients[first.position]
    assert f"  ∂L/∂{first.name} = {torch_gradient:.10f}" in text
    units = " + ".join(f"δ_{unit.name}" for unit in first.targets)
    assert f"the sum of those units' δs: ∂L⁽¹⁾/∂{first.name} = {units}." in text
