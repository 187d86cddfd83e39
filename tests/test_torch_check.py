"""symbp's numbers against torch autograd on the same network, built independently in torch."""

from __future__ import annotations

import numpy as np
import pytest

from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import spec_from_mapping
from symbp.torchcheck.check import check
from symbp.torchcheck.model import torch_loss_and_gradients

from .conftest import MOOC_GRADIENTS, MOOC_LOSS, require_module


@pytest.fixture(autouse=True)
def _torch() -> None:
    require_module("torch")


def test_torch_reproduces_the_published_numbers(mooc: Network) -> None:
    loss, gradients, _ = torch_loss_and_gradients(mooc.spec)
    assert loss == pytest.approx(MOOC_LOSS, abs=1e-9)
    assert gradients == pytest.approx(MOOC_GRADIENTS, abs=1e-9)


def test_mooc_agrees_with_torch_within_1e12_in_float64(mooc: Network) -> None:
    compiled = CompiledNetwork(mooc)
    result = check(compiled.evaluate(), compiled.finite_differences(), "float64")
    assert result.passed
    assert abs(result.loss_symbolic - result.loss_torch) <= 1e-12
    for row in result.weights:
        assert abs(row.symbolic - row.torch) <= 1e-12, row.name
        assert abs(row.symbolic - row.finite_difference) <= 1e-8, row.name


def test_float32_as_the_seed_used(mooc: Network) -> None:
    compiled = CompiledNetwork(mooc)
    result = check(compiled.evaluate(), compiled.finite_differences(), "float32")
    assert result.passed
    # the seed printed round(grad, 2): w1 and w3 are -0.01, the others positive
    assert [round(row.torch, 2) for row in result.weights] == [
        -0.01,
        0.01,
        -0.01,
        0.01,
        0.03,
        0.08,
        0.03,
        0.07,
    ]


@pytest.mark.parametrize(
    ("layers", "numbering"),
    [
        ([3, 4, 2], "by-source"),
        ([2, 3, 3, 2], "by-target"),
        ([4, 1, 3], "by-source"),
        ([1, 1], "by-target"),
    ],
)
def test_other_shapes_agree_with_torch(layers: list[int], numbering: str) -> None:
    rng = np.random.default_rng(len(layers) * 10 + layers[0])
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    network = Network(
        spec_from_mapping(
            {
                "layers": layers,
                "numbering": numbering,
                "inputs": rng.uniform(-1, 1, layers[0]).tolist(),
                "targets": rng.uniform(0, 1, layers[-1]).tolist(),
                "weights": rng.uniform(-2, 2, n_weights).tolist(),
            }
        )
    )
    compiled = CompiledNetwork(network)
    result = check(compiled.evaluate(), compiled.finite_differences(), "float64")
    assert result.passed
    assert max(abs(r.symbolic - r.torch) for r in result.weights) <= 1e-12


def test_a_wrong_gradient_is_caught(mooc: Network) -> None:
    compiled = CompiledNetwork(mooc)
    evaluation = compiled.evaluate()
    flipped = type(evaluation)(
        network=evaluation.network,
        values=evaluation.values,
        gradients=(-evaluation.gradients[0], *evaluation.gradients[1:]),
    )
    result = check(flipped, compiled.finite_differences(), "float64")
    assert not result.passed
    assert [row.passed for row in result.weights] == [False] + [True] * 7
