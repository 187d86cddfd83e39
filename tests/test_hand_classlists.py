"""Class lists as registrars export them, ids a spreadsheet stripped, and who is flagged for
shared numbers (issue 24, Why 9)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from symbp.classroom.csvfiles import ClassFileError, read_roster
from symbp.classroom.grading import grade_class
from symbp.cli import main

EXPORT = (
    'Student ID,"Last name, First name",E-mail,Programme\n'
    '0732,"Nguyễn, An",an@uni.example,CS\n'
    '0815,"O\'Brien, Siobhán",sob@uni.example,Maths\n'
    '1001,"Đorđević, Ana",ana@uni.example,CS\n'
)


def test_a_registrars_export_gives_ids_and_names(tmp_path: Path) -> None:
    roster = tmp_path / "export.csv"
    roster.write_text(EXPORT, encoding="utf-8")
    students = read_roster(roster)
    assert [(s.id, s.name) for s in students] == [
        ("0732", "Nguyễn, An"),
        ("0815", "O'Brien, Siobhán"),
        ("1001", "Đorđević, Ana"),
    ]
    split = tmp_path / "split.csv"
    split.write_text(
        "Email;Surname;First name;学号\nx@y.example;Wang;Fang;2024001\n", encoding="utf-8"
    )
    assert [(s.id, s.name) for s in read_roster(split)] == [("2024001", "Fang Wang")]


def test_a_roster_without_an_id_column_is_one_line_naming_row_1(tmp_path: Path) -> None:
    roster = tmp_path / "bad.csv"
    roster.write_text("E-mail,Name\na@b.example,Ann\n", encoding="utf-8")
    with pytest.raises(ClassFileError, match=r"row 1: no id column"):
        read_roster(roster)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a Canvas export: the name under "Student", the id under "ID"
            'Student,ID,SIS User ID,SIS Login ID,Section\n"Lovelace, Ada",101,s1,ada,A\n'
            '"Noether, Emmy",102,s2,emmy,A\n',
            [("101", "Lovelace, Ada"), ("102", "Noether, Emmy")],
        ),
        ("student_id,full_name\n7,Ada Lovelace\n8,王芳\n", [("7", "Ada Lovelace"), ("8", "王芳")]),
        ("Matrikelnummer,Nachname,Vorname\n001,Müller,Jürgen\n", [("001", "Jürgen Müller")]),
        # no name at all: ids only, e-mail and programme ignored
        ("Student ID,E-mail,Program\n1,a@x.example,CS\n", [("1", "")]),
    ],
)
def test_more_exports_give_their_names(
    tmp_path: Path, text: str, expected: list[tuple[str, str]]
) -> None:
    """Issue 24 trial F9: these headers gave empty names, silently."""
    roster = tmp_path / "r.csv"
    roster.write_text(text, encoding="utf-8")
    assert [(s.id, s.name) for s in read_roster(roster)] == expected


def test_a_column_of_words_no_header_names_is_refused_not_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("id,Learner,E-mail\n1,Ada Lovelace,a@x.example\n", encoding="utf-8")
    with pytest.raises(ClassFileError, match=r"row 1, column 2 'Learner': no name column"):
        read_roster(roster)
    out = tmp_path / "ex"
    assert main(["exercise", "--roster", str(roster), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "head it 'name'" in err and not out.exists()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("classlists")
    roster = base / "export.csv"
    roster.write_text(EXPORT, encoding="utf-8")
    out = base / "class"
    args = ["exercise", "--roster", str(roster), "--out", str(out), "--ask", "forward"]
    assert main(args) == 0
    return out


def key_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "key.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_an_id_without_its_leading_zeros_gets_a_hint(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = key_rows(folder)
    rows[0]["id"] = "732"
    sheet = write(tmp_path / "stripped.csv", rows)
    report = tmp_path / "grades.txt"
    capsys.readouterr()
    code = main(["grade", str(sheet), "--exercises", str(folder), "-o", str(report)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "row 2, column 1 'id'" in err and "'732' has no exercise" in err
    assert "did you mean '0732'?" in err
    assert not report.exists()


def test_only_the_student_whose_numbers_are_wrong_is_flagged(folder: Path, tmp_path: Path) -> None:
    rows = key_rows(folder)
    original, copier = rows[0], rows[1]
    copied = {k: original[k] for k in original if k != "id"}
    copier.update(copied)  # 0815 hands in 0732's (right) numbers
    grades = grade_class(write(tmp_path / "copied.csv", rows), folder)
    shared = {s.students: len(s.numbers) for s in grades.shared}
    asked = len(grades.asked)
    wrong = sum(v == "wrong" for v in grades.students[1].verdicts.values())
    assert wrong >= 2
    assert shared == {("0815", "0732"): wrong}
    assert wrong <= asked
