"""Tables that fit the page, set a size smaller than the text.

A table wider than the text is split into several, by columns: each part repeats the first
column (what the row is: a parameter, a unit) and takes an even share of the other columns, as
few parts as fit. A long, narrow table (a row per parameter) is folded instead: its rows run
down two or three side-by-side groups of its columns, which takes a half or a third of the
pages. Widths come from the width model (formats/metrics.py): each cell's prose or inline math,
plus the format's padding per column. LaTeX and the print style of HTML pages share the page's
em budget (formats/page.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from symbp.content import expr as E
from symbp.content.blocks import Inlines, Table, Text
from symbp.formats import metrics as M
from symbp.formats.text_math import as_prose

#: tables are set in 10 pt on 11 pt text (LaTeX's \\small; 0.913em in HTML)
TABLE_SCALE = 10 / 10.95
#: a table of more rows than this is folded when two or more copies of its columns fit
FOLD_ROWS = 6
MAX_GROUPS = 3
#: what separates two groups of a folded table, in em
GROUP_GAP = 0.2
#: a table of more rows than this (a course-sized network's row per parameter) is set a size
#: smaller still: 9 pt (LaTeX's \\footnotesize; 0.82em in HTML), a page less for 60 rows
LONG_ROWS = 30


def long_table(arranged: Arranged) -> bool:
    """Whether the table as it goes on the page is long enough to be set in the smaller size."""
    return len(arranged.table.rows) > LONG_ROWS


@dataclass(frozen=True)
class Arranged:
    """A table as it goes on the page: its columns in `groups` side-by-side groups."""

    table: Table
    groups: int = 1

    @property
    def group_size(self) -> int:
        return len(self.table.header) // self.groups


def arrange(table: Table, budget: float, padding: float) -> list[Arranged]:
    """The table split (too wide) or folded (long and narrow) to fit `budget` em."""
    parts = split_columns(table, budget, padding)
    if len(parts) > 1:
        return [Arranged(part) for part in parts]
    return [fold(table, budget, padding)]


def fold(table: Table, budget: float, padding: float) -> Arranged:
    width = sum(w * TABLE_SCALE + padding for w in column_widths(table))
    groups = 1
    for count in range(MAX_GROUPS, 1, -1):
        fits = count * width + (count - 1) * GROUP_GAP <= budget
        if fits and len(table.rows) > FOLD_ROWS * (count - 1):
            groups = count
            break
    if groups == 1:
        return Arranged(table)
    length = -(-len(table.rows) // groups)
    empty: tuple[Inlines, ...] = tuple((Text(""),) for _ in table.header)
    rows = []
    for index in range(length):
        row: tuple[Inlines, ...] = ()
        for group in range(groups):
            position = group * length + index
            row += table.rows[position] if position < len(table.rows) else empty
        rows.append(row)
    return Arranged(Table(table.header * groups, tuple(rows), table.alignment * groups), groups)


def cell_width(cell: Inlines) -> float:
    """A cell's natural width in em: prose upright, math in text style."""
    total = 0.0
    for part in as_prose(cell):
        if isinstance(part, Text):
            total += M.prose(part.text)
        else:
            total += inline_width(part.expr, M.TABLE_METRICS)
    return total


def inline_width(item: E.Node | E.Chain, metrics: M.Metrics = M.METRICS) -> float:
    """Inline math (text style: fractions set small; `metrics` of a table cell: ∂L/∂w slashed)."""
    if not isinstance(item, E.Chain):
        return metrics.width(item, display=False)
    return metrics.width(item.lhs, display=False) + sum(
        M.relation(step.relation) + metrics.width(step.expr, display=False) for step in item.steps
    )


def column_widths(table: Table) -> list[float]:
    rows = (table.header, *table.rows)
    return [max(cell_width(row[i]) for row in rows) for i in range(len(table.header))]


def split_columns(table: Table, budget: float, padding: float) -> list[Table]:
    """The table as parts no wider than `budget` em (each column costs `padding` em more);
    one part when it fits, or when even two columns do not."""
    widths = [w * TABLE_SCALE + padding for w in column_widths(table)]
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
