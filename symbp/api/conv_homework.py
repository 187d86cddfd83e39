"""Convolution exercises (`symbp.conv_exercises`, `symbp exercise --spec conv.toml`): a variant
of a small convolutional network per student, their worksheet and problem file, and the key in
check-hand's format."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from symbp.api.results import Result
from symbp.errors import SymbpError

if TYPE_CHECKING:
    from symbp.classroom.conv_variants import ConvSettings, ConvVariant
    from symbp.classroom.csvfiles import Student
    from symbp.classroom.variants import Range
    from symbp.content.blocks import Block
    from symbp.core.conv_spec import ConvSpec

#: the file that marks a folder as a convolution exercise's (it may be replaced)
SUMMARY = "conv-exercise.txt"


class ConvExercises(Result):
    """Every student's variant; `write(folder)` writes the exercise folder."""

    def __init__(
        self, variants: tuple[ConvVariant, ...], settings: ConvSettings, lang: str = "en"
    ) -> None:
        self.variants = variants
        self.settings = settings
        self.lang = lang
        self.written: tuple[bool, str | None] = (False, None)  # selfcheck.html, Moodle file

    def title(self) -> str:
        return "symbp convolution exercise"

    def blocks(self) -> tuple[Block, ...]:
        from symbp.content.blocks import Heading, Paragraph, Table, text

        rows = tuple((text(v.student.id), text(str(v.draws))) for v in self.variants)
        selfcheck, moodle = self.written
        files = "problem.toml, worksheet.html, worksheet.md and selfcheck.html (no answer in it)"
        if not selfcheck:
            files = "problem.toml, worksheet.html and worksheet.md"
        quiz = f"; {moodle} holds the Moodle quiz" if moodle else ""
        return (
            Heading(text(self.title()), 2),
            Paragraph(
                text(
                    f"{len(self.variants)} student(s), seed {self.settings.seed}; each "
                    f"folder holds {files}; key/<id>.txt holds the answers in check-hand's "
                    f"format{quiz}."
                )
            ),
            Table((text("student"), text("draws")), rows, align="lr"),
        )

    def write(
        self,
        folder: str | Path = "exercises",
        *,
        interactive: bool | str | None = False,
        moodle: str | Path | None = None,
    ) -> ConvExercises:
        """Write the exercise folder (replacing an earlier one there); with `interactive` each
        student's selfcheck.html too, with `moodle` the Moodle XML quiz. Nothing is left behind
        if anything fails."""
        from symbp import formats
        from symbp.classroom.conv_variants import spec_text
        from symbp.classroom.folder import replacing_folder
        from symbp.content.conv_exercise import key_text, worksheet_document
        from symbp.files import StagedFile, stage_file

        if interactive not in (False, None, True, "full"):
            raise SymbpError(
                "--interactive consistency is for dense networks' exercises; a convolution's "
                "self-check page judges every number (--interactive)"
            )
        if moodle is not None and Path(moodle).suffix.lower() != ".xml":
            raise SymbpError(f"--moodle file {str(moodle)!r} must end in .xml")
        quiz = self.moodle_xml() if moodle is not None else None
        self.written = (bool(interactive), None if moodle is None else str(moodle))
        decimals = self.settings.answer_decimals
        staged: StagedFile | None = None
        try:
            with replacing_folder(folder, marker=SUMMARY) as writer:
                writer.write(SUMMARY, self.render("text"))
                for variant in self.variants:
                    sid = variant.student.id
                    document = worksheet_document(variant, self.lang, decimals)
                    writer.write(
                        f"{sid}/problem.toml", spec_text(variant.spec, f"{document.title} ({sid})")
                    )
                    writer.write(f"{sid}/worksheet.html", formats.render(document, "html"))
                    writer.write(f"{sid}/worksheet.md", formats.render(document, "markdown"))
                    writer.write(f"key/{sid}.txt", key_text(variant, decimals))
                    if interactive:
                        writer.write(f"{sid}/selfcheck.html", self.selfcheck_page(variant))
                if quiz is not None and moodle is not None:
                    staged = stage_file(Path(moodle), quiz)
        except BaseException:
            if staged is not None:
                staged.discard()
            raise
        if staged is not None:
            staged.commit()
        return self

    def selfcheck_page(self, variant: ConvVariant) -> str:
        """The variant's offline self-check page (one self-contained HTML file, holding no
        answer)."""
        from symbp.classroom.conv_selfcheck import conv_page_data
        from symbp.content.conv_exercise import page_labels, selfcheck_page
        from symbp.formats.selfcheck import render_page

        page = selfcheck_page(variant, self.lang, self.settings.answer_decimals)
        data = conv_page_data(variant, self.settings, page_labels(self.lang))
        data["total_first"] = self.lang == "zh"  # "共 {total} 个数，{right} 个正确"
        return render_page(page, data, "a4", "data/conv_selfcheck.js")

    def moodle_xml(self) -> str:
        """The class's Moodle XML quiz: one cloze question per student."""
        from symbp.formats.conv_moodle import conv_quiz

        return conv_quiz(self.variants, self.settings, self.lang)

    def __repr__(self) -> str:
        return f"<ConvExercises {len(self.variants)} student(s)>"


def conv_exercises(
    spec: ConvSpec | str | Path,
    *,
    count: int | None = None,
    roster: str | Path | None = None,
    students: Sequence[Student] | None = None,
    seed: int = 0,
    decimals: int = 1,
    answer_decimals: int = 4,
    inputs: Range | None = None,
    weights: Range | None = None,
    lang: str = "en",
) -> ConvExercises:
    """Draw a variant of a convolutional spec for each student (`count` numbered students, a
    `roster` CSV, or `students`); a student's numbers depend on `seed` and their id alone."""
    from symbp.classroom.conv_variants import ConvSettings, draw_conv_variants
    from symbp.classroom.csvfiles import numbered_students, read_roster
    from symbp.core.conv_spec import load_conv_spec

    if sum(x is not None for x in (count, roster, students)) != 1:
        raise SymbpError("say who the exercises are for: --count N or --roster FILE")
    if not 0 <= decimals <= 6 or not 1 <= answer_decimals <= 10:
        raise SymbpError("--decimals must be from 0 to 6 and --answer-decimals from 1 to 10")
    if roster is not None:
        class_list = read_roster(roster)
    elif students is not None:
        class_list = tuple(students)
    else:
        assert count is not None
        class_list = numbered_students(count)
    if isinstance(spec, str | Path):
        spec = load_conv_spec(spec)
    defaults = ConvSettings()
    settings = ConvSettings(
        seed=seed,
        decimals=decimals,
        answer_decimals=answer_decimals,
        inputs=inputs or defaults.inputs,
        weights=weights or defaults.weights,
    )
    return ConvExercises(draw_conv_variants(spec, class_list, settings), settings, lang)
