"""The CLI's one table of model kinds: a spec's kind is read once without sympy, each kind
runs its own handler per command, and a command a kind lacks is refused in one line naming
what the kind does have."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from symbp.cli import main

ROOT = Path(__file__).resolve().parent.parent

EXPRESSION = 'expression = "q = x + y; f = q * z"\nvalues = { x = -2, y = 5, z = -4 }\n'
CONV = """
layers = [[1, 3, 3], { conv = 1, kernel = 2, stride = 1, padding = 0, activation = "relu" },
          { flatten = true }, { dense = 1, activation = "identity" }]
inputs = [[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]]
targets = [1.0]
[weights]
conv1 = [[[[0.1, 0.2], [-0.1, 0.3]]]]
dense3 = [[0.5, -0.4, 0.3, 0.2]]
"""
RNN = """
layers = [1, { rnn = 1, activation = "tanh" }, { dense = 1, activation = "identity" }]
inputs = [[1.0], [2.0]]
targets = [[1.0], [2.0]]
weights = { W_xh = [[0.5]], W_hh = [[0.1]], W_hy = [[2.0]] }
"""
DENSE = (ROOT / "examples" / "mooc_8_3.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "suffix", "kind"),
    [
        (EXPRESSION, ".toml", "circuit"),
        (CONV, ".toml", "conv"),
        (RNN, ".toml", "rnn"),
        (DENSE, ".toml", "dense"),
        ("layers = [", ".toml", "dense"),  # unreadable: the dense reader names the problem
        (EXPRESSION, ".txt", "dense"),
        ('{"layers": [[1, 2, 2]]}', ".json", "conv"),
        ('{"layers": [1, {"rnn": 1}]}', ".json", "rnn"),
        ('{"expression": "f = x"}', ".json", "dense"),  # expressions are .toml specs only
    ],
)
def test_spec_kind(tmp_path: Path, text: str, suffix: str, kind: str) -> None:
    from symbp.core.kind import spec_kind

    path = tmp_path / f"spec{suffix}"
    path.write_text(text, encoding="utf-8")
    assert spec_kind(path) == kind
    assert spec_kind(None) == "dense"


def test_reading_the_kind_loads_no_sympy(tmp_path: Path) -> None:
    path = tmp_path / "rnn.toml"
    path.write_text(RNN, encoding="utf-8")
    code = (
        "import sys; from symbp.core.kind import spec_kind\n"
        f"assert spec_kind({str(path)!r}) == 'rnn'\n"
        "assert 'sympy' not in sys.modules, 'sympy was imported'\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("command", ["check", "step", "train"])
def test_an_expression_refuses_network_commands_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    path = tmp_path / "f.toml"
    path.write_text(EXPRESSION, encoding="utf-8")
    assert main([command, "--spec", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err == (
        f"symbp: error: {path} holds an expression: symbp {command} is for networks; an "
        "expression has derive, handout, export, check-hand and exercise (docs/circuits.md)\n"
    )


def test_at_without_expr_is_refused_by_every_command_that_takes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["derive", "--weight", "w1", "--at", "x=1", "--no-check"]) == 2
    assert "--at gives an expression's values: use it with --expr" in capsys.readouterr().err


def test_every_kind_has_a_handler_for_every_command_it_lists() -> None:
    from symbp.cli.kinds import KINDS

    spec_commands = {"derive", "check", "step", "train", "handout", "export", "check-hand",
                     "exercise"}  # fmt: skip
    assert set(KINDS) == {"dense", "circuit", "conv", "rnn"}
    assert set(KINDS["dense"].handlers) == spec_commands
    for kind in KINDS.values():
        assert set(kind.handlers) <= spec_commands
