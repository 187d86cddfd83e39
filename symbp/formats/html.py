"""HTML with native MathML: self-contained pages that work offline, with no script at all.

Math is MathML (from latex2mathml), the network diagram inline SVG, the style one <style>
element; nothing is fetched. Prose is HTML-escaped, so a title such as <script> prints
literally.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from symbp.content.blocks import (
    Block,
    CircuitDiagram,
    Diagram,
    Document,
    Equations,
    GridFigure,
    Heading,
    Items,
    Paragraph,
    Table,
    UnrolledDiagram,
)
from symbp.formats import mathml
from symbp.formats.diagram import svg
from symbp.formats.page import DEFAULT_PAPER, FILL, MARGIN_CM, Paper, paper
from symbp.formats.tables import Arranged, arrange, long_table

STYLE = """\
body { font-family: "Noto Serif", "Noto Serif CJK SC", Georgia, serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.35rem; margin-top: 2rem; }
h3 { font-size: 1.1rem; }
h1, h2, h3, p.lead { break-after: avoid; }
.new-page { break-before: page; }
math { font-family: "Latin Modern Math", "STIX Two Math", math; }
math[display="block"] { margin: 0.6rem 0; }
.note { border-left: 3px solid #c90; padding-left: 0.8rem; }
mtd[columnalign="right"] { text-align: right; }
mtd[columnalign="left"] { text-align: left; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.913em; }
table.long { font-size: 0.82em; }
th, td { border-bottom: 1px solid #ccc; padding: 0.2em 0.55em; }
th.fold, td.fold { border-left: 1px solid #999; }
td.r, th.r { text-align: right; } td.l, th.l { text-align: left; }
tr { break-inside: avoid; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
@media print {
  body { font-family: "Latin Modern Roman", "Noto Serif", "Noto Serif CJK SC", Georgia, serif;
         font-size: 11pt; line-height: 1.3; max-width: none; margin: 0; padding: 0; }
  h1 { font-size: 1.6em; margin: 0 0 0.4em; }
  h2 { font-size: 1.3em; margin: 1em 0 0.3em; }
  h3 { font-size: 1.1em; margin: 0.8em 0 0.2em; }
  p { margin: 0.35em 0; }
  math[display="block"] { margin: 0.3em 0; }
  /* an equation's lines stay on one page (Chromium sets a display whole; this says so) */
  div.equations, math[display="block"] { break-inside: avoid; }
  /* rows as close as LaTeX's (\\small on its own baselines): a course-sized handout's table of
     every parameter runs to 60 rows */
  table { margin: 0.5em 0; line-height: 1.1; }
  th, td { padding-top: 0; padding-bottom: 0; }
  mtd { padding-top: 0.2ex; padding-bottom: 0.2ex; }
  figure { margin: 0.5em 0; }
}
"""
#: a paragraph kind not read at a glance (content/questions.py: the answers)
ANSWERS = "answers"
#: the answers' style, only in a page that has them: on screen blurred until hovered, focused
#: or tapped; printed upside down as in the LaTeX handout (a heading's aside, "(upside down)",
#: is printed only); a turned box cannot split, so it is kept whole
ANSWERS_STYLE = """\
p.answers { cursor: pointer; }
.aside { display: none; }
@media screen {
  p.answers { filter: blur(0.3em); transition: filter 0.2s; }
  p.answers:hover, p.answers:focus-within { filter: none; }
}
@media print {
  .aside { display: inline; }
  p.answers { transform: rotate(180deg); break-inside: avoid; font-size: 0.913em; }
}
"""
#: th and td padding on both sides, in em (as LaTeX's \tabcolsep)
TABLE_PADDING = 1.1


def style(page: Paper) -> str:
    """The page's style: the screen column, and in print the paper and type of the LaTeX
    handouts, so that the same line width holds."""
    return f"@page {{ size: {page.css}; margin: {MARGIN_CM:g}cm; }}\n" + STYLE


def block(item: Block, page: Paper | None = None) -> str:
    page = page or paper()
    if isinstance(item, Heading):
        level = min(item.level, 6)
        text = mathml.inline(item.parts)
        if item.aside:
            text += f'<span class="aside">{mathml.inline(item.aside)}</span>'
        if item.new_page:
            return f'<h{level} class="new-page">{text}</h{level}>'
        return f"<h{level}>{text}</h{level}>"
    if isinstance(item, Paragraph) and item.kind == ANSWERS:
        # focusable, so that a tap (or Tab) shows it on screen without any script
        return f'<p class="{ANSWERS}" tabindex="0">{mathml.inline(item.parts)}</p>'
    if isinstance(item, Paragraph):
        kind = f' class="{item.kind}"' if item.kind else ' class="lead"' if item.leads_in else ""
        return f"<p{kind}>{mathml.inline(item.parts)}</p>"
    if isinstance(item, Items):
        entries = "\n".join(f"<li>{mathml.inline(parts)}</li>" for parts in item.items)
        return f"<ul>\n{entries}\n</ul>"
    if isinstance(item, Equations):
        return f'<div class="equations">{mathml.equations(item, page.math_width)}</div>'
    if isinstance(item, Table):
        parts = arrange(item, page.text_width_em * FILL, TABLE_PADDING)
        return "\n".join(_table(part) for part in parts)
    if isinstance(item, CircuitDiagram):
        from symbp.formats import circuit_diagram

        return f"<figure>\n{circuit_diagram.svg(item, page=page)}\n</figure>"
    if isinstance(item, GridFigure):
        from symbp.formats import grid_figure

        return f"<figure>\n{grid_figure.svg(item, page=page)}\n</figure>"
    if isinstance(item, UnrolledDiagram):
        from symbp.formats import unrolled_diagram

        return f"<figure>\n{unrolled_diagram.svg(item)}\n</figure>"
    assert isinstance(item, Diagram)

    return f"<figure>\n{svg(item)}\n</figure>"


def _table(arranged: Arranged) -> str:
    """A table; a folded one's groups apart (class "fold" starts a group)."""
    item = arranged.table
    align = item.alignment
    size = arranged.group_size

    def cls(i: int) -> str:
        return align[i] + (" fold" if i and i % size == 0 else "")

    head = "".join(
        f'<th class="{cls(i)}">{mathml.inline(cell, cell=True)}</th>'
        for i, cell in enumerate(item.header)
    )
    rows = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="{cls(i)}">{mathml.inline(cell, cell=True)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in item.rows
    )
    opening = '<table class="long">' if long_table(arranged) else "<table>"
    return f"{opening}\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"


def render_blocks(blocks: Iterable[Block], page: Paper | None = None) -> str:
    return "\n".join(block(item, page) for item in blocks) + "\n"


def render_document(document: Document, paper_name: str = DEFAULT_PAPER) -> str:
    """A complete, self-contained HTML page."""
    page = paper(paper_name)
    turned = any(isinstance(b, Paragraph) and b.kind == ANSWERS for b in document.blocks)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(document.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(document.title)}</title>\n"
        f"<style>\n{style(page)}{ANSWERS_STYLE if turned else ''}</style>\n</head>\n"
        "<body>\n" + render_blocks(document.blocks, page) + "</body>\n</html>\n"
    )
