"""Rows of displayed equations as align* lines that fit the page (LaTeX, MathML, Markdown).

An align* block has two columns: the left one holds each row's left-hand side (or its tag), the
right one starts at the relation. Both columns are as wide as their widest entry, so the right
column's budget is the line width less the widest left entry of the block.

A row that fits stays on one line: `lhs &= formula = numbers = value`. One that does not is
packed: members go on the line while they fit, the next starts a line of its own (`&= member`),
and a member wider than a line is broken at its operators (formats/breaking.py) into lines that
start with `&\\quad` and the operator: `&\\quad + term`, `&\\quad - term`, `&\\quad \\times
factor`, `&\\quad \\cdot factor`, or, inside a function's argument list, `&\\quad argument`
after a line that ends with a comma. Every line after a row's first starts with `&`, its left
column empty: that is how a reader (or the read-back tests) tells a continuation from a new row.

"stacked" rows put every member on a line of its own; a step marked `split` (the sum over
chain-rule paths) puts each of its terms on a line of its own.
"""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import Equations, Row, Text
from symbp.formats import metrics as M
from symbp.formats.breaking import Tokens, fill, joined
from symbp.formats.filling import TERM, Gap, Piece, Token, width
from symbp.formats.latex_math import DENSE_PRINTER, PRINTER, RELATIONS, LatexPrinter, tag_latex
from symbp.formats.text_math import as_prose

NEW_LINE = " \\\\\n"
CONTINUED = "&\\quad "


def rows_latex(item: Equations, line_width: float) -> str:
    printer = DENSE_PRINTER if item.layout == "dense" else PRINTER
    left = max(_left_width(row, printer) for row in item.rows)
    budget = max(line_width - left, line_width / 3)
    return NEW_LINE.join(_row(row, item.layout, budget, printer) for row in item.rows)


def _left_width(row: Row, printer: LatexPrinter) -> float:
    if row.tag:
        return sum(
            M.prose(part.text) if isinstance(part, Text) else _inline_width(part.expr)
            for part in as_prose(row.tag)
        )
    return Tokens(printer=printer).width(row.chain.lhs)


def _inline_width(item: E.Node | E.Chain) -> float:
    if isinstance(item, E.Node):
        return M.METRICS.width(item)
    return M.METRICS.width(item.lhs) + sum(
        M.relation(step.relation) + M.METRICS.width(step.expr) for step in item.steps
    )


def _row(row: Row, layout: str, budget: float, printer: LatexPrinter) -> str:
    chain = row.chain
    stacked = layout in ("stacked", "dense")
    tokens_of = Tokens(budget - M.QUAD, printer)
    if row.tag:
        # the tag takes the left column, the whole chain the right one after a \quad
        lines = [tag_latex(row.tag) + " " + CONTINUED + printer.math(chain.lhs)]
        used = M.QUAD + tokens_of.width(chain.lhs)
    else:
        lines = [printer.math(chain.lhs) + " &"]
        used = 0.0
    fresh = True  # nothing after the lhs yet: the first relation goes on the first line
    for position, step in enumerate(chain.steps):
        relation = RELATIONS.get(step.relation, step.relation)
        relation_width = M.relation(step.relation)
        tokens = tokens_of(step.expr)
        member = width(tokens)
        separate = stacked and position > 0
        if step.split and isinstance(step.expr, E.Add):
            if not fresh:
                lines.append("&")
                used = 0.0
            lines[-1] += _spaced(lines[-1], relation)
            pieces = _split_lines(tokens, budget - used - relation_width, budget - M.QUAD)
            lines[-1] += " " + pieces[0]
            lines += [CONTINUED + piece for piece in pieces[1:]]
            fresh = False
            used = budget  # a split sum ends its line
            continue
        if not separate and used + relation_width + member <= budget:
            lines[-1] += _spaced(lines[-1], relation) + " " + joined(tokens)
            used += relation_width + member
            fresh = False
            continue
        if not fresh:
            lines.append("&")
            used = 0.0
        pieces = fill(tokens, budget - used - relation_width, budget - M.QUAD)
        lines[-1] += _spaced(lines[-1], relation) + " " + pieces[0]
        lines += [CONTINUED + piece for piece in pieces[1:]]
        used = used + relation_width + member if len(pieces) == 1 else budget
        fresh = False
    return NEW_LINE.join(lines)


def _spaced(line: str, relation: str) -> str:
    """A relation after what the line holds: right after an alignment point, else spaced."""
    return relation if line.endswith("&") else " " + relation


def _split_lines(tokens: list[Token], first: float, rest: float) -> list[str]:
    """A sum one term per line (each term broken further if it is wider than a line)."""
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if isinstance(token, Gap) and token.rank == TERM:  # between top-level terms
            chunks.append([Piece(token.lead, token.lead_width)])
        else:
            chunks[-1].append(token)
    lines: list[str] = []
    for chunk in chunks:
        lines += fill(chunk, first if not lines else rest, rest)
    return lines
