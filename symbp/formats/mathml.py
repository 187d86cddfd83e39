"""MathML: symbp's own LaTeX converted by latex2mathml, one well-formed XML fragment each.

latex2mathml understands align* (an mtable) but not aligned, so displayed equations are handed
over as align*. A derivation's MathML is one fragment per line: each equation a display <math>
element, each heading or sentence a <p>; each can be pasted into Word, LibreOffice or HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape

from symbp.content import expr as E
from symbp.content.blocks import Block, Equations, Heading, Inline, Items, Paragraph, Row, Text
from symbp.formats import latex, latex_math, text_math
from symbp.formats import metrics as M
from symbp.formats.breaking import Tokens, fill
from symbp.formats.page import FILL, paper
from symbp.formats.tables import inline_width


def to_mathml(source: str, display: str = "inline") -> str:
    """One LaTeX formula as a <math> element."""
    return _converted(source, display)


@functools.lru_cache(maxsize=8192)
def _converted(source: str, display: str) -> str:
    """latex2mathml's conversion, remembered: a class's worksheets and keys repeat most of
    their formulas (names, rules, the problem's prose), and converting is most of the time
    HTML takes. The conversion is a pure function of its arguments."""
    from latex2mathml.converter import convert

    return str(convert(source, display=display))


def equations(item: Equations, width: float | None = None) -> str:
    """Displayed equations as one display <math> element (an mtable), lines within `width` em."""
    return to_mathml(latex.equations(item, _math_width(width)), display="block")


def row(item: Row, width: float | None = None) -> str:
    """One equation as its own display <math> element."""
    return to_mathml(latex.equations(Equations((item,)), _math_width(width)), display="block")


def _math_width(width: float | None) -> float:
    # an mtable's cells are padded 0.4em a side (MathML Core), two columns
    return (paper().math_width if width is None else width) - MTD_PADDING


#: what the two padded cells of an mtable row add to its width, in em
MTD_PADDING = 1.6


def inline(parts: Iterable[Inline], width: float | None = None, *, cell: bool = False) -> str:
    """Prose with inline math; math wider than half a line is set as several <math> elements,
    cut at its relations and, within a member wider than a line, at its operators, so that the
    browser can wrap it like words. A table's `cell` has its Leibniz symbols slashed (as in
    LaTeX: the same table reads the same in both)."""
    line = paper().text_width_em * FILL if width is None else width
    parts = text_math.as_prose(parts)
    if cell:
        return "".join(
            escape(part.text)
            if isinstance(part, Text)
            else to_mathml(latex_math.table_math(part.expr))
            for part in parts
        )
    return "".join(
        escape(part.text) if isinstance(part, Text) else _inline_math(part.expr, line)
        for part in parts
    )


def _inline_math(item: E.Node | E.Chain, line: float) -> str:
    if inline_width(item) <= line / 2:
        return to_mathml(latex_math.inline_math(item))
    return " ".join(to_mathml(piece) for piece in inline_pieces(item, line))


def inline_pieces(item: E.Node | E.Chain, line: float) -> list[str]:
    """Inline math as LaTeX pieces to be set one after another: "lhs", "= m1", "= m2"; a
    member wider than `line` em is cut at its operators ("= a + b", "+ c")."""
    chain = item if isinstance(item, E.Chain) else E.Chain(item, ())
    tokens = Tokens(line)
    pieces = fill(tokens(chain.lhs), line, line)
    for step in chain.steps:
        relation = latex_math.RELATIONS.get(step.relation, step.relation)
        parts = fill(tokens(step.expr), line - M.relation(step.relation), line)
        if step.relation == ",":
            pieces[-1] += ","  # a list of equations: x_1 = 0.5, x_2 = 0.3
            pieces.append(parts[0])
        else:
            pieces.append(f"{relation} {parts[0]}")
        pieces += parts[1:]
    return pieces


def render_blocks(blocks: Iterable[Block]) -> str:
    fragments: list[str] = []
    for item in blocks:
        if isinstance(item, Equations):
            fragments += [row(r) for r in item.rows]
        elif isinstance(item, Heading | Paragraph):
            fragments.append(f"<p>{inline(item.parts)}</p>")
        elif isinstance(item, Items):
            fragments += [f"<p>{inline(parts)}</p>" for parts in item.items]
    return "\n".join(fragments) + "\n"
