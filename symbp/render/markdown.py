"""Markdown with $ and $$ math (Jupyter, MathJax, KaTeX): derivations and handouts.

Display equations use aligned inside $$, which both MathJax and KaTeX accept there; the diagram
is inline SVG. Prose is backslash-escaped, so a title such as <script> prints literally.
"""

from __future__ import annotations

from collections.abc import Iterable

from symbp.render.diagram import svg
from symbp.render.document import (
    Block,
    Diagram,
    Document,
    Equations,
    Heading,
    Inline,
    Math,
    Paragraph,
    Table,
    Text,
    equations_latex,
)

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that could
# start markup (emphasis, links, raw HTML, math, tables, entities).
_SPECIAL = set("\\`*_{}[]<>#|$&~")


def escape(text: str) -> str:
    return "".join("\\" + char if char in _SPECIAL else char for char in text)


def inline(parts: Iterable[Inline]) -> str:
    return "".join(
        escape(part.text) if isinstance(part, Text) else f"${part.latex}$"
        for part in parts
        if isinstance(part, Text | Math)
    )


def block(item: Block) -> str:
    if isinstance(item, Heading):
        return "#" * min(item.level, 6) + " " + inline(item.parts)
    if isinstance(item, Paragraph):
        return inline(item.parts)
    if isinstance(item, Equations):
        return "$$\n" + equations_latex(item, "aligned") + "\n$$"
    if isinstance(item, Table):
        lines = [
            "| " + " | ".join(escape(cell) for cell in item.header) + " |",
            "|" + "|".join([":---"] + ["---:"] * (len(item.header) - 1)) + "|",
        ]
        lines += ["| " + " | ".join(inline((cell,)) for cell in row) + " |" for row in item.rows]
        return "\n".join(lines)
    assert isinstance(item, Diagram)
    return svg(item.network, item.digits)


def render_blocks(blocks: Iterable[Block]) -> str:
    return "\n\n".join(block(item) for item in blocks) + "\n"


def render_document(document: Document) -> str:
    return render_blocks(document.blocks)
