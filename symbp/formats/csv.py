"""CSV: a training run (one row per step, every number at full precision, repr) and a class's
grades (one row per student).

Every CSV symbp writes goes through `csv_text`, which neutralises formula injection (OWASP's
rule): a cell beginning with = + - @, a tab or a carriage return is one a spreadsheet may run as
a formula (`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`, `@SUM(1)`), so it is written after a single
quote, which spreadsheets show as text. A plain number (-0.0123, +1e-05) is no formula and is
written as it is, so that a column of numbers stays numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from symbp.core.train import TrainingRun

if TYPE_CHECKING:
    from symbp.classroom.grading import ClassGrades


#: what a spreadsheet may read as the start of a formula
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: a plain decimal number, which a spreadsheet reads as a number and never runs
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_cell(value: object) -> str:
    """A cell's text, a single quote before any text a spreadsheet could run as a formula."""
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV (LF line ends), every cell through spreadsheet_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # csv quotes a cell holding the line terminator (\n) but not a bare CR, which a reader
    # takes for the end of the row: a row with one is quoted throughout
    quoting = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        cells = [spreadsheet_cell(cell) for cell in row]
        (quoting if any("\r" in cell for cell in cells) else writer).writerow(cells)
    return buffer.getvalue()


def training_csv(run: TrainingRun) -> str:
    """step, loss, every parameter, then the optimizer's state before the step (b_w1, m_w1,
    v_w1, …; empty where it does not exist yet, as SGD's buffer before the first update)."""
    keys = run.state_keys
    state_columns = [f"{key}_{name}" for key in keys for name in run.names]
    rows: list[tuple[object, ...]] = [("step", "loss", *run.names, *state_columns)]
    for step in run.steps:
        state: list[str] = []
        for key in keys:
            values = step.state.buffer(key)
            state += [""] * len(run.names) if values is None else [repr(v) for v in values]
        rows.append((step.step, repr(step.loss), *(repr(p) for p in step.parameters), *state))
    return csv_text(rows)


def grades_csv(grades: ClassGrades) -> str:
    """A class's grades as a spreadsheet: one row per student, their score, each asked
    quantity's verdict (right, right to the stated precision, wrong, blank) and the mistake."""
    rows: list[tuple[object, ...]] = [
        ("id", "name", "score", "right", "asked", *grades.asked, "mistakes")
    ]
    for grade in grades.students:
        rows.append(
            (
                grade.student.id,
                grade.student.name,
                f"{grade.score:.4f}",
                grade.right,
                len(grade.asked),
                *(grade.verdicts[key] for key in grades.asked),
                " + ".join(m.key for m in grade.mistakes),
            )
        )
    return csv_text(rows)
