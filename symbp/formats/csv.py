"""CSV: a training run (one row per step, every number at full precision, repr) and a class's
grades (one row per student)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from symbp.core.train import TrainingRun

if TYPE_CHECKING:
    from symbp.classroom.grading import ClassGrades


def training_csv(run: TrainingRun) -> str:
    """step, loss, every parameter, then the optimizer's state before the step (b_w1, m_w1,
    v_w1, …; empty where it does not exist yet, as SGD's buffer before the first update)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = run.state_keys
    state_columns = [f"{key}_{name}" for key in keys for name in run.names]
    writer.writerow(("step", "loss", *run.names, *state_columns))
    for step in run.steps:
        state: list[str] = []
        for key in keys:
            values = step.state.buffer(key)
            state += [""] * len(run.names) if values is None else [repr(v) for v in values]
        writer.writerow((step.step, repr(step.loss), *(repr(p) for p in step.parameters), *state))
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
