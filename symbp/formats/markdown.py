"""Markdown with $ and $$ math (Jupyter, MathJax, KaTeX): derivations and handouts.

Display equations use aligned inside $$, which both MathJax and KaTeX accept there; the diagram
is inline SVG. Prose is backslash-escaped, so a title such as <script> prints literally.
"""

from __future__ import annotations

from collections.abc import Iterable

from symbp.content import blocks as B
from symbp.formats import latex, latex_math, text_math
from symbp.formats.diagram import svg
from symbp.formats.page import FILL, paper
from symbp.formats.tables import split_columns

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that could
# start markup (emphasis, links, raw HTML, math, tables, entities).
_SPECIAL = set("\\`*_{}[]<>#|$&~")


def escape(text: str) -> str:
    return "".join("\\" + char if char in _SPECIAL else char for char in text)


def inline(parts: Iterable[B.Inline], *, cell: bool = False) -> str:
    """Prose with $inline math$; a table's `cell` has its Leibniz symbols slashed, as LaTeX's."""
    parts = text_math.as_prose(parts)
    spell = latex_math.table_math if cell else latex_math.inline_math
    return "".join(
        escape(part.text) if isinstance(part, B.Text) else f"${spell(part.expr)}$" for part in parts
    )


def block(item: B.Block) -> str:
    if isinstance(item, B.Heading):
        return "#" * min(item.level, 6) + " " + inline(item.parts)
    if isinstance(item, B.Paragraph):
        return ("> " if item.kind == "note" else "") + inline(item.parts)
    if isinstance(item, B.Items):
        return "\n".join("- " + inline(parts) for parts in item.items)
    if isinstance(item, B.Equations):
        body = latex.equations(item).replace(r"\begin{align*}", r"\begin{aligned}")
        return "$$\n" + body.replace(r"\end{align*}", r"\end{aligned}") + "\n$$"
    if isinstance(item, B.Table):
        # a notebook's column is about a page wide: a wider table is split as LaTeX splits it
        parts = split_columns(item, paper().text_width_em * FILL, 1.1)
        return "\n\n".join(_table(part) for part in parts)
    if isinstance(item, B.CircuitDiagram):
        from symbp.formats import circuit_diagram

        return circuit_diagram.svg(item)
    if isinstance(item, B.GridFigure):
        from symbp.formats import grid_figure

        return grid_figure.svg(item)
    if isinstance(item, B.UnrolledDiagram):
        from symbp.formats import unrolled_diagram

        return unrolled_diagram.svg(item)
    assert isinstance(item, B.Diagram)

    return svg(item)


def _table(item: B.Table) -> str:
    align = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = [
        "| " + " | ".join(inline(cell, cell=True) for cell in item.header) + " |",
        "|" + "|".join(align[a] for a in item.alignment) + "|",
    ]
    lines += [
        "| " + " | ".join(inline(cell, cell=True) for cell in row) + " |" for row in item.rows
    ]
    return "\n".join(lines)


def render_blocks(blocks: Iterable[B.Block]) -> str:
    return "\n\n".join(block(item) for item in blocks) + "\n"


def render_document(document: B.Document) -> str:
    return render_blocks(document.blocks)
