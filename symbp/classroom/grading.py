"""A class's submissions graded: every row judged by the hand-check judge, and the class summary.

A submissions CSV has one row per student: an id column, optionally a name column, and a column
per asked quantity, named as check-hand reads names (the canonical dL/dw1, delta_h1, w1_new, or
any spelling check-hand accepts: grad_w1, δ_h1, w1'). A cell is read as one value of a
hand-calculation file is (decimal commas, a leading ≈, a trailing remark); an empty cell is a
blank. Each row is judged exactly as `symbp check-hand --spec DIR/<id>/spec.toml` judges a file
of the same `name = value` lines, by one HandJudge per architecture (the symbolic network, the
quantity table, the compiled functions and the catalogue's variants are built once and reused
for every student).

Everything is read and checked before anything is judged, so a bad file fails with one line
naming its row and column and no report at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from symbp.classroom.csvfiles import (
    ClassFileError,
    CsvTable,
    Student,
    header_kind,
    id_column,
    name_columns,
    name_of,
    read_csv,
    unique_ids,
)
from symbp.classroom.folder import MANIFEST, Manifest, read_manifest
from symbp.core.spec import NetworkSpec, load_spec
from symbp.errors import SymbpError
from symbp.handcheck.hand_input import HandCalculation, HandEntry, read_cell_number
from symbp.handcheck.judge import HandJudge, HandReport, Verdict, architecture
from symbp.handcheck.mistakes import Mistake
from symbp.handcheck.precision import Precision

RIGHT_VERDICTS = (Verdict.RIGHT.value, Verdict.RIGHT_TO_PRECISION.value)
#: students must share this many identical numbers, wrong for at least one of them, to be listed
SHARED_AT_LEAST = 2


@dataclass(frozen=True)
class StudentGrade:
    """One student's submission judged."""

    student: Student
    row: int
    asked: tuple[str, ...]
    report: HandReport | None  # None: every cell was blank
    #: asked key -> "right", "right to the stated precision", "wrong" or "blank"
    verdicts: dict[str, str]
    written: dict[str, str]  # asked key -> the number as written (answered keys only)

    @property
    def right(self) -> int:
        return sum(v in RIGHT_VERDICTS for v in self.verdicts.values())

    @property
    def score(self) -> float:
        """The share of asked quantities right (to the stated precision counts as right)."""
        return self.right / len(self.asked)

    @property
    def mistakes(self) -> tuple[Mistake, ...]:
        """The mistakes of the best diagnosis that reproduces every wrong number, if any."""
        if self.report is None or not self.report.diagnoses:
            return ()
        return self.report.diagnoses[0].mistakes


@dataclass(frozen=True)
class Shared:
    """A student whose wrong numbers another student wrote too, digit for digit."""

    #: (the student for whom the numbers are wrong, the other student who wrote them)
    students: tuple[str, str]
    numbers: tuple[tuple[str, str], ...]  # (key, the number as written)


@dataclass(frozen=True)
class ClassGrades:
    """Every submission judged, and what the class got right and wrong."""

    title: str
    source: str
    asked: tuple[str, ...]
    displays: dict[str, str]  # key -> how reports name it (∂L/∂w1)
    students: tuple[StudentGrade, ...]
    missing: tuple[Student, ...]  # students of the exercise without a row
    lang: str = "en"  # the exercise's language: the reports' default

    def right_count(self, key: str) -> int:
        return sum(
            g.verdicts[key] in ("right", "right to the stated precision") for g in self.students
        )

    @property
    def mistake_counts(self) -> tuple[tuple[Mistake, int, tuple[str, ...]], ...]:
        """Each catalogue mistake named for some student: how many students, and who (a student
        counts once for each mistake of their best complete diagnosis); most common first."""
        by_key: dict[str, Mistake] = {}
        who: dict[str, list[str]] = defaultdict(list)
        order: dict[str, int] = {}
        for grade in self.students:
            for mistake in grade.mistakes:
                by_key.setdefault(mistake.key, mistake)
                order.setdefault(mistake.key, len(order))
                who[mistake.key].append(grade.student.id)
        ranked = sorted(by_key, key=lambda k: (-len(who[k]), order[k]))
        return tuple((by_key[k], len(who[k]), tuple(who[k])) for k in ranked)

    @property
    def unexplained(self) -> tuple[str, ...]:
        """Students with wrong numbers that no catalogue mistake reproduces entirely."""
        return tuple(
            g.student.id
            for g in self.students
            if g.report is not None and g.report.wrong and not g.report.diagnoses
        )

    @property
    def shared(self) -> tuple[Shared, ...]:
        """Students whose wrong numbers another student wrote too, at least SHARED_AT_LEAST of
        them: each has their own numbers, so that is seldom chance. A number counts only against
        the student it is wrong for: two students who got the same right number are not
        suspects, nor is the one whose right numbers were copied."""
        holders: dict[tuple[str, str], list[StudentGrade]] = defaultdict(list)
        for grade in self.students:
            for key, text in grade.written.items():
                holders[(key, _number_key(text))].append(grade)
        pairs: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for (key, _), group in holders.items():
            for flagged in group:
                if flagged.verdicts[key] != "wrong":
                    continue
                for other in group:
                    if other is not flagged:
                        pairs[(flagged.student.id, other.student.id)].append(
                            (key, flagged.written[key])
                        )
        found = [
            Shared(pair, tuple(sorted(numbers, key=lambda n: self.asked.index(n[0]))))
            for pair, numbers in pairs.items()
            if len(numbers) >= SHARED_AT_LEAST
        ]
        return tuple(sorted(found, key=lambda s: (-len(s.numbers), s.students)))


def _number_key(text: str) -> str:
    """A written number as compared between students: the digits as written (0.0123 and
    0.01230 state different precisions, and a copied number is copied digit for digit)."""
    return text


class Judges:
    """One HandJudge per architecture and learning rate, built on first use and kept."""

    def __init__(self) -> None:
        self._judges: dict[tuple[object, ...], HandJudge] = {}
        self.built = 0

    def __call__(self, spec: NetworkSpec) -> HandJudge:
        key = architecture(spec)
        judge = self._judges.get(key)
        if judge is None:
            judge = self._judges[key] = HandJudge(spec)
            self.built += 1
        return judge


def grade_class(
    submissions: str | Path,
    folder: str | Path,
    judges: Judges | None = None,
    min_decimals: int | None = None,
) -> ClassGrades:
    """Read, check and judge a submissions CSV against an exercise folder, under the precision
    policy (handcheck/precision.py) with `min_decimals`, by default the exercise's."""
    manifest = read_manifest(folder)
    precision = Precision(
        manifest.settings.minimum_decimals if min_decimals is None else min_decimals
    )
    table = read_csv(submissions, "submissions")
    judges = judges or Judges()
    base = judges(manifest.base_spec())
    for key in manifest.asked:  # a hand-edited manifest may name what the network lacks
        if key not in base.table.by_key:
            raise ClassFileError(
                f"{manifest.folder / MANIFEST}: asks for {key!r}, which is not a quantity's "
                "name in this network (the manifest was edited)"
            )
    columns = _columns(table, manifest, base)
    ids_column = id_column(table)
    names = name_columns(table)
    known = {s.id: s for s in manifest.students}
    ids = unique_ids(table, ids_column)
    for student_id, row in ids.items():
        if student_id not in known:
            raise ClassFileError(
                f"{table.where(row, ids_column)}: {student_id!r} has no exercise in "
                f"{str(manifest.folder)!r}{_zeros_hint(student_id, known)}"
            )
    hands = [_hand(table, row, cells, columns) for row, cells in table.rows]
    specs = {sid: load_spec(manifest.spec_path(sid)) for sid in ids}
    grades = []
    for (row, cells), hand in zip(table.rows, hands, strict=True):
        student = known[cells[ids_column]]
        name = name_of(table, row, cells, names)
        if name and not student.name:
            student = Student(student.id, name)
        spec = specs[student.id]
        judge = judges(spec)
        if not judge.accepts(spec):
            raise SymbpError(f"{manifest.spec_path(student.id)}: not a variant of the exercise")
        report = judge.check(hand, spec, precision) if hand.entries else None
        grades.append(_grade(student, row, manifest.asked, report, hand))
    displays = {key: base.table.by_key[key].display for key in manifest.asked}
    graded = {g.student.id for g in grades}
    return ClassGrades(
        title=manifest.title,
        source=table.label,
        asked=manifest.asked,
        displays=displays,
        students=tuple(grades),
        missing=tuple(s for s in manifest.students if s.id not in graded),
        lang=manifest.lang,
    )


def _zeros_hint(student_id: str, known: dict[str, Student]) -> str:
    """ "; did you mean '0732'?" when a spreadsheet stripped an id's leading zeros."""
    stripped = student_id.lstrip("0")
    if not stripped:
        return ""
    matches = sorted(k for k in known if k != student_id and k.lstrip("0") == stripped)
    if len(matches) != 1:
        return ""
    return f"; did you mean {matches[0]!r}? (a spreadsheet drops leading zeros)"


def _columns(table: CsvTable, manifest: Manifest, judge: HandJudge) -> dict[int, str]:
    """The quantity column of each asked quantity: column index -> canonical key."""
    columns: dict[int, str] = {}
    first: dict[str, int] = {}
    for index, cell in enumerate(table.header):
        if header_kind(cell) is not None:
            continue
        quantity = judge.table.resolve(cell)
        if quantity is None:
            suggestion = judge.table.suggest(cell)
            hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
            raise ClassFileError(
                f"{table.where(1, index)}: unknown column{hint}; the columns are id, name and "
                f"the asked quantities: {', '.join(manifest.asked)}"
            )
        if quantity.key not in manifest.asked:
            raise ClassFileError(
                f"{table.where(1, index)}: {quantity.key} is not asked in this exercise "
                f"(asked: {', '.join(manifest.asked)})"
            )
        if quantity.key in first:
            raise ClassFileError(
                f"{table.where(1, index)}: {quantity.key} again (column {first[quantity.key] + 1})"
            )
        first[quantity.key] = index
        columns[index] = quantity.key
    return columns


def _hand(
    table: CsvTable, row: int, cells: tuple[str, ...], columns: dict[int, str]
) -> HandCalculation:
    """A row as the hand calculation a file of `name = value` lines would be."""
    entries = []
    for index in columns:
        text = cells[index]
        if not text:
            continue
        number = read_cell_number(text, table.where(row, index))
        entries.append(HandEntry(table.header[index], row, number, None))
    return HandCalculation(tuple(entries), f"{table.label}: row {row}")


def _grade(
    student: Student,
    row: int,
    asked: tuple[str, ...],
    report: HandReport | None,
    hand: HandCalculation,
) -> StudentGrade:
    verdicts = dict.fromkeys(asked, "blank")
    written: dict[str, str] = {}
    if report is not None:
        for judgement in report.judgements:
            if judgement.key in verdicts:
                verdicts[judgement.key] = judgement.verdict.value
                written[judgement.key] = judgement.written
    return StudentGrade(student, row, asked, report, verdicts, written)


__all__ = ["ClassGrades", "Judges", "Shared", "StudentGrade", "Verdict", "grade_class"]
