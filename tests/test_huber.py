"""huber (torch.nn.HuberLoss, delta) added by its table entry alone: a published example,
torch autograd on three networks and torch.optim over 5 rounds, its textbook derivative
clip(d, −δ, δ), and a bad δ refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from symbp.cli import main
from symbp.core.functions import huber, loss
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import spec_from_mapping

from .torch_agreement import NETWORKS, gradient_difference, network_spec, training_difference


def test_keras_huber_docstring() -> None:
    # keras.io/api/losses/regression_losses/#huber-class (tf.keras.losses.Huber's docstring):
    # y_true = [[0, 1], [0, 0]], y_pred = [[0.6, 0.4], [0.4, 0.6]], delta 1 → 0.155, the mean
    # over both samples and both outputs, as torch.nn.HuberLoss's default. The network's
    # identity weights make its outputs the inputs: y_pred.
    spec = spec_from_mapping(
        {
            "layers": [2, 2],
            "activation": "identity",
            "loss": "huber",
            "inputs": [[0.6, 0.4], [0.4, 0.6]],
            "targets": [[0, 1], [0, 0]],
            "weights": [1, 0, 0, 1],
        }
    )
    value = CompiledNetwork(Network(spec)).batch_loss_and_gradients(spec.parameters)[0]
    assert round(value, 3) == 0.155
    # worked by hand: |d| = 0.6, 0.6, 0.4, 0.6 all below δ = 1: ½(0.36 + 0.36 + 0.16 + 0.36)/4
    assert value == pytest.approx(0.155, abs=1e-15)


def test_linear_piece_by_hand() -> None:
    # δ = 0.5, d = 2: δ(|d| − δ/2) = 0.5·1.75 = 0.875 and d = −0.2: ½·0.04 = 0.02
    assert float(huber(sp.Float(2.0), sp.Float(0.5))) == pytest.approx(0.875)
    assert float(huber(sp.Float(-0.2), sp.Float(0.5))) == pytest.approx(0.02)


def test_textbook_derivative_is_the_derivative_of_each_piece() -> None:
    d = sp.Symbol("d", real=True)
    o, y = sp.symbols("o y", real=True)
    entry = loss("huber", 0.5)
    slope = entry.derivative
    assert slope is not None
    for value, by_hand in ((-2.0, -0.5), (-0.3, -0.3), (0.1, 0.1), (0.7, 0.5)):
        # the loss of one output averages over K = 1 output; clip(d, −δ, δ) by hand
        got = slope(0, [o], [y]).subs({o: value, y: 0.0})
        assert float(got) == pytest.approx(by_hand, abs=1e-15)
        piece = d**2 / 2 if abs(value) < 0.5 else 0.5 * (sp.Abs(d) - 0.25)
        assert float(sp.diff(piece, d).subs(d, value)) == pytest.approx(by_hand, abs=1e-15)


@pytest.mark.parametrize("index", range(len(NETWORKS)))
@pytest.mark.parametrize("delta", [1.0, 0.3])
def test_agrees_with_torch(index: int, delta: float, report_figure: object) -> None:
    spec = network_spec(index, "huber", delta=delta)
    gradients = gradient_difference(spec)
    training = training_difference(spec)
    report_figure(  # type: ignore[operator]
        f"huber δ={delta} network {index + 1}: gradients {gradients:.1e}, "
        f"5 rounds {training:.1e} from torch"
    )
    assert gradients <= 1e-12 and training <= 1e-12


@pytest.mark.parametrize("delta", ["-1", "0"])
def test_bad_delta_is_one_line(
    tmp_path: Path, delta: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "h.toml"
    spec.write_text(
        f'layers = [1, 1]\nloss = "huber"\ndelta = {delta}\ninputs = [1]\ntargets = [0]\n'
        "weights = [0.5]\n",
        encoding="utf-8",
    )
    assert main(["step", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "delta must be greater than 0" in err
