"""`symbp exercise --spec rnn.toml`: a BPTT exercise for a class, each student's own numbers for
a short sequence; a folder per student (spec.toml for check-hand, the worksheet in HTML and
Markdown) and the teacher's key (key.csv, key.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from symbp.api.results import Result
from symbp.classroom.csvfiles import Student, numbered_students, read_roster
from symbp.classroom.rnn_variants import (
    RnnClassVariants,
    RnnSettings,
    draw_rnn_variants,
    key_rows,
    rnn_spec_toml,
)
from symbp.classroom.variants import Range
from symbp.content.blocks import Block, Document, Paragraph, text
from symbp.content.labels import labels
from symbp.core.rnn_spec import RnnSpec
from symbp.errors import SymbpError

_WRITTEN = {
    "en": "{} students' RNN exercises written to {} (key.csv, key.md, and per student "
    "spec.toml, worksheet.html, worksheet.md).",
    "zh": "已为 {} 名学生写出 RNN 练习到 {}（key.csv、key.md，以及每个学生的 spec.toml、"
    "worksheet.html、worksheet.md）。",
}


class RnnExercises(Result):
    """The class's variants: `variants` (each student's spec and answers), `write(folder)`."""

    def __init__(self, drawn: RnnClassVariants, lang: str, paper: str = "a4") -> None:
        self.drawn = drawn
        self.lang = lang
        self.paper = paper
        self.folder: Path | None = None

    @property
    def variants(self) -> tuple:
        return self.drawn.variants

    @property
    def passed(self) -> bool:
        return True

    def title(self) -> str:
        return self.drawn.base.title

    def blocks(self) -> tuple[Block, ...]:
        where = str(self.folder) if self.folder is not None else "-"
        said = _WRITTEN[self.lang].format(len(self.drawn.variants), where)
        return (Paragraph(text(said)),)

    def to_json(self) -> str:
        import json

        data = {
            "students": [
                {"id": v.student.id, "answers": {k: list(vals) for k, vals in v.answers}}
                for v in self.drawn.variants
            ],
            "rejected_draws": self.drawn.rejections,
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def write(self, folder: str | Path) -> RnnExercises:
        from symbp import formats
        from symbp.content.rnn_exercise import key_blocks, worksheet_blocks
        from symbp.handcheck.recurrent import build

        out = Path(folder)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise SymbpError(f"{str(out)!r} exists and is not an empty folder")
        settings = self.drawn.settings
        shapes = {k: q.shape for k, q in build(self.drawn.base).items()}
        out.mkdir(parents=True, exist_ok=True)
        keys: list[Block] = []
        for variant in self.drawn.variants:
            own = out / variant.student.id
            own.mkdir()
            (own / "spec.toml").write_text(rnn_spec_toml(variant.spec), encoding="utf-8")
            sheet = worksheet_blocks(
                variant.spec,
                self.drawn.asked,
                settings.decimals,
                settings.answer_decimals,
                self.lang,
            )
            document = Document(variant.spec.title, self.lang, sheet)
            for suffix, fmt in ((".html", "html"), (".md", "markdown")):
                rendered = formats.render(document, fmt, paper=self.paper)
                (own / f"worksheet{suffix}").write_text(rendered, encoding="utf-8")
            keys += key_blocks(
                variant.spec.title, variant.answers, shapes, settings.answer_decimals, self.lang
            )
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(key_rows(self.drawn))
        (out / "key.csv").write_text(buffer.getvalue(), encoding="utf-8")
        key = Document(self.title(), self.lang, tuple(keys))
        (out / "key.md").write_text(formats.render(key, "markdown"), encoding="utf-8")
        self.folder = out
        return self


def rnn_exercises(
    spec: RnnSpec | str | Path,
    *,
    count: int | None = None,
    roster: str | Path | None = None,
    students: Sequence[Student] | None = None,
    seed: int = 0,
    decimals: int = 1,
    answer_decimals: int = 4,
    lang: str = "en",
    paper: str = "a4",
    inputs: Range | None = None,
    targets: Range | None = None,
    weights: Range | None = None,
) -> RnnExercises:
    """A variant of a 2–4 step recurrent network's spec for each student."""
    from symbp.core.rnn_spec import load_rnn_spec

    labels(lang)
    if isinstance(spec, (str, Path)):
        loaded = load_rnn_spec(spec)
        if loaded is None:
            raise SymbpError(f"{str(spec)!r} is not a recurrent network's spec")
        spec = loaded
    if sum(x is not None for x in (count, roster, students)) != 1:
        raise SymbpError("say who the exercises are for: --count N or --roster FILE")
    if not 0 <= decimals <= 3 or not 1 <= answer_decimals <= 8:
        raise SymbpError("--decimals must be 0..3 and --answer-decimals 1..8")
    if students is None:
        students = read_roster(roster) if roster is not None else numbered_students(count or 0)
    defaults = RnnSettings()
    settings = RnnSettings(
        seed=seed,
        decimals=decimals,
        answer_decimals=answer_decimals,
        inputs=inputs or defaults.inputs,
        targets=targets or defaults.targets,
        weights=weights or defaults.weights,
    )
    return RnnExercises(draw_rnn_variants(spec, students, settings), lang, paper)
