"""Serialisers of document blocks: text, LaTeX, MathML, Markdown and HTML.

Each format decides how things look, never what is said: that is decided once, in content/.
"""

from __future__ import annotations

from collections.abc import Sequence

from symbp.content.blocks import Block, Document

#: formats a document can be written in (JSON is data, written by each result itself)
DOCUMENT_FORMATS = ("text", "latex", "mathml", "markdown", "html")


def render(document: Document, fmt: str, *, paper: str = "a4") -> str:
    """The document in one format; HTML and LaTeX give complete files (on `paper`: a4 or
    letter), the others fragments."""
    # each writer is imported in its branch: symbp derive (text) loads no LaTeX, MathML or HTML
    if fmt == "text":
        from symbp.formats import text

        return text.render_document(document)
    if fmt == "latex":
        from symbp.formats import latex

        return latex.render_document(document, paper)
    if fmt == "html":
        from symbp.formats import html

        return html.render_document(document, paper)
    return render_blocks(document.blocks, fmt)


def render_blocks(blocks: Sequence[Block], fmt: str) -> str:
    """Blocks as a fragment to paste into a document or notebook."""
    # each writer is imported in its branch, as in render: a format loads only when asked for
    if fmt == "text":
        from symbp.formats import text

        return text.render_blocks(blocks)
    if fmt == "latex":
        from symbp.formats import latex

        return latex.render_blocks(blocks)
    if fmt == "mathml":
        from symbp.formats import mathml

        return mathml.render_blocks(blocks)
    if fmt == "markdown":
        from symbp.formats import markdown

        return markdown.render_blocks(blocks)
    if fmt == "html":
        from symbp.formats import html

        return html.render_blocks(blocks)
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(DOCUMENT_FORMATS)})")
