"""Without torch, `derive` of every kind (a dense net, an expression, a convolutional and a
recurrent network) checks by central finite differences alone and says so on stderr, as the
README promises; `check` and `handout` (which compare with torch) ask for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbp import cli
from symbp.torchcheck import worker as torch_worker

MODELS = Path(__file__).resolve().parent.parent / "examples" / "models"


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch_worker, "torch_installed", lambda: False)


@pytest.mark.usefixtures("no_torch")
@pytest.mark.parametrize(
    "argv",
    [
        ["derive", "--weight", "w1"],
        ["derive", "--expr", "f = (x + y) * z", "--at", "x=-2,y=5,z=-4", "--all"],
        ["derive", "--spec", str(MODELS / "circuit_cs231n.toml"), "--all"],
        ["derive", "--spec", str(MODELS / "conv_teaching.toml"), "--all"],
        ["derive", "--spec", str(MODELS / "rnn_prachub.toml"), "--all"],
    ],
)
def test_derive_falls_back_to_finite_differences(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert cli.main(argv) == cli.EXIT_OK
    captured = capsys.readouterr()
    assert captured.out
    err = captured.err
    assert "torch is not installed: checked by central finite differences only, which agree" in err
    assert err.count("\n") == 1  # one line


@pytest.mark.usefixtures("no_torch")
def test_expression_without_torch_has_its_gradients_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # cs231n's worked example, by hand: f = (x + y)·z, ∂f/∂x = ∂f/∂y = z = -4, ∂f/∂z = x + y = 3
    argv = ["derive", "--expr", "f = (x + y) * z", "--at", "x=-2,y=5,z=-4", "--all"]
    assert cli.main([*argv, "--format", "json"]) == cli.EXIT_OK
    found = json.loads(capsys.readouterr().out)
    assert found["gradients"]["x"] == pytest.approx(-4)
    assert found["gradients"]["z"] == pytest.approx(3)
    assert "check" not in found  # no torch check was made


def test_the_fallback_says_when_differences_disagree() -> None:
    # a wrong derivative (the sign flipped) is caught by the differences alone
    from symbp.core.circuit import derive_circuit, parse_at, read_circuit
    from symbp.torchcheck.circuit_check import finite_differences_only

    circuit = read_circuit("f = (x + y) * z", parse_at("x=-2,y=5,z=-4"))
    right = derive_circuit(circuit).gradients
    assert finite_differences_only(circuit, right).agrees
    wrong = {s: -v for s, v in right.items()}
    found = finite_differences_only(circuit, wrong)
    assert not found.agrees
    assert found.largest_difference == pytest.approx(8, rel=1e-4)  # |-4 − 4| for x and y
    assert "DISAGREE" in found.notice


@pytest.mark.usefixtures("no_torch")
@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--spec", str(MODELS / "conv_teaching.toml")],
        ["check", "--spec", str(MODELS / "rnn_prachub.toml")],
        ["handout", "--spec", str(MODELS / "circuit_cs231n.toml"), "-o", "h.md"],
        ["handout", "--spec", str(MODELS / "rnn_prachub.toml"), "-o", "h.md"],
    ],
)
def test_check_and_handout_ask_for_torch(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == cli.EXIT_BAD_INPUT
    assert "torch is not installed" in capsys.readouterr().err
    assert not (tmp_path / "h.md").exists()
