"""A class of 40: symbp exercise draws the variants, tests/classwork.py makes the 40 submissions in
plain Python (right answers, carried rounding, catalogue mistakes made for real, slips, blanks,
copied numbers) and counts what grading must find; symbp grade must find exactly that."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest

from symbp.cli import main
from symbp.handcheck import check_hand_file

from . import classwork
from .conftest import require_module
from .hand_corpus import generate

SEED = 11


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("class") / "week3"
    assert main(["exercise", "--count", "40", "--seed", str(SEED), "--out", str(out)]) == 0
    return out


def asked_of(folder: Path) -> tuple[str, ...]:
    return tuple(json.loads((folder / "exercise.json").read_text(encoding="utf-8"))["asked"])


def test_key_csv_holds_each_students_true_answers_at_4_decimals(folder: Path) -> None:
    asked = asked_of(folder)
    lines = (folder / "key.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == ["id", *asked]
    assert len(lines) == 41
    for line in lines[1:]:
        sid, *cells = line.split(",")
        truth = generate.work(classwork.net_of(folder / sid / "spec.toml", sid), decimals=None)
        assert cells == [generate.number_text(truth[k], 4) for k in asked]


def test_variants_are_nice_numbers_in_the_default_ranges_and_all_different(folder: Path) -> None:
    seen = set()
    for n in range(1, 41):
        data = tomllib.loads((folder / f"s{n:03d}" / "spec.toml").read_text(encoding="utf-8"))
        numbers = [*data["inputs"], *data["targets"], *data["weights"]]
        assert all(round(v, 1) == v and v != 0 for v in numbers)
        assert all(0.1 <= x <= 1 for x in data["inputs"])
        assert all(0 <= y <= 1 for y in data["targets"])
        assert all(-1 <= w <= 1 for w in data["weights"])
        seen.add(tuple(numbers))
    assert len(seen) == 40


def test_the_class_summary_counts_exactly(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = asked_of(folder)
    rows = classwork.submissions(folder, asked)
    sheet = tmp_path / "submissions.csv"
    sheet.write_text(classwork.submissions_csv(rows, asked), encoding="utf-8")
    want = classwork.expected_summary(rows, asked)
    capsys.readouterr()
    assert main(["grade", str(sheet), "--exercises", str(folder), "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["submissions"] == 40
    assert {k: v["right"] for k, v in got["right_per_quantity"].items()} == want["right"]
    assert {m["mistake"]: m["students"] for m in got["mistakes"]} == want["mistakes"]
    assert sorted(got["unexplained"]) == want["unexplained"]
    shared = {tuple(s["students"]): len(s["numbers"]) for s in got["shared_numbers"]}
    assert shared == want["shared"]
    # the copied rows are found: each copier shares every number they wrote with the original
    for original, copier in (("s001", "s038"), ("s017", "s039"), ("s030", "s040")):
        assert shared[(copier, original)] == len(asked)
    # every number's verdict and every score
    by_id = {s["id"]: s for s in got["students"]}
    for row in rows:
        assert by_id[row.student]["verdicts"] == row.verdicts, row.student
        right = sum(v in ("right", "right to the stated precision") for v in row.verdicts.values())
        assert by_id[row.student]["right"] == right
        if row.mistakes:
            assert sorted(by_id[row.student]["mistakes"]) == sorted(row.mistakes), row.student
    kinds = {row.kind for row in rows}
    assert kinds == {"exact", "carried", "mistake", "slip", "gradients_only", "copy"}
    verdicts = {v for row in rows for v in row.verdicts.values()}
    assert verdicts == {"right", "right to the stated precision", "wrong", "blank"}


def test_each_row_is_judged_as_check_hand_judges_it_as_a_file(folder: Path, tmp_path: Path) -> None:
    from symbp.api.homework import grade

    asked = asked_of(folder)
    rows = classwork.submissions(folder, asked)
    sheet = tmp_path / "submissions.csv"
    sheet.write_text(classwork.submissions_csv(rows, asked), encoding="utf-8")
    grades = grade(sheet, folder).grades
    for student in grades.students:
        row = next(r for r in rows if r.student == student.student.id)
        hand = tmp_path / f"{row.student}.txt"
        hand.write_text("".join(f"{k} = {v}\n" for k, v in row.texts.items()), encoding="utf-8")
        alone = check_hand_file(str(hand), str(folder / row.student / "spec.toml"))
        assert student.report is not None
        assert student.report.judgements == alone.judgements
        assert student.report.diagnoses == alone.diagnoses
        assert student.report.partial == alone.partial


def test_the_class_is_graded_with_one_judge(folder: Path, tmp_path: Path) -> None:
    from symbp.classroom.grading import Judges, grade_class

    asked = asked_of(folder)
    rows = classwork.submissions(folder, asked)
    sheet = tmp_path / "submissions.csv"
    sheet.write_text(classwork.submissions_csv(rows, asked), encoding="utf-8")
    judges = Judges()
    grades = grade_class(sheet, folder, judges)
    assert len(grades.students) == 40
    assert judges.built == 1


def test_the_text_summary_counts_in_words(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # one student of the class submits, with one slip no catalogue mistake explains
    key = (folder / "key.csv").read_text(encoding="utf-8").splitlines()
    header, first = key[0].split(","), key[1].split(",")
    at = header.index("dL/dw5")
    first[at] = f"{float(first[at]) + 0.5:.4f}"
    sheet = tmp_path / "one.csv"
    sheet.write_text(",".join(header) + "\n" + ",".join(first) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["grade", str(sheet), "--exercises", str(folder)]) == 0
    out = capsys.readouterr().out
    assert ": 1 submission graded" in out
    assert "No submission from 39 students of the exercise" in out
    assert (
        f"1 student has wrong numbers that no catalogue mistake reproduces entirely: {first[0]}"
        in out
    )


def test_a_cross_entropy_exercise_draws_a_class_per_student_and_its_key_is_torchs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # softmax + cross-entropy: each student gets a class (an output index), and every number of
    # the key is what torch's autograd gives for their network, at the asked 4 decimals
    require_module("torch")
    import torch

    spec = Path(__file__).resolve().parent.parent / "examples" / "cross_entropy.toml"
    folder = tmp_path / "ce"
    assert main(["exercise", "--count", "12", "--spec", str(spec), "--out", str(folder)]) == 0
    rows = list(csv.DictReader((folder / "key.csv").read_text(encoding="utf-8").splitlines()))
    classes = set()
    for row in rows:
        student = tomllib.loads((folder / row["id"] / "spec.toml").read_text(encoding="utf-8"))
        target = student["targets"]
        assert target in (0, 1)
        classes.add(target)
        w = torch.tensor(student["weights"], dtype=torch.float64, requires_grad=True)
        x = torch.tensor(student["inputs"], dtype=torch.float64)
        # by-source numbering: w1 x1→h1, w2 x1→h2, w3 x2→h1, w4 x2→h2, w5 h1→o1, w6 h1→o2, …
        hidden = torch.sigmoid(torch.stack([w[0] * x[0] + w[2] * x[1], w[1] * x[0] + w[3] * x[1]]))
        z = torch.stack([w[4] * hidden[0] + w[6] * hidden[1], w[5] * hidden[0] + w[7] * hidden[1]])
        loss = torch.nn.functional.cross_entropy(z[None], torch.tensor([target]))
        loss.backward()
        assert w.grad is not None
        want = {"L": loss.item(), "o1": torch.softmax(z, 0)[0].item()}
        want |= {f"dL/dw{i + 1}": g for i, g in enumerate(w.grad.tolist())}
        want |= {
            f"w{i + 1}_new": v - g
            for i, (v, g) in enumerate(zip(student["weights"], w.grad.tolist(), strict=True))
        }
        for key, value in want.items():
            assert abs(float(row[key]) - value) <= 0.5e-4 + 1e-12, (row["id"], key)
    assert classes == {0, 1}
    capsys.readouterr()
    assert (
        main(["grade", str(folder / "key.csv"), "--exercises", str(folder), "--format", "json"])
        == 0
    )
    graded = json.loads(capsys.readouterr().out)
    assert all(s["right"] == len(s["verdicts"]) for s in graded["students"])
