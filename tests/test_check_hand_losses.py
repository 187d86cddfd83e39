"""check-hand judges a student's numbers for a net with each of the newer losses (hinge, huber,
smooth_l1, l1, nll): a homework file as a student writes it, every true value worked here by
hand (not by symbp), one file all right and one with the classic slip of the loss.

The network: x = (1, 2), identity outputs o = W·x, weights numbered by target (w1, w2 into o1;
w3, w4 into o2). With w = (0.5, −0.5, 1, 0.25): o1 = 0.5 − 1 = −0.5, o2 = 1 + 0.5 = 1.5; with
w = (1, 0, 1, 0.25): o1 = 1, o2 = 1.5. ∂L/∂w_(i→k) = ∂L/∂o_k · x_i.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from symbp.cli import main

SPEC = """layers = [2, 2]
activation = "identity"
numbering = "by-target"
inputs = [1.0, 2.0]
"""


def _gradients(d_o1: float, d_o2: float) -> list[float]:
    return [d_o1 * 1.0, d_o1 * 2.0, d_o2 * 1.0, d_o2 * 2.0]


#: loss → (spec keys, o1, o2, L, [∂L/∂w1..w4]) worked by hand
CASES: dict[str, tuple[str, float, float, float, list[float]]] = {
    # huber, δ = 1, y = (0.8, 3): d = (−1.3, −1.5), both |d| ≥ δ: δ(|d| − δ/2) = 0.8 and 1.0,
    # L = (0.8 + 1.0)/2 = 0.9; ∂L/∂o = clip(d, −1, 1)/2 = (−0.5, −0.5)
    "huber": (
        'loss = "huber"\ndelta = 1.0\ntargets = [0.8, 3.0]\nweights = [0.5, -0.5, 1.0, 0.25]\n',
        -0.5,
        1.5,
        0.9,
        _gradients(-0.5, -0.5),
    ),
    # smooth_l1, β = 2: |d| < β for both: ½d²/β = 0.4225 and 0.5625, L = 0.4925;
    # ∂L/∂o = (d/β)/2 = (−0.325, −0.375)
    "smooth_l1": (
        'loss = "smooth_l1"\nbeta = 2.0\ntargets = [0.8, 3.0]\nweights = [0.5, -0.5, 1.0, 0.25]\n',
        -0.5,
        1.5,
        0.4925,
        _gradients(-0.325, -0.375),
    ),
    # l1: L = (1.3 + 1.5)/2 = 1.4; ∂L/∂o = sign(d)/2 = (−0.5, −0.5)
    "l1": (
        'loss = "l1"\ntargets = [0.8, 3.0]\nweights = [0.5, -0.5, 1.0, 0.25]\n',
        -0.5,
        1.5,
        1.4,
        _gradients(-0.5, -0.5),
    ),
    # hinge, Δ = 1, class 2 (index 1): o = (1, 1.5), margin o1 − o2 + 1 = 0.5 > 0: L = 0.5,
    # ∂L/∂o1 = 1, ∂L/∂o2 = −1
    "hinge": (
        'loss = "hinge"\nmargin = 1.0\ntargets = 1\nweights = [1.0, 0.0, 1.0, 0.25]\n',
        1.0,
        1.5,
        0.5,
        _gradients(1.0, -1.0),
    ),
    # nll, class 1 (index 0): L = −o1 = 0.5, ∂L/∂o1 = −1, ∂L/∂o2 = 0
    "nll": (
        'loss = "nll"\ntargets = 0\nweights = [0.5, -0.5, 1.0, 0.25]\n',
        -0.5,
        1.5,
        0.5,
        _gradients(-1.0, 0.0),
    ),
}


def _homework(o1: float, o2: float, loss: float, gradients: list[float]) -> str:
    # as a student types it: a comment, spaces around =, ∂ or d, numbers to 4 decimals
    lines = ["# my homework: forward, loss, gradients", f"o1 = {o1:.4f}", f"o2 = {o2:.4f}"]
    lines.append(f"L = {loss:.4f}")
    lines += [f"dL/dw{k} = {g:.4f}" for k, g in enumerate(gradients, start=1)]
    return "\n".join(lines) + "\n"


def _judge(tmp_path: Path, capsys: Any, spec: str, hand: str) -> tuple[int, dict[str, str]]:
    spec_path, hand_path = tmp_path / "net.toml", tmp_path / "hand.txt"
    spec_path.write_text(SPEC + spec, encoding="utf-8")
    hand_path.write_text(hand, encoding="utf-8")
    status = main(["check-hand", str(hand_path), "--spec", str(spec_path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    return status, {q["name"]: q["verdict"] for q in report["quantities"]}


@pytest.mark.parametrize("loss", sorted(CASES))
def test_right_homework_is_right(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], loss: str
) -> None:
    spec, o1, o2, value, gradients = CASES[loss]
    status, verdicts = _judge(tmp_path, capsys, spec, _homework(o1, o2, value, gradients))
    assert status == 0
    assert set(verdicts.values()) == {"right"}
    assert len(verdicts) == 7


@pytest.mark.parametrize("loss", sorted(CASES))
def test_flipped_output_error_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], loss: str
) -> None:
    # the classic slip: ∂L/∂o taken as (y − o) instead of (o − y), every nonzero gradient's
    # sign flipped; the forward pass and L stay right
    spec, o1, o2, value, gradients = CASES[loss]
    flipped = [-g for g in gradients]
    status, verdicts = _judge(tmp_path, capsys, spec, _homework(o1, o2, value, flipped))
    assert status == 1
    assert verdicts["o1"] == verdicts["o2"] == verdicts["L"] == "right"
    for k, g in enumerate(gradients, start=1):
        assert verdicts[f"dL/dw{k}"] == ("right" if g == 0 else "wrong"), (k, verdicts)


@pytest.mark.parametrize("loss", sorted(CASES))
def test_exercise_draws_a_variant(tmp_path: Path, loss: str) -> None:
    # nll's ∂L/∂o is 0 for every output but the class's by definition: no reason to redraw
    spec_path = tmp_path / "net.toml"
    spec_path.write_text(SPEC + CASES[loss][0], encoding="utf-8")
    out = tmp_path / "class"
    assert main(["exercise", "--spec", str(spec_path), "--count", "1", "--out", str(out)]) == 0
    assert f'loss = "{loss}"' in (out / "s001" / "spec.toml").read_text(encoding="utf-8")
