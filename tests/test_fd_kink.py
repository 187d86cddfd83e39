"""`symbp check` at a kink: a central difference whose step straddles relu's (or leaky relu's)
kink at z = 0 averages the two sides, so it cannot judge the derivative there; where symbp equals
torch autograd the check passes and says why the difference was not compared, and where symbp
differs from torch it still fails. The numbers are worked by hand below."""

from __future__ import annotations

from pathlib import Path

import pytest

from symbp.cli import main

#: z_h1 = w1·x1 + w3·x2 = 0.4·0.5 − 0.4·0.5 = 0 exactly; h2 = relu(0.3·0.5 + 0.6·0.5) = 0.45;
#: o1 = relu(0.7·h1 + 0.2·h2) = 0.09. relu′(0) = 0 (torch's convention), so ∂L/∂w1 = 0, while
#: the central difference sees h1 = 0.5·ε on one side and 0 on the other:
#: (½(0.09 + 0.35ε − 0.3)² − ½(0.21)²)/(2ε) → −0.21·0.35/2 = −0.03675.
KINK_SPEC = """
title = "ReLU net with a unit exactly at its kink"
layers = [2, 2, 1]
activation = "{activation}"
loss = "half_sse"
learning_rate = 0.5
inputs = [0.5, 0.5]
targets = [0.3]
weights = [0.4, 0.3, -0.4, 0.6, 0.7, 0.2]
"""


def spec(tmp_path: Path, activation: str = "relu") -> str:
    path = tmp_path / f"{activation}.toml"
    path.write_text(KINK_SPEC.format(activation=activation), encoding="utf-8")
    return str(path)


def test_check_passes_at_a_relu_kink_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--spec", spec(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("  w")}
    assert float(rows["w1"][1]) == 0.0 and float(rows["w1"][2]) == 0.0
    assert abs(float(rows["w1"][3]) - (-0.03675)) < 1e-6  # the difference worked by hand
    assert rows["w1"][-1] == "ok*" and rows["w3"][-1] == "ok*" and rows["w2"][-1] == "ok"
    assert "FD not applicable at a kink (z = 0 at unit h1)" in " ".join(out.split())
    assert "central differences of w1, w3" in " ".join(out.split())
    assert "all agree" in out


def test_json_and_derive_name_the_kink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["check", "--spec", spec(tmp_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {row["name"]: row for row in data["weights"]}
    assert data["passed"] and by_name["w1"]["fd_not_applicable_at_kink"] == "h1"
    assert "fd_not_applicable_at_kink" not in by_name["w2"]
    assert main(["derive", "--spec", spec(tmp_path), "--weight", "w1"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "agrees with torch; FD not applicable at a kink (z = 0 at unit h1)" in out


def test_derive_wrt_an_input_at_a_kink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ∂L/∂x1 = δ_h2·w2 = −0.21·0.2·0.3 = −0.0126 (h1's relu′(0) = 0); the central difference
    # also sees h1 = 0.4·ε on one side: −0.0126 − 0.21·0.7·0.4/2 = −0.042
    assert main(["derive", "--spec", spec(tmp_path), "--wrt", "x1"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "gives -0.0126000000" in out and "finite differences give -0.04199" in out
    assert "agrees with torch; FD not applicable at a kink (z = 0 at unit h1)" in out


def test_leaky_relu_kink_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # leaky_relu′(0) = 0.01 (torch's): the difference averages 1 and 0.01 on h1's side
    assert main(["check", "--spec", spec(tmp_path, "leaky_relu")]) == 0
    assert "z = 0 at unit h1" in " ".join(capsys.readouterr().out.split())


def test_a_gradient_that_differs_from_torch_still_fails_at_a_kink(tmp_path: Path) -> None:
    from symbp.api.problem import problem
    from symbp.torchcheck.check import check
    from symbp.torchcheck.results import TorchGradients

    net = problem(spec(tmp_path))
    evaluation = net.evaluation
    fds = net.compiled.finite_differences()
    right = TorchGradients(evaluation.loss, tuple(evaluation.gradients), "test")
    assert check(evaluation, fds, torch_side=right).passed
    # torch saying relu′(0) = 1 (the other side): symbp's 0 must then fail
    other = list(evaluation.gradients)
    other[0] = -0.0735
    result = check(evaluation, fds, torch_side=right._replace(gradients=tuple(other)))
    assert not result.passed and not result.weight("w1").passed


@pytest.mark.parametrize(
    ("expression", "at", "kinked"),
    [
        ("m = max(a, b); f = m * c", "a=1.5,b=1.5,c=2", "a"),  # a tie
        ("f = relu(x) * y", "x=0,y=3", "x"),  # relu(0)
    ],
)
def test_a_circuit_at_a_tie_or_relu_zero_passes_when_symbp_equals_torch(
    expression: str, at: str, kinked: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["derive", "--expr", expression, "--at", at, "--all", "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    check = data["check"]
    assert check["passed"] and kinked in check["at_kink"]
    for name, value in data["gradients"].items():
        assert check["torch"][name] == pytest.approx(value, abs=1e-12)
