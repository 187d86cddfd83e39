"""Trainable biases are quantities of a hand calculation: asked in exercises, judged by
check-hand and grade, written in key.csv and the Moodle quiz.

The expected numbers are worked here in plain Python: the MOOC 8.3 network with one trainable
bias per unit, so that ∂L/∂b_j = δ_j and b_j_new = b_j − η·δ_j.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from symbp.classroom.grading import grade_class
from symbp.cli import main
from symbp.core.spec import parse_toml
from symbp.handcheck import check_hand, parse_plain

SPEC = """
title = "MOOC 8.3 with trainable biases"
layers = [2, 2, 2]
learning_rate = 1.0
inputs = [0.5, 0.3]
targets = [0.23, -0.07]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]
bias = "per-unit"
bias_values = [0.1, -0.2, 0.3, 0.05]
"""


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def by_hand() -> dict[str, float]:
    """∂L/∂b and b_new of every bias (by-source numbering: w1 x1→h1, w2 x1→h2, w3 x2→h1, …)."""
    x1, x2, y1, y2 = 0.5, 0.3, 0.23, -0.07
    w1, w2, w3, w4, w5, w6, w7, w8 = 0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8
    b = {"b_h1": 0.1, "b_h2": -0.2, "b_o1": 0.3, "b_o2": 0.05}
    h1 = sigmoid(w1 * x1 + w3 * x2 + b["b_h1"])
    h2 = sigmoid(w2 * x1 + w4 * x2 + b["b_h2"])
    o1 = sigmoid(w5 * h1 + w7 * h2 + b["b_o1"])
    o2 = sigmoid(w6 * h1 + w8 * h2 + b["b_o2"])
    d_o1 = (o1 - y1) * o1 * (1 - o1)
    d_o2 = (o2 - y2) * o2 * (1 - o2)
    d_h1 = (d_o1 * w5 + d_o2 * w6) * h1 * (1 - h1)
    d_h2 = (d_o1 * w7 + d_o2 * w8) * h2 * (1 - h2)
    deltas = {"b_h1": d_h1, "b_h2": d_h2, "b_o1": d_o1, "b_o2": d_o2}
    values = {f"dL/d{name}": d for name, d in deltas.items()}
    values |= {f"{name}_new": b[name] - 1.0 * d for name, d in deltas.items()}
    return values


def test_check_hand_judges_bias_gradients_and_updates() -> None:
    spec = parse_toml(SPEC, "<test>")
    truth = by_hand()
    text = "".join(f"{key} = {value:.4f}\n" for key, value in truth.items())
    report = check_hand(parse_plain(text), spec)
    assert report.all_right
    assert sorted(j.key for j in report.judgements) == sorted(truth)
    for judgement in report.judgements:
        assert abs(judgement.true_value - truth[judgement.key]) < 1e-12
    # a student's own spelling; a wrong bias gradient is wrong
    wrong = parse_plain(f"∂L/∂b_h1 = {truth['dL/db_h1'] + 0.01:.4f}\nb_o1' = 0.3\n")
    verdicts = {j.key: j.verdict.value for j in check_hand(wrong, spec).judgements}
    assert verdicts == {"dL/db_h1": "wrong", "b_o1_new": "wrong"}


def test_an_exercise_asks_the_biases_and_grades_them(tmp_path: Path) -> None:
    spec_path = tmp_path / "bias.toml"
    spec_path.write_text(SPEC, encoding="utf-8")
    folder = tmp_path / "class"
    quiz = tmp_path / "quiz.xml"
    args = ["exercise", "--spec", str(spec_path), "--count", "3", "--out", str(folder)]
    assert main([*args, "--moodle", str(quiz), "--ask", "gradient,update"]) == 0
    with (folder / "key.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {"dL/db_h1", "dL/db_o2", "b_h1_new", "b_o2_new"} <= set(rows[0])
    assert "b_h1" in quiz.read_text(encoding="utf-8")
    # the key graded is all right; one bias update changed is wrong
    grades = grade_class(folder / "key.csv", folder)
    assert all(g.score == 1.0 for g in grades.students)
    rows[0]["b_h1_new"] = f"{float(rows[0]['b_h1_new']) + 0.05:.4f}"
    changed = tmp_path / "changed.csv"
    with changed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    grades = grade_class(changed, folder)
    assert grades.students[0].verdicts["b_h1_new"] == "wrong"
    assert grades.students[0].verdicts["dL/db_h1"] == "right"


def test_an_exercise_from_a_spec_with_an_optimizer_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """key.csv and the student's spec stepped by plain SGD while key.md stepped by Adam: one
    update rule for every file of an exercise, so another optimizer is refused."""
    examples = Path(__file__).resolve().parent.parent / "examples"
    folder = tmp_path / "class"
    args = ["exercise", "--spec", str(examples / "adam.toml"), "--count", "2"]
    code = main([*args, "--out", str(folder)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "adam" in err and "[optimizer]" in err
    assert not folder.exists()
