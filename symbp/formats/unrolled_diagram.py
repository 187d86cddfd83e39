"""A recurrent net drawn unrolled through time: h₀ on the left, then a column per step with
x_t at the bottom, h_t in the middle and y_t on top; arrows x_t → h_t (W_xh), h_{t−1} → h_t
(W_hh) and h_t → y_t (W_hy) — the same three shared weights at every step.

Each box's numbers are written as CS231n writes them on a wire: on the box's right, its forward
value above the middle line (green) and its gradient below (red), a line per unit. For h_t the
middle line is the wire to h_{t+1}, so h_t's value and gradient ride on the arrow that carries
them forward, and the shared weight's name sits beyond them near the arrow's head.

One layout feeds SVG (HTML, Markdown), TikZ (LaTeX) and the plain text form. Every column has
the same width, which the widest number sets, so a label sits beside its own box and meets no
other label, box or arrow (a test measures the boxes).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from symbp.content import expr as E
from symbp.content.blocks import UnrolledCell, UnrolledDiagram
from symbp.formats import latex_math
from symbp.formats import metrics as M
from symbp.formats.diagram import (
    FONT,
    LABEL_PAD,
    SVG_SCALE,
    TIKZ_SCALE,
    sans_width,
    svg_name,
    svg_name_width,
)
from symbp.formats.page import Paper, paper

#: a number's line (px): a unit's value or gradient; its box is a px less, apart from the next
LINE = 17.0
#: a box's least size
BOX_WIDTH = 44.0
BOX_HEIGHT = 32.0
#: between a box and its labels, and between the labels and the weight's name
SPACE = 5.0
#: the end of the h→h arrow past the weight's name
HEAD_ROOM = 18.0
#: between the rows (y over h over x): the vertical arrows, their weight's name beside them
ROW_GAP = 34.0
MARGIN = 12.0
ARROW = 6.0
VALUE_COLOUR = "#1e7d45"
GRADIENT_COLOUR = "#b03a2e"
WIRE_COLOUR = "#334455"
#: the smallest type (pt) the picture is printed in: a wider one wraps its steps into bands,
#: one under the other (and one too tall for that too is turned to run up the page)
MIN_TYPE_PT = 8.0
#: between two bands of steps
BAND_GAP = 24.0

Box = tuple[float, float, float, float]  # x, y, width, height
Segment = tuple[float, float, float, float]  # x0, y0, x1, y1 (an arrow, tail to head)


@dataclass(frozen=True)
class PlacedLabel:
    text: str
    box: Box
    colour: str
    owner: int  # the index in UnrolledLayout.cells of the box it belongs to


@dataclass(frozen=True)
class PlacedCell:
    cell: UnrolledCell
    key: str  # c0, c1, … (TikZ's node names)
    box: Box
    #: the state a row continues from, drawn again (dashed, without numbers) at the row's start
    again: bool = False

    @property
    def centre(self) -> tuple[float, float]:
        x, y, width, height = self.box
        return x + width / 2, y + height / 2


@dataclass(frozen=True)
class PlacedName:
    """A shared weight's name beside one of its arrows."""

    name: E.Name
    box: Box
    arrow: int  # the index in UnrolledLayout.arrows


@dataclass(frozen=True)
class UnrolledLayout:
    width: float
    height: float
    cells: tuple[PlacedCell, ...]
    labels: tuple[PlacedLabel, ...]
    arrows: tuple[Segment, ...]
    names: tuple[PlacedName, ...]
    #: the arrows across steps left out (drawn dashed)
    dashed: tuple[int, ...] = ()

    def label_boxes(self) -> list[Box]:
        """Every text's box (numbers and weight names): none may meet another, a box or an
        arrow."""
        return [label.box for label in self.labels] + [name.box for name in self.names]


def number_width(text: str) -> float:
    """A number's box width in px: the wider of its SVG text and its TikZ math, padded."""
    tikz_math = M.number(E.Num(0.0, text)) * 1.08 if text else 0.0
    return FONT * max(sans_width(text), tikz_math) + 2 * LABEL_PAD


def name_width(name: E.Name) -> float:
    return FONT * max(svg_name_width(name), M.name(name) * 1.08) + 2 * LABEL_PAD


def _cells(diagram: UnrolledDiagram) -> list[UnrolledCell]:
    cells = [diagram.initial]
    for step in diagram.steps:
        cells += [step.input, step.state] + ([step.output] if step.output else [])
    return cells


def layout(diagram: UnrolledDiagram, page: Paper | None = None) -> UnrolledLayout:
    """The drawing as it is printed on `page`: in as few bands of steps as keep its type at
    MIN_TYPE_PT or more across the text width (see `arrangement`)."""
    return arrangement(diagram, page or paper())[0]


def arrangement(diagram: UnrolledDiagram, page: Paper) -> tuple[UnrolledLayout, float, bool]:
    """The layout, its scale (cm per px) and whether it is turned: the fewest bands (rows of
    steps, one under the other) whose upright picture prints at MIN_TYPE_PT or more. A net
    too tall for that in any number of bands (many units) takes whichever of its upright
    bands and its one band turned to run up the page prints largest."""
    best: tuple[UnrolledLayout, float, bool] | None = None
    for bands in range(1, len(diagram.steps) + 1):
        per_band = -(-len(diagram.steps) // bands)
        if bands > 1 and -(-len(diagram.steps) // per_band) < bands:
            continue  # the same bands as a smaller count gave
        plan = banded(diagram, per_band)
        scale, turned = tikz_scale(plan, page, turn=bands == 1)
        if _type_pt(scale) >= MIN_TYPE_PT - 1e-9 and not turned:
            return plan, scale, turned
        if best is None or scale > best[1]:
            best = (plan, scale, turned)
    assert best is not None
    return best


def _type_pt(scale: float) -> float:
    return FONT * scale * 72.27 / 2.54


def banded(diagram: UnrolledDiagram, per_band: int) -> UnrolledLayout:
    """The drawing with at most `per_band` steps to a row. A row after the first starts with
    the state it continues from, drawn again as a dashed box without its numbers (they are
    beside it at the end of the row before), as h_0 starts the first."""
    cells = _cells(diagram)
    units = max(max(len(c.values), len(c.gradients)) for c in cells)
    label_width = max(number_width(t) for c in cells for t in (*c.values, *c.gradients))
    box_width = max(BOX_WIDTH, *(name_width(c.name) + 8 for c in cells))
    box_height = max(BOX_HEIGHT, 2 * units * LINE + 2)
    weight_widths = [name_width(name) for name in diagram.weights]
    column = box_width + SPACE + label_width + SPACE + weight_widths[1] + HEAD_ROOM

    placed: list[PlacedCell] = []
    labels: list[PlacedLabel] = []
    arrows: list[Segment] = []
    names: list[PlacedName] = []
    dashed: list[int] = []
    rows: dict[str, float] = {}

    def put(cell: UnrolledCell, left: float, row: str, again: bool = False) -> PlacedCell:
        box = (left, rows[row], box_width, box_height)
        index = len(placed)
        placed.append(PlacedCell(cell, f"c{index}", box, again))
        if again:
            return placed[-1]
        middle = rows[row] + box_height / 2
        start = left + box_width + SPACE
        # values above the middle line (h_t's wire to h_{t+1}), gradients below, clear of it
        for line, text in enumerate(cell.values):
            y = middle - 1 - (len(cell.values) - line) * LINE
            if text:
                labels.append(
                    PlacedLabel(text, (start, y, label_width, LINE - 1), VALUE_COLOUR, index)
                )
        for line, text in enumerate(cell.gradients):
            y = middle + 1 + line * LINE
            if text:
                labels.append(
                    PlacedLabel(text, (start, y, label_width, LINE - 1), GRADIENT_COLOUR, index)
                )
        return placed[-1]

    def vertical(lower: PlacedCell, upper: PlacedCell, weight: E.Name) -> None:
        x = lower.centre[0]
        arrows.append((x, lower.box[1], x, upper.box[1] + upper.box[3]))
        width = name_width(weight)
        middle = lower.box[1] - ROW_GAP / 2
        box = (x + SPACE, middle - LINE / 2, width, LINE)
        names.append(PlacedName(weight, box, len(arrows) - 1))

    steps = list(enumerate(diagram.steps, start=1))
    top = MARGIN
    previous: PlacedCell | None = None
    for first in range(0, len(steps), per_band):
        band = steps[first : first + per_band]
        has_output = any(step.output for _, step in band)
        state_row = top + ((box_height + ROW_GAP) if has_output else 0.0)
        rows.update({"y": top, "h": state_row, "x": state_row + box_height + ROW_GAP})
        if previous is None:
            previous = put(diagram.initial, MARGIN, "h")
        else:
            previous = put(previous.cell, MARGIN, "h", again=True)
        for column_index, (t, step) in enumerate(band, start=1):
            left = MARGIN + column_index * column
            state_input = put(step.input, left, "x")
            state = put(step.state, left, "h")
            y = previous.centre[1]
            arrows.append((previous.box[0] + box_width, y, left, y))
            name_left = left - HEAD_ROOM - weight_widths[1]
            names.append(
                PlacedName(
                    diagram.weights[1],
                    (name_left, y - LINE - 1, weight_widths[1], LINE),
                    len(arrows) - 1,
                )  # fmt: skip
            )
            if t == diagram.gap_after + 1 and diagram.gap_after:
                dashed.append(len(arrows) - 1)
            vertical(state_input, state, diagram.weights[0])
            if step.output:
                vertical(state, put(step.output, left, "y"), diagram.weights[2])
            previous = state
        top = rows["x"] + box_height + BAND_GAP
    widest = min(per_band, len(steps))
    width = MARGIN + widest * column + box_width + SPACE + label_width + MARGIN
    height = top - BAND_GAP + MARGIN
    return UnrolledLayout(width, height, tuple(placed), tuple(labels), tuple(arrows),
                          tuple(names), tuple(dashed))  # fmt: skip


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _head(segment: Segment) -> tuple[tuple[float, float], ...]:
    """An arrow head's three corners at the segment's end (the arrows are level or upright)."""
    x0, y0, x1, y1 = segment
    if y0 == y1:
        return (x1, y1), (x1 - ARROW * 1.5, y1 - ARROW / 2), (x1 - ARROW * 1.5, y1 + ARROW / 2)
    return (x1, y1), (x1 - ARROW / 2, y1 + ARROW * 1.5), (x1 + ARROW / 2, y1 + ARROW * 1.5)


def svg(diagram: UnrolledDiagram, title: str = "unrolled network") -> str:
    """The unrolled net as a standalone SVG element that scales down to its column."""
    plan = layout(diagram)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(plan.width * SVG_SCALE)}" '
        f'height="{_n(plan.height * SVG_SCALE)}" '
        f'viewBox="0 0 {_n(plan.width)} {_n(plan.height)}" '
        'style="max-width: 100%; height: auto" '
        f'role="img" aria-label="{escape(title)}" '
        f'font-family="\'DejaVu Sans\', Verdana, sans-serif" font-size="{_n(FONT)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, segment in enumerate(plan.arrows):
        x0, y0, x1, y1 = segment
        dash = ' stroke-dasharray="4 3"' if index in plan.dashed else ""
        lines.append(
            f'<line x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(x1)}" y2="{_n(y1)}" '
            f'stroke="{WIRE_COLOUR}" stroke-width="1.2"{dash}/>'
        )
        corners = " ".join(f"{_n(x)},{_n(y)}" for x, y in _head(segment))
        lines.append(f'<polygon points="{corners}" fill="{WIRE_COLOUR}"/>')
    for placed in plan.cells:
        x, y, width, height = placed.box
        cx, cy = placed.centre
        again = ' stroke-dasharray="4 3"' if placed.again else ""
        lines.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" rx="5" '
            f'fill="#eef3fb" stroke="#345" stroke-width="1.5"{again}/>'
        )
        lines.append(
            f'<text class="name" x="{_n(cx)}" y="{_n(cy + 4.5)}" text-anchor="middle">'
            f"{svg_name(placed.cell.name)}</text>"
        )
    for name in plan.names:
        x, y, width, height = name.box
        lines.append(
            f'<text class="weight" x="{_n(x + width / 2)}" y="{_n(y + height / 2 + 4.5)}" '
            f'text-anchor="middle" fill="{WIRE_COLOUR}">{svg_name(name.name)}</text>'
        )
    for label in plan.labels:
        x, y, width, height = label.box
        lines.append(
            f'<text class="label" x="{_n(x + width / 2)}" y="{_n(y + height / 2 + 4.5)}" '
            f'text-anchor="middle" fill="{label.colour}">{escape(label.text)}</text>'
        )
    lines.append("</svg>")
    return "\n".join(lines)


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{{rgb,255:red,{red};green,{green};blue,{blue}}}"


def tikz_scale(plan: UnrolledLayout, page: Paper, turn: bool = True) -> tuple[float, bool]:
    """cm per layout px, and whether the picture is turned a quarter (`turn`: it may be, when
    upright its type would print below MIN_TYPE_PT and turned larger)."""
    width_cm, height_cm = page.width_cm - 4.0, page.height_cm - 4.0

    def fit(along: float, across: float) -> float:
        return min(TIKZ_SCALE, 0.98 * along / plan.width, 0.9 * across / plan.height)

    upright = fit(width_cm, height_cm)
    turned = fit(height_cm * 0.9, width_cm)
    if turn and _type_pt(upright) < MIN_TYPE_PT and turned > upright:
        return turned, True
    return upright, False


def type_size(diagram: UnrolledDiagram, page: Paper | None = None) -> float:
    """The labels' type size (pt) in the TikZ picture on `page`."""
    return _type_pt(arrangement(diagram, page or paper())[1])


def turned(diagram: UnrolledDiagram, page: Paper | None = None) -> bool:
    """Whether the TikZ picture on `page` is turned to run up the page."""
    return arrangement(diagram, page or paper())[2]


def tikz(diagram: UnrolledDiagram, page: Paper | None = None) -> str:
    """The unrolled net as a TikZ picture: the same layout, scaled to the page's text width."""
    plan, scale, turned = arrangement(diagram, page or paper())
    size = _type_pt(scale)
    font = rf"\fontsize{{{size:.2f}}}{{{size * 1.2:.2f}}}\selectfont"
    wire = _rgb(WIRE_COLOUR)
    lines = [rf"\begin{{tikzpicture}}[x={scale:.5f}cm,y=-{scale:.5f}cm]"]
    for placed in plan.cells:
        x, y, width, height = placed.box
        cx, cy = placed.centre
        dashed = ",dashed" if placed.again else ""
        lines.append(
            rf"\node[draw{dashed},rounded corners=2pt,fill=blue!5,inner sep=0pt,"
            rf"minimum width={width * scale:.3f}cm,minimum height={height * scale:.3f}cm,"
            rf"font={font}] ({placed.key}) at ({_n(cx)},{_n(cy)}) "
            rf"{{${latex_math.name(placed.cell.name)}$}};"
        )
    for index, (x0, y0, x1, y1) in enumerate(plan.arrows):
        dash = ",dashed" if index in plan.dashed else ""
        lines.append(
            rf"\draw[color={wire},-stealth{dash}] "
            rf"({_n(x0)},{_n(y0)}) -- ({_n(x1)},{_n(y1)});"
        )
    texts = [(n.box, f"${latex_math.name(n.name)}$", WIRE_COLOUR) for n in plan.names]
    # a number as LaTeX writes it (1.2 \times 10^{-16}, not 1.2e - 16 in math)
    texts += [
        (label.box, f"${latex_math.math(E.Num(0.0, label.text))}$", label.colour)
        for label in plan.labels
    ]
    for (x, y, width, height), text, colour in texts:
        lines.append(
            rf"\node[inner sep=0pt,text={_rgb(colour)},font={font}] "
            rf"at ({_n(x + width / 2)},{_n(y + height / 2)}) {{{text}}};"
        )
    lines.append(r"\end{tikzpicture}")
    picture = "\n".join(lines)
    return "\\rotatebox{90}{%\n" + picture + "}" if turned else picture


def _vector(texts: tuple[str, ...]) -> str:
    if not any(texts):
        return ""
    return texts[0] if len(texts) == 1 else "(" + ", ".join(texts) + ")"


def text_lines(diagram: UnrolledDiagram) -> list[str]:
    """The unrolled net as plain text: a line per box, where its arrows come from, its value
    and its gradient (a vector in brackets)."""
    w_xh, w_hh, w_hy = (str(name) for name in diagram.weights)
    rows = [(str(diagram.initial.name), "", diagram.initial)]
    previous = str(diagram.initial.name)
    for position, step in enumerate(diagram.steps, start=1):
        state = str(step.state.name)
        if position == diagram.gap_after + 1 and diagram.gap_after:  # the state before, not drawn
            previous = f"{step.state.name.base}_{int(str(step.state.name.sub)) - 1}"
        rows.append((str(step.input.name), "", step.input))
        rows.append((state, f"{w_xh} {step.input.name} + {w_hh} {previous}", step.state))
        if step.output:
            rows.append((str(step.output.name), f"{w_hy} {state}", step.output))
        previous = state
    table = [tuple(diagram.words[:4])] + [
        (name, source, _vector(cell.values), _vector(cell.gradients)) for name, source, cell in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    return [
        ("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row))).rstrip()
        for row in table
    ]
