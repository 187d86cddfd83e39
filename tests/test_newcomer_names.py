"""What a newcomer typed in the trial of issue 26 (t26c) and met: a spec value spelt with _ for -,
a loss by the name courses give it (mse, ce), torch.optim's lr, a gradient's name for a weight,
a letter for a digit, a unit's name beyond the network, a misspelt option; and the small words
(1 decimal, a missing spec file said first, a handout saying it was not checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from symbp import cli
from symbp.errors import UnknownWeightError

BASE = (
    "layers = [2, 2, 2]\ninputs = [0.5, 0.3]\ntargets = [0.23, -0.07]\n"
    "weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]\n"
)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('bias = "per_unit"', "(known: none, per-layer, per-unit); did you mean 'per-unit'?"),
        ('numbering = "by_source"', "did you mean 'by-source'?"),
        ('reduction = "Sum"', "did you mean 'sum'?"),
        # by meaning, not by letters: mse is torch's MSELoss (mean), not sse
        ('loss = "mse"', "unknown loss 'mse' (known: "),
        ('loss = "mse"', "did you mean 'mse_mean'?"),
        ('loss = "MSE"', "did you mean 'mse_mean'?"),
        ('loss = "ce"', "did you mean 'cross_entropy'?"),
        ('loss = "binary-cross-entropy"', "did you mean 'bce'?"),
        (
            'optimizer = { name = "adam", lr = 0.1 }',
            "adam has no setting 'lr': the learning rate is the spec's top-level learning_rate",
        ),
    ],
)
def test_spec_values_meet_the_value_meant(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    line: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s.toml").write_text(BASE + line + "\n", encoding="utf-8")
    assert cli.main(["derive", "--all", "--no-check", "--spec", "s.toml"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("symbp: error: s.toml: ") and err.count("\n") == 1
    assert message in err


def test_the_optimizer_option_names_the_lr_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["step", "--optimizer", '{name="adam", lr=0.1}']) == cli.EXIT_BAD_INPUT
    assert "adam has no setting 'lr': the learning rate is --lr" in capsys.readouterr().err


@pytest.mark.parametrize("written", ["dL/dw1", "∂L/∂w1", "dL/dW1", " ∂L / ∂w1 "])
def test_a_weight_named_as_its_gradient_is_that_weight(
    capsys: pytest.CaptureFixture[str], written: str
) -> None:
    assert cli.main(["derive", "--weight", "w1", "--no-check"]) == cli.EXIT_OK
    expected = capsys.readouterr().out
    assert cli.main(["derive", "--weight", written, "--no-check"]) == cli.EXIT_OK
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["handout", "-o", "h.md", "--no-check", "--focus", "wl"], "(did you mean 'w1'?)"),
        (["derive", "--weight", "wl", "--no-check"], "unknown weight 'wl' (did you mean 'w1'?)"),
        # h3 beside h1, h2 is a unit: said so, with the network's six units
        (["derive", "--wrt", "h3", "--no-check"], "unknown unit 'h3'; this network has 6: x1, x2,"),
        (
            ["derive", "--weigth", "w1"],
            "unrecognized arguments: --weigth w1 (did you mean '--weight'?)",
        ),
        (["derive", "--spec", "missing.toml"], "cannot read spec file 'missing.toml'"),
    ],
)
def test_near_misses_of_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        status = cli.main(argv)
    except SystemExit as stop:  # a usage error, from argparse
        status = stop.code  # type: ignore[assignment]
    assert status == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_a_long_list_of_names_says_how_many_it_leaves_out() -> None:
    names = tuple(f"w{n}" for n in range(1, 21))
    said = str(UnknownWeightError("v1", names))
    assert said.endswith("w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12 and 8 more")
    assert "..." not in said and "…" not in said


def test_exercise_says_1_decimal_and_1_variant(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["exercise", "--count", "1", "--decimals", "1", "--out", "week"]
    assert cli.main(argv) == cli.EXIT_OK
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("1 variant of MOOC 8.3 worked example (seed 0): ")
    assert "given numbers at 1 decimal (inputs" in out


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        ([], "Not checked against torch: made without the check."),
        (["--lang", "zh"], "未与 torch 核对：生成时未做核对。"),
        (["--form", "matrix"], "Not checked against torch: made without the check."),
        (
            ["--spec", "examples/models/circuit_cs231n.toml"],
            "Not checked against torch: made without the check.",
        ),
        (
            ["--spec", "examples/models/conv_teaching.toml", "--lang", "zh"],
            "未与 torch 核对：生成时未做核对。",
        ),
        (
            ["--spec", "examples/models/rnn_prachub.toml"],
            "Not checked against torch: made without the check.",
        ),
    ],
)
def test_a_handout_without_the_check_says_so(tmp_path: Path, argv: list[str], line: str) -> None:
    root = Path(__file__).resolve().parent.parent
    argv = [a if not a.startswith("examples/") else str(root / a) for a in argv]
    written = tmp_path / "h.md"
    assert cli.main(["handout", "--no-check", "-o", str(written), *argv]) == cli.EXIT_OK
    paragraphs = written.read_text(encoding="utf-8").split("\n\n")
    assert line in paragraphs[:4]  # under the title and opening line, once
    assert sum(line in p for p in paragraphs) == 1
