"""A class's grades as blocks: the class summary first (what share got each quantity right, the
most common mistakes, students sharing identical wrong numbers), then every student's score and
hand-check report, in the exercise's language.
"""

from __future__ import annotations

from symbp.classroom.grading import ClassGrades, StudentGrade
from symbp.content.blocks import Block, Heading, Inlines, Items, Paragraph, Table, Text
from symbp.content.hand import diagnosis_title, filled, hand_report_blocks
from symbp.content.labels import labels, title
from symbp.content.mistakes import mistake_words


def _text(value: str) -> Inlines:
    return (Text(value),)


def percent(count: int, total: int) -> str:
    return f"{100 * count / total:.0f} %" if total else "-"


def counted(n: int, forms: str) -> str:
    """A count in words from a label "one|many": `1 student`, `2 students`."""
    one, many = forms.split("|")
    return filled(one if n == 1 else many, str(n))


def score_text(grade: StudentGrade) -> str:
    return f"{grade.right}/{len(grade.asked)} ({percent(grade.right, len(grade.asked))})"


def summary_blocks(grades: ClassGrades, lang: str = "en") -> list[Block]:
    """The class summary."""
    words = labels(lang)
    n = len(grades.students)
    submissions = counted(n, words["grade_submissions"])
    heading = filled(words["grade_title"], title(grades.title, lang), submissions, grades.source)
    blocks: list[Block] = [Heading(_text(heading), 1)]
    if grades.missing:
        who = counted(len(grades.missing), words["grade_students_n"])
        ids = ", ".join(s.id for s in grades.missing)
        blocks.append(Paragraph(_text(filled(words["grade_missing"], who, ids))))
    blocks.append(Heading(_text(words["grade_right_heading"])))
    blocks.append(
        Table(
            tuple(_text(words[h]) for h in ("grade_quantity", "grade_right", "grade_share")),
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
    blocks.append(Heading(_text(words["grade_mistakes"])))
    counts = grades.mistake_counts
    if counts:
        blocks.append(
            Table(
                tuple(_text(words[h]) for h in ("grade_mistake", "grade_students", "grade_who")),
                tuple(
                    (
                        _text(mistake_words(mistake, lang).title),
                        _text(str(count)),
                        _text(", ".join(who)),
                    )
                    for mistake, count, who in counts
                ),
                align="lrl",
            )
        )
    else:
        blocks.append(Paragraph(_text(words["grade_no_mistake"])))
    if grades.unexplained:
        who = counted(len(grades.unexplained), words["grade_students_have"])
        ids = ", ".join(grades.unexplained)
        blocks.append(Paragraph(_text(filled(words["grade_unexplained"], who, ids))))
    blocks.append(Heading(_text(words["grade_shared_heading"])))
    shared = grades.shared
    if shared:
        blocks.append(
            Items(
                tuple(
                    _text(
                        filled(
                            words["grade_shared"],
                            s.students[0],
                            s.students[1],
                            str(len(s.numbers)),
                            ", ".join(f"{grades.displays[k]} = {v}" for k, v in s.numbers),
                        )
                    )
                    for s in shared
                )
            )
        )
    else:
        blocks.append(Paragraph(_text(words["grade_no_shared"])))
    blocks.append(Heading(_text(words["grade_scores"])))
    header = (
        "grade_id",
        "grade_name",
        "grade_score",
        "grade_wrong",
        "grade_blank",
        "grade_mistake",
    )
    blocks.append(
        Table(
            tuple(_text(words[h]) for h in header),
            tuple(
                (
                    _text(g.student.id),
                    _text(g.student.name),
                    _text(score_text(g)),
                    _text(str(sum(v == "wrong" for v in g.verdicts.values()))),
                    _text(str(sum(v == "blank" for v in g.verdicts.values()))),
                    _text(_mistake_text(g, lang)),
                )
                for g in grades.students
            ),
            align="llrrrl",
        )
    )
    return blocks


def _mistake_text(grade: StudentGrade, lang: str) -> str:
    report = grade.report
    if report is None or not (report.wrong or report.too_few_decimals):
        return ""
    short = (
        labels(lang)["grade_too_few"].replace("{}", str(len(report.too_few_decimals)))
        if report.too_few_decimals
        else ""
    )
    if not report.wrong:
        return short
    named = diagnosis_title(report.diagnoses[0], lang) if report.diagnoses else None
    text = named or labels(lang)["grade_unnamed"]
    return f"{text}; {short}" if short else text


def student_blocks(grade: StudentGrade, lang: str = "en") -> tuple[Block, ...]:
    """One student's report: their score, then check-hand's report of their numbers."""
    words = labels(lang)
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    who = grade.student.id + (f"{open_}{grade.student.name}{close}" if grade.student.name else "")
    blocks: list[Block] = [
        Heading(_text(filled(words["grade_student_title"], who, score_text(grade))), 1),
    ]
    blank = [k for k, v in grade.verdicts.items() if v == "blank"]
    if blank:
        blocks.append(Paragraph(_text(filled(words["grade_not_answered"], ", ".join(blank)))))
    if grade.report is not None:
        report_blocks = hand_report_blocks(grade.report, lang)
        blocks += [
            b if not (isinstance(b, Heading) and b.level == 1) else Heading(b.parts, 2)
            for b in report_blocks
        ]
    return tuple(blocks)


def grades_blocks(grades: ClassGrades, lang: str = "en") -> tuple[Block, ...]:
    """The class summary, then each student's report."""
    blocks = summary_blocks(grades, lang)
    for grade in grades.students:
        blocks += [
            (Heading(b.parts, b.level + 1) if isinstance(b, Heading) else b)
            for b in student_blocks(grade, lang)
        ]
    return tuple(blocks)
