"""The document model: what a derivation, a handout, a table or a report says, format-free.

Every result is built once as a tuple of these blocks (in content/); formats/ serialises blocks
as text, LaTeX, MathML, Markdown or HTML. Prose is Text (escaped by each format), mathematics is
a display tree (content/expr.py) that each format prints with its own math printer, so a
formula reads the same, brackets and all, wherever it appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from symbp.content.expr import Chain, Name, Node

if TYPE_CHECKING:
    from symbp.content.names import Names


@dataclass(frozen=True)
class Text:
    """Prose (user text included): escaped by each format."""

    text: str


@dataclass(frozen=True)
class Math:
    """Inline mathematics: an expression or a whole chain. `plain` math is set as prose in
    every format, written as plain text writes formulas (check-hand's reports: o1·(1 - o1))."""

    expr: Node | Chain
    plain: bool = False


Inline = Text | Math
Inlines = tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    parts: Inlines
    level: int = 2
    #: printed at the top of a new page (the answers, after the questions' page)
    new_page: bool = False
    #: words after the heading where a format sets what follows apart (LaTeX and HTML print
    #: the answers upside down: "(upside down)"); plain text and Markdown leave them out
    aside: Inlines = ()


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; kind "note" is set apart (a remark the reader should not miss), kind
    "answers" is not read at a glance (printed upside down, blurred on screen until touched;
    plain in text and Markdown)."""

    parts: Inlines
    kind: str = ""

    @property
    def leads_in(self) -> bool:
        """A lead-in to what follows (kind "lead", or prose ending with a colon): printed, it
        stays on the page of the display or table it introduces."""
        last = next((p.text for p in reversed(self.parts) if isinstance(p, Text)), "")
        return self.kind == "lead" or last.rstrip().endswith((":", "："))


@dataclass(frozen=True)
class Items:
    """A list of short items (one per sample, per mistake, …)."""

    items: tuple[Inlines, ...]


@dataclass(frozen=True)
class Row:
    """One displayed equation, with an optional tag in front ("path 1 (w1 → h1 → o1 → L)")."""

    chain: Chain
    tag: Inlines = ()


@dataclass(frozen=True)
class Equations:
    """Displayed equations. "aligned": one line per row, aligned at the first relation;
    "stacked": every step of a row on a line of its own; "dense": stacked, with long sums
    packed several terms a line and Leibniz symbols set small (a long sum over paths)."""

    rows: tuple[Row, ...]
    layout: str = "aligned"


@dataclass(frozen=True)
class Table:
    """A table; each cell is inline content. `align` is "l" or "r" per column."""

    header: tuple[Inlines, ...]
    rows: tuple[tuple[Inlines, ...], ...]
    align: str = ""

    @property
    def alignment(self) -> str:
        return self.align or "l" + "r" * (len(self.header) - 1)


@dataclass(frozen=True)
class Diagram:
    """The network drawn. `labelled` says, per layer pair (input to first hidden layer first),
    whether each weight's name and value is written on its edge (and each bias's beside its
    unit); the others are left to a table. Empty: every pair is labelled."""

    names: Names
    digits: int = 4
    biases: bool = True
    labelled: tuple[bool, ...] = ()
    #: the figure of values and δs (content/network_figure.py): each unit's tags; empty: none
    tags: tuple[UnitTag, ...] = ()
    #: indices into network.connections drawn highlighted: the focus weight's paths to the loss
    highlighted: tuple[int, ...] = ()
    #: the highlighted edges' legend: words, the focus weight's name, words
    legend: tuple[str, Name, str] | None = None
    #: the tags' legend: what is above a unit, what below ("{}" where δ = ∂L/∂z goes)
    key: tuple[str, str] | None = None
    #: what joins the key's two halves on one row (a Chinese key's full-width "；")
    key_separator: str = "; "


@dataclass(frozen=True)
class UnitTag:
    """A unit's numbers on the figure: its value a (z, when it has one) above it and its
    δ = ∂L/∂z below it (None for an input), each already written at the handout's precision."""

    unit: str  # the unit's key (h1, o2)
    a: str
    z: str | None = None
    delta: str | None = None


@dataclass(frozen=True)
class CircuitNode:
    """One node of a drawn circuit: an input (no glyph) or a gate; its forward value and its
    gradient are written on the wire that leaves it (value above, gradient below)."""

    name: Name
    glyph: str  # the gate's sign as text (+, ×, max, σ); empty for an input
    glyph_latex: str  # the same in LaTeX math (\times, \sigma)
    value: str
    gradient: str
    inputs: tuple[int, ...] = ()  # the nodes (indices of earlier ones) it takes


@dataclass(frozen=True)
class CircuitDiagram:
    """A computational graph drawn as CS231n draws it: gates as nodes, inputs on the left."""

    nodes: tuple[CircuitNode, ...]
    #: the text form's words: node, gate, value, gradient, feeds, (objective)
    words: tuple[str, ...] = ("node", "gate", "value", "gradient", "feeds", "(objective)")


@dataclass(frozen=True)
class GridMark:
    """Cells of a grid marked by a frame: kind "window" (the kernel's or a pooling window's
    place on its input), "target" (the output cell that window makes), "winner" (a max
    pooling window's winner, which alone receives the gradient), "region" (a pooling window)."""

    row: int
    col: int
    height: int = 1
    width: int = 1
    kind: str = "window"


@dataclass(frozen=True)
class GridPanel:
    """One grid of numbers (a channel of an input, a kernel, a δ map, a gradient): `values`
    colour the cells, `cells` are the numbers as written (same shape)."""

    title: str
    values: tuple[tuple[float, ...], ...]
    cells: tuple[tuple[str, ...], ...]
    marks: tuple[GridMark, ...] = ()


@dataclass(frozen=True)
class GridFigure:
    """Grids side by side, with a sign between neighbours (⋆, =, →; "" for none): the input
    with the kernel's window and the output it makes, δ maps, gradients. A grid beyond a
    readable size is drawn as a heatmap."""

    panels: tuple[GridPanel, ...]
    between: tuple[str, ...] = ()
    #: the text form's words: the colour scale's "from … to", the window's and winner's marks
    words: tuple[str, ...] = ("scale", "[ ] window", "* winner")


@dataclass(frozen=True)
class UnrolledCell:
    """One box of an unrolled recurrent net (x_t, h_t or y_t): its name and, one per unit, its
    forward value and its gradient, written as the reader is to see them."""

    name: Name
    values: tuple[str, ...]
    gradients: tuple[str, ...]


@dataclass(frozen=True)
class UnrolledStep:
    """A time step drawn: its input, its state and its output (None where the step has none)."""

    input: UnrolledCell
    state: UnrolledCell
    output: UnrolledCell | None = None


@dataclass(frozen=True)
class UnrolledDiagram:
    """A recurrent net unrolled through time: h_0, then a column per step (x_t below, h_t, y_t
    above); the shared weights name the arrows x→h, h→h and h→y of every step."""

    initial: UnrolledCell
    steps: tuple[UnrolledStep, ...]
    weights: tuple[Name, Name, Name]  # input→state, state→state, state→output
    #: the text form's words: node, from, value, gradient
    words: tuple[str, ...] = ("node", "from", "value", "gradient")
    #: steps left out between the drawn step at this position (1-based) and the next: its
    #: h→h arrow is dashed (0: every step between the first and the last is drawn)
    gap_after: int = 0


Block = (
    Heading
    | Paragraph
    | Items
    | Equations
    | Table
    | Diagram
    | CircuitDiagram
    | GridFigure
    | UnrolledDiagram
)


@dataclass(frozen=True)
class Document:
    title: str
    lang: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def text(value: str) -> Inlines:
    return (Text(value),)


#: punctuation after which Chinese sets no space before the next sentence
CJK_STOPS = "。！？；：，、）」』"


def run_on(first: Inlines, following: Inlines) -> Inlines:
    """Two sentences in one paragraph: a space between them, but none after a Chinese full
    stop (。 ends the sentence and holds its own space)."""
    last = next((p.text for p in reversed(first) if isinstance(p, Text)), "")
    if last.endswith(tuple(CJK_STOPS)) or not first:
        return tuple(first) + tuple(following)
    return tuple(first) + (Text(" "),) + tuple(following)


def sentence(template: str, *fills: str | Node | Chain | Text | Inlines) -> Inlines:
    """Prose from a label template whose "{}" placeholders are filled in order: a str or Text
    fill is more prose (a translated word), an expression or chain is inline math, and a
    sentence (Inlines) is set in as it is."""
    pieces = template.split("{}")
    if len(pieces) != len(fills) + 1:
        raise ValueError(f"template {template!r} needs {len(pieces) - 1} parts")
    parts: list[Inline] = []
    for piece, fill in zip(pieces, (*fills, None), strict=True):
        if piece:
            parts.append(Text(piece))
        if fill is None:
            continue
        if isinstance(fill, str):
            parts.append(Text(fill))
        elif isinstance(fill, Text):
            parts.append(fill)
        elif isinstance(fill, tuple):
            parts.extend(fill)
        else:
            parts.append(Math(fill))
    return _merged(parts)


def _merged(parts: list[Inline]) -> Inlines:
    merged: list[Inline] = []
    for part in parts:
        if merged and isinstance(part, Text) and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + part.text)
        else:
            merged.append(part)
    return tuple(merged)
