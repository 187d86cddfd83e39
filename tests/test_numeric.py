"""Numbers against the published worked example and against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork, stable_sigmoid, updated_weights
from symbp.core.spec import spec_from_mapping

from .conftest import MOOC_GRADIENTS, MOOC_LOSS, MOOC_WEIGHTS


def test_mooc_loss_and_gradients_match_the_reference(mooc: Network) -> None:
    evaluation = CompiledNetwork(mooc).evaluate()
    assert evaluation.loss == pytest.approx(MOOC_LOSS, abs=1e-9)
    assert evaluation.gradients == pytest.approx(MOOC_GRADIENTS, abs=1e-9)


def test_mooc_forward_pass_worked_by_hand(mooc: Network) -> None:
    # h1 = σ(0.2·0.5 + 0.5·0.3) = σ(0.25); o2 = σ(−0.5·h1 + 0.8·h2)
    values = CompiledNetwork(mooc).evaluate().values
    by_name = {symbol.name: value for symbol, value in values.items()}
    h1, h2 = 1 / (1 + np.exp(-0.25)), 1 / (1 + np.exp(-(-0.4 * 0.5 + 0.6 * 0.3)))
    assert by_name["z_h1"] == pytest.approx(0.25, abs=1e-15)
    assert by_name["h1"] == pytest.approx(h1, abs=1e-15)
    assert by_name["o2"] == pytest.approx(1 / (1 + np.exp(-(-0.5 * h1 + 0.8 * h2))), abs=1e-15)


def test_one_step_follows_the_gradients(mooc: Network) -> None:
    evaluation = CompiledNetwork(mooc).evaluate()
    expected = [w - 1.0 * g for w, g in zip(MOOC_WEIGHTS, MOOC_GRADIENTS, strict=True)]
    assert updated_weights(evaluation, 1.0) == pytest.approx(expected, abs=1e-9)
    # w1 and w3 have negative gradients: the step raises them
    assert updated_weights(evaluation, 1.0)[0] > 0.2
    assert updated_weights(evaluation, 1.0)[2] > 0.5


@pytest.mark.parametrize("layers", [[2, 2, 2], [3, 4, 2], [2, 3, 3, 2], [1, 1]])
def test_gradients_match_finite_differences(layers: list[int]) -> None:
    rng = np.random.default_rng(sum(layers))
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    network = Network(
        spec_from_mapping(
            {
                "layers": layers,
                "inputs": rng.uniform(-1, 1, layers[0]).tolist(),
                "targets": rng.uniform(0, 1, layers[-1]).tolist(),
                "weights": rng.uniform(-2, 2, n_weights).tolist(),
            }
        )
    )
    compiled = CompiledNetwork(network)
    # independent finite differences, one weight at a time, from the loss alone
    spec = network.spec
    h = 1e-6
    expected = []
    for i in range(n_weights):
        plus, minus = list(spec.weights), list(spec.weights)
        plus[i] += h
        minus[i] -= h
        expected.append(
            (compiled.evaluate(weights=plus).loss - compiled.evaluate(weights=minus).loss) / (2 * h)
        )
    assert compiled.evaluate().gradients == pytest.approx(expected, abs=1e-8)
    # the batched call runs numpy's exp/log where one sample runs math's: their last bits may
    # differ by a few ulp of L, which a central difference divides by 2h (a few 1e-10 at most)
    assert compiled.finite_differences() == pytest.approx(expected, abs=1e-9)


def test_batch_evaluation_equals_one_sample_at_a_time(mooc: Network) -> None:
    compiled = CompiledNetwork(mooc)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 5))
    y = rng.uniform(-1, 1, (2, 5))
    w = np.asarray(mooc.spec.weights)
    losses, gradients = compiled.loss_and_gradients(x, y, w)
    for sample in range(5):
        one = compiled.evaluate(inputs=x[:, sample], targets=y[:, sample])
        assert losses[sample] == pytest.approx(one.loss, abs=1e-15)
        assert [g[sample] for g in gradients] == pytest.approx(one.gradients, abs=1e-15)


def test_stable_sigmoid_has_no_overflow() -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = stable_sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert values.tolist() == [0.0, 0.5, 1.0]
