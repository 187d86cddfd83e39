"""A circuit drawn as CS231n draws it: inputs on the left, each gate a circle holding its sign,
and on the wire that leaves each node its forward value above (green) and its gradient below
(red); wires from that stub run to the gates that use the node.

One layout feeds SVG (HTML, Markdown), TikZ (LaTeX) and the plain-text form. Each node sits in
the column after its deepest input; every column has the same width, which the widest label
sets, so a node's two labels sit on its own stub and meet no other label and no circle (a test
measures the boxes). A node's name is written above its circle. A wire into the next column
runs straight across the gap between columns, where no label is; a wire that passes columns runs
level through each, in the free space nearest its straight course (a test measures that no
wire meets a label or another gate).

A circuit wider than the page's text is wrapped into bands of columns stacked down the page,
each its own picture (a page may break between two), rather than shrunk or turned a quarter:
a 30-gate expression turned printed at about 5 pt, its bands print at 8 pt upright. A node
taken by a later band ends its stub in an arrowhead; that band starts with a connector, the
node's name in a dashed box, from which its wires run as from an input.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from symbp.formats.page import MARGIN_CM, Paper, paper

RADIUS = 16.0
#: between the end of a stub and the next column's circles
GAP = 24.0
#: the vertical distance of two nodes of one column: both labels, a name, clearance
ROW_GAP = 80.0
MARGIN = 30.0
#: a name's box above its circle
NAME_HEIGHT = 16.0
#: room between a connector's name and its dashed box
CONNECTOR_PAD = 3.0
VALUE_COLOUR = "#1e7d45"
GRADIENT_COLOUR = "#b03a2e"
WIRE_COLOUR = "#334455"

Box = tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True)
class PlacedNode:
    node: CircuitNode
    key: str  # n0, n1, … (TikZ's node names); c1_4, … for a band's connector
    x: float
    y: float
    stub_end: float
    name_box: Box
    value_box: Box
    gradient_box: Box
    glyph_scale: float
    band: int = 0
    #: a connector: a node of an earlier band drawn again, by its name alone in a dashed box,
    #: at the left of a later band whose gates take it (its labels stay on its own stub)
    connector: bool = False
    #: a node whose wire goes on in a later band: its stub ends in an arrowhead
    continued: bool = False


Point = tuple[float, float]


@dataclass(frozen=True)
class CircuitLayout:
    width: float
    height: float
    nodes: tuple[PlacedNode, ...]
    #: each wire (source stub's end to the gate that takes it) as the points of its path: a
    #: wire that passes a column runs through it level, in a band free of that column's labels
    wires: tuple[tuple[Point, ...], ...] = ()
    #: each band's top and bottom: a circuit wider than the page is wrapped into bands of
    #: columns stacked down the page, each drawn as a picture of its own (a page may fall
    #: between two)
    bands: tuple[tuple[float, float], ...] = ()
    #: the band each wire is drawn in
    wire_bands: tuple[int, ...] = ()

    def label_boxes(self) -> list[Box]:
        """Every label's box (names, values, gradients): none may meet another."""
        boxes: list[Box] = []
        for placed in self.nodes:
            if placed.connector:
                boxes.append(placed.name_box)
            else:
                boxes += [placed.name_box, placed.value_box, placed.gradient_box]
        return boxes

    def circles(self) -> list[tuple[float, float, float]]:
        return [(p.x, p.y, RADIUS) for p in self.nodes if p.node.glyph and not p.connector]


def label_width(text: str) -> float:
    """A value's box width in px: the wider of its SVG text and its TikZ math, padded."""
    tikz_math = M.number(E.Num(0.0, text)) * 1.08
    return FONT * max(sans_width(text), tikz_math) + 2 * LABEL_PAD


def _name_width(name: E.Name) -> float:
    return FONT * max(svg_name_width(name), M.name(name) * 1.08) + 2 * LABEL_PAD


def band_width_limit(page: Paper) -> float:
    """The widest band (layout px) that prints at full size across the page's text."""
    return 0.98 * (page.width_cm - 2 * MARGIN_CM) / TIKZ_SCALE


#: one band's entries: (node index, column in the band, drawn as a connector)
Entry = tuple[int, int, bool]


def layout(diagram: CircuitDiagram, page: Paper | None = None) -> CircuitLayout:
    """Columns of gates, each node in the column after its deepest input; a circuit wider than
    the page's text is wrapped into bands of columns one under the other (rather than shrunk or
    turned a quarter), so its type prints at full size (8 pt) upright."""
    nodes = diagram.nodes
    columns: list[int] = []
    for node in nodes:
        columns.append(1 + max((columns[i] for i in node.inputs), default=-1))
    users: dict[int, list[int]] = {}
    for index, node in enumerate(nodes):
        for source in node.inputs:
            users.setdefault(source, []).append(index)
    # an input sits just before the first gate that takes it, not all in the first column
    for index, node in enumerate(nodes):
        if not node.inputs:
            first = min((columns[j] for j in users.get(index, [])), default=1)
            columns[index] = max(0, first - 1)
    stub = max(label_width(t) for node in nodes for t in (node.value, node.gradient))
    column_width = 2 * RADIUS + stub + GAP
    starts = _band_starts(max(columns) + 1, column_width, band_width_limit(page or paper()))
    band_of = [_band(starts, column) for column in columns]
    for index, node in enumerate(nodes):
        if not node.inputs and users.get(index):  # an input is drawn in its first user's band
            band_of[index] = _band(starts, columns[index] + 1)
    entries: list[list[Entry]] = [[] for _ in starts]
    for band, start in enumerate(starts):
        shift = 0 if band == 0 else 1 - start  # a later band's column 0 holds its connectors
        members = [i for i in range(len(nodes)) if band_of[i] == band]
        taken = {s for i in members for s in nodes[i].inputs if band_of[s] < band}
        gates = [(i, columns[i] + shift, False) for i in members]
        leading = [(s, 0, True) for s in sorted(taken)] + [e for e in gates if e[1] == 0]
        entries[band] = _by_users(leading, [e for e in gates if e[1] > 0], users) if band else gates
    continued = {s for band in entries for s, _, connector in band if connector}
    placed: list[PlacedNode] = []
    wires: list[tuple[Point, ...]] = []
    wire_bands: list[int] = []
    bands: list[tuple[float, float]] = []
    width = 0.0
    top = 0.0
    for band, band_entries in enumerate(entries):
        band_placed, band_height = _place(diagram, band_entries, stub, band, continued)
        local = [column for _, column, _ in band_entries]
        where = {index: k for k, (index, _, connector) in enumerate(band_entries) if connector}
        where |= {index: k for k, (index, _, connector) in enumerate(band_entries) if not connector}
        band_wires = _route(band_placed, local, band_height, where)
        placed += [_lowered(p, top) for p in band_placed]
        wires += [tuple((x, y + top) for x, y in wire) for wire in band_wires]
        wire_bands += [band] * len(band_wires)
        bands.append((top, top + band_height))
        width = max(width, MARGIN * 2 + (max(local) + 1) * column_width - GAP)
        top += band_height
    return CircuitLayout(width, top, tuple(placed), tuple(wires), tuple(bands), tuple(wire_bands))


def _band_starts(count: int, column_width: float, limit: float) -> list[int]:
    """The first column of each band: the fewest bands that fit `limit`, of even widths (a
    later band has one more column, for its connectors)."""
    fits = max(1, int((limit - 2 * MARGIN + GAP) // column_width))
    bands = 1
    while -(-(count + bands - 1) // bands) > fits and bands < count:
        bands += 1
    if bands == 1:
        return [0]
    per_band = -(-(count + bands - 1) // bands)  # columns drawn in each band, connectors too
    return [0] + [per_band + k * (per_band - 1) for k in range(bands - 1)]


def _by_users(first: list[Entry], rest: list[Entry], users: dict[int, list[int]]) -> list[Entry]:
    """A later band's entries, its first column (connectors and inputs) ordered by the mean
    height of the gates each one feeds, so that its wires fan out with few crossings."""
    counts: dict[int, int] = {}
    row: dict[int, float] = {}
    for index, column, _ in rest:
        row[index] = counts.get(column, 0)
        counts[column] = counts.get(column, 0) + 1
    tallest = max([len(first), *counts.values()])
    for index, column, _ in rest:
        row[index] += (tallest - counts[column]) / 2

    def height(entry: Entry) -> float:
        fed = [row[j] for j in users.get(entry[0], []) if j in row]
        return sum(fed) / len(fed) if fed else float(tallest)

    return sorted(first, key=height) + rest


def _band(starts: list[int], column: int) -> int:
    return max(k for k, start in enumerate(starts) if start <= column)


def _lowered(placed: PlacedNode, dy: float) -> PlacedNode:
    def box(b: Box) -> Box:
        return (b[0], b[1] + dy, b[2], b[3])

    return replace(
        placed,
        y=placed.y + dy,
        name_box=box(placed.name_box),
        value_box=box(placed.value_box),
        gradient_box=box(placed.gradient_box),
    )


def _place(
    diagram: CircuitDiagram, entries: list[Entry], stub: float, band: int, continued: set[int]
) -> tuple[list[PlacedNode], float]:
    """One band's nodes in its own coordinates, and the band's height."""
    column_width = 2 * RADIUS + stub + GAP
    counts: dict[int, int] = {}
    rows: list[int] = []
    for _, column, _ in entries:
        rows.append(counts.get(column, 0))
        counts[column] = rows[-1] + 1
    tallest = max(counts.values())
    top = MARGIN + NAME_HEIGHT + RADIUS
    placed: list[PlacedNode] = []
    for (index, column, connector), row in zip(entries, rows, strict=True):
        node = diagram.nodes[index]
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
        if connector:  # the name in a dashed box, clear of the wire that leaves it
            name_width += 2 * CONNECTOR_PAD
            name_x = stub_start - 2 - name_width / 2
            name_box: Box = (name_x - name_width / 2, y - NAME_HEIGHT / 2 - CONNECTOR_PAD,
                             name_width, NAME_HEIGHT + 2 * CONNECTOR_PAD)  # fmt: skip
        elif node.glyph:
            name_box = (name_x - name_width / 2, y - RADIUS - 2 - NAME_HEIGHT, name_width,
                        NAME_HEIGHT)  # fmt: skip
        else:  # an input's name (a connector's) is written where a gate's circle would be
            name_box = (name_x - name_width / 2, y - NAME_HEIGHT / 2, name_width, NAME_HEIGHT)
        glyph_width = FONT * sans_width(node.glyph) if node.glyph else 1.0
        placed.append(
            PlacedNode(
                node=node,
                key=f"c{band}_{index}" if connector else f"n{index}",
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
                band=band,
                connector=connector,
                continued=index in continued and not connector,
            )
        )
    height = top + (tallest - 1) * ROW_GAP + RADIUS + LABEL_HEIGHT + MARGIN
    return placed, height


#: clearance of a wire from the labels and names of a column it passes through
WIRE_CLEARANCE = 4.0


def _route(
    placed: list[PlacedNode], columns: list[int], height: float, where: dict[int, int]
) -> tuple[tuple[Point, ...], ...]:
    """Each wire's path in one band (`where` finds a node's place in it, a connector for a node
    of an earlier band). Into the next column a wire runs straight across the gap between
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
        if target.connector:
            continue
        for index in dict.fromkeys(target.node.inputs):  # one wire for c·c's two uses
            source = placed[where[index]]
            start: Point = (source.stub_end, source.y)
            end: Point = (target.x - RADIUS, target.y)
            points = [start]
            for passed in range(columns[where[index]] + 1, column):
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


def svg(diagram: CircuitDiagram, title: str = "circuit", page: Paper | None = None) -> str:
    """The circuit as a standalone SVG element that scales down to its column; a circuit
    wrapped into bands is one SVG element per band (the printed page may break between them),
    each a window on the one layout's coordinates."""
    plan = layout(diagram, page)
    if len(plan.bands) == 1:
        return _svg_band(plan, 0, title, (0.0, plan.height))
    return "\n".join(_svg_band(plan, k, title, band) for k, band in enumerate(plan.bands))


def _svg_band(plan: CircuitLayout, band: int, title: str, window: tuple[float, float]) -> str:
    top, bottom = window
    # a band is a block of its own: inline, the bands would be the lines of one paragraph,
    # which Chromium keeps together on a page (orphans and widows)
    block = "display: block; " if len(plan.bands) > 1 else ""
    height = bottom - top
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(plan.width * SVG_SCALE)}" '
        f'height="{_n(height * SVG_SCALE)}" '
        f'viewBox="0 {_n(top)} {_n(plan.width)} {_n(height)}" '
        f'style="{block}max-width: 100%; max-height: 22cm; height: auto" '
        f'role="img" aria-label="{escape(title)}" '
        f'font-family="\'DejaVu Sans\', Verdana, sans-serif" font-size="{_n(FONT)}">',
        f"<title>{escape(title)}</title>",
    ]
    nodes = [p for p in plan.nodes if p.band == band]
    for placed in nodes:
        lines.append(_svg_line(placed.x + RADIUS, placed.y, placed.stub_end, placed.y))
    for wire, wire_band in zip(plan.wires, plan.wire_bands, strict=True):
        if wire_band == band:
            for (x1, y1), (x2, y2) in zip(wire, wire[1:], strict=False):
                lines.append(_svg_line(x1, y1, x2, y2))
    for placed in nodes:
        if placed.continued:
            tip = _arrowhead(placed)
            lines.append(
                f'<polygon points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in tip)}" '
                f'fill="{WIRE_COLOUR}"/>'
            )
    for placed in nodes:
        x, y, width, height = placed.name_box
        centre = x + width / 2
        if placed.connector:
            lines.append(
                f'<rect class="connector" x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
                f'height="{_n(height)}" rx="3" fill="none" stroke="{WIRE_COLOUR}" '
                'stroke-width="1" stroke-dasharray="3 2"/>'
            )
        elif placed.node.glyph:
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
        if placed.connector:
            continue
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


def _arrowhead(placed: PlacedNode) -> tuple[Point, Point, Point]:
    """The tip on the end of a stub whose wire goes on in a later band (where the node's name
    stands in a dashed box at the band's left)."""
    end = placed.stub_end
    return ((end - 7.0, placed.y - 4.0), (end, placed.y), (end - 7.0, placed.y + 4.0))


def _svg_line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{WIRE_COLOUR}" stroke-width="1.2"/>'
    )


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{{rgb,255:red,{red};green,{green};blue,{blue}}}"


def tikz(diagram: CircuitDiagram, page: Paper | None = None) -> str:
    """The circuit as a TikZ picture: the same layout, scaled to fit the page's text width; a
    circuit wrapped into bands is one picture per band, each as wide as the widest (so their
    columns line up), with a paragraph between them where a page may break."""
    page = page or paper()
    plan = layout(diagram, page)
    scale = tikz_scale(plan, page)
    if len(plan.bands) == 1:
        return _tikz_band(plan, 0, scale, None)
    return "\n\n".join(_tikz_band(plan, k, scale, band) for k, band in enumerate(plan.bands))


def _tikz_band(
    plan: CircuitLayout, band: int, scale: float, window: tuple[float, float] | None
) -> str:
    size = FONT * scale * 72.27 / 2.54
    font = rf"\fontsize{{{size:.2f}}}{{{size * 1.2:.2f}}}\selectfont"
    lines = [rf"\begin{{tikzpicture}}[x={scale:.5f}cm,y=-{scale:.5f}cm]"]
    if window is not None:
        lines.append(
            rf"\useasboundingbox (0,{_n(window[0])}) rectangle ({_n(plan.width)},{_n(window[1])});"
        )
    wire = _rgb(WIRE_COLOUR)
    nodes = [p for p in plan.nodes if p.band == band]
    for placed in nodes:
        x, y = _n(placed.x), _n(placed.y)
        if placed.connector:
            bx, by, bw, bh = placed.name_box
            lines.append(
                rf"\draw[color={wire},dashed,rounded corners=1pt] ({_n(bx)},{_n(by)}) "
                rf"rectangle ({_n(bx + bw)},{_n(by + bh)});"
            )
        elif placed.node.glyph:
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
        if placed.continued:
            tip = " -- ".join(f"({_n(px)},{_n(py)})" for px, py in _arrowhead(placed))
            lines.append(rf"\fill[color={wire}] {tip} -- cycle;")
    for path, wire_band in zip(plan.wires, plan.wire_bands, strict=True):
        if wire_band == band:
            lines.append(
                rf"\draw[color={wire}] " + " -- ".join(f"({_n(x)},{_n(y)})" for x, y in path) + ";"
            )
    for placed in nodes:
        labels = [(placed.name_box, f"${latex_math.name(placed.node.name)}$", WIRE_COLOUR)]
        if not placed.connector:
            labels += [
                (placed.value_box, f"${placed.node.value}$", VALUE_COLOUR),
                (placed.gradient_box, f"${placed.node.gradient}$", GRADIENT_COLOUR),
            ]
        for box, text, colour in labels:
            bx, by, bw, bh = box
            lines.append(
                rf"\node[inner sep=0pt,text={_rgb(colour)},font={font}] "
                rf"at ({_n(bx + bw / 2)},{_n(by + bh / 2)}) {{{text}}};"
            )
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def tikz_scale(plan: CircuitLayout, page: Paper) -> float:
    """cm per layout px: full size unless the widest band is wider than the text or the tallest
    taller than most of the page (a picture cannot break across pages)."""
    width_cm = page.width_cm - 2 * MARGIN_CM
    height_cm = page.height_cm - 2 * MARGIN_CM
    tallest = max(bottom - top for top, bottom in plan.bands)
    return min(TIKZ_SCALE, 0.98 * width_cm / plan.width, 0.9 * height_cm / tallest)


def type_size(diagram: CircuitDiagram, page: Paper | None = None) -> float:
    """The labels' type size (pt) in the TikZ picture on `page`."""
    page = page or paper()
    return FONT * tikz_scale(layout(diagram, page), page) * 72.27 / 2.54


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
