"""A circuit drawn as CS231n draws it: inputs on the left, each gate a circle holding its sign,
and on the wire that leaves each node its forward value above (green) and its gradient below
(red); wires from that stub run to the gates that use the node.

One layout feeds SVG (HTML, Markdown), TikZ (LaTeX) and the plain-text form. Each node sits in
the column after its deepest input; every column has the same width, which the widest label
sets, so a node's two labels sit on its own stub and meet no other label and no circle (a test
measures the boxes). A node's name is written above its circle. A wire into the next column
runs straight across the gap between columns, where no label is; a wire that passes columns runs
level through each, in the free band nearest its straight course (a test measures that no wire
meets a label or another gate).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from symbp.content import expr as E
from symbp.content.blocks import CircuitDiagram, CircuitNode
from symbp.formats import latex_math
from symbp.formats import metrics as M
from symbp.formats.diagram import (
    FONT,
    LABEL_HEIGHT,
    LABEL_PAD,
    SVG_SCALE,
    TIKZ_SCALE,
    sans_width,
    svg_name,
    svg_name_width,
)
from symbp.formats.page import Paper, paper

RADIUS = 16.0
#: between the end of a stub and the next column's circles
GAP = 24.0
#: the vertical distance of two nodes of one column: both labels, a name, clearance
ROW_GAP = 80.0
MARGIN = 30.0
#: a name's box above its circle
NAME_HEIGHT = 16.0
VALUE_COLOUR = "#1e7d45"
GRADIENT_COLOUR = "#b03a2e"
WIRE_COLOUR = "#334455"

Box = tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True)
class PlacedNode:
    node: CircuitNode
    key: str  # n0, n1, … (TikZ's node names)
    x: float
    y: float
    stub_end: float
    name_box: Box
    value_box: Box
    gradient_box: Box
    glyph_scale: float


Point = tuple[float, float]


@dataclass(frozen=True)
class CircuitLayout:
    width: float
    height: float
    nodes: tuple[PlacedNode, ...]
    #: each wire (source stub's end to the gate that takes it) as the points of its path: a
    #: wire that passes a column runs through it level, in a band free of that column's labels
    wires: tuple[tuple[Point, ...], ...] = ()

    def label_boxes(self) -> list[Box]:
        """Every label's box (names, values, gradients): none may meet another."""
        boxes: list[Box] = []
        for placed in self.nodes:
            boxes += [placed.name_box, placed.value_box, placed.gradient_box]
        return boxes

    def circles(self) -> list[tuple[float, float, float]]:
        return [(p.x, p.y, RADIUS) for p in self.nodes if p.node.glyph]


def label_width(text: str) -> float:
    """A value's box width in px: the wider of its SVG text and its TikZ math, padded."""
    tikz_math = M.number(E.Num(0.0, text)) * 1.08
    return FONT * max(sans_width(text), tikz_math) + 2 * LABEL_PAD


def _name_width(name: E.Name) -> float:
    return FONT * max(svg_name_width(name), M.name(name) * 1.08) + 2 * LABEL_PAD


def layout(diagram: CircuitDiagram) -> CircuitLayout:
    nodes = diagram.nodes
    columns: list[int] = []
    for node in nodes:
        columns.append(1 + max((columns[i] for i in node.inputs), default=-1))
    # an input sits just before the first gate that takes it, not all in the first column
    for index, node in enumerate(nodes):
        if not node.inputs:
            users = [columns[j] for j, user in enumerate(nodes) if index in user.inputs]
            columns[index] = max(0, min(users, default=1) - 1)
    stub = max(label_width(t) for node in nodes for t in (node.value, node.gradient))
    column_width = 2 * RADIUS + stub + GAP
    counts: dict[int, int] = {}
    rows: list[int] = []
    for column in columns:
        rows.append(counts.get(column, 0))
        counts[column] = rows[-1] + 1
    tallest = max(counts.values())
    top = MARGIN + NAME_HEIGHT + RADIUS
    placed: list[PlacedNode] = []
    for index, node in enumerate(nodes):
        column, row = columns[index], rows[index]
        x = MARGIN + RADIUS + column * column_width
        # a short column is centred on the tallest
        y = top + (row + (tallest - counts[column]) / 2) * ROW_GAP
        stub_start = x + RADIUS
        middle = stub_start + stub / 2
        value_width = label_width(node.value)
        gradient_width = label_width(node.gradient)
        name_width = _name_width(node.name)
        # a long name moves left so that it stays clear of its own value label
        name_x = min(x, stub_start - 2 - name_width / 2)
        if node.glyph:
            name_box: Box = (name_x - name_width / 2, y - RADIUS - 2 - NAME_HEIGHT, name_width,
                             NAME_HEIGHT)  # fmt: skip
        else:  # an input's name is written where a gate's circle would be
            name_box = (name_x - name_width / 2, y - NAME_HEIGHT / 2, name_width, NAME_HEIGHT)
        glyph_width = FONT * sans_width(node.glyph) if node.glyph else 1.0
        placed.append(
            PlacedNode(
                node=node,
                key=f"n{index}",
                x=x,
                y=y,
                stub_end=stub_start + stub,
                name_box=name_box,
                value_box=(
                    middle - value_width / 2,
                    y - 1 - LABEL_HEIGHT,
                    value_width,
                    LABEL_HEIGHT,
                ),  # fmt: skip
                gradient_box=(middle - gradient_width / 2, y + 1, gradient_width, LABEL_HEIGHT),
                glyph_scale=min(1.0, (2 * RADIUS - 8) / glyph_width),
            )
        )
    width = MARGIN * 2 + (max(columns) + 1) * column_width - GAP
    height = top + (tallest - 1) * ROW_GAP + RADIUS + LABEL_HEIGHT + MARGIN
    wires = _route(placed, columns, height)
    return CircuitLayout(width, height, tuple(placed), wires)


#: clearance of a wire from the labels and names of a column it passes through
WIRE_CLEARANCE = 4.0


def _route(
    placed: list[PlacedNode], columns: list[int], height: float
) -> tuple[tuple[Point, ...], ...]:
    """Each wire's path. Into the next column a wire runs straight across the gap between
    columns (where no label is); past a column it runs level through that column at the height
    nearest its straight course that is clear of the column's names, circles and labels."""
    occupied: dict[int, list[tuple[float, float]]] = {}
    for node, column in zip(placed, columns, strict=True):
        top = min(node.name_box[1], node.value_box[1], node.y - RADIUS)
        bottom = max(node.name_box[1] + node.name_box[3], node.gradient_box[1] + LABEL_HEIGHT)
        occupied.setdefault(column, []).append((top - WIRE_CLEARANCE, bottom + WIRE_CLEARANCE))
    left = {c: n.x - RADIUS for n, c in zip(placed, columns, strict=True)}
    right = {c: n.stub_end for n, c in zip(placed, columns, strict=True)}
    used: dict[tuple[int, float], int] = {}  # wires already in a column's band
    wires: list[tuple[Point, ...]] = []
    for target, column in zip(placed, columns, strict=True):
        for index in dict.fromkeys(target.node.inputs):  # one wire for c·c's two uses
            source = placed[index]
            start: Point = (source.stub_end, source.y)
            end: Point = (target.x - RADIUS, target.y)
            points = [start]
            for passed in range(columns[index] + 1, column):
                share = (left[passed] - start[0]) / max(end[0] - start[0], 1e-9)
                wanted = start[1] + share * (end[1] - start[1])
                low, high = _free_band(occupied[passed], wanted, height)
                lane = used.get((passed, low), 0)
                used[passed, low] = lane + 1
                # wires sharing a band run apart, alternately below and above its middle
                middle = min(max(wanted, low + 2), high - 2)
                offset = (lane + 1) // 2 * 5.0 * (1 if lane % 2 else -1)
                y = min(max(middle + offset, low + 2), high - 2)
                points += [(left[passed] - WIRE_CLEARANCE, y), (right[passed] + WIRE_CLEARANCE, y)]
            points.append(end)
            wires.append(tuple(points))
    return tuple(wires)


def _free_band(
    occupied: list[tuple[float, float]], wanted: float, height: float
) -> tuple[float, float]:
    """The free vertical band of a column nearest the height `wanted`."""
    bands = []
    edge = 2.0
    for top, bottom in sorted(occupied):
        if top > edge:
            bands.append((edge, top))
        edge = max(edge, bottom)
    if edge < height - 2:
        bands.append((edge, height - 2.0))
    return min(
        bands,
        key=lambda b: (
            0.0 if b[0] <= wanted <= b[1] else min(abs(wanted - b[0]), abs(wanted - b[1]))
        ),
    )


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg(diagram: CircuitDiagram, title: str = "circuit") -> str:
    """The circuit as a standalone SVG element that scales down to its column."""
    plan = layout(diagram)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(plan.width * SVG_SCALE)}" '
        f'height="{_n(plan.height * SVG_SCALE)}" '
        f'viewBox="0 0 {_n(plan.width)} {_n(plan.height)}" '
        'style="max-width: 100%; max-height: 22cm; height: auto" '
        f'role="img" aria-label="{escape(title)}" '
        f'font-family="\'DejaVu Sans\', Verdana, sans-serif" font-size="{_n(FONT)}">',
        f"<title>{escape(title)}</title>",
    ]
    for placed in plan.nodes:
        lines.append(_svg_line(placed.x + RADIUS, placed.y, placed.stub_end, placed.y))
    for wire in plan.wires:
        for (x1, y1), (x2, y2) in zip(wire, wire[1:], strict=False):
            lines.append(_svg_line(x1, y1, x2, y2))
    for placed in plan.nodes:
        x, y, width, height = placed.name_box
        centre = x + width / 2
        if placed.node.glyph:
            lines.append(
                f'<circle cx="{_n(placed.x)}" cy="{_n(placed.y)}" r="{_n(RADIUS)}" '
                'fill="#eef3fb" stroke="#345" stroke-width="1.5"/>'
            )
            size = FONT * placed.glyph_scale
            lines.append(
                f'<text class="gate" x="{_n(placed.x)}" y="{_n(placed.y + 0.35 * size)}" '
                f'text-anchor="middle" font-size="{_n(size)}">{escape(placed.node.glyph)}</text>'
            )
        lines.append(
            f'<text class="name" x="{_n(centre)}" y="{_n(y + height / 2 + 4.5)}" '
            f'text-anchor="middle">{svg_name(placed.node.name)}</text>'
        )
        for box, text, colour in (
            (placed.value_box, placed.node.value, VALUE_COLOUR),
            (placed.gradient_box, placed.node.gradient, GRADIENT_COLOUR),
        ):
            bx, by, bw, bh = box
            lines.append(
                f'<text class="label" x="{_n(bx + bw / 2)}" y="{_n(by + bh / 2 + 4.5)}" '
                f'text-anchor="middle" fill="{colour}">{escape(text)}</text>'
            )
    lines.append("</svg>")
    return "\n".join(lines)


def _svg_line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{WIRE_COLOUR}" stroke-width="1.2"/>'
    )


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{{rgb,255:red,{red};green,{green};blue,{blue}}}"


def tikz(diagram: CircuitDiagram, page: Paper | None = None) -> str:
    """The circuit as a TikZ picture: the same layout, scaled to fit the page's text width."""
    plan = layout(diagram)
    page = page or paper()
    scale, turned = tikz_scale(plan, page)
    size = FONT * scale * 72.27 / 2.54
    font = rf"\fontsize{{{size:.2f}}}{{{size * 1.2:.2f}}}\selectfont"
    lines = [rf"\begin{{tikzpicture}}[x={scale:.5f}cm,y=-{scale:.5f}cm]"]
    wire = _rgb(WIRE_COLOUR)
    for placed in plan.nodes:
        x, y = _n(placed.x), _n(placed.y)
        if placed.node.glyph:
            glyph_size = size * placed.glyph_scale
            glyph_font = rf"\fontsize{{{glyph_size:.2f}}}{{{glyph_size * 1.2:.2f}}}\selectfont"
            lines.append(
                rf"\node[circle,draw,fill=blue!5,minimum size={2 * RADIUS * scale:.3f}cm,"
                rf"inner sep=0pt,font={glyph_font}] ({placed.key}) at ({x},{y}) "
                rf"{{${placed.node.glyph_latex}$}};"
            )
        else:
            lines.append(rf"\coordinate ({placed.key}) at ({_n(placed.x + RADIUS)},{y});")
        lines.append(
            rf"\draw[color={wire}] ({_n(placed.x + RADIUS)},{y}) -- "
            rf"({_n(placed.stub_end)},{y});"
        )
    for path in plan.wires:
        lines.append(
            rf"\draw[color={wire}] " + " -- ".join(f"({_n(x)},{_n(y)})" for x, y in path) + ";"
        )
    for placed in plan.nodes:
        for box, text, colour in (
            (placed.name_box, f"${latex_math.name(placed.node.name)}$", WIRE_COLOUR),
            (placed.value_box, f"${placed.node.value}$", VALUE_COLOUR),
            (placed.gradient_box, f"${placed.node.gradient}$", GRADIENT_COLOUR),
        ):
            bx, by, bw, bh = box
            lines.append(
                rf"\node[inner sep=0pt,text={_rgb(colour)},font={font}] "
                rf"at ({_n(bx + bw / 2)},{_n(by + bh / 2)}) {{{text}}};"
            )
    lines.append(r"\end{tikzpicture}")
    picture = "\n".join(lines)
    return "\\rotatebox{90}{%\n" + picture + "}" if turned else picture


#: the smallest type (pt) a circuit is printed in before it is turned to run up the page
MIN_TYPE_PT = 7.0


def tikz_scale(plan: CircuitLayout, page: Paper) -> tuple[float, bool]:
    """cm per layout px, and whether the picture is turned a quarter (a deep circuit reads
    along the page's height, which is longer than its width)."""
    width_cm, height_cm = page.width_cm - 4.0, page.height_cm - 4.0

    def fit(along: float, across: float) -> float:
        return min(TIKZ_SCALE, 0.98 * along / plan.width, 0.9 * across / plan.height)

    upright = fit(width_cm, height_cm)
    turned = fit(height_cm * 0.9, width_cm)
    if FONT * upright * 72.27 / 2.54 < MIN_TYPE_PT and turned > upright:
        return turned, True
    return upright, False


def type_size(diagram: CircuitDiagram, page: Paper | None = None) -> float:
    """The labels' type size (pt) in the TikZ picture on `page`."""
    scale, _ = tikz_scale(layout(diagram), page or paper())
    return FONT * scale * 72.27 / 2.54


def text_lines(diagram: CircuitDiagram) -> list[str]:
    """The circuit as plain text: one line per wire, value and gradient on it, where it goes."""
    names = [str(node.name) for node in diagram.nodes]
    users: dict[int, list[str]] = {}
    for index, node in enumerate(diagram.nodes):
        for source in node.inputs:
            users.setdefault(source, []).append(names[index])
    rows = []
    for index, node in enumerate(diagram.nodes):
        gate = ""
        if node.glyph:
            gate = f"[{node.glyph}] " + ", ".join(names[i] for i in node.inputs)
        into = ", ".join(dict.fromkeys(users.get(index, []))) or diagram.words[5]
        rows.append((names[index], gate, node.value, node.gradient, into))
    header = tuple(diagram.words[:5])
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(5)]
    lines = []
    for row in (header, *rows):
        cells = [
            row[i].rjust(widths[i]) if i in (2, 3) else row[i].ljust(widths[i]) for i in range(5)
        ]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines
