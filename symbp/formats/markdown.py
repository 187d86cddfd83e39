"""Markdown with $ and $$ math (Jupyter, MathJax, KaTeX): derivations and handouts.

Display equations use aligned inside $$, which both MathJax and KaTeX accept there; the diagram
is inline SVG. Prose is backslash-escaped, so a title such as <script> prints literally.
"""

from __future__ import annotations

from collections.abc import Iterable

from symbp.content.blocks import (
    Block,
    Diagram,
    Document,
    Equations,
    Heading,
    Inline,
    Items,
    Paragraph,
    Table,
    Text,
)
from symbp.formats import latex

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that could
# start markup (emphasis, links, raw HTML, math, tables, entities).
_SPECIAL = set("\\`*_{}[]<>#|$&~")


def escape(text: str) -> str:
    return "".join("\\" + char if char in _SPECIAL else char for char in text)


def inline(parts: Iterable[Inline]) -> str:
    return "".join(
        escape(part.text) if isinstance(part, Text) else f"${latex.inline_math(part.expr)}$"
        for part in parts
    )


def block(item: Block) -> str:
    if isinstance(item, Heading):
        return "#" * min(item.level, 6) + " " + inline(item.parts)
    if isinstance(item, Paragraph):
        return ("> " if item.kind == "note" else "") + inline(item.parts)
    if isinstance(item, Items):
        return "\n".join("- " + inline(parts) for parts in item.items)
    if isinstance(item, Equations):
        body = latex.equations(item).replace(r"\begin{align*}", r"\begin{aligned}")
        return "$$\n" + body.replace(r"\end{align*}", r"\end{aligned}") + "\n$$"
    if isinstance(item, Table):
        align = {"l": ":---", "r": "---:", "c": ":---:"}
        lines = [
            "| " + " | ".join(inline(cell) for cell in item.header) + " |",
            "|" + "|".join(align[a] for a in item.alignment) + "|",
        ]
        lines += ["| " + " | ".join(inline(cell) for cell in row) + " |" for row in item.rows]
        return "\n".join(lines)
    assert isinstance(item, Diagram)
    from symbp.formats.diagram import svg

    return svg(item)


def render_blocks(blocks: Iterable[Block]) -> str:
    return "\n\n".join(block(item) for item in blocks) + "\n"


def render_document(document: Document) -> str:
    return render_blocks(document.blocks)
