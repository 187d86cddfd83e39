"""Correctness of the fast paths: wide networks, one-sample evaluation on floats, lean start-up.

Speed itself is measured by benchmarks/run.py, never asserted here.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork, scalar_sigmoid, stable_sigmoid
from symbp.core.spec import spec_from_mapping
from symbp.torchcheck.model import torch_loss_and_gradients

from .conftest import require_module


def random_network(layers: list[int], seed: int) -> Network:
    rng = np.random.default_rng(seed)
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    return Network(
        spec_from_mapping(
            {
                "layers": layers,
                "inputs": rng.uniform(-1, 1, layers[0]).tolist(),
                "targets": rng.uniform(0, 1, layers[-1]).tolist(),
                "weights": rng.uniform(-1, 1, n_weights).tolist(),
            }
        )
    )


def test_wide_network_gradients_match_torch_within_1e10() -> None:
    require_module("torch")
    network = random_network([16, 16, 16, 16], seed=16)
    compiled = CompiledNetwork(network)
    evaluation = compiled.evaluate()
    loss, gradients, _ = torch_loss_and_gradients(network.spec, "float64")
    assert len(gradients) == 768
    assert abs(evaluation.loss - loss) <= 1e-10
    assert np.max(np.abs(np.subtract(evaluation.gradients, gradients))) <= 1e-10
    # the batched numpy path (sums of 16 terms) against torch, one column per sample
    batch_loss, batch_gradients = compiled.loss_and_gradients(
        np.asarray(network.spec.inputs)[:, None].repeat(3, axis=1),
        np.asarray(network.spec.targets)[:, None].repeat(3, axis=1),
        np.asarray(network.spec.weights),
    )
    assert np.allclose(batch_loss, loss, rtol=0, atol=1e-10)
    assert np.allclose(np.asarray(batch_gradients)[:, 2], gradients, rtol=0, atol=1e-10)


@pytest.mark.parametrize("layers", [[2, 2, 2], [5, 7, 3], [3, 6, 6, 2]])
def test_one_sample_on_floats_equals_the_numpy_path(layers: list[int]) -> None:
    network = random_network(layers, seed=len(layers) + layers[1])
    compiled = CompiledNetwork(network)
    spec = network.spec
    one = compiled.evaluate()
    loss, gradients = compiled.loss_and_gradients(
        np.asarray(spec.inputs), np.asarray(spec.targets), np.asarray(spec.weights)
    )
    assert one.loss == pytest.approx(float(loss), rel=1e-14, abs=1e-300)
    assert one.gradients == pytest.approx([float(g) for g in gradients], rel=1e-13, abs=1e-18)


def test_scalar_sigmoid_is_the_stable_sigmoid() -> None:
    values = [-1000.0, -40.0, -1.5, -1e-9, -0.0, 0.0, 1e-9, 0.3, 2.0, 40.0, 1000.0]
    for z in values:
        assert scalar_sigmoid(z) == pytest.approx(float(stable_sigmoid(np.float64(z))), rel=1e-15)
    assert scalar_sigmoid(0.0) == 0.5
    assert scalar_sigmoid(-1000.0) == 0.0
    assert scalar_sigmoid(1000.0) == 1.0


def test_derive_no_check_imports_no_heavy_module() -> None:
    # numpy too: one sample is evaluated on floats, which is what keeps start-up near sympy's
    code = (
        "import sys\n"
        "from symbp.cli import main\n"
        "assert main(['derive', '--weight', 'w1', '--no-check']) == 0\n"
        "heavy = ('torch', 'matplotlib', 'latex2mathml', 'numpy')\n"
        "print(','.join(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ""
