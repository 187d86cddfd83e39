"""Rosters and submission sheets as teachers' spreadsheets save them, and broken ones: every
problem is one line naming the row and the column, exit status 2, and nothing written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from symbp.cli import main

from . import classwork
from .hand_corpus import generate


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("inputs") / "ex"
    assert main(["exercise", "--count", "4", "--seed", "5", "--out", str(out)]) == 0
    return out


def listing(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


# -- rosters ----------------------------------------------------------------------------------

BAD_ROSTERS = [
    ("name\nAda\n", "row 1: no id column"),
    ("id,name\ns1,Ada\n,Bob\n", "row 3, column 1 'id': the id is empty"),
    ("id,name\ns1,Ada\ns2,Bob\nS1,Cy\n", "row 4, column 1 'id': 'S1' is also on row 2 (as 's1')"),
    ("id\na/b\n", "row 2, column 1 'id': 'a/b' is not an id"),
    ("id\n..\n", "row 2, column 1 'id': '..' is not an id"),
    ('id,name\ns1,"Ada\n', "row 2: not valid CSV"),
    ("id,name\ns1,Ada,extra\n", "row 2, column 3: a value beyond the header's 2 columns"),
    ("id\n", "names no student"),
    ("", "is empty"),
    ("id,name\ns1,A\x07da\n", "row 2, column 2: a control character"),
]


@pytest.mark.parametrize(("text", "message"), BAD_ROSTERS)
def test_a_bad_roster_is_one_line_naming_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    status, stdout, stderr = run(["exercise", "--roster", str(roster), "--out", str(out)], capsys)
    assert status == 2
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("symbp: error: roster ")
    assert message in stderr, stderr
    assert listing(tmp_path) == ["roster.csv"]  # nothing written, no temporary folder left


def test_a_ten_megabyte_roster_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    with roster.open("w") as handle:
        handle.write("id,name\n")
        line = "s{:07d},Student\n"
        for n in range(10 * 1024 * 1024 // len(line.format(0)) + 1):
            handle.write(line.format(n))
    assert roster.stat().st_size > 10_000_000
    status, _, stderr = run(
        ["exercise", "--roster", str(roster), "--out", str(tmp_path / "o")], capsys
    )
    assert status == 2
    assert "larger than 2000000 bytes" in stderr and stderr.count("\n") == 1
    assert listing(tmp_path) == ["roster.csv"]


@pytest.mark.parametrize(
    ("data", "label"),
    [
        ("\ufeffid;name\r\ns1;Ada Lovelace\r\n学生2;王芳\r\n".encode(), "BOM, semicolons, CRLF"),
        ("id\tname\ns1\tAda Lovelace\n学生2\t王芳\n".encode("utf-16"), "UTF-16 with tabs"),
        (
            '"id","name"\n"s1","Ada Lovelace"\n"学生2","王芳"\n'.encode(),
            "quoted",
        ),
    ],
)
def test_spreadsheet_dialects_of_a_roster_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, label: str
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(data)
    out = tmp_path / "out"
    status, _, stderr = run(["exercise", "--roster", str(roster), "--out", str(out)], capsys)
    assert status == 0, stderr
    manifest = json.loads((out / "exercise.json").read_text(encoding="utf-8"))
    assert manifest["students"] == [
        {"id": "s1", "name": "Ada Lovelace"},
        {"id": "学生2", "name": "王芳"},
    ], label
    assert "王芳" in (out / "学生2" / "worksheet.html").read_text(encoding="utf-8")


def test_a_variant_depends_only_on_the_seed_and_the_id(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("id\nann\nbob\ncid\n", encoding="utf-8")
    second.write_text("id\ncid\nzed\nann\n", encoding="utf-8")
    for roster, out in ((first, "a"), (second, "b")):
        assert (
            main(["exercise", "--roster", str(roster), "--seed", "3", "--out", str(tmp_path / out)])
            == 0
        )
    for sid in ("ann", "cid"):
        a = (tmp_path / "a" / sid / "spec.toml").read_text(encoding="utf-8")
        assert a == (tmp_path / "b" / sid / "spec.toml").read_text(encoding="utf-8")
    assert (
        main(["exercise", "--roster", str(first), "--seed", "4", "--out", str(tmp_path / "c")]) == 0
    )
    assert (tmp_path / "a" / "ann" / "spec.toml").read_bytes() != (
        tmp_path / "c" / "ann" / "spec.toml"
    ).read_bytes()


def test_regenerating_gives_the_same_bytes(tmp_path: Path) -> None:
    for out in ("a", "b"):
        assert main(["exercise", "--count", "3", "--seed", "9", "--out", str(tmp_path / out)]) == 0
    files = listing(tmp_path / "a")
    assert files == listing(tmp_path / "b")
    for name in files:
        if (tmp_path / "a" / name).is_file():
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_out_refuses_a_folder_of_other_files_and_replaces_an_exercise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    status, _, stderr = run(["exercise", "--count", "2", "--out", str(other)], capsys)
    assert status == 2 and "holds files that symbp did not write" in stderr
    assert listing(other) == ["mine.txt"]
    out = tmp_path / "ex"
    assert main(["exercise", "--count", "3", "--out", str(out)]) == 0
    assert main(["exercise", "--count", "2", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["s001", "s002"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- submissions ------------------------------------------------------------------------------


def key_rows(folder: Path) -> list[list[str]]:
    return [line.split(",") for line in (folder / "key.csv").read_text().splitlines()]


def bad_sheets(folder: Path) -> list[tuple[str, str]]:
    header, first, *_ = key_rows(folder)
    good = ",".join(first)
    head = ",".join(header)
    return [
        (f"{','.join(header[1:])}\n{','.join(first[1:])}\n", "row 1: no id column"),
        (f"{head}\n{good}\n{good}\n", "row 3, column 1 'id': 's001' is also on row 2"),
        (f"{head}\n,{','.join(first[1:])}\n", "row 2, column 1 'id': the id is empty"),
        (f"{head}\ns999,{','.join(first[1:])}\n", "row 2, column 1 'id': 's999' has no exercise"),
        (f"{head},dL/dw9\n{good},0.1\n", "row 1, column 31 'dL/dw9': unknown column"),
        (f"{head},colour\n{good},red\n", "row 1, column 31 'colour': unknown column"),
        (f"{head},dL_dw1\n{good},0.1\n", "row 1, column 31 'dL_dw1': dL/dw1 again (column 15)"),
        ("id,x1\ns001,0.5\n", "row 1, column 2 'x1': x1 is not asked"),
        (
            f"{head}\ns001,abc{','.join([''] + first[2:])}\n",
            "row 2, column 2 'z_h1': 'abc' is not a number",
        ),
        (f"{head}\ns001,0.1+0.2{','.join([''] + first[2:])}\n", "'0.1+0.2' is not a number"),
        (f'{head}\ns001,"1,234"{",".join([""] + first[2:])}\n', "could be 1234 or 1.234"),
        (f"{head}\ns001,0,25{','.join([''] + first[2:])}\n", "a value beyond the header's"),
    ]


def test_bad_submission_sheets_are_one_line_naming_row_and_column(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for number, (text, message) in enumerate(bad_sheets(folder)):
        sheet = tmp_path / f"sheet{number}.csv"
        sheet.write_text(text, encoding="utf-8")
        reports, output = tmp_path / f"reports{number}", tmp_path / f"grades{number}.csv"
        status, stdout, stderr = run(
            [
                "grade",
                str(sheet),
                "--exercises",
                str(folder),
                "-o",
                str(output),
                "--reports",
                str(reports),
            ],
            capsys,
        )
        assert status == 2, text
        assert stdout == ""
        assert stderr.count("\n") == 1 and stderr.startswith("symbp: error: submissions "), stderr
        assert message in stderr, (message, stderr)
        assert not reports.exists() and not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("sheet")) == []


def test_a_ten_megabyte_sheet_is_refused(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "big.csv"
    header, first, *_ = key_rows(folder)
    row = ",".join(first) + "\n"
    sheet.write_text(",".join(header) + "\n" + row * (10_500_000 // len(row)), encoding="utf-8")
    status, stdout, stderr = run(["grade", str(sheet), "--exercises", str(folder)], capsys)
    assert status == 2 and stdout == ""
    assert "larger than 2000000 bytes" in stderr and stderr.count("\n") == 1


def test_european_and_excel_sheets_grade_like_the_plain_one(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key as Excel saves it in Germany (BOM, semicolons, decimal commas, CRLF) and with
    Unicode minus signs grades exactly as the plain key: every number right."""
    rows = key_rows(folder)
    european = "\r\n".join(";".join(c.replace(".", ",") for c in row) for row in rows)
    variants = {
        "plain.csv": (folder / "key.csv").read_bytes(),
        "excel.csv": ("\ufeff" + european + "\r\n").encode("utf-8"),
        "minus.csv": (folder / "key.csv").read_text().replace("-", "−").encode("utf-8"),
    }
    results = {}
    for name, data in variants.items():
        sheet = tmp_path / name
        sheet.write_bytes(data)
        status, stdout, stderr = run(
            ["grade", str(sheet), "--exercises", str(folder), "--format", "csv"], capsys
        )
        assert status == 0, stderr
        results[name] = stdout
    assert results["excel.csv"] == results["plain.csv"] == results["minus.csv"]
    lines = results["plain.csv"].splitlines()
    assert len(lines) == 5 and all(",1.0000,29,29," in line for line in lines[1:])


def test_blank_cells_and_a_name_column(folder: Path, tmp_path: Path) -> None:
    from symbp.api.homework import grade

    header, first, second, *_ = key_rows(folder)
    truth = generate.work(classwork.net_of(folder / "s002" / "spec.toml", "s002"), decimals=None)
    assert second[header.index("L")] == generate.number_text(truth["L"], 4)
    sheet = tmp_path / "s.csv"
    blanked = [c if i < 3 else "" for i, c in enumerate(second)]
    sheet.write_text(
        "name,"
        + ",".join(header)
        + "\nAda,"
        + ",".join(first)
        + "\nBo,"
        + ",".join(blanked)
        + "\n",
        encoding="utf-8",
    )
    grades = grade(sheet, folder).grades
    ada, bo = grades.students
    assert (ada.student.name, ada.right, bo.right) == ("Ada", 29, 2)
    assert list(bo.verdicts.values()).count("blank") == 27
    assert [s.id for s in grades.missing] == ["s003", "s004"]
    assert os.path.basename(grades.source.split("'")[1]) == "s.csv"


def test_reports_one_per_student_and_the_grades_as_a_spreadsheet(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports, sheet = tmp_path / "reports", tmp_path / "grades.csv"
    argv = ["grade", str(folder / "key.csv"), "--exercises", str(folder), "--format", "csv"]
    status, stdout, _ = run([*argv, "-o", str(sheet), "--reports", str(reports)], capsys)
    assert status == 0 and stdout == ""
    assert sorted(p.name for p in reports.iterdir()) == [
        "class.txt",
        "s001.txt",
        "s002.txt",
        "s003.txt",
        "s004.txt",
    ]
    assert "s003: 29/29 (100 %) right" in (reports / "s003.txt").read_text(encoding="utf-8")
    lines = sheet.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,name,score,right,asked,z_h1,")
    # again, as JSON reports: the earlier reports folder is replaced, not mixed
    status, _, _ = run([*argv[:4], "--reports", str(reports), "--reports-format", "json"], capsys)
    assert status == 0
    names = sorted(p.name for p in reports.iterdir())
    assert names == ["class.txt", "s001.json", "s002.json", "s003.json", "s004.json"]
    assert json.loads((reports / "s001.json").read_text(encoding="utf-8"))["score"] == 1.0
