"""The document model every rich renderer shares: headings, prose with inline math, equations.

A derivation or a handout is built once as a tuple of blocks (steps.py, handout.py); latex.py,
mathml.py, markdown.py and html.py only serialise blocks. Prose is held as Text (user or label
text, escaped by each serialiser) and Math (LaTeX that symbp printed itself), so nothing is ever
escaped twice or pasted into the wrong format.
"""

from __future__ import annotations

from dataclasses import dataclass

from symbp.graph import Network


@dataclass(frozen=True)
class Text:
    """Prose: escaped by each format."""

    text: str


@dataclass(frozen=True)
class Math:
    """Inline math, as LaTeX printed by symbp's printers."""

    latex: str


Inline = Text | Math


@dataclass(frozen=True)
class Heading:
    parts: tuple[Inline, ...]
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Row:
    """One equation: `lhs` then steps that each start with their relation ("= ...", "+ ...")."""

    lhs: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Equations:
    """Aligned equations; `stacked` puts every step of a row on a line of its own."""

    rows: tuple[Row, ...]
    stacked: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Diagram:
    """The network drawn with every weight's name and value on its edge."""

    network: Network
    digits: int


Block = Heading | Paragraph | Equations | Table | Diagram


@dataclass(frozen=True)
class Document:
    title: str
    lang: str
    blocks: tuple[Block, ...]


def sentence(template: str, *fills: str | Text) -> tuple[Inline, ...]:
    """Prose from a label template whose "{}" placeholders are filled in order.

    A str fill is inline math (LaTeX); a Text fill is more prose (a translated word).
    """
    pieces = template.split("{}")
    if len(pieces) != len(fills) + 1:
        raise ValueError(f"template {template!r} needs {len(pieces) - 1} parts")
    parts: list[Inline] = []
    for piece, fill in zip(pieces, (*fills, None), strict=True):
        if piece:
            parts.append(Text(piece))
        if isinstance(fill, Text):
            parts.append(fill)
        elif fill is not None:
            parts.append(Math(fill))
    return tuple(parts)


def row_lines(equations: Equations) -> list[str]:
    """The rows as LaTeX alignment lines, the relation of each step after the & column."""
    lines: list[str] = []
    for row in equations.rows:
        if equations.stacked:
            lines.append(f"{row.lhs} &{row.steps[0]}")
            lines.extend(f"&{step}" for step in row.steps[1:])
        else:
            lines.append(f"{row.lhs} &{' '.join(row.steps)}")
    return lines


def equations_latex(equations: Equations, environment: str = "align*") -> str:
    body = " \\\\\n".join(row_lines(equations))
    return f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"


def row_latex(row: Row) -> str:
    """One row as a single unaligned formula (for one MathML fragment per step)."""
    return f"{row.lhs} {' '.join(row.steps)}"
