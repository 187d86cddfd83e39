"""HTML with native MathML: self-contained pages that work offline, with no script at all.

Math is MathML (from latex2mathml), the network diagram inline SVG, the style one <style>
element; nothing is fetched. Prose is HTML-escaped, so a title such as <script> prints
literally.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

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
)
from symbp.render.mathml import equations_mathml, to_mathml

STYLE = """\
body { font-family: "Noto Serif", "Noto Serif CJK SC", Georgia, serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.35rem; margin-top: 2rem; }
h3 { font-size: 1.1rem; }
math { font-family: "Latin Modern Math", "STIX Two Math", math; }
math[display="block"] { margin: 0.6rem 0; }
.equations { overflow-x: auto; }
mtd[columnalign="right"] { text-align: right; }
mtd[columnalign="left"] { text-align: left; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ccc; padding: 0.25rem 0.8rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1rem 0; overflow-x: auto; }
"""


def inline(parts: Iterable[Inline]) -> str:
    return "".join(
        escape(part.text) if isinstance(part, Text) else to_mathml(part.latex)
        for part in parts
        if isinstance(part, Text | Math)
    )


def block(item: Block) -> str:
    if isinstance(item, Heading):
        level = min(item.level, 6)
        return f"<h{level}>{inline(item.parts)}</h{level}>"
    if isinstance(item, Paragraph):
        return f"<p>{inline(item.parts)}</p>"
    if isinstance(item, Equations):
        return f'<div class="equations">{equations_mathml(item)}</div>'
    if isinstance(item, Table):
        head = "".join(f"<th>{escape(cell)}</th>" for cell in item.header)
        rows = "\n".join(
            "<tr>" + "".join(f"<td>{inline((cell,))}</td>" for cell in row) + "</tr>"
            for row in item.rows
        )
        return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"
    assert isinstance(item, Diagram)
    return f"<figure>\n{svg(item.network, item.digits)}\n</figure>"


def render_blocks(blocks: Iterable[Block]) -> str:
    return "\n".join(block(item) for item in blocks) + "\n"


def render_document(document: Document) -> str:
    """A complete, self-contained HTML page."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(document.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(document.title)}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n"
        + render_blocks(document.blocks)
        + "</body>\n</html>\n"
    )
