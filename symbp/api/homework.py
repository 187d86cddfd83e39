"""Homework for a class, in Python: a variant of one network per student, and the class graded.

    >>> import symbp
    >>> exercises = symbp.exercises(count=3, seed=7)
    >>> [v.student.id for v in exercises.variants]
    ['s001', 's002', 's003']
    >>> exercises.asked[:3]
    ('z_h1', 'z_h2', 'h1')

`exercises(...)` draws the variants (nothing is written yet); `.write(folder)` writes each
student's spec, worksheet and answer key (HTML, LaTeX, Markdown), the class's key.csv, and on
request a self-check page per student and a Moodle quiz. `grade(submissions, folder)` judges every
row of a submissions CSV exactly as `symbp check-hand` judges one file, and summarises the class.
The command line's `symbp exercise` and `symbp grade` are one call here and one render each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from symbp import arguments, formats
from symbp.api.problem import Problem, Result
from symbp.classroom.csvfiles import Student, numbered_students, read_roster
from symbp.classroom.folder import (
    KEY,
    MANIFEST,
    SPEC,
    FolderWriter,
    key_rows,
    manifest_text,
    read_manifest,
    replacing_folder,
    spec_toml,
)
from symbp.classroom.grading import ClassGrades, grade_class
from symbp.classroom.selfcheck import selfcheck_data
from symbp.classroom.variants import ClassVariants, Range, Settings, Variant, draw_variants
from symbp.content.blocks import Block, Document
from symbp.content.exercise import (
    key_document,
    selfcheck_page,
    selfcheck_words,
    summary_blocks,
    worksheet_document,
)
from symbp.content.grades import grades_blocks, student_blocks
from symbp.content.labels import LANGUAGES, labels, title
from symbp.core.circuit import Circuit
from symbp.core.spec import NetworkSpec, default_spec, load_spec
from symbp.errors import SymbpError
from symbp.files import StagedFile, stage_file
from symbp.formats import render_blocks, text_math
from symbp.formats.csv import csv_text, grades_csv
from symbp.formats.json import grades_document, student_grade_document
from symbp.formats.moodle import quiz
from symbp.formats.page import paper as known_paper
from symbp.formats.selfcheck import render_page
from symbp.formats.tex_fonts import tex_engine
from symbp.handcheck.judge import HandJudge

if TYPE_CHECKING:
    from symbp.api.circuit_homework import CircuitExercises

#: the files of each variant: format and extension
DOCUMENT_FILES = (("html", ".html"), ("latex", ".tex"), ("markdown", ".md"))
#: the class summary in a --reports folder (which marks it as one symbp may replace)
REPORTS_INDEX = "class.txt"


@dataclass(frozen=True, repr=False)
class Exercises(Result):
    """A class's variants of one network, drawn; `.write(folder)` writes them."""

    exercise: ClassVariants
    judge: HandJudge
    lang: str = "en"
    paper: str = "a4"
    written: tuple[str, ...] = ()

    @property
    def variants(self) -> tuple[Variant, ...]:
        return self.exercise.variants

    @property
    def asked(self) -> tuple[str, ...]:
        return self.exercise.asked

    def blocks(self) -> tuple[Block, ...]:
        return summary_blocks(self.exercise, self.written)

    def title(self) -> str:
        return self.exercise.base.title

    def key_csv(self) -> str:
        """The class's answers in the submission format (what DIR/key.csv holds)."""
        return csv_text(key_rows(self.exercise))

    def write(
        self,
        folder: str | Path = "exercises",
        *,
        interactive: bool | str | None = False,
        moodle: str | Path | None = None,
    ) -> Exercises:
        """Write the exercise folder (replacing an earlier one there) and, with `moodle`, the
        Moodle XML quiz; nothing is left behind if anything fails. Returns what was written.
        `interactive`: also each student's self-check page, True or "full" (every number judged,
        mistakes named) or "consistency" (each number against the student's own earlier ones)."""
        mode = "full" if interactive is True else interactive or None
        if moodle is not None and Path(moodle).suffix.lower() != ".xml":
            raise SymbpError(f"--moodle file {str(moodle)!r} must end in .xml")
        quiz = self.moodle_xml() if moodle is not None else None
        staged: StagedFile | None = None
        by_engine: dict[str, int] = {}
        try:
            with replacing_folder(folder) as writer:
                writer.write(MANIFEST, manifest_text(self.exercise, self.lang))
                writer.write(SPEC, spec_toml(self.exercise.base))
                writer.write(KEY, self.key_csv())
                for variant in self.variants:
                    for engine in self._write_variant(writer, variant, mode):
                        by_engine[engine] = by_engine.get(engine, 0) + 1
                count = writer.count
                if quiz is not None and moodle is not None:
                    # written beside its target before the folder moves: a quiz that cannot
                    # be written leaves the earlier folder in place
                    staged = stage_file(Path(moodle), quiz)
        except BaseException:
            if staged is not None:
                staged.discard()
            raise
        if staged is not None:
            staged.commit()
        written = [
            f"{count} files to {str(folder)!r} (key.csv, and per student spec.toml, "
            "worksheet and key in HTML, LaTeX and Markdown"
            + (", selfcheck.html" if mode else "")
            + ")"
        ]
        written.append(
            "LaTeX that compiles with "
            + " or ".join(
                f"{engine} ({n} student{'' if n == 1 else 's'})"
                for engine, n in sorted(by_engine.items())
            )
            + ", as each .tex file's first line says"
        )
        if staged is not None:
            written.append(f"the Moodle quiz {str(moodle)!r}")
        from dataclasses import replace

        return replace(self, written=tuple(written))

    def _write_variant(self, writer: object, variant: Variant, mode: str | None) -> set[str]:
        """Write one student's files; the engines their .tex files name."""
        assert isinstance(writer, FolderWriter)
        folder = variant.student.id
        problem = Problem(variant.spec)
        table = self.judge.table
        worksheet = worksheet_document(variant, self.exercise, problem.network, table, self.lang)
        handout = problem.handout(
            check=False, lang=self.lang, paper=self.paper, say_unchecked=False
        ).document()
        key = key_document(variant, self.exercise, problem.network, table, handout, self.lang)
        minimum = self.exercise.settings.minimum_decimals
        writer.write(f"{folder}/{SPEC}", spec_toml(variant.spec, minimum))
        engines: set[str] = set()
        for fmt, extension in DOCUMENT_FILES:
            for name, document in (("worksheet", worksheet), ("key", key)):
                try:
                    text = formats.render(document, fmt, paper=self.paper)
                except SymbpError as error:  # a name no .tex font has: say whose
                    raise SymbpError(f"student {variant.student.id!r}: {error}") from None
                if extension == ".tex":
                    engines.add(tex_engine(text))
                writer.write(f"{folder}/{name}{extension}", text)
        if mode:
            writer.write(f"{folder}/selfcheck.html", self.selfcheck_page(variant, mode))
        return engines

    def selfcheck_page(self, variant: Variant, mode: str = "full") -> str:
        """The variant's offline self-check page (one self-contained HTML file, holding no
        answer): `mode` "full" or "consistency" (symbp.classroom.selfcheck)."""
        problem = Problem(variant.spec)
        page = selfcheck_page(
            variant, self.exercise, problem.network, self.judge.table, self.lang, mode
        )
        words = selfcheck_words(variant.spec.title, self.lang, text_math.inline)
        data = selfcheck_data(self.judge, variant, self.exercise, words, mode)
        return render_page(page, data, self.paper)

    def moodle_xml(self) -> str:
        """Every variant as a Moodle cloze question, in one category (Moodle XML)."""
        return quiz(self.exercise, self.judge, self.lang)

    def __repr__(self) -> str:
        return f"<Exercises {len(self.variants)} variants of {self.exercise.base.title!r}>"


def exercises(
    spec: str | Path | NetworkSpec | Circuit | None = None,
    *,
    count: int | None = None,
    roster: str | Path | None = None,
    students: Sequence[Student] | None = None,
    seed: int = 0,
    ask: Sequence[str] | None = None,
    decimals: int = 1,
    answer_decimals: int = 4,
    min_decimals: int | None = None,
    inputs: Range | None = None,
    targets: Range | None = None,
    weights: Range | None = None,
    lang: str = "en",
    paper: str = "a4",
) -> Exercises | CircuitExercises:
    """Draw a variant of `spec` (default: the MOOC 8.3 network) for each student: `count`
    numbered students (s001, …), the students of a `roster` CSV (an id column, optionally a
    name column), or `students`. A student's numbers depend on `seed` and their id. A spec
    holding an expression (or a Circuit) draws each student's input values from `inputs`
    (symbp.api.circuit_homework)."""
    labels(arguments.text(lang, "lang"))
    known_paper(arguments.text(paper, "paper"))
    count = arguments.optional_whole(count, "count")
    roster = arguments.optional_path(roster, "roster")
    seed = arguments.whole(seed, "seed")
    decimals = arguments.whole(decimals, "decimals")
    answer_decimals = arguments.whole(answer_decimals, "answer_decimals")
    min_decimals = arguments.optional_whole(min_decimals, "min_decimals")
    ask = arguments.names(ask, "ask")
    for value, option in ((inputs, "inputs"), (targets, "targets"), (weights, "weights")):
        if value is not None and not isinstance(value, Range):
            raise TypeError(f"{option} must be a Range(low, high), not {type(value).__name__}")
    given = [count is not None, roster is not None, students is not None]
    if sum(given) != 1:
        raise SymbpError("say who the exercises are for: --count N or --roster FILE")
    if roster is not None:
        class_list = read_roster(roster)
    elif students is not None:
        class_list = tuple(students)
    else:
        assert count is not None
        class_list = numbered_students(count)
    circuit = _circuit_of(spec)
    if circuit is not None:
        if targets is not None or weights is not None:
            raise SymbpError(
                "--targets and --weights are a network's: an expression's input values are "
                "drawn from --inputs"
            )
        from symbp.api.circuit_homework import circuit_exercises

        return circuit_exercises(
            circuit,
            class_list,
            seed=seed,
            ask=ask or (),
            decimals=decimals,
            answer_decimals=answer_decimals,
            min_decimals=min_decimals,
            inputs=inputs,
            lang=lang,
            paper=paper,
        )
    assert not isinstance(spec, Circuit)
    base = _spec(spec)
    defaults = Settings()
    settings = Settings(
        seed=seed,
        ask=tuple(ask or ()),
        decimals=decimals,
        answer_decimals=answer_decimals,
        min_decimals=min_decimals,
        inputs=inputs or defaults.inputs,
        targets=targets or defaults.targets,
        weights=weights or defaults.weights,
    )
    judge = HandJudge(base)
    drawn = draw_variants(base, class_list, settings, judge)
    return Exercises(drawn, judge, lang, paper)


def _circuit_of(spec: object) -> Circuit | None:
    """The expression of a circuit spec (or a Circuit itself); None for a network."""
    from symbp.core.circuit import load_circuit_spec

    if isinstance(spec, Circuit):
        return spec
    if isinstance(spec, str | Path):
        return load_circuit_spec(spec)
    return None


def _refuse_circuit_folder(folder: Path) -> None:
    """grade judges networks' folders; a circuit's is refused in one line."""
    import json

    from symbp.classroom.folder import MAX_MANIFEST_BYTES
    from symbp.files import read_small_text

    path = folder / MANIFEST
    if not path.is_file():
        return  # read_manifest says what is missing
    try:
        data = json.loads(read_small_text(path, MAX_MANIFEST_BYTES, SymbpError, str(path)))
    except (SymbpError, ValueError, RecursionError):
        return  # read_manifest says what is wrong
    if isinstance(data, dict) and data.get("kind") == "circuit":
        raise SymbpError(
            f"{str(folder)!r} holds circuit exercises: symbp grade judges networks' folders; "
            "judge a student's numbers with symbp check-hand FILE --spec "
            f"{str(folder / '<id>' / SPEC)!r}, or their selfcheck.html"
        )


def _spec(spec: str | Path | NetworkSpec | None) -> NetworkSpec:
    if spec is None:
        return default_spec()
    if isinstance(spec, NetworkSpec):
        return spec
    return load_spec(spec)


@dataclass(frozen=True, repr=False)
class Grades(Result):
    """A class's submissions judged: each student's report and score, and the class summary."""

    grades: ClassGrades
    lang: str = "en"  # of the text, Markdown and HTML (JSON and CSV stay English)

    def blocks(self) -> tuple[Block, ...]:
        return grades_blocks(self.grades, self.lang)

    def title(self) -> str:
        return title(self.grades.title, self.lang)

    def to_json(self) -> str:
        return grades_document(self.grades)

    def render(self, format: str = "text", *, paper: str | None = None) -> str:  # noqa: A002
        if format == "csv":
            return grades_csv(self.grades)
        return super().render(format, paper=paper)

    def write_reports(self, folder: str | Path, format: str = "text") -> Path:  # noqa: A002
        """One report per student (their numbers judged, their score) in `folder`."""
        extension = {"text": ".txt", "html": ".html", "markdown": ".md", "json": ".json"}
        if format not in extension:
            raise SymbpError(f"--reports writes text, html, markdown or json, not {format}")
        with replacing_folder(folder, marker=REPORTS_INDEX) as writer:
            writer.write(REPORTS_INDEX, self.render("text"))
            for grade in self.grades.students:
                name = grade.student.id + extension[format]
                if format == "json":
                    writer.write(name, student_grade_document(grade))
                elif format == "html":
                    blocks = student_blocks(grade, self.lang)
                    document = Document(grade.student.id, self.lang, blocks)
                    writer.write(name, formats.render(document, "html"))
                else:
                    fmt = "text" if format == "text" else "markdown"
                    writer.write(name, render_blocks(student_blocks(grade, self.lang), fmt))
        return Path(folder)

    def __repr__(self) -> str:
        return f"<Grades {len(self.grades.students)} students of {self.grades.title!r}>"


def grade(
    submissions: str | Path,
    exercises: str | Path,
    lang: str | None = None,
    min_decimals: int | None = None,
) -> Grades:
    """Judge every row of a submissions CSV (id, then any asked quantity, in the names
    check-hand reads) against the student's variant in the exercise folder `exercises`; the
    reports are in `lang`, by default the exercise's language; `min_decimals` overrides the
    exercise's minimum of decimals (handcheck/precision.py)."""
    submissions = arguments.path(submissions, "submissions")
    exercises = arguments.path(exercises, "exercises")
    lang = arguments.optional_text(lang, "lang")
    min_decimals = arguments.optional_whole(min_decimals, "min_decimals")
    _refuse_circuit_folder(exercises)
    if lang is not None:
        labels(lang)  # an unknown language fails before any work
    else:  # the folder's: classroom checks its form, content knows which languages exist
        folder_lang = read_manifest(exercises).lang
        if folder_lang not in LANGUAGES:
            raise SymbpError(
                f"{str(Path(exercises) / MANIFEST)!r}: not an exercise manifest (lang "
                f"{folder_lang!r} is not one of {', '.join(LANGUAGES)})"
            )
    graded = grade_class(submissions, exercises, min_decimals=min_decimals)
    return Grades(graded, lang or graded.lang)
