"""A class's convolution variants as a Moodle quiz: one cloze question per variant in one
category, as for networks and circuits (symbp.formats.moodle, whose fields, escaping and
tolerance are reused).

The question shows the worksheet (the network, the student's image, kernels and parameters as
tables) and asks for every cell of every grid the worksheet asks for (∂L/∂a, the δ maps, each
kernel's, bias's and the input's gradient) as a NUMERICAL sub-question: the true value with a
tolerance of half a unit of the answers' decimals, then, as 0 % answers naming the mistake, what
the catalogue's mistakes of convolution homework (symbp.handcheck.conv) give for that cell from
the true upstream grids: the kernel not rotated, max pooling's gradient given to the whole
window, average pooling's not divided, one position instead of the sum, ∂L/∂W rotated, f′ left
out. Moodle judges cell by cell: it cannot tell an error carried from the student's own δ map.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape

from symbp.classroom.conv_selfcheck import asked_cells
from symbp.content.blocks import Block, GridFigure, Heading, Items, Paragraph, Table
from symbp.content.conv_exercise import worksheet_document
from symbp.content.conv_hand import words as hand_words
from symbp.content.labels import labels
from symbp.formats import text_math
from symbp.formats.moodle import MAX_MISTAKE_ANSWERS, PENALTY, numerical_field
from symbp.handcheck.conv import Quantity, mistake_grids

if TYPE_CHECKING:
    from symbp.classroom.conv_variants import ConvSettings, ConvVariant


def _html(block: Block) -> str:
    """A worksheet block as plain HTML (maths as text, grids as tables)."""
    if isinstance(block, Heading):
        return f"<h4>{escape(text_math.inline(block.parts))}</h4>"
    if isinstance(block, Paragraph):
        return f"<p>{escape(text_math.inline(block.parts))}</p>"
    if isinstance(block, Items):
        items = "".join(f"<li>{escape(text_math.inline(parts))}</li>" for parts in block.items)
        return f"<ul>{items}</ul>"
    if isinstance(block, Table):
        head = "".join(f"<th>{escape(text_math.inline(cell))}</th>" for cell in block.header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(text_math.inline(cell))}</td>" for cell in row) + "</tr>"
            for row in block.rows
        )
        return f"<table><tr>{head}</tr>{rows}</table>"
    if isinstance(block, GridFigure):
        found = []
        for panel in block.panels:
            rows = "".join(
                "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                for row in panel.cells
            )
            found.append(f"<p>{escape(panel.title)}:</p><table>{rows}</table>")
        return "".join(found)
    return ""


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def cell_mistakes(variant: ConvVariant) -> dict[str, list[tuple[str, float]]]:
    """Each blank's mistakes (the words' key, the cell's value), check-hand's order."""
    layer = variant.layer
    grids: dict[tuple[str, int, int], list[tuple[str, object]]] = {}
    found: dict[str, list[tuple[str, float]]] = {}
    for cell, _ in asked_cells(layer):
        index = (cell.kind, cell.filter, cell.channel)
        if index not in grids:
            quantity = Quantity(cell.kind, cell.filter, cell.channel)
            grids[index] = list(mistake_grids(layer, quantity))
        said = "one_position_bias" if cell.kind == "grad_b" else "one_position"
        found[cell.key] = [
            (said if mistake == "one_position" else mistake, float(grid[cell.row, cell.col]))  # type: ignore[index]
            for mistake, grid in grids[index]
        ]
    return found


def _feedback(
    truth: float, found: list[tuple[str, float]], decimals: int, words: dict[str, str]
) -> list[tuple[float, str]]:
    """Mistakes' values far enough from the truth and from each other to be told apart."""
    unit = 10.0**-decimals
    chosen: list[tuple[float, str]] = []
    # a position's term is one of many: the other mistakes first, and no term that rounds to 0
    # (a position whose δ is 0 would name a 0 written for any reason)
    ordered = sorted(found, key=lambda item: item[0].startswith("one_position"))
    for mistake, value in ordered:
        if mistake.startswith("one_position") and abs(value) < 0.5 * unit:
            continue
        if len(chosen) == MAX_MISTAKE_ANSWERS or not abs(value) < 1e6:
            continue
        if abs(value - truth) <= 2 * unit or any(abs(value - v) <= 2 * unit for v, _ in chosen):
            continue
        chosen.append((round(value, decimals), words[mistake]))
    return chosen


def conv_quiz(variants: Sequence[ConvVariant], settings: ConvSettings, lang: str = "en") -> str:
    """The Moodle XML document of a convolution exercise."""
    general = labels(lang)
    words = hand_words(lang)
    decimals = settings.answer_decimals
    title = variants[0].spec.title if variants else ""
    name = f"symbp: {title or 'convolution'} (seed {settings.seed})".replace("/", "//")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<quiz>",
        '  <question type="category">',
        f"    <category><text>{xml_escape(f'$course$/top/{name}')}</text></category>",
        '    <info format="html"><text>'
        + xml_escape(f"{len(variants)} variants written by symbp exercise")
        + "</text></info>",
        "  </question>",
    ]
    for variant in variants:
        document = worksheet_document(variant, lang, decimals)
        blocks = [b for b in document.blocks if not (isinstance(b, Paragraph) and b.kind == "note")]
        mistakes = cell_mistakes(variant)
        rows = []
        for cell, truth in asked_cells(variant.layer):
            feedback = _feedback(truth, mistakes[cell.key], decimals, words)
            field = numerical_field(truth, decimals, words["right"], feedback)
            rows.append(f"<tr><td>{escape(cell.key)}</td><td>{field}</td></tr>")
        body = (
            "".join(_html(b) for b in blocks)
            + f"<h4>{escape(general['exercise_answers'])}</h4>"
            + f"<table><tr><th>{escape(general['exercise_quantity'])}</th>"
            + f"<th>{escape(general['exercise_answer'])}</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        parts += [
            '  <question type="cloze">',
            f"    <name><text>{xml_escape(document.title)}</text></name>",
            '    <questiontext format="html">',
            f"      <text>{_cdata(body)}</text>",
            "    </questiontext>",
            '    <generalfeedback format="html"><text></text></generalfeedback>',
            f"    <penalty>{PENALTY}</penalty>",
            "    <hidden>0</hidden>",
            f"    <idnumber>{xml_escape(variant.student.id)}</idnumber>",
            "  </question>",
        ]
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"
