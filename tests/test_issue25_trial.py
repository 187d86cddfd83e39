"""The findings of the independent trial of issue 25, each from its reproducer: a student's
formula that simplifies to |x| or another sympy function, control characters in argparse's
errors, grade outputs inside the exercise folder, API arguments, overflowing float
evaluations and the time of Adam's JSON on a 20,000-weight network."""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import pytest
import sympy as sp

from symbp.cli import main
from symbp.content import expr as E
from symbp.errors import SymbpError


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


# -- F1: every sympy class reaching the display has a form or one clean error ---------------------


@pytest.mark.parametrize("formula", ["sqrt(x1^2)", "sqrt(w1^2)", "sqrt(sqrt(x1^4))"])
@pytest.mark.parametrize("fmt", ["text", "html", "markdown"])
def test_a_formula_simplifying_to_abs_is_displayed(tmp_path: Path, formula: str, fmt: str) -> None:
    hand = tmp_path / "m.txt"
    hand.write_text(f"dL/dw1 = {formula}\n", encoding="utf-8")
    status, out, err = cli("check-hand", str(hand), "--format", fmt)
    assert status in (0, 1) and err == "", err
    assert "|" in out or "abs" in out.lower() or "&#124;" in out


def test_other_sympy_functions_display_or_fail_in_one_line() -> None:
    x = sp.Symbol("x")
    convert = E.Converter({x: E.Name("x")}, {}, {}, lambda v: E.Num(v, repr(v)))
    assert convert(sp.sign(x)) == E.Call("sign", (E.Sym(E.Name("x"), x),))
    assert convert(sp.floor(x)) == E.Call("floor", (E.Sym(E.Name("x"), x),))
    assert convert(sp.re(x)).function == "re"
    with pytest.raises(SymbpError, match="cannot display") as caught:
        convert(sp.Piecewise((x, x > 0), (0, True)))
    assert "\n" not in str(caught.value)


# -- F2: argparse's own errors escape the user's control characters ------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["derive", "--weight", "w1", "--no-check", "--bogus\x1b]0;pwn\x07\nFAKE: line"],
        ["derive", "--weight", "w1", "--no-check", "--title", "\x1b[31mRED"],
        ["derive", "--dtype", "x\x1b[31m\r"],
        ["no\x1bsuch-command\n"],
    ],
)
def test_argparse_errors_are_one_escaped_line(argv: list[str]) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as leaving:
        main(argv)
    assert leaving.value.code == 2
    text = err.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1, text
    assert not any(ord(c) < 32 or ord(c) == 127 for c in text[:-1]), text
    assert "\\x1b" in text


# -- F4: grade -o never replaces what grade reads --------------------------------------------------


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("class") / "ex"
    assert cli("exercise", "--count", "1", "--seed", "3", "--out", str(folder))[0] == 0
    submissions = folder.parent / "sub.csv"
    submissions.write_text("id,z_h1\ns001,0.5\n", encoding="utf-8")
    return folder, submissions


@pytest.mark.parametrize("inside", ["exercise.json", "key.csv", "s001/spec.toml", "new.csv", "."])
def test_grade_output_inside_the_exercise_folder_is_refused(
    graded_class: tuple[Path, Path], inside: str
) -> None:
    folder, submissions = graded_class
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    target = folder / inside
    status, out, err = cli("grade", str(submissions), "--exercises", str(folder), "-o", str(target))
    assert status == 2 and out == "", err
    assert err.startswith("symbp: error: ") and err.count("\n") == 1 and "inside" in err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_grade_output_equal_to_the_submissions_is_refused(graded_class: tuple[Path, Path]) -> None:
    folder, submissions = graded_class
    before = submissions.read_bytes()
    status, _, err = cli(
        "grade", str(submissions), "--exercises", str(folder), "-o", str(submissions)
    )
    assert status == 2 and "submissions file" in err and err.count("\n") == 1, err
    assert submissions.read_bytes() == before


def test_grade_output_beside_the_folder_is_written(
    graded_class: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, submissions = graded_class
    target = tmp_path / "grades.csv"
    status, _, err = cli(
        "grade", str(submissions), "--exercises", str(folder), "--format", "csv", "-o", str(target)
    )
    assert status == 0, err
    assert target.read_text(encoding="utf-8").startswith("id")


# -- F7: the API's errors are one line: SymbpError, or TypeError naming the argument -------------


def test_a_spec_path_with_a_nul_character_is_one_symbp_error() -> None:
    import symbp

    for path in ("\x00", "a\x00b.toml", Path("x\x00")):
        with pytest.raises(SymbpError, match="NUL") as caught:
            symbp.problem(path)
        assert "\n" not in str(caught.value)


def test_from_torch_refusals_are_one_line() -> None:
    import torch
    from torch import nn

    import symbp

    x = torch.tensor([[0.5, 0.3]], dtype=torch.float64)
    y = torch.tensor([[0.2, 0.1]], dtype=torch.float64)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        symbp.from_torch(5, x, y, nn.MSELoss())
    cases = {
        "complex64": nn.Sequential(nn.Linear(2, 2, dtype=torch.complex64)),
        "before any": nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.Sigmoid()),
    }
    for match, model in cases.items():
        with pytest.raises(SymbpError, match=match) as caught:
            symbp.from_torch(model, x, y, nn.MSELoss())
        assert "\n" not in str(caught.value)


# -- F5/F6: float64 evaluations past its range are refused, not used ------------------------------


def _extreme(tmp_path: Path, activation: str, weight: float) -> Path:
    import json

    spec = {
        "layers": [2, 2, 2],
        "activation": activation,
        "inputs": [1e6, 1e6],
        "targets": [0.1, 0.2],
        "weights": [weight] * 8,
    }
    path = tmp_path / f"{activation}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["step", "train"])
def test_silu_at_1e6_is_refused_not_a_zero_gradient(tmp_path: Path, command: str) -> None:
    # by hand: z_h = 2·10¹², h ≈ z_h, z_o = 2·10¹²·10⁶·2 = 4·10¹⁸ > 2^53 ≈ 9.0·10¹⁵; torch's
    # gradient is ≈ 8·10³⁰, the float64 form a + σ(z)(1 − a) cancels to 0
    spec = _extreme(tmp_path, "silu", 1e6)
    status, out, err = cli(command, "--spec", str(spec))
    assert status == 2 and out == "", err
    assert err.count("\n") == 1 and "z_o1 = 4e+18" in err and "2^53" in err


def test_unreliable_floats_names_a_non_finite_gradient() -> None:
    import symbp
    from symbp.core.numeric import unreliable_floats

    evaluation = symbp.problem().evaluation
    assert unreliable_floats(evaluation) is None
    broken = type(evaluation)(
        evaluation.network, evaluation.values, (math.nan, *evaluation.gradients[1:])
    )
    assert "∂L/∂w1 = nan" in (unreliable_floats(broken) or "")


def test_gelu_at_minus_1e6_shows_no_nan_and_its_true_zero(tmp_path: Path) -> None:
    # by hand: z_h1 = −2·10¹²; φ(z_h1) = e^{−2·10²⁴}/√(2π) and Φ(z_h1) < 10⁻³⁰⁰ are 0 in
    # float64, so ∂h1/∂z_h1 = z·φ(z) + Φ(z) = 0 (sympy's arbitrary precision overflowed: nan)
    spec = _extreme(tmp_path, "gelu", -1e6)
    status, out, err = cli("derive", "--spec", str(spec), "--weight", "w1")
    assert "nan" not in out, out
    assert "∂h1/∂z_h1 = z_h1·φ(z_h1) + Φ(z_h1)" in out
    assert "+ Φ(-2000000000000) = 0\n" in out
    assert status == 0 and "agrees" in out, err


# -- F3: Adam's JSON on a wide network: equations worked for the first parameters only -----------


def test_adam_json_past_the_worked_parameters_gives_values_by_hand(tmp_path: Path) -> None:
    import json

    from symbp.formats.json import WORKED_PARAMETERS

    spec = {
        "layers": [15, 15],
        "inputs": [0.1] * 15,
        "targets": [0.2] * 15,
        "weights": {"random": "uniform", "seed": 1},
        "learning_rate": 0.5,
    }
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    status, out, err = cli("step", "--spec", str(path), "--optimizer", "adam", "--format", "json")
    assert status == 0, err
    weights = json.loads(out)["weights"]
    assert len(weights) > WORKED_PARAMETERS
    assert {"text", "latex", "mathml"} <= set(weights[0]["equations"][0])
    last = weights[-1]
    assert set(last["equations"][0]) == {"target", "value"}
    # Adam's first round by hand: m = (1 − β1)·g, m̂ = g, v̂ = g², w ← w − η·g/(√(g²) + ε)
    g, w = last["gradient"], last["value"]
    values = {e["target"]: e["value"] for e in last["equations"]}
    assert values["m_t"] == pytest.approx(0.1 * g, rel=1e-12)
    assert last["updated"] == pytest.approx(w - 0.5 * g / (abs(g) + 1e-8), rel=1e-9)
