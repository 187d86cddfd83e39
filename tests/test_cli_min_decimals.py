"""check-hand --min-decimals reaches every kind's judge, or is refused in one line where the
kind's judge has no minimum (it was once read for dense networks alone and silently dropped
for expressions). Verdicts worked by hand from the precision policy (handcheck/precision.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbp.api.circuit import check_hand
from symbp.cli import main
from symbp.core.circuit import read_circuit

from .test_cli_kinds import CONV, RNN

# t = w·x = 2·1.5 = 3, f = σ(3) = 0.95257413 (1/(1 + e^-3)); df/dt = f(1 - f) = 0.04517666,
# df/dw = df/dt·x = 0.06776499
SIGMOID = 'expression = "t = w * x; f = sigmoid(t)"\nvalues = { w = 2, x = 1.5 }\n'

# f = 0.95: two decimals, |0.95 - 0.95257| = 0.0026 <= 0.005, right without a minimum; under a
# minimum of 4 it is short of 4 decimals and outside 0.95257 ± 0.00005: too few decimals.
# df/dw = 0.0678: four decimals, |0.0678 - 0.067765| = 0.000035 <= 0.00005, right under 4; under
# a minimum of 5 it is outside ± 0.000005: too few decimals. t = 3 is exact under any minimum.
HOMEWORK = "t = 3\nf = 0.95\ndf/dw = 0.0678\n"
RIGHT, TOO_FEW = "right", "too few decimals"


@pytest.mark.parametrize(
    ("minimum", "verdicts", "status"),
    [
        (None, [RIGHT, RIGHT, RIGHT], 0),
        ("4", [RIGHT, TOO_FEW, RIGHT], 1),
        ("5", [RIGHT, TOO_FEW, TOO_FEW], 1),
    ],
)
def test_min_decimals_changes_a_circuit_homework_verdict(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    minimum: str | None,
    verdicts: list[str],
    status: int,
) -> None:
    spec = tmp_path / "sigmoid.toml"
    spec.write_text(SIGMOID, encoding="utf-8")
    homework = tmp_path / "s001.txt"
    homework.write_text(HOMEWORK, encoding="utf-8")
    extra = [] if minimum is None else ["--min-decimals", minimum]
    args = ["check-hand", str(homework), "--spec", str(spec), "--format", "json", *extra]
    assert main(args) == status
    numbers = json.loads(capsys.readouterr().out)["numbers"]
    assert [(n["name"], n["verdict"]) for n in numbers] == list(
        zip(["t", "f", "df/dw"], verdicts, strict=True)
    )
    # the same through --expr/--at
    expr = ["--expr", "t = w * x; f = sigmoid(t)", "--at", "w=2,x=1.5"]
    assert main(["check-hand", str(homework), *expr, "--format", "json", *extra]) == status
    assert [n["verdict"] for n in json.loads(capsys.readouterr().out)["numbers"]] == verdicts


def test_the_api_takes_the_minimum_and_refuses_a_bad_one() -> None:
    circuit = read_circuit("t = w * x; f = sigmoid(t)", {"w": 2.0, "x": 1.5})
    assert check_hand(circuit, HOMEWORK).passed
    judged = check_hand(circuit, HOMEWORK, min_decimals=4)
    assert [v.verdict for v in judged.report.verdicts] == [RIGHT, TOO_FEW, RIGHT]
    from symbp.errors import SymbpError

    with pytest.raises(SymbpError, match="min-decimals must be from 0 to 8"):
        check_hand(circuit, HOMEWORK, min_decimals=9)


@pytest.mark.parametrize(
    ("text", "noun"), [(CONV, "convolutional networks"), (RNN, "recurrent networks")]
)
def test_kinds_without_a_minimum_refuse_it_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, noun: str
) -> None:
    spec = tmp_path / "net.toml"
    spec.write_text(text, encoding="utf-8")
    homework = tmp_path / "s001.txt"
    homework.write_text("h1 = 0.4621\n", encoding="utf-8")
    args = ["check-hand", str(homework), "--spec", str(spec), "--min-decimals", "4"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert f"--min-decimals is for dense networks and expressions, not {noun}" in err
