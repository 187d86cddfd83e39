"""Three course-sized networks built around a loss or an optimizer, and how far symbp's
numbers are from torch's: gradients (torch autograd, central differences) and 5 rounds of
training (torch.optim). Each new loss's and optimizer's tests report the largest difference."""

from __future__ import annotations

from typing import Any

from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import NetworkSpec, spec_from_mapping
from symbp.core.train import train
from symbp.torchcheck.check import check
from symbp.torchcheck.replay import torch_training

from .conftest import require_module

ROUNDS = 5


def _weights(count: int, seed: int) -> list[float]:
    # spread over [−0.5, 0.55] without a pattern a bug could hide in
    return [round(0.1 * ((7 * i + 3 * seed) % 11) - 0.5, 2) for i in range(count)]


def _regression(samples: int, outputs: int) -> list[list[float]]:
    return [
        [round(0.4 * ((5 * s + 3 * k) % 7) - 1.1, 2) for k in range(outputs)]
        for s in range(samples)
    ]


#: (layers, activations, other keys, inputs): a bias per unit over 3 samples, summed samples
#: without biases, two hidden layers with a bias per layer and one sample
NETWORKS: tuple[tuple[list[int], list[str], dict[str, Any], list[list[float]]], ...] = (
    (
        [2, 2, 3],
        ["tanh", "identity"],
        {"bias": "per-unit", "bias_values": [0.1, -0.2, 0.3, 0.05, -0.15]},
        [[0.5, 0.3], [1.0, -2.0], [0.2, 0.9]],
    ),
    (
        [3, 4, 3],
        ["sigmoid", "identity"],
        {"reduction": "sum"},
        [[0.5, -0.3, 0.8], [-1.2, 0.4, 0.1]],
    ),
    (
        [2, 3, 3, 3],
        ["elu", "tanh", "identity"],
        {"bias": "per-layer", "bias_values": [0.1, -0.1, 0.2]},
        [[0.7, -0.4]],
    ),
)


def network_spec(index: int, loss: str, class_targets: bool = False, **extra: Any) -> NetworkSpec:
    """Network `index` of NETWORKS with `loss`: class-index targets or regression targets."""
    layers, activations, keys, inputs = NETWORKS[index]
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    if class_targets:
        targets: Any = [(s + index) % layers[-1] for s in range(len(inputs))]
    else:
        targets = _regression(len(inputs), layers[-1])
    data: dict[str, Any] = {
        "title": f"{loss} network {index + 1}",
        "layers": layers,
        "activation": activations,
        "loss": loss,
        "inputs": inputs,
        "targets": targets,
        "weights": _weights(n_weights, index),
        "learning_rate": 0.3,
        **keys,
        **extra,
    }
    if len(inputs) == 1:
        data["inputs"], data["targets"] = inputs[0], targets[0]
    return spec_from_mapping(data)


def gradient_difference(spec: NetworkSpec) -> float:
    """The largest difference of symbp's loss and gradients from torch autograd's (asserting
    that `symbp check` passes: torch and central differences agree with symbp)."""
    require_module("torch")
    compiled = CompiledNetwork(Network(spec))
    result = check(compiled.evaluate(), compiled.finite_differences())
    assert result.passed, result
    return max(
        abs(result.loss_symbolic - result.loss_torch),
        *(abs(r.symbolic - r.torch) for r in result.weights),
    )


def training_difference(spec: NetworkSpec, rounds: int = ROUNDS) -> float:
    """The largest difference of the losses and final parameters of `rounds` updates by
    symbp from torch.optim's (the spec's optimizer and learning rate)."""
    require_module("torch")
    run = train(CompiledNetwork(Network(spec)), steps=rounds, learning_rate=spec.learning_rate)
    losses, final = torch_training(spec, steps=rounds, learning_rate=spec.learning_rate)
    pairs = [*zip(run.losses, losses, strict=True), *zip(run.final_parameters, final, strict=True)]
    assert run.losses[-1] != run.losses[0]
    return max(abs(a - b) for a, b in pairs)
