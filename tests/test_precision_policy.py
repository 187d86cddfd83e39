"""The one precision policy (symbp/handcheck/precision.py), with verdicts worked by its rules
from true values computed in plain Python (tests/hand_corpus/generate.py's `work`), never from
symbp's own output: check-hand, grade and Moodle's tolerance give one answer one grade."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from symbp.core.spec import spec_from_mapping
from symbp.handcheck import check_hand
from symbp.handcheck.hand_input import parse_plain
from symbp.handcheck.judge import Verdict
from symbp.handcheck.precision import Precision, moodle_tolerance

from . import classwork
from .hand_corpus import generate
from .moodle_cloze import extract_question

#: the MOOC network with x2 = 0.03: ∂L/∂w3 = δ_h1·x2 is about −0.0005, "0.00" at two decimals
SMALL = generate.Net(
    "small", (2, 2, 2), "by-source", (0.5, 0.03), (0.23, -0.07), generate.MOOC.weights, 1.0
)
KEYS = ("z_h1", "h1", "z_h2", "h2", "o1", "o2", "L", "delta_o1", "delta_h1", "dL/dw3", "w3_new")


def small_spec() -> object:
    return spec_from_mapping(
        {
            "layers": [2, 2, 2],
            "inputs": list(SMALL.inputs),
            "targets": list(SMALL.targets),
            "weights": list(SMALL.weights),
            "learning_rate": SMALL.eta,
        }
    )


def written(places: int) -> str:
    truth = generate.work(SMALL, decimals=None)
    return "".join(f"{k} = {generate.number_text(truth[k], places)}\n" for k in KEYS)


def test_a_right_two_decimal_student_with_a_zero_is_all_right() -> None:
    """Every number the true value rounded to 2 decimals, ∂L/∂w3 among them as 0.00 (its true
    value is within ±0.005 of 0): all right, and no mistake sought."""
    truth = generate.work(SMALL, decimals=None)
    assert abs(truth["dL/dw3"]) < 0.005
    assert generate.number_text(truth["dL/dw3"], 2) == "0.00"
    report = check_hand(parse_plain(written(2)), small_spec())  # type: ignore[arg-type]
    assert {j.verdict for j in report.judgements} == {Verdict.RIGHT}
    assert report.all_right and not report.diagnoses and not report.partial


def test_below_the_teachers_minimum_is_too_few_decimals_not_a_mistake() -> None:
    report = check_hand(
        parse_plain(written(2)),
        small_spec(),  # type: ignore[arg-type]
        precision=Precision(4),
    )
    assert {j.verdict for j in report.judgements} == {Verdict.TOO_FEW_DECIMALS}
    assert not report.all_right and not report.wrong
    assert not report.entry_points and not report.diagnoses and not report.partial


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("dL/dw3 = 0", Verdict.TOO_FEW_DECIMALS),  # −0.0005 only rounds to 0: exact-zero rule
        ("dL/dw3 = 0.000", Verdict.RIGHT),  # three decimals: worked in the test
        ("h1 = 1", Verdict.TOO_FEW_DECIMALS),  # 0.56 rounds to 1 at no decimals
        ("h1 = 0", Verdict.WRONG),  # 0.56 does not round to 0
        ("h1 = 0.53", Verdict.RIGHT),  # σ(0.2·0.5 + 0.5·0.03) = σ(0.115) = 0.5287
    ],
)
def test_numbers_without_decimals_state_no_rounding(line: str, verdict: Verdict) -> None:
    truth = generate.work(SMALL, decimals=None)
    assert generate.number_text(truth["h1"], 2) == "0.53"
    if line == "dL/dw3 = 0.000":  # worked here: right exactly when |∂L/∂w3| ≤ 0.0005
        verdict = Verdict.RIGHT if abs(truth["dL/dw3"]) <= 0.0005 else Verdict.WRONG
    report = check_hand(parse_plain(line + "\n"), small_spec())  # type: ignore[arg-type]
    assert [j.verdict for j in report.judgements] == [verdict]
    if verdict is Verdict.TOO_FEW_DECIMALS:  # a matter of precision: no mistake is sought
        assert not report.diagnoses and not report.partial


def test_precision_rejects_a_minimum_out_of_range() -> None:
    from symbp.errors import SymbpError

    with pytest.raises(SymbpError, match="--min-decimals must be from 0 to 8"):
        Precision(9)
    assert moodle_tolerance(4) == "0.00005" and moodle_tolerance(1) == "0.05"


def _class(
    tmp_path: Path, minimum: int | None, first_places: int = 1, seed: int = 3
) -> tuple[Path, dict[str, dict[str, str]]]:
    """An exercise of two students and their submissions: s001 every number to `first_places`
    decimals, s002 to 4; both the true values rounded (worked in plain Python)."""
    from symbp.api.homework import exercises

    folder = tmp_path / f"ex{minimum}"
    exercises(count=2, seed=seed, min_decimals=minimum).write(folder, moodle=tmp_path / "q.xml")
    asked = json.loads((folder / "exercise.json").read_text(encoding="utf-8"))["asked"]
    texts = {}
    for sid, places in (("s001", first_places), ("s002", 4)):
        truth = generate.work(classwork.net_of(folder / sid / "spec.toml", sid), decimals=None)
        texts[sid] = {k: generate.number_text(truth[k], places) for k in asked}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *asked])
    for sid, row in texts.items():
        writer.writerow([sid, *(row[k] for k in asked)])
    (tmp_path / "sub.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder, texts


@pytest.mark.parametrize("minimum", [None, 1])
def test_grade_and_moodle_give_one_answer_one_grade(tmp_path: Path, minimum: int | None) -> None:
    """By default (the sheet's 4 decimals) the 1-decimal student's numbers are too few decimals,
    none a mistake, except those the true value is exactly (z = 0.3 from 1-decimal givens);
    with --min-decimals 1 all are right. Moodle's tolerance follows, and for every number Moodle
    (read through the port of its parser) grades as grade does."""
    from symbp.api.homework import grade

    folder, texts = _class(tmp_path, minimum)
    graded = grade(tmp_path / "sub.csv", folder).grades
    first, second = graded.students
    assert second.score == 1.0
    if minimum is None:
        net = classwork.net_of(folder / "s001" / "spec.toml", "s001")
        truth = generate.work(net, decimals=None)
        exact = {
            k
            for k in first.asked
            if abs(float(texts["s001"][k]) - truth[k]) <= 1e-12 * max(1.0, abs(truth[k]))
        }
        assert first.score == len(exact) / len(first.asked) < 0.1
        for key, verdict in first.verdicts.items():
            assert verdict == ("right" if key in exact else "too few decimals"), key
        assert first.mistakes == () and first.report is not None and not first.report.partial
        shown = grade(tmp_path / "sub.csv", folder).render("text")
        assert f"{len(first.asked) - len(exact)} with too few decimals" in shown
    else:
        assert first.score == 1.0
    questions = {
        q.findtext("idnumber"): q for q in list(ET.parse(tmp_path / "q.xml").getroot())[1:]
    }
    tolerance = "0.00005" if minimum is None else "0.05"
    for student in graded.students:
        sid = student.student.id
        _, subs = extract_question(questions[sid].findtext("questiontext/text") or "")
        for sub, key in zip(subs, student.asked, strict=True):
            assert sub.tolerance[0] == tolerance
            moodle_right = abs(float(texts[sid][key]) - float(sub.answers[0])) <= float(tolerance)
            grade_right = student.verdicts[key] in ("right", "right to the stated precision")
            assert moodle_right == grade_right, (sid, key)


@pytest.mark.parametrize(("places", "seed"), [(3, 3), (3, 11), (2, 5)])
def test_a_short_number_moodle_accepts_grade_accepts(
    tmp_path: Path, places: int, seed: int
) -> None:
    """Issue 24 trial F7: 0.475 for 0.475021 on a 4-decimal sheet was right in Moodle and "too
    few decimals" in grade. Worked here: a number written to fewer decimals than the minimum
    is right exactly when it lies within ±0.00005 of the true value (Moodle's tolerance), else
    too few decimals; grade and Moodle (its parser's port) agree on every cell."""
    from symbp.api.homework import grade

    folder, texts = _class(tmp_path, None, places, seed)
    graded = grade(tmp_path / "sub.csv", folder).grades
    first = graded.students[0]
    truth = generate.work(classwork.net_of(folder / "s001" / "spec.toml", "s001"), decimals=None)
    inside = {k for k in first.asked if abs(float(texts["s001"][k]) - truth[k]) <= 0.00005 + 1e-12}
    for key, verdict in first.verdicts.items():
        assert verdict == ("right" if key in inside else "too few decimals"), key
    assert first.score == len(inside) / len(first.asked)
    questions = {
        q.findtext("idnumber"): q for q in list(ET.parse(tmp_path / "q.xml").getroot())[1:]
    }
    _, subs = extract_question(questions["s001"].findtext("questiontext/text") or "")
    moodle_right = {
        key
        for sub, key in zip(subs, first.asked, strict=True)
        if abs(float(texts["s001"][key]) - float(sub.answers[0])) <= float(sub.tolerance[0])
    }
    assert moodle_right == inside


@pytest.mark.parametrize("places", [0, 1, 2, 3])
def test_under_a_minimum_check_hand_accepts_what_moodle_accepts(places: int) -> None:
    """Every number of the small network rounded to `places` decimals, judged with a minimum of
    4: right exactly when Moodle's tolerance (±0.00005) holds it, else too few decimals."""
    truth = generate.work(SMALL, decimals=None)
    report = check_hand(
        parse_plain(written(places)),
        small_spec(),  # type: ignore[arg-type]
        precision=Precision(4),
    )
    tolerance = float(moodle_tolerance(4))
    for j in report.judgements:
        inside = abs(float(generate.number_text(truth[j.key], places)) - truth[j.key])
        expected = Verdict.RIGHT if inside <= tolerance + 1e-12 else Verdict.TOO_FEW_DECIMALS
        assert j.verdict is expected, (j.key, j.written, truth[j.key])


def test_check_hand_with_the_students_spec_applies_the_exercises_minimum(tmp_path: Path) -> None:
    """Issue 24 trial F6: `check-hand --spec <student>/spec.toml`, as the worksheet says, judged
    2-decimal numbers right where grade called them too few decimals. The exercise's minimum
    now rides in the student's spec.toml; verdicts worked in plain Python."""
    import subprocess
    import sys

    from symbp.api.homework import exercises

    folder = tmp_path / "ex"
    exercises(count=1, seed=3).write(folder)  # minimum: the asked 4 decimals
    spec = folder / "s001" / "spec.toml"
    assert "min_decimals = 4" in spec.read_text(encoding="utf-8")
    truth = generate.work(classwork.net_of(spec, "s001"), decimals=None)
    hand = tmp_path / "hand.txt"
    hand.write_text(
        "".join(f"{k} = {generate.number_text(truth[k], 2)}\n" for k in KEYS if k in truth),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "symbp", "check-hand", "--spec", str(spec), str(hand)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    short = [
        k
        for k in KEYS
        if k in truth and abs(float(generate.number_text(truth[k], 2)) - truth[k]) > 0.00005
    ]
    assert short and result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("too few decimals") >= len(short)
    assert "All right" not in result.stdout
    # an explicit --min-decimals still wins over the spec's
    looser = subprocess.run(
        [sys.executable, "-m", "symbp", "check-hand", "--spec", str(spec), "--min-decimals", "2"]
        + [str(hand)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert looser.returncode == 0 and "All right" in looser.stdout, looser.stdout
