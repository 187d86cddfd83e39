"""Circuit homework for a class, in Python: each student's own input values for one expression.

    import symbp
    homework = symbp.exercises("cs231n.toml", count=30, seed=7)  # a spec holding an expression
    homework.write("week2/", interactive=True, moodle="week2.xml")

`symbp.exercises(...)` (and `symbp exercise --expr ... --at ...` or a spec holding an
expression) lands here for an expression: `circuit_exercises` draws the variants, `.write(DIR)`
writes the folder: key.csv, and per student spec.toml (a circuit spec that `symbp check-hand
--spec` reads), worksheet and key in HTML, LaTeX and Markdown, and on request selfcheck.html;
`moodle=` also writes a Moodle quiz.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from symbp import formats
from symbp.api.problem import Result
from symbp.classroom.circuit_selfcheck import (
    circuit_key_rows,
    circuit_manifest,
    circuit_page_data,
    circuit_toml,
)
from symbp.classroom.circuit_variants import (
    DEFAULT_INPUTS,
    CircuitClass,
    CircuitVariant,
    draw_circuit_variants,
)
from symbp.classroom.csvfiles import Student
from symbp.classroom.folder import KEY, MANIFEST, SPEC, FolderWriter, replacing_folder
from symbp.classroom.variants import Range, Settings
from symbp.content.blocks import Block
from symbp.content.circuit_exercise import (
    key_document,
    page_labels,
    selfcheck_page,
    summary_blocks,
    worksheet_document,
)
from symbp.core.circuit import Circuit
from symbp.errors import SymbpError
from symbp.files import StagedFile, stage_file
from symbp.formats.csv import csv_text
from symbp.formats.tex_fonts import tex_engine

DOCUMENT_FILES = (("html", ".html"), ("latex", ".tex"), ("markdown", ".md"))


@dataclass(frozen=True, repr=False)
class CircuitExercises(Result):
    """A class's variants of one expression, drawn; `.write(folder)` writes them."""

    exercise: CircuitClass
    lang: str = "en"
    paper: str = "a4"
    written: tuple[str, ...] = ()

    @property
    def variants(self) -> tuple[CircuitVariant, ...]:
        return self.exercise.variants

    @property
    def asked(self) -> tuple[str, ...]:
        return self.exercise.asked

    def blocks(self) -> tuple[Block, ...]:
        return summary_blocks(self.exercise, self.written)

    def title(self) -> str:
        base = self.exercise.base
        return base.title or "; ".join(base.statements)

    def key_csv(self) -> str:
        return csv_text(circuit_key_rows(self.exercise))

    def write(
        self,
        folder: str | Path = "exercises",
        *,
        interactive: bool | str | None = False,
        moodle: str | Path | None = None,
    ) -> CircuitExercises:
        """Write the exercise folder (replacing an earlier one there), and with `moodle` the
        Moodle XML quiz; nothing is left behind if anything fails."""
        mode = "full" if interactive is True else interactive or None
        if moodle is not None and Path(moodle).suffix.lower() != ".xml":
            raise SymbpError(f"--moodle file {str(moodle)!r} must end in .xml")
        if mode not in (None, "full"):
            circuit_page_data(self.variants[0], self.exercise, {}, mode)  # refuses in one line
        quiz = self.moodle_xml() if moodle is not None else None
        staged: StagedFile | None = None
        engines: set[str] = set()
        try:
            with replacing_folder(folder) as writer:
                writer.write(MANIFEST, circuit_manifest(self.exercise, self.lang))
                writer.write(SPEC, circuit_toml(self.exercise.base))
                writer.write(KEY, self.key_csv())
                for variant in self.variants:
                    engines |= self._write_variant(writer, variant, mode)
                count = writer.count
                if quiz is not None and moodle is not None:
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
            + ")",
            "LaTeX that compiles with " + " or ".join(sorted(engines)),
        ]
        if staged is not None:
            written.append(f"the Moodle quiz {str(moodle)!r}")
        return replace(self, written=tuple(written))

    def _write_variant(
        self, writer: FolderWriter, variant: CircuitVariant, mode: str | None
    ) -> set[str]:
        folder = variant.student.id
        writer.write(f"{folder}/{SPEC}", circuit_toml(variant.circuit))
        worksheet = worksheet_document(variant, self.exercise, self.lang)
        key = key_document(variant, self.exercise, self.lang)
        engines: set[str] = set()
        for fmt, extension in DOCUMENT_FILES:
            for name, document in (("worksheet", worksheet), ("key", key)):
                text = formats.render(document, fmt, paper=self.paper)
                if extension == ".tex":
                    engines.add(tex_engine(text))
                writer.write(f"{folder}/{name}{extension}", text)
        if mode:
            writer.write(f"{folder}/selfcheck.html", self.selfcheck_page(variant))
        return engines

    def selfcheck_page(self, variant: CircuitVariant, mode: str = "full") -> str:
        """The variant's offline self-check page (one self-contained HTML file, holding no
        answer)."""
        from symbp.formats.selfcheck import render_page

        page = selfcheck_page(variant, self.exercise, self.lang)
        data = circuit_page_data(variant, self.exercise, page_labels(self.lang), mode)
        data["total_first"] = self.lang == "zh"  # "{total} 个数中 {right} 个正确"
        return render_page(page, data, self.paper, "data/circuit_selfcheck.js")

    def moodle_xml(self) -> str:
        from symbp.formats.circuit_moodle import circuit_quiz

        return circuit_quiz(self.exercise, self.lang)

    def __repr__(self) -> str:
        return f"<CircuitExercises {len(self.variants)} variants of {self.title()!r}>"


def circuit_exercises(
    circuit: Circuit,
    students: Sequence[Student],
    *,
    seed: int = 0,
    ask: Sequence[str] = (),
    decimals: int = 1,
    answer_decimals: int = 4,
    min_decimals: int | None = None,
    inputs: Range | None = None,
    lang: str = "en",
    paper: str = "a4",
) -> CircuitExercises:
    """Draw a variant of `circuit` for each student: their own input values from `inputs`."""
    settings = Settings(
        seed=seed,
        ask=tuple(ask),
        decimals=decimals,
        answer_decimals=answer_decimals,
        min_decimals=min_decimals,
        inputs=inputs or DEFAULT_INPUTS,
    )
    drawn = draw_circuit_variants(circuit, students, settings)
    return CircuitExercises(drawn, lang, paper)
