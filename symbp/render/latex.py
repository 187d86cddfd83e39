"""LaTeX (amsmath): a derivation as a fragment to paste, a handout as a whole document.

English documents compile with pdflatex; Chinese ones use ctexart and need xelatex. Prose is
escaped character by character, so a title such as \\input{/etc/passwd} prints literally.
"""

from __future__ import annotations

from collections.abc import Iterable

from symbp.render.diagram import tikz
from symbp.render.document import (
    Block,
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

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    # without T1 fonts, < > | would print as other glyphs
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def escape(text: str) -> str:
    """Prose as LaTeX source that typesets exactly these characters."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def inline(parts: Iterable[Inline]) -> str:
    return "".join(
        escape(part.text) if isinstance(part, Text) else f"\\({part.latex}\\)"
        for part in parts
        if isinstance(part, Text | Math)
    )


_SECTIONS = {1: "section*", 2: "subsection*", 3: "subsubsection*"}


def block(item: Block) -> str:
    if isinstance(item, Heading):
        return f"\\{_SECTIONS.get(item.level, 'paragraph*')}{{{inline(item.parts)}}}"
    if isinstance(item, Paragraph):
        return inline(item.parts)
    if isinstance(item, Equations):
        return equations_latex(item, "align*")
    if isinstance(item, Table):
        columns = "l" + "r" * (len(item.header) - 1)
        lines = [
            f"\\begin{{center}}\\begin{{tabular}}{{{columns}}}",
            r"\hline",
            " & ".join(escape(cell) for cell in item.header) + r" \\",
            r"\hline",
        ]
        lines += [" & ".join(inline((cell,)) for cell in row) + r" \\" for row in item.rows]
        lines += [r"\hline", r"\end{tabular}\end{center}"]
        return "\n".join(lines)
    return "\\begin{center}\n" + tikz(item.network, item.digits) + "\n\\end{center}"


def render_blocks(blocks: Iterable[Block]) -> str:
    """Blocks as a LaTeX fragment (needs amsmath; tikz if there is a diagram)."""
    return "\n\n".join(block(item) for item in blocks) + "\n"


def render_document(document: Document) -> str:
    """A complete .tex file: pdflatex for English, xelatex (ctexart) for Chinese."""
    if document.lang == "zh":
        head = [
            "% Compile with xelatex (ctex).",
            r"\documentclass[11pt]{ctexart}",
        ]
    else:
        head = [
            "% Compile with pdflatex.",
            r"\documentclass[11pt]{article}",
            r"\usepackage[utf8]{inputenc}",
        ]
    head += [
        r"\usepackage[a4paper,margin=2cm]{geometry}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage{tikz}",
        r"\allowdisplaybreaks",
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{0.6em}",
        r"\begin{document}",
        "",
    ]
    body = render_blocks(document.blocks)
    return "\n".join(head) + body + "\n\\end{document}\n"
