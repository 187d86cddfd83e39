"""Plain text for a terminal: the same blocks as every other format, wrapped and aligned in
columns, their math printed by text_math.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Iterable

from symbp.content import blocks as B
from symbp.content import expr as E
from symbp.formats import filling, text_grid
from symbp.formats.text_math import NBSP, PRINTER, inline, math

WIDTH = 100
#: rows of equations stay aligned in columns up to this much wider than WIDTH (a 120-column
#: terminal), as their columns are their point; wider ones are stacked and folded
ALIGNED_SLACK = 20


def _wrap(parts: Iterable[B.Inline], initial: str, subsequent: str) -> list[str]:
    prose = inline(parts, unbreakable=True)
    if any(_wide(char) for char in prose):
        lines = _wrap_wide(prose, initial, subsequent)
    else:
        lines = textwrap.wrap(
            prose,
            WIDTH,
            initial_indent=initial,
            subsequent_indent=subsequent,
            break_long_words=False,
            break_on_hyphens=False,
        )
    return [line.replace(NBSP, " ") for line in lines]


#: what may not start a line of Chinese (its closing punctuation)
_NO_LINE_START = set("，。、；：？！）》」』”’%")
#: a piece of prose the wide wrapper keeps whole: a wide character, a run of spaces, a word
_WIDE_RANGES = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_PIECE = re.compile(f"[{_WIDE_RANGES}]| +|[^ {_WIDE_RANGES}]+")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _wrap_wide(prose: str, initial: str, subsequent: str) -> list[str]:
    """Prose with Chinese in lines of at most WIDTH columns: a line may end between any two
    wide characters or at a space (textwrap breaks at spaces only and counts a wide character
    as one column), but not before closing punctuation."""
    pieces: list[str] = []
    for piece in _PIECE.findall(prose):
        if pieces and not pieces[-1].isspace() and piece[0] in _NO_LINE_START:
            pieces[-1] += piece  # closing punctuation stays with what it closes
        else:
            pieces.append(piece)
    lines: list[str] = []
    line = initial
    fresh = True  # nothing but the indent on the line yet
    for piece in pieces:
        if piece.isspace():
            if not fresh:
                line += " "
            continue
        fits = width(line.rstrip(" ") if fresh else line) + width(piece) <= WIDTH
        if fresh or fits:
            line += piece
            fresh = False
            continue
        lines.append(line.rstrip(" "))
        line, fresh = subsequent + piece, False
    if not fresh:
        lines.append(line.rstrip(" "))
    return lines


# -- blocks ---------------------------------------------------------------------------------------


def width(text: str) -> int:
    """How many terminal columns a line takes: an accent (m̂, g̃) combines with its letter and
    takes none; a wide character (Chinese, full-width forms) takes two."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def _ljust(text: str, size: int) -> str:
    return text + " " * (size - width(text))


def _rjust(text: str, size: int) -> str:
    return " " * (size - width(text)) + text


def _aligned(rows: tuple[B.Row, ...]) -> list[str]:
    """Rows as columns: every member padded so that the relations line up; rows too wide for
    that are stacked instead, one step a line, and long formulas folded."""
    cells = []
    for row in rows:
        members = [math(row.chain.lhs)] + [math(step.expr) for step in row.chain.steps]
        relations = [step.relation for step in row.chain.steps]
        tag = inline(row.tag)
        cells.append((tag, members, relations))
    tag_width = max(width(tag) for tag, _, _ in cells)
    columns = max(len(members) for _, members, _ in cells)
    widths = [
        max((width(m[i]) for _, m, _ in cells if i < len(m) - 1), default=0) for i in range(columns)
    ]
    lines = []
    for tag, members, relations in cells:
        pieces = [_ljust(tag, tag_width) + "  "] if tag_width else []
        for i, member in enumerate(members):
            last = i == len(members) - 1
            pieces.append(member if last else _ljust(member, widths[i]))
            if not last:
                pieces.append(f" {relations[i]} ")
        lines.append("  " + "".join(pieces).rstrip())
    if max(width(line) for line in lines) > WIDTH + ALIGNED_SLACK:
        return _stacked(rows)
    return lines


def _stacked(rows: tuple[B.Row, ...]) -> list[str]:
    lines = []
    for row in rows:
        tag = inline(row.tag) + " " if row.tag else ""
        lhs = tag + math(row.chain.lhs)
        pad = " " * width(lhs)
        opening = row.chain.steps[0] if row.chain.steps else None
        head = f"  {lhs} {opening.relation} {math(opening.expr)}" if opening else ""
        if width(lhs) > WIDTH // 2 and width(head) > WIDTH:
            # a long left side (a route's product) on lines of its own, each step below it
            lines += fold("  " + tag, math(row.chain.lhs))
            lhs = pad = " " * width(tag)
        for position, step in enumerate(row.chain.steps):
            lead = lhs if position == 0 else pad
            if step.split and isinstance(step.expr, E.Add):
                first, *rest = PRINTER.terms(step.expr)
                lines += fold(f"  {lead} {step.relation} ", first)
                for piece in rest:
                    lines += fold(f"  {pad}   ", piece.strip())
            else:
                lines += fold(f"  {lead} {step.relation} ", math(step.expr))
    return lines


#: where a formula too long for a line may end, as printed: the terms of a sum, the factors of
#: a product; the next line starts with the operator
_SUM_GAPS = (" + ", " - ")
_PRODUCT_GAPS = (" × ", " ⊙ ", "·")
#: the deepest indentation of a folded line, past where its formula starts
MAX_HANG = 24


def fold(prefix: str, formula: str) -> list[str]:
    """`prefix + formula` in lines of at most WIDTH columns where it can be: the formula is cut
    at its operators by the rule LaTeX's lines are cut by (formats/filling.py: a sum's terms
    before a product's factors, both before anything deeper in brackets). Each further line
    starts with the operator it was cut at, indented from where the formula starts by how deep
    that operator sits: nothing for a term of the formula, 2 for a factor, 4 and 6 inside one
    bracket, …"""
    if width(prefix) + width(formula) <= WIDTH:
        return [prefix + formula]
    budget = WIDTH - width(prefix)
    first, *rest = filling.fill(_tokens(formula), budget, budget)
    return [prefix + first] + [" " * width(prefix) + line for line in rest]


def _tokens(formula: str) -> list[filling.Token]:
    """A printed formula as the pieces and gaps of formats/filling.py, widths in columns."""
    tokens: list[filling.Token] = []
    depth, start, at = 0, 0, 0
    while at < len(formula):
        char = formula[at]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        gap = next((g for g in _SUM_GAPS + _PRODUCT_GAPS if formula.startswith(g, at)), None)
        if gap is None or at == 0:
            at += 1
            continue
        tokens.append(filling.Piece(formula[start:at], width(formula[start:at])))
        kind = filling.TERM if gap in _SUM_GAPS else filling.FACTOR
        lead = " " * min(4 * depth + 2 * kind, MAX_HANG) + gap.strip() + " "
        rank = kind + filling.DEPTH * depth
        tokens.append(filling.Gap(gap, width(gap), lead, width(lead), rank))
        at += len(gap)
        start = at
    tokens.append(filling.Piece(formula[start:], width(formula[start:])))
    return tokens


def _table(item: B.Table) -> list[str]:
    rows = [[inline(cell) for cell in item.header]] + [
        [inline(cell) for cell in row] for row in item.rows
    ]
    widths = [max(width(row[i]) for row in rows) for i in range(len(item.header))]
    lines = []
    for row in rows:
        cells = [
            _rjust(cell, widths[i]) if item.alignment[i] == "r" else _ljust(cell, widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def block(item: B.Block) -> list[str]:
    if isinstance(item, B.Heading):
        heading = inline(item.parts)
        if item.level <= 1:
            return [heading, "=" * min(width(heading), WIDTH)]
        return [heading] if item.level > 2 else [heading, "-" * min(width(heading), WIDTH)]
    if isinstance(item, B.Paragraph):
        indent = "  " if item.kind == "note" else ""
        return _wrap(item.parts, indent, indent) or [""]
    if isinstance(item, B.Items):
        lines: list[str] = []
        for parts in item.items:
            lines += _wrap(parts, "  - ", "    ")
        return lines
    if isinstance(item, B.Equations):
        if text_grid.has_matrix(item.rows):  # matrices written out need several lines
            return text_grid.equation_lines(item.rows)
        stacked = item.layout in ("stacked", "dense")
        return _stacked(item.rows) if stacked else _aligned(item.rows)
    if isinstance(item, B.Table):
        return _table(item)
    if isinstance(item, B.CircuitDiagram):
        from symbp.formats import circuit_diagram

        return circuit_diagram.text_lines(item)
    if isinstance(item, B.GridFigure):
        from symbp.formats import grid_figure

        return grid_figure.text_lines(item)
    if isinstance(item, B.UnrolledDiagram):
        from symbp.formats import unrolled_diagram

        return unrolled_diagram.text_lines(item)
    assert isinstance(item, B.Diagram)
    from symbp.formats.diagram import text_lines

    # a terminal has no picture: the problem's prose names every weight, these lines the
    # figure's values and δs
    return text_lines(item)


def render_blocks(blocks: Iterable[B.Block]) -> str:
    chunks = ["\n".join(lines) for lines in (block(item) for item in blocks) if lines]
    return "\n\n".join(chunks) + "\n"


def render_document(document: B.Document) -> str:
    return render_blocks(document.blocks)
