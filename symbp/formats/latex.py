"""LaTeX (amsmath) documents: blocks and whole .tex files, their math printed by latex_math.

English documents in ASCII compile with pdflatex; Chinese ones (ctexart) and any holding other
characters, such as a student's name in any script, with xelatex; the file's first line says
which.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from symbp.content.blocks import (
    Block,
    CircuitDiagram,
    Diagram,
    Document,
    Equations,
    GridFigure,
    Heading,
    Items,
    Math,
    Paragraph,
    Row,
    Table,
    Text,
    UnrolledDiagram,
)
from symbp.content.expr import Chain
from symbp.formats.diagram import tikz
from symbp.formats.equations import rows_latex
from symbp.formats.latex_math import inline
from symbp.formats.metrics import Metrics, prose
from symbp.formats.page import DEFAULT_PAPER, EM_PT, FILL, MARGIN_CM, Paper, paper
from symbp.formats.tables import Arranged, arrange, long_table


def row_latex(row: Row, layout: str = "aligned", width: float | None = None) -> str:
    """One row of an align* environment, broken into lines no wider than `width` em."""
    return equations_body(Equations((row,), layout), width)


def equations(item: Equations, width: float | None = None) -> str:
    """Displayed equations as align*, every line within `width` em (default: A4's)."""
    return "\\begin{align*}\n" + equations_body(item, width) + "\n\\end{align*}"


#: a display no taller than this (in baselines: 12 lines of plain equations, a quarter of a
#: page) is never broken across pages: a reader sees one display, and rows 1–2 at a page's
#: foot with rows 3–8 overleaf read as two; a taller one (an Adam step's 50 equations, three
#: δs of three built-up lines each) may break, but only between equations
SHORT_DISPLAY_BASELINES = 15.0


def line_baselines(line: str) -> float:
    """A display line's height in baselines: taller with a built-up fraction in it."""
    return 2.0 if "\\frac" in line else 1.25


def short_display(lines: Sequence[str]) -> bool:
    """Whether a display of these lines (LaTeX) is short enough never to break."""
    return sum(line_baselines(line) for line in lines) <= SHORT_DISPLAY_BASELINES


def unbroken_rows(display: str) -> str:
    r"""An align* the page never breaks inside when it is short (`short_display`: every line
    break is \\*), and in a taller one only between two equations: the line break before a
    continuation line (one starting with &, its left column empty) becomes \\*
    (\allowdisplaybreaks lets LaTeX break at every other \\)."""
    if short_display(re.split(r" \\\\\*?\n", display)):
        return display.replace(" \\\\\n", " \\\\*\n")
    return display.replace(" \\\\\n&", " \\\\*\n&")


def equations_body(item: Equations, width: float | None = None) -> str:
    return rows_latex(item, paper().math_width if width is None else width)


#: room a heading or lead-in needs below it on the page when what follows is not known (a
#: single block): else it starts the next page rather than end this one
NEEDSPACE = "\\needspace{3\\baselineskip}"
#: a heading's own lines (with the space around it), in baselines
HEADING_LINES = 2
#: the most a heading and what must stay with it reserve: more, and a page would end early
#: for nothing (a taller display breaks between its equations; a short one, never broken, is
#: kept with the line above it by TeX itself, \predisplaypenalty being 10000, and a heading
#: with the paragraph below it)
MOST_KEPT = 10
_SECTIONS = {1: "section*", 2: "subsection*", 3: "subsubsection*"}
#: \tabcolsep on both sides of a column, in em
TABLE_PADDING = 12 / EM_PT


def block(
    item: Block, page: Paper | None = None, *, document: bool = False, keep: str | None = None
) -> str:
    """One block; in a document (`document`) tables may run over pages (longtable), and a
    heading or lead-in is kept on the page of what follows it: `keep` is the \\needspace that
    says how much (the document works it out from what follows; "" keeps none)."""
    page = page or paper()
    kept = NEEDSPACE if keep is None else keep
    if isinstance(item, Heading):
        space = ("\\clearpage" if item.new_page else kept) if document else ""
        text = inline(item.parts + item.aside)
        return f"{space}\\{_SECTIONS.get(item.level, 'paragraph*')}{{{text}}}"
    if isinstance(item, Paragraph) and item.kind == ANSWERS:
        return upside_down(inline(item.parts))
    if isinstance(item, Paragraph):
        if document and item.leads_in:  # kept with what it introduces
            return kept + inline(item.parts)
        return inline(item.parts)
    if isinstance(item, Items):
        entries = "\n".join(r"\item " + inline(parts) for parts in item.items)
        return "\\begin{itemize}\n" + entries + "\n\\end{itemize}"
    if isinstance(item, Equations):
        return unbroken_rows(equations(item, page.math_width))
    if isinstance(item, Table):
        parts = arrange(item, page.text_width_em * FILL, TABLE_PADDING)
        return "\n\n".join(_table(part, long=document) for part in parts)
    if isinstance(item, CircuitDiagram):
        from symbp.formats import circuit_diagram

        return "\\begin{center}\n" + circuit_diagram.tikz(item, page) + "\n\\end{center}"
    if isinstance(item, GridFigure):
        from symbp.formats import grid_figure

        return "\\begin{center}\n" + grid_figure.tikz(item, page) + "\n\\end{center}"
    if isinstance(item, UnrolledDiagram):
        from symbp.formats import unrolled_diagram

        return "\\begin{center}\n" + unrolled_diagram.tikz(item, page) + "\n\\end{center}"
    assert isinstance(item, Diagram)
    return "\\begin{center}\n" + tikz(item, page) + "\n\\end{center}"


#: a paragraph kind printed upside down (content/questions.py: the answers)
ANSWERS = "answers"


def upside_down(text: str) -> str:
    """A paragraph turned by 180° (a box the width of the text, which cannot split across
    pages; after a heading it moves to the next page with it), in \\small to keep it short:
    a student working the questions above does not read it at a glance."""
    return "\\noindent\\rotatebox{180}{\\parbox{\\linewidth}{\\small " + text + "}}"


def _table(arranged: Arranged, *, long: bool) -> str:
    """A table in \\small (\\footnotesize when long); in a document a longtable (its header on
    every page it runs over); a folded table's groups apart by a rule."""
    item = arranged.table
    size = arranged.group_size
    columns = "|".join(
        item.alignment[start : start + size] for start in range(0, len(item.header), size)
    )
    header = " & ".join(inline(cell, cell=True) for cell in item.header) + r" \\"
    rows = [" & ".join(inline(cell, cell=True) for cell in row) + r" \\" for row in item.rows]
    if long:
        size_command = r"{\footnotesize" if long_table(arranged) else r"{\small"
        lines = [size_command, f"\\begin{{longtable}}{{{columns}}}", r"\hline", header, r"\hline"]
        lines += [r"\endhead", *rows, r"\hline", r"\end{longtable}}"]
        return "\n".join(lines)
    lines = [f"\\begin{{center}}\\small\\begin{{tabular}}{{{columns}}}", r"\hline", header]
    lines += [r"\hline", *rows, r"\hline", r"\end{tabular}\end{center}"]
    return "\n".join(lines)


def render_blocks(blocks: Iterable[Block], page: Paper | None = None) -> str:
    """Blocks as a LaTeX fragment (needs amsmath; tikz if there is a diagram)."""
    return "\n\n".join(block(item, page) for item in blocks) + "\n"


def render_document(document: Document, paper_name: str = DEFAULT_PAPER) -> str:
    """A complete .tex file whose first line names the engine that compiles it: pdflatex for
    an English document in ASCII, xelatex for a Chinese one (ctexart) and for any other
    characters (names, titles), in fonts that have them (formats/tex_fonts.py)."""
    from symbp.formats.tex_fonts import CJK_FONT, WIDE_FONT, fonts_for, wide_runs

    page = paper(paper_name)
    body = _joined(document.blocks, page)
    fonts = fonts_for(body, document.lang)
    turned = any(isinstance(b, Paragraph) and b.kind == ANSWERS for b in document.blocks)
    if document.lang == "zh":
        head = [
            "% Compile with xelatex (ctex).",
            r"\documentclass[11pt]{ctexart}",
            # ctex spaces Chinese lines 1.3 apart; tables and formulas need no such leading
            r"\usepackage{etoolbox}",
            r"\AtBeginEnvironment{align*}{\linespread{1}\selectfont}",
            r"\AtBeginEnvironment{longtable}{\linespread{1}\selectfont}",
            # ctex's Song lacks about 13,000 of the ideographs names use: those from WenQuanYi
            r"\xeCJKsetup{AutoFallBack=true}",
            rf"\setCJKfallbackfamilyfont{{\CJKrmdefault}}{{{CJK_FONT}}}",
            r"\tracinglostchars=3",  # a glyph no font has stops the run: never dropped silently
            # headings as close to their text as in the print style of HTML pages (h2, h3)
            r"\ctexset{subsection={beforeskip=1.1em plus 0.3em minus 0.2em,"
            r"afterskip=0.4em plus 0.1em},subsubsection={beforeskip=0.9em plus 0.2em minus "
            r"0.1em,afterskip=0.25em plus 0.1em}}",
        ]
    elif fonts.engine == "xelatex":
        head = [
            "% Compile with xelatex (its text needs Unicode fonts).",
            r"\documentclass[11pt]{article}",
            r"\usepackage[no-math]{fontspec}",  # the mathematics stays Computer Modern
            r"\tracinglostchars=3",  # a glyph no font has stops the run: never dropped silently
        ]
        if fonts.cjk:
            head += [r"\usepackage{xeCJK}", rf"\setCJKmainfont{{{CJK_FONT}}}"]
    else:
        head = [
            "% Compile with pdflatex.",
            r"\documentclass[11pt]{article}",
            r"\usepackage[utf8]{inputenc}",
            r"\usepackage{fix-cm}",  # Computer Modern at any size (the diagram's labels)
        ]
    if fonts.wide:  # Greek or Cyrillic words, which Latin Modern lacks: those runs only
        head.append(rf"\newfontfamily\symbpwide{{{WIDE_FONT}}}")
        body = wide_runs(body, r"\symbpwide")
    head += [
        rf"\usepackage[{page.latex},margin={MARGIN_CM:g}cm]{{geometry}}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage{tikz}",
        *([r"\usepackage{graphicx}"] if turned else []),  # \rotatebox (tikz loads it too)
        r"\usepackage{longtable}",
        r"\usepackage{needspace}",
        r"\allowdisplaybreaks",
        r"\setlength{\LTpre}{0.5\baselineskip}",
        r"\setlength{\LTpost}{0.5\baselineskip}",
        # displays closer to their text than LaTeX's 11 pt: a handout has dozens of them
        r"\makeatletter",
        r"\g@addto@macro\normalsize{\setlength\abovedisplayskip{6pt plus 3pt minus 3pt}%",
        r"\setlength\belowdisplayskip{6pt plus 3pt minus 3pt}}",
        r"\makeatother",
        *([] if document.lang == "zh" else _HEADINGS),
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{0.35em}",  # as the print style of HTML pages (p margin)
        # a paragraph with long inline formulas may stretch rather than run into the margin
        r"\setlength{\emergencystretch}{3em}",
        r"\begin{document}",
        "",
    ]
    return "\n".join(head) + body + "\n\n\\end{document}\n"


#: headings as close to their text as in the print style of HTML pages (h2 1em above, 0.3em
#: below; h3 0.8em and 0.2em) rather than article's 3.25ex and 1.5ex: a course-sized handout
#: has a dozen of them (ctexart, which has its own headings, says the same with \\ctexset)
_HEADINGS = [
    r"\makeatletter",
    r"\renewcommand\subsection{\@startsection{subsection}{2}{\z@}"
    r"{-1.1em \@plus -0.3em \@minus -0.2em}{0.4em \@plus 0.1em}{\normalfont\large\bfseries}}",
    r"\renewcommand\subsubsection{\@startsection{subsubsection}{3}{\z@}"
    r"{-0.9em \@plus -0.2em \@minus -0.1em}{0.25em \@plus 0.1em}"
    r"{\normalfont\normalsize\bfseries}}",
    r"\makeatother",
]


def _joined(blocks: Iterable[Block], page: Paper) -> str:
    """Blocks of a document. A display that starts a paragraph leaves an empty line above it,
    so displayed equations continue the paragraph before them, and right after a heading they
    take that line back."""
    pieces: list[str] = []
    previous: Block | None = None
    items = list(blocks)
    for at, item in enumerate(items):
        display = isinstance(item, Equations)
        if pieces:
            pieces.append("\n" if display and isinstance(previous, Paragraph) else "\n\n")
        if display and isinstance(previous, Heading):
            pieces.append("\\vspace{-\\baselineskip}\n")
        keep = _keep(item, previous, items[at + 1 :], page)
        pieces.append(block(item, page, document=True, keep=keep))
        previous = item
    return "".join(pieces)


def _keep(item: Block, previous: Block | None, after: Sequence[Block], page: Paper) -> str:
    """The \\needspace that keeps a heading or a lead-in on the page of what follows it: its own
    lines and the start of what follows (a table's head and first rows, a display's first
    equation, a lead-in's lines and what it introduces). A lead-in right after a heading
    needs none of its own (the heading kept it), as a \\needspace there would let the page
    break between the two."""
    if isinstance(item, Heading):
        lines = HEADING_LINES + _start(after, page)
    elif isinstance(item, Paragraph) and item.leads_in:
        if isinstance(previous, Heading):
            return ""
        lines = _lines(item, page) + _start(after, page)
    else:
        return ""
    return f"\\needspace{{{min(lines, MOST_KEPT)}\\baselineskip}}"


def _start(after: Sequence[Block], page: Paper) -> int:
    """Lines of what follows that must share the page with a heading or lead-in above it."""
    if not after:
        return 1
    item = after[0]
    if isinstance(item, Table):
        return 4  # the head between its rules and two rows
    if isinstance(item, Equations):
        # its first equation (a short display's others TeX keeps with it: it never breaks
        # inside one, nor before a display, \predisplaypenalty being 10000)
        first = re.split(r" \\\\\n(?!&)", equations_body(item, page.math_width))[0]
        return 1 + math.ceil(1.25 * (first.count(" \\\\\n") + 1))  # the space above, each line
    if isinstance(item, Paragraph) and item.leads_in:
        return _lines(item, page) + _start(after[1:], page)
    return 2


def _lines(item: Paragraph, page: Paper) -> int:
    """A paragraph's lines on the page, by the width model."""
    metrics = Metrics()
    width = 0.0
    for part in item.parts:
        if isinstance(part, Text):
            width += prose(part.text)
        elif isinstance(part, Math) and not isinstance(part.expr, Chain):
            width += metrics.width(part.expr, display=False)
        else:
            width += 8.0  # an inline chain: a guess, a line's third
    return max(1, math.ceil(width / page.text_width_em))
