"""CSV: a training run (one row per step, every number at full precision, repr) and a class's
grades (one row per student)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from symbp.train import TrainingRun

if TYPE_CHECKING:
    from symbp.classroom.grading import ClassGrades


def training_csv(run: TrainingRun) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("step", "loss", *run.names))
    for step in run.steps:
        writer.writerow((step.step, repr(step.loss), *(repr(p) for p in step.parameters)))
    return buffer.getvalue()


def grades_csv(grades: ClassGrades) -> str:
    """A class's grades as a spreadsheet: one row per student, their score, each asked
    quantity's verdict (right, right to the stated precision, wrong, blank) and the mistake."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("id", "name", "score", "right", "asked", *grades.asked, "mistakes"))
    for grade in grades.students:
        writer.writerow(
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
    return buffer.getvalue()
