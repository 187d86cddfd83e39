"""A formula of rounded decimals is judged at their precision, but that precision is bounded.

The reproducers of issue 24 (Why 3): on the default MOOC 8.3 network, dL/dw1 = 1000/(h1 - 0.562)
(value 5,665,694) and w1_new = 0.1*0.1*1000 (value 10) were judged right, because the rounding
of 0.562 or 0.1 moves them further than they are from the truth. Now they are "not judgeable",
never right; formulas of decimals at the precision a student works at stay right.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from symbp.handcheck import check_hand, parse_plain


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# the MOOC 8.3 network worked by hand: x = (0.5, 0.3), y = (0.23, -0.07), by-source weights
H1 = sigmoid(0.2 * 0.5 + 0.5 * 0.3)
H2 = sigmoid(-0.4 * 0.5 + 0.6 * 0.3)
O1 = sigmoid(0.1 * H1 - 0.3 * H2)
DELTA_O1 = (O1 - 0.23) * O1 * (1 - O1)


@pytest.mark.parametrize(
    "line", ["dL/dw1 = 1000/(h1 - 0.562)", "w1_new = 0.1*0.1*1000", "dL/dw5 = 0.1/(0.3 - 0.3)"]
)
def test_a_formula_whose_rounding_is_unbounded_is_not_judgeable(tmp_path: Path, line: str) -> None:
    path = tmp_path / "hand.txt"
    path.write_text(line + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "symbp", "check-hand", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "0.3 - 0.3" in line:  # a division by zero is refused outright
        assert result.returncode == 2 and result.stderr.count("\n") == 1
        return
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NOT JUDGEABLE" in result.stdout
    assert "All right" not in result.stdout


def test_the_reproducers_are_never_right() -> None:
    report = check_hand(parse_plain("dL/dw1 = 1000/(h1 - 0.562)\nw1_new = 0.1*0.1*1000\n"))
    assert [f.method for f in report.formulas] == ["unjudgeable", "unjudgeable"]
    # neither right nor wrong (issue 24 trial F2): no catalogue search starts from them
    assert all(j.verdict.value == "not judgeable" for j in report.judgements)
    assert not report.wrong and not report.diagnoses and not report.partial
    assert not report.all_right


@pytest.mark.parametrize(
    ("formula", "value"),
    [
        ("0.5*1000 - 500.0084", 0.5 * 1000 - 500.0084),  # 0.05 of 0.5 × 1000 = 50 ≫ 0.0084
        ("(0.5622-0.5621)*(-84.2)", (0.5622 - 0.5621) * -84.2),  # 0.0001 ± 0.0001
    ],
)
def test_a_number_given_by_an_unjudgeable_formula_is_not_judgeable_everywhere(
    tmp_path: Path, formula: str, value: float
) -> None:
    path = tmp_path / "hand.txt"
    path.write_text(f"dL/dw1 = {formula}\nw1_new = 0.2084\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "symbp", "check-hand", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    table = result.stdout.split("Formulas")[0]
    assert "not judgeable" in table and "WRONG" not in table and "wrong" not in table
    assert "Which mistake" not in result.stdout
    report = check_hand(parse_plain(path.read_text(encoding="utf-8")))
    first, update = report.judgements
    assert first.verdict.value == "not judgeable" and abs(first.value - value) < 1e-12
    # w1_new = 0.2 − ∂L/∂w1 = 0.2084, judged as if ∂L/∂w1 were unwritten: right
    assert update.verdict.value == "right"
    # with a number written after it, the number is judged as written (the formula ignored)
    written = check_hand(parse_plain(f"dL/dw1 = {formula} = -0.0084\n"))
    assert written.judgements[0].verdict.value == "right"
    assert written.formulas[0].method == "unjudgeable"


@pytest.mark.parametrize(
    ("line", "true_value"),
    [
        ("dL/dw5 = 0.0616 × 0.5622", DELTA_O1 * H1),
        ("dL/dw5 = 0.0616 * 0.5622 = 0.0346", DELTA_O1 * H1),
        ("o1 = 1/(1 + exp(0.0923))", O1),
        ("z_o1 = 0.1*0.5622 - 0.3*0.4950", 0.1 * H1 - 0.3 * H2),
    ],
)
def test_formulas_at_the_students_precision_stay_right(line: str, true_value: float) -> None:
    report = check_hand(parse_plain(line + "\n"))
    (check,) = report.formulas
    assert check.equal, (check.method, check.tolerance)
    assert check.method in ("numbers", "algebra", "sampled")
    # the bound: no wider than ten half units of the finest decimal written (4 decimals here)
    assert check.tolerance <= 10 * 0.00005
    assert abs(report.judgements[0].true_value - true_value) < 1e-12


# issue 24 trial F1: formulas with the network's numbers substituted into them. Their numbers
# are the MOOC network's values (x = (0.5, 0.3), w1 = 0.2, w3 = 0.5), so each is a calculation
# at that network, judged by its value there; comparing it as a function at random points (where
# x1 is no longer 0.5) called every one of them DIFFERENT.
Z_H1 = 0.2 * 0.5 + 0.5 * 0.3  # 0.25, by hand


@pytest.mark.parametrize(
    "text",
    [
        "z_h1 = 0.2*0.5 + 0.5*0.3\n",
        "z_h1 = 0.2*0.5 + 0.5*0.3 = 0.25\n",
        "h1 = 1/(1+exp(-0.25)) = 0.5622\n",
        "h1 = 1/(1+exp(-0.25))\n",
        "h1 = σ(0.2*0.5 + 0.5*0.3)\n",
        "z_h1 = w1*x1 + w3*x2 = 0.2*0.5 + 0.5*0.3 = 0.25\n",
        "z_h1 = w1*0.5 + w3*0.3\n",
    ],
)
def test_a_substituted_formula_is_judged_by_its_value(text: str) -> None:
    report = check_hand(parse_plain(text))
    assert report.all_right, [(f.method, f.student_value) for f in report.formulas]
    numbers = [f for f in report.formulas if f.method != "algebra"]
    assert numbers and all(f.method == "numbers" for f in numbers)
    expected = Z_H1 if text.startswith("z_h1") else H1
    assert abs(report.judgements[0].true_value - expected) < 1e-12
    assert all(abs(f.student_value - expected) < 5e-5 for f in numbers)


def test_a_number_formula_for_a_gradient_is_judged_by_its_value() -> None:
    # dL/dw1 = δ_h1·x1 worked by hand (by-source numbering: w5 = h1→o1, w6 = h1→o2):
    # δ_h1 = (δ_o1·w5 + δ_o2·w6)·h1(1 − h1), x1 = 0.5
    o2 = sigmoid(-0.5 * H1 + 0.8 * H2)
    delta_o2 = (o2 + 0.07) * o2 * (1 - o2)
    dl_dw1 = (DELTA_O1 * 0.1 + delta_o2 * -0.5) * H1 * (1 - H1) * 0.5
    written = f"{dl_dw1 * 1e6:.2f}"
    assert written == "-8421.48"  # the trial's line
    report = check_hand(parse_plain(f"dL/dw1 = {written}/1000000\n"))
    (check,) = report.formulas
    assert check.method == "numbers" and report.all_right
    assert abs(report.judgements[0].true_value - dl_dw1) < 1e-12


def test_a_number_formula_off_its_precision_differs_at_the_networks_values() -> None:
    # 0.2·0.5 + 0.5·0.9 = 0.55, and z_h1 = 0.25: x2 is wrong beyond any rounding of 1 decimal
    report = check_hand(parse_plain("z_h1 = 0.2*0.5 + 0.5*0.9\n"))
    (check,) = report.formulas
    assert check.method == "differs" and not report.all_right
    assert check.point is not None and check.point["x2"] == 0.3  # the network's own values
    assert abs(check.student_value - 0.55) < 1e-12
