"""Tables that fit the page: a table wider than the text is split into several, by columns.

Each part repeats the first column (what the row is: a parameter, a unit) and takes as many of
the other columns as fit, in order. Widths come from the width model (formats/metrics.py): each
cell's prose or inline math, plus the format's padding per column. LaTeX and the print style of
HTML pages share the page's em budget (formats/page.py).
"""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import Inlines, Table, Text
from symbp.formats import metrics as M


def cell_width(cell: Inlines) -> float:
    """A cell's natural width in em: prose upright, math in text style."""
    total = 0.0
    for part in cell:
        if isinstance(part, Text):
            total += M.prose(part.text)
        else:
            total += inline_width(part.expr)
    return total


def inline_width(item: E.Node | E.Chain) -> float:
    """Inline math (text style: fractions set small)."""
    if not isinstance(item, E.Chain):
        return M.METRICS.width(item, display=False)
    return M.METRICS.width(item.lhs, display=False) + sum(
        M.relation(step.relation) + M.METRICS.width(step.expr, display=False) for step in item.steps
    )


def column_widths(table: Table) -> list[float]:
    rows = (table.header, *table.rows)
    return [max(cell_width(row[i]) for row in rows) for i in range(len(table.header))]


def split_columns(table: Table, budget: float, padding: float) -> list[Table]:
    """The table as parts no wider than `budget` em (each column costs `padding` em more);
    one part when it fits, or when even two columns do not."""
    widths = [w + padding for w in column_widths(table)]
    if sum(widths) <= budget or len(widths) <= 2:
        return [table]
    others = list(range(1, len(widths)))
    for count in range(2, len(others) + 1):  # the fewest parts, as even as they can be
        size = -(-len(others) // count)
        parts = [others[i : i + size] for i in range(0, len(others), size)]
        if all(widths[0] + sum(widths[c] for c in part) <= budget for part in parts):
            break
    return [_columns(table, [0, *columns]) for columns in parts]


def _columns(table: Table, columns: list[int]) -> Table:
    align = table.alignment
    return Table(
        tuple(table.header[i] for i in columns),
        tuple(tuple(row[i] for i in columns) for row in table.rows),
        "".join(align[i] for i in columns),
    )
