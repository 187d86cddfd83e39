"""MathML: symbp's own LaTeX converted by latex2mathml, one well-formed XML fragment each.

latex2mathml understands align* (an mtable) but not aligned, so displayed equations are handed
over as align*. A derivation's MathML is one fragment per line: each equation a display <math>
element, each heading or sentence a <p>; each can be pasted into Word, LibreOffice or HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from symbp.content.blocks import Block, Equations, Heading, Inline, Items, Paragraph, Row, Text
from symbp.formats import latex


def to_mathml(source: str, display: str = "inline") -> str:
    """One LaTeX formula as a <math> element."""
    from latex2mathml.converter import convert

    return str(convert(source, display=display))


def equations(item: Equations) -> str:
    """Displayed equations as one display <math> element (an mtable)."""
    return to_mathml(latex.equations(item), display="block")


def row(item: Row) -> str:
    """One equation as its own display <math> element."""
    return to_mathml(latex.equations(Equations((item,))), display="block")


def inline(parts: Iterable[Inline]) -> str:
    return "".join(
        escape(part.text) if isinstance(part, Text) else to_mathml(latex.inline_math(part.expr))
        for part in parts
    )


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
