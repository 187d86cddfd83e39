"""A hand-calculation report as document blocks, for Markdown, HTML and notebooks.

The wording is the text report's (hand_text.py); only the layout differs.
"""

from __future__ import annotations

from symbp.handcheck.judge import HandReport
from symbp.render.document import Block, Heading, Inline, Paragraph, Table, Text
from symbp.render.hand_text import (
    PARTIAL_HEADING,
    coverage_text,
    diagnosis_title,
    formula_verdict,
    summary_text,
    verdict_text,
    yours_text,
)
from symbp.render.printers import format_number, result_number, text


def hand_report_blocks(report: HandReport) -> tuple[Block, ...]:
    """The judged numbers, where the error entered, the formulas and the likely mistakes."""
    names = {j.key: j.display for j in report.judgements}
    blocks: list[Block] = [
        Heading(
            (
                Text(
                    f"{report.title}: checking {report.source} "
                    f"(learning rate η = {format_number(report.learning_rate)})"
                ),
            ),
            level=2,
        )
    ]
    rows: tuple[tuple[Inline, ...], ...] = tuple(
        (
            Text(j.display),
            Text(yours_text(j)),
            Text(result_number(j.true_value)),
            Text(verdict_text(j, names)),
        )
        for j in report.judgements
    )
    blocks.append(Table(("quantity", "yours", "true value", "verdict"), rows))
    if report.entry_points:
        where = ", ".join(j.display for j in report.entry_points)
        blocks.append(
            Paragraph(
                (
                    Text(
                        f"Where the error entered: {where} (the first wrong numbers whose "
                        "written inputs were right)."
                    ),
                )
            )
        )
    if report.formulas:
        blocks.append(Heading((Text("Formulas"),), level=3))
        for f in report.formulas:
            blocks.append(
                Paragraph(
                    (
                        Text(
                            f"{f.display} = {text(f.formula)}; true: {text(f.true_formula)}: "
                            f"{formula_verdict(f)}."
                        ),
                    )
                )
            )
    if report.wrong:
        blocks.append(Heading((Text("Which mistake reproduces your numbers"),), level=3))
        if not report.diagnoses:
            blocks.append(
                Paragraph(
                    (Text("None of symbp's catalogue of classic mistakes reproduces them all."),)
                )
            )
        for heading, diagnoses in ((None, report.diagnoses), (PARTIAL_HEADING, report.partial)):
            if heading is not None and diagnoses:
                blocks.append(Heading((Text(heading),), level=3))
            for number, d in enumerate(diagnoses, start=1):
                blocks.append(
                    Paragraph(
                        (Text(f"{number}. {diagnosis_title(d)} ({coverage_text(d, names)})."),)
                    )
                )
                if d.contradicted:
                    changed = ", ".join(names[k] for k in d.contradicted)
                    blocks.append(
                        Paragraph(
                            (Text(f"But it would also change numbers you had right: {changed}."),)
                        )
                    )
                for mistake in d.mistakes:
                    blocks.append(
                        Paragraph(
                            (
                                Text(
                                    f"{mistake.sentence} Wrong: {mistake.wrong}. "
                                    f"Right: {mistake.right}."
                                ),
                            )
                        )
                    )
    blocks.append(Paragraph((Text(summary_text(report).capitalize() + "."),)))
    return tuple(blocks)


def render_hand_report(report: HandReport, fmt: str) -> str:
    """The report as markdown or html (a complete page)."""
    from symbp.render import html, markdown
    from symbp.render.document import Document

    blocks = hand_report_blocks(report)
    if fmt == "markdown":
        return markdown.render_blocks(blocks)
    if fmt == "html":
        return html.render_document(Document(title=report.title, lang="en", blocks=blocks))
    raise ValueError(f"unknown format {fmt!r}")
