"""A property: for hundreds of random small networks, symbp's gradients equal torch autograd's.

Random layer sizes (1 to 4 units, 1 to 3 weight layers), activations, losses, biases, numbering
conventions, samples and reductions. Derive-only paths (backward sweep, compiled numbers), no
closed forms, so that it stays fast.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.core.derive import derive
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import spec_from_mapping
from symbp.torchcheck.model import torch_loss_and_gradients

from .conftest import require_module

EXAMPLES = 300
TOLERANCE = 1e-10
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
LOSS_OUTPUTS = {
    "half_sse": HIDDEN + ["softmax"],
    "sse": HIDDEN + ["softmax"],
    "mse_mean": HIDDEN + ["softmax"],
    "bce": ["sigmoid"],
    "cross_entropy": ["softmax"],
}

values = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
unit_interval = st.floats(0, 1, allow_nan=False, allow_infinity=False)


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    layers = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    n_out = layers[-1]
    loss = draw(st.sampled_from(sorted(LOSS_OUTPUTS)))
    output = draw(st.sampled_from(LOSS_OUTPUTS[loss]))
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in layers[2:]]
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    numbering = draw(st.sampled_from(["by-source", "by-target", "layered", "explicit"]))
    n_samples = draw(st.integers(1, 3))

    def target() -> Any:
        if loss == "cross_entropy":
            if draw(st.booleans()):
                return draw(st.integers(0, n_out - 1))
            raw = [draw(st.floats(0.01, 1)) for _ in range(n_out)]
            return [r / sum(raw) for r in raw]
        if loss == "bce":
            return [draw(unit_interval) for _ in range(n_out)]
        return [draw(values) for _ in range(n_out)]

    samples = [([draw(values) for _ in range(layers[0])], target()) for _ in range(n_samples)]
    if loss == "cross_entropy" and len({isinstance(t, int) for _, t in samples}) > 1:
        samples = [(x, samples[0][1]) for x, _ in samples]
    bias = draw(st.sampled_from(["none", "per-layer", "per-unit"]))
    n_biases = {"none": 0, "per-layer": len(layers) - 1, "per-unit": sum(layers[1:])}[bias]
    data: dict[str, Any] = {
        "layers": layers,
        "activation": [*hidden, output],
        "negative_slope": draw(st.floats(0, 0.5)),
        "loss": loss,
        "numbering": numbering,
        "weights": [draw(values) for _ in range(n_weights)],
        "bias": bias,
        "reduction": draw(st.sampled_from(["mean", "sum"])),
    }
    if numbering == "explicit":
        data["weight_names"] = [f"p{i}" for i in range(n_weights)]
    if bias != "none":
        data["bias_values"] = [draw(values) for _ in range(n_biases)]
        data["bias_trainable"] = draw(st.booleans())
    if n_samples == 1:
        data["inputs"], data["targets"] = samples[0]
    else:
        data["inputs"] = [x for x, _ in samples]
        data["targets"] = [t for _, t in samples]
    return data


@pytest.mark.slow
def test_random_networks_agree_with_torch_autograd() -> None:
    require_module("torch")
    differences: list[float] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(networks())
    def agrees(data: dict[str, Any]) -> None:
        spec = spec_from_mapping(data)
        network = Network(spec)
        evaluation = CompiledNetwork(network).evaluate()
        # the chain rule's paths (every route, softmax's Jacobian included) give the same number
        first = evaluation.samples[0] if evaluation.samples else evaluation
        weight = network.weights[0]  # the most routes
        paths = derive(network, weight.name, closed_form=False)
        by_paths = first.value(paths.chain_rule)
        assert abs(by_paths - first.gradient(weight.name)) <= TOLERANCE * max(1.0, abs(by_paths))
        loss, gradients, _ = torch_loss_and_gradients(spec)
        assert len(gradients) == len(evaluation.gradients)
        worst = max(
            abs(mine - theirs) / max(1.0, abs(theirs))
            for mine, theirs in zip(
                (evaluation.loss, *evaluation.gradients), (loss, *gradients), strict=True
            )
        )
        assert worst <= TOLERANCE, data
        differences.append(worst)

    agrees()
    print(f"\n{len(differences)} random networks; largest difference {max(differences):.1e}")
    assert len(differences) >= EXAMPLES // 2
