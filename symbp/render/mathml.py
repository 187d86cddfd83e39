"""MathML: symbp's own LaTeX converted by latex2mathml, one well-formed XML fragment each.

latex2mathml understands align* (an mtable) but not aligned, so aligned equations are always
handed over as align*. Each fragment can be pasted into Word or LibreOffice, or into HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from symbp.render.document import (
    Block,
    Equations,
    Heading,
    Inline,
    Math,
    Paragraph,
    Text,
    equations_latex,
    row_latex,
)


def to_mathml(latex: str, display: str = "inline") -> str:
    """One LaTeX formula as a <math> element."""
    from latex2mathml.converter import convert

    return str(convert(latex, display=display))


def equations_mathml(equations: Equations) -> str:
    """Aligned equations as one display <math> element (an mtable)."""
    return to_mathml(equations_latex(equations, "align*"), display="block")


def render_blocks(blocks: Iterable[Block]) -> str:
    """A derivation as fragments, one per line: each equation a display <math> element, each
    heading or sentence a <p> (escaped prose with inline <math>). Every line is well-formed XML.
    """
    fragments: list[str] = []
    for item in blocks:
        if isinstance(item, Equations):
            fragments += [to_mathml(row_latex(row), display="block") for row in item.rows]
        elif isinstance(item, Heading | Paragraph):
            fragments.append(f"<p>{_inline(item.parts)}</p>")
    return "\n".join(fragments) + "\n"


def _inline(parts: Iterable[Inline]) -> str:
    return "".join(
        escape(part.text) if isinstance(part, Text) else to_mathml(part.latex)
        for part in parts
        if isinstance(part, Text | Math)
    )
