"""MathML: symbp's own LaTeX converted by latex2mathml, one well-formed XML fragment each.

latex2mathml understands align* (an mtable) but not aligned, so aligned equations are always
handed over as align*. Each fragment can be pasted into Word or LibreOffice, or into HTML.
"""

from __future__ import annotations

from collections.abc import Iterable

from symbp.render.document import Block, Equations, equations_latex, row_latex


def to_mathml(latex: str, display: str = "inline") -> str:
    """One LaTeX formula as a <math> element."""
    from latex2mathml.converter import convert

    return str(convert(latex, display=display))


def equations_mathml(equations: Equations) -> str:
    """Aligned equations as one display <math> element (an mtable)."""
    return to_mathml(equations_latex(equations, "align*"), display="block")


def render_blocks(blocks: Iterable[Block]) -> str:
    """Every equation of a derivation as its own display <math> fragment, one per line."""
    fragments = [
        to_mathml(row_latex(row), display="block")
        for item in blocks
        if isinstance(item, Equations)
        for row in item.rows
    ]
    return "\n".join(fragments) + "\n"
