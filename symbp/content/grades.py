"""A class's grades as blocks: the class summary first (what share got each quantity right, the
most common mistakes, students sharing identical wrong numbers), then every student's score and
hand-check report.
"""

from __future__ import annotations

from symbp.classroom.grading import ClassGrades, StudentGrade
from symbp.content.blocks import Block, Heading, Inlines, Items, Paragraph, Table, Text
from symbp.content.hand import diagnosis_title, hand_report_blocks


def _text(value: str) -> Inlines:
    return (Text(value),)


def percent(count: int, total: int) -> str:
    return f"{100 * count / total:.0f} %" if total else "-"


def counted(n: int, noun: str, plural: str = "") -> str:
    """`1 student`, `2 students`."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def score_text(grade: StudentGrade) -> str:
    return f"{grade.right}/{len(grade.asked)} ({percent(grade.right, len(grade.asked))})"


def summary_blocks(grades: ClassGrades) -> list[Block]:
    """The class summary."""
    n = len(grades.students)
    blocks: list[Block] = [
        Heading(_text(f"{grades.title}: {counted(n, 'submission')} graded ({grades.source})"), 1)
    ]
    if grades.missing:
        blocks.append(
            Paragraph(
                _text(
                    f"No submission from {counted(len(grades.missing), 'student')} "
                    "of the exercise: " + ", ".join(s.id for s in grades.missing) + "."
                )
            )
        )
    blocks.append(Heading(_text("Right per quantity (right to the stated precision counts)")))
    blocks.append(
        Table(
            tuple(_text(h) for h in ("quantity", "right", "share")),
            tuple(
                (
                    _text(grades.displays[key]),
                    _text(f"{grades.right_count(key)}/{n}"),
                    _text(percent(grades.right_count(key), n)),
                )
                for key in grades.asked
            ),
            align="lrr",
        )
    )
    blocks.append(Heading(_text("Most common mistakes")))
    counts = grades.mistake_counts
    if counts:
        blocks.append(
            Table(
                tuple(_text(h) for h in ("mistake", "students", "who")),
                tuple(
                    (_text(mistake.title), _text(str(count)), _text(", ".join(who)))
                    for mistake, count, who in counts
                ),
                align="lrl",
            )
        )
    else:
        blocks.append(Paragraph(_text("No catalogue mistake reproduces any student's numbers.")))
    if grades.unexplained:
        blocks.append(
            Paragraph(
                _text(
                    f"{counted(len(grades.unexplained), 'student has', 'students have')} wrong "
                    "numbers that no catalogue mistake reproduces entirely: "
                    + ", ".join(grades.unexplained)
                    + "."
                )
            )
        )
    blocks.append(Heading(_text("Students sharing identical wrong numbers")))
    shared = grades.shared
    if shared:
        blocks.append(
            Items(
                tuple(
                    _text(
                        f"{s.students[0]} and {s.students[1]}: {len(s.numbers)} identical numbers, "
                        "wrong for at least one of them ("
                        + ", ".join(f"{grades.displays[k]} = {v}" for k, v in s.numbers)
                        + ")"
                    )
                    for s in shared
                )
            )
        )
    else:
        blocks.append(
            Paragraph(_text("None (each student has their own numbers, so this is seldom chance)."))
        )
    blocks.append(Heading(_text("Scores")))
    blocks.append(
        Table(
            tuple(_text(h) for h in ("id", "name", "score", "wrong", "blank", "mistake")),
            tuple(
                (
                    _text(g.student.id),
                    _text(g.student.name),
                    _text(score_text(g)),
                    _text(str(sum(v == "wrong" for v in g.verdicts.values()))),
                    _text(str(sum(v == "blank" for v in g.verdicts.values()))),
                    _text(_mistake_text(g)),
                )
                for g in grades.students
            ),
            align="llrrrl",
        )
    )
    return blocks


def _mistake_text(grade: StudentGrade) -> str:
    report = grade.report
    if report is None or not report.wrong:
        return ""
    if report.diagnoses:
        return diagnosis_title(report.diagnoses[0])
    return "none of the catalogue's"


def student_blocks(grade: StudentGrade) -> tuple[Block, ...]:
    """One student's report: their score, then check-hand's report of their numbers."""
    who = grade.student.id + (f" ({grade.student.name})" if grade.student.name else "")
    blocks: list[Block] = [
        Heading(_text(f"{who}: {score_text(grade)} right"), 1),
    ]
    blank = [k for k, v in grade.verdicts.items() if v == "blank"]
    if blank:
        blocks.append(Paragraph(_text("Not answered: " + ", ".join(blank) + ".")))
    if grade.report is not None:
        report_blocks = hand_report_blocks(grade.report)
        blocks += [
            b if not (isinstance(b, Heading) and b.level == 1) else Heading(b.parts, 2)
            for b in report_blocks
        ]
    return tuple(blocks)


def grades_blocks(grades: ClassGrades) -> tuple[Block, ...]:
    """The class summary, then each student's report."""
    blocks = summary_blocks(grades)
    for grade in grades.students:
        blocks += [
            (Heading(b.parts, b.level + 1) if isinstance(b, Heading) else b)
            for b in student_blocks(grade)
        ]
    return tuple(blocks)
