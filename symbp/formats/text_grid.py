"""Plain text in two dimensions, for displayed equations that write matrices out.

A matrix in a terminal reads best as rows and columns with tall brackets:

    z⁽¹⁾ = ⎡ 0.2  0.5 ⎤ ⎡ 0.5 ⎤ + ⎡ 0 ⎤
           ⎣-0.4  0.6 ⎦ ⎣ 0.3 ⎦   ⎣ 0 ⎦

so each piece of such an equation is a box of lines with a baseline (the line that carries the
operators), and pieces are set side by side on their baselines, the way sympy's pretty printer
does it. Everything that holds no matrix is one line, printed by the text format's own printer,
so a formula reads the same inside and outside a matrix equation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from symbp.content import blocks as B
from symbp.content import expr as E
from symbp.formats.text_math import PRINTER, inline

#: space between the columns of a matrix
COLUMN_GAP = "  "


@dataclass(frozen=True)
class Box:
    """Lines of equal width; `baseline` is the index of the line operators sit on."""

    lines: tuple[str, ...]
    baseline: int = 0

    @property
    def width(self) -> int:
        return len(self.lines[0]) if self.lines else 0

    @property
    def height(self) -> int:
        return len(self.lines)


def leaf(text: str) -> Box:
    return Box((text,))


def beside(*boxes: Box) -> Box:
    """Boxes side by side, their baselines on one line."""
    above = max(box.baseline for box in boxes)
    below = max(box.height - box.baseline for box in boxes)
    lines = [""] * (above + below)
    for box in boxes:
        top = above - box.baseline
        for row in range(above + below):
            inside = top <= row < top + box.height
            lines[row] += box.lines[row - top] if inside else " " * box.width
    return Box(tuple(lines), above)


def _brackets(box: Box, left: str, right: str) -> Box:
    """`box` between brackets as tall as it: ( ), or ⎛⎜⎝ ⎞⎟⎠ and ⎡⎢⎣ ⎤⎥⎦ over several lines."""
    if box.height == 1:
        return Box((left + box.lines[0] + right,))
    tall = {"(": "⎛⎜⎝", ")": "⎞⎟⎠", "[": "⎡⎢⎣", "]": "⎤⎥⎦"}
    opening, closing = tall[left], tall[right]
    lines = []
    for row, line in enumerate(box.lines):
        piece = 0 if row == 0 else 2 if row == box.height - 1 else 1
        lines.append(opening[piece] + line + closing[piece])
    return Box(tuple(lines), box.baseline)


def _numeric_entry(node: E.Node) -> bool:
    return isinstance(node, E.Num) or (isinstance(node, E.Neg) and isinstance(node.arg, E.Num))


def grid(item: E.Matrix) -> Box:
    """A matrix as rows and columns: numbers flush right, formulas flush left."""
    cells = [[PRINTER.math(entry) for entry in row] for row in item.rows]
    columns = len(cells[0])
    widths = [max(len(row[c]) for row in cells) for c in range(columns)]
    right = [all(_numeric_entry(row[c]) for row in item.rows) for c in range(columns)]
    lines = []
    for row in cells:
        padded = [
            cell.rjust(widths[c]) if right[c] else cell.ljust(widths[c])
            for c, cell in enumerate(row)
        ]
        lines.append(" " + COLUMN_GAP.join(padded) + " ")
    return _brackets(Box(tuple(lines), (len(lines) - 1) // 2), "[", "]")


def box(node: E.Node) -> Box:
    """A display tree as a box; one line unless a matrix is written out in it."""
    if not E.has_matrix(node):
        return leaf(PRINTER.math(node))
    if isinstance(node, E.Matrix):
        return grid(node)
    if isinstance(node, E.Add):
        return _sum(node)
    if isinstance(node, E.Neg):
        return beside(leaf("-"), _grouped(node.arg, E.bracket_negated(node.arg)))
    if isinstance(node, E.Mul):
        return _product(node)
    if isinstance(node, E.Hadamard):
        pieces: list[Box] = []
        for position, factor in enumerate(node.factors):
            if position:
                pieces.append(leaf(PRINTER.hadamard_sign()))
            pieces.append(_grouped(factor, E.bracket_hadamard(factor)))
        return beside(*pieces)
    if isinstance(node, E.Transpose):
        base = _grouped(node.arg, E.bracket_transposed(node.arg))
        mark = Box(("ᵀ",) + (" ",) * (base.height - 1), base.baseline)
        return beside(base, mark)
    if isinstance(node, E.Call):
        pieces = []
        for position, arg in enumerate(node.args):
            if position:
                pieces.append(leaf(", "))
            pieces.append(box(arg))
        return beside(leaf(PRINTER.function(node)), _brackets(beside(*pieces), "(", ")"))
    return leaf(PRINTER.math(node))  # fractions and powers of matrices are not written


def _grouped(node: E.Node, bracket: bool) -> Box:
    inner = box(node)
    return _brackets(inner, "(", ")") if bracket else inner


def _sum(node: E.Add) -> Box:
    pieces: list[Box] = []
    for position, term in enumerate(node.terms):
        first = position == 0
        if isinstance(term, E.Neg):
            pieces += [
                leaf("-" if first else " - "),
                _grouped(term.arg, E.bracket_negated(term.arg)),
            ]
            continue
        if not first:
            pieces.append(leaf(" + "))
        pieces.append(_grouped(term, E.bracket_term(term, first)))
    return beside(*pieces)


def _product(node: E.Mul) -> Box:
    pieces: list[Box] = []
    previous: E.Node | None = None
    previous_bracketed = False
    for factor in E.factors(node):
        bracketed = PRINTER.bracket_factor(factor)
        if previous is not None:
            pieces.append(leaf(PRINTER.separator(previous, factor, previous_bracketed)))
        pieces.append(_grouped(factor, bracketed))
        previous, previous_bracketed = factor, bracketed
    return beside(*pieces)


def has_matrix(rows: Sequence[B.Row]) -> bool:
    return any(E.has_matrix(member) for row in rows for member in row.chain.members)


def equation_lines(rows: Sequence[B.Row]) -> list[str]:
    """Rows of equations, every step on lines of its own below the first, relations aligned;
    a blank line after each row that is taller than one line."""
    lines: list[str] = []
    for number, row in enumerate(rows):
        tag = inline(row.tag)
        lhs = box(row.chain.lhs)
        if tag:
            lhs = beside(leaf(tag + "  "), lhs)
        blank = leaf(" " * lhs.width)
        tall = False
        for position, step in enumerate(row.chain.steps):
            gap = "" if step.relation == "," else " "
            member = box(step.expr)
            tall = tall or member.height > 1 or lhs.height > 1
            line = beside(lhs if position == 0 else blank, leaf(f"{gap}{step.relation} "), member)
            lines += ["  " + text.rstrip() for text in line.lines]
        if tall and number < len(rows) - 1:
            lines.append("")
    return lines
