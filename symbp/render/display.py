"""Rich display in notebooks: document blocks as HTML (native MathML), Markdown and LaTeX.

Jupyter, JupyterLab and VS Code pick the richest of `_repr_html_`, `_repr_markdown_` and
`_repr_latex_` they can show; symbp's API objects build their blocks once (the same blocks
as the handouts) and hand them here.
"""

from __future__ import annotations

from collections.abc import Iterable

from symbp.render.document import Block, Equations, equations_latex


def as_html(blocks: Iterable[Block]) -> str:
    """An HTML fragment: prose, tables and <math> elements; no script, nothing fetched."""
    from symbp.render import html

    return html.render_blocks(blocks)


def as_markdown(blocks: Iterable[Block]) -> str:
    from symbp.render import markdown

    return markdown.render_blocks(blocks)


def as_latex(blocks: Iterable[Block]) -> str | None:
    """The equations alone, one align* environment each (what MathJax renders); None if none."""
    environments = [equations_latex(b) for b in blocks if isinstance(b, Equations)]
    return "\n".join(environments) if environments else None
