"""BPTT exercises (issue 22 item 4): each student's numbers for a 2–3 step sequence, drawn
reproducibly; every key answer worked again here with numpy (tests/test_rnn_hand.bptt, the
recursion written out by hand); every variant a good exercise (no answer rounding to 0, no
saturated unit, the path back through time visible); the key's answers judged right by
check-hand, the classic mistake named; the folder written by the CLI."""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest

from symbp.api.rnn_exercise import rnn_exercises
from symbp.api.rnn_hand import check_rnn_hand
from symbp.classroom.csvfiles import Student
from symbp.cli import main
from symbp.content.rnn_exercise import answer_text, key_name
from symbp.core.rnn_spec import load_rnn_spec, rnn_spec_from_mapping
from tests.test_rnn_hand import PRACHUB, PRACHUB_TOML, TWO_UNITS, bptt

THREE_STEPS = rnn_spec_from_mapping({**TWO_UNITS, "title": "three steps"})
TWO_STEPS = rnn_spec_from_mapping({**PRACHUB, "title": "two steps"})


def _data(spec) -> dict:
    """A drawn spec back as the mapping bptt() takes."""
    return {
        "weights": {
            name: [list(r) for r in spec.weight(name)] for name in ("W_xh", "W_hh", "W_hy")
        },
        "inputs": [list(r) for r in spec.sequences[0]],
        "targets": [list(r) for r in spec.targets[0]],
        "initial_state": list(spec.initial_states[0]),
    }


@pytest.mark.parametrize("base", [TWO_STEPS, THREE_STEPS], ids=["2 steps", "3 steps, 2 units"])
def test_every_variant_is_a_good_exercise_with_a_right_key(base) -> None:
    drawn = rnn_exercises(base, count=8, seed=3)
    half = 0.5e-4
    for variant in drawn.variants:
        numbers = bptt(_data(variant.spec))
        steps = variant.spec.n_steps
        for key, values in variant.answers:
            assert np.allclose(np.ravel(numbers[key]), values, atol=1e-12), key
            assert np.all(np.abs(values) >= half), (key, values)
        for t in range(1, steps + 1):
            assert np.all(1 - numbers[f"h{t}"] ** 2 >= 0.01)
        w_hh = np.array(variant.spec.weight("W_hh"))
        for t in range(1, steps):
            through_time = (w_hh.T @ numbers[f"dz{t + 1}"]) * numbers[f"local{t}"]
            assert np.max(np.abs(through_time)) >= 10 * half
        # given numbers: one decimal, never 0, within the default ranges
        for row in (*variant.spec.weight("W_xh"), *variant.spec.weight("W_hh")):
            for value in row:
                assert value != 0 and abs(value) <= 0.9 and round(value, 1) == value


def test_draws_are_reproducible_and_independent_of_the_roster() -> None:
    students = [Student("ann"), Student("bo"), Student("cy")]
    first = rnn_exercises(THREE_STEPS, students=students, seed=5)
    again = rnn_exercises(THREE_STEPS, students=list(reversed(students))[:2], seed=5)
    by_id = {v.student.id: v.spec for v in first.variants}
    for variant in again.variants:
        assert variant.spec == by_id[variant.student.id]
    other = rnn_exercises(THREE_STEPS, students=students, seed=6)
    assert [v.spec for v in other.variants] != [v.spec for v in first.variants]
    given = {v.spec.weights for v in first.variants}
    assert len(given) == 3


def test_the_key_is_judged_right_and_the_classic_mistake_named() -> None:
    drawn = rnn_exercises(THREE_STEPS, count=3, seed=1)
    for variant in drawn.variants:
        numbers = bptt(_data(variant.spec))
        lines = []
        for key, values in variant.answers:
            shape = np.shape(numbers[key]) if np.ndim(numbers[key]) else ()
            lines.append(f"{key_name(key)} = {answer_text(values, shape, 4)}")
        judged = check_rnn_hand(variant.spec, "\n".join(lines))
        assert judged.all_right, judged.render("text")
        # δ1 without the path back through time: (W_hyᵀ (o1 − y1)) ⊙ (1 − h1²)
        w_hy = np.array(variant.spec.weight("W_hy"))
        dropped = (w_hy.T @ numbers["dy1"]) * numbers["local1"]
        text = f"delta2 = {answer_text(tuple(numbers['dz2']), (2,), 4)}\n"
        text += f"delta1 = {answer_text(tuple(dropped), (2,), 4)}"
        verdicts = check_rnn_hand(variant.spec, text).report.verdicts
        assert [(v.verdict, v.mistake) for v in verdicts] == [
            ("right", ""),
            ("wrong", "recurrent_path_dropped"),
        ]


def test_exercise_cli_writes_a_folder_per_student(tmp_path, capsys) -> None:
    spec = tmp_path / "prachub.toml"
    spec.write_text(PRACHUB_TOML, encoding="utf-8")
    out = tmp_path / "week5"
    assert main(["exercise", "--spec", str(spec), "--count", "2", "--seed", "4",
                 "--out", str(out), "--lang", "zh"]) == 0  # fmt: skip
    assert "2" in capsys.readouterr().out
    for student in ("s001", "s002"):
        folder = out / student
        assert {p.name for p in folder.iterdir()} == {"spec.toml", "worksheet.html", "worksheet.md"}
        reread = load_rnn_spec(folder / "spec.toml")
        assert reread is not None and reread.n_steps == 2
        assert "沿时间反向的 δ 递推" in (folder / "worksheet.md").read_text(encoding="utf-8")
    rows = list(csv.reader((out / "key.csv").open(encoding="utf-8")))
    assert rows[0] == ["student", "h1", "h2", "L", "dz2", "dz1", "dW_xh", "dW_hh", "dW_hy"]
    assert [r[0] for r in rows[1:]] == ["s001", "s002"]
    # the key's own numbers reproduce from the written spec by hand
    drawn = load_rnn_spec(out / "s001" / "spec.toml")
    assert drawn is not None
    numbers = bptt(_data(drawn))
    assert float(rows[1][3]) == pytest.approx(float(numbers["L"]), abs=1e-12)
    # a student's file checked against their folder's spec
    homework = tmp_path / "s001.txt"
    homework.write_text(f"h1 = {float(numbers['h1'][0]):.4f}\n", encoding="utf-8")
    assert main(["check-hand", str(homework), "--spec", str(out / "s001" / "spec.toml")]) == 0
    # refused in one line: a written folder again, dense-only options
    assert main(["exercise", "--spec", str(spec), "--count", "2", "--out", str(out)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert main(["exercise", "--spec", str(spec), "--count", "2", "--ask", "forward",
                 "--out", str(tmp_path / "x")]) == 2  # fmt: skip
    assert "dense networks" in capsys.readouterr().err


def test_a_spec_too_long_for_hand_work_is_refused() -> None:
    long = replace(THREE_STEPS, sequences=(THREE_STEPS.sequences[0] * 2,))
    with pytest.raises(Exception, match="2 to 4 steps"):
        rnn_exercises(long, count=1)
