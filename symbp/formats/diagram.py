"""The network drawn: units in columns, edges coloured by the unit they leave, and each weight's
name and value on its edge where the content asks for it (a layer pair with few edges); the
other layer pairs show their structure only, their weights being in a matrix beside the drawing.

One layout feeds two drawings: SVG (HTML and Markdown), whose names are set with the same
subscripts and superscripts as the formulas (w₁, w⁽¹⁾₂₁, b_h₁), and TikZ (LaTeX), whose names
are the formulas' own LaTeX.

The layout places every weight's label centred on its own edge where its box meets no other
label, no unit and no other edge (but for the box's ends, where an edge may pass under it away
from the name), so that it reads as its own edge's and never sits at a crossing: it tries points
along the edge from the middle outwards, and moves a crowded pair's rows apart and its columns
apart until every label has found a place. A bias's label sits under (or above) its unit, moved
aside if need be, off every edge, framed dashed in a colour no edge has, since it names no edge.
A figure's value above a unit and δ below it sit off every edge where some place near the unit
is (moved aside or away, never outwards past the first or last column: the page is narrow),
else at the nearest place off the highlighted paths (or the nearest) on an opaque background
the edges pass under. A label's box, a tag's, the legend's and the key's are as wide as the
wider of their two drawings, by a model of each font (DejaVu Sans in the SVG, Computer Modern at
its wide 5-pt design in TikZ), so one placement holds for both (tests/test_figure_geometry.py
measures them in TeX and Chromium).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import TypeVar

from symbp.content import expr as E
from symbp.content.blocks import Diagram
from symbp.content.expr import Name
from symbp.content.numbers import given
from symbp.core.graph import Bias, Network
from symbp.formats import latex_math
from symbp.formats import metrics as M
from symbp.formats.page import Paper, paper

#: the SVG's type size and a unit's radius, in SVG px
FONT = 13.0
RADIUS = 20.0
#: the gap between two columns: with labels at least this, without labels this
LABELLED_GAP = 300.0
PLAIN_GAP = 150.0
#: the vertical distance of units: roomy up to six units, then as tight as the circles allow
ROW_GAP = 110.0
PLAIN_ROW_GAP = 64.0
FIGURE_ROW_GAP = 90.0
TIGHT_HEIGHT = 600.0
#: how much a crowded pair's rows and columns move apart per round of placing its labels
ROW_STEP = 6.0
GAP_STEP = 40.0
#: the part of a label's box no other edge may cross: all but this fraction at each end
CORE = 0.2
MARGIN_X = 40.0
MARGIN_Y = 50.0
#: a label's box: its text plus this much on each side, and this tall
LABEL_PAD = 3.0
LABEL_HEIGHT = 24.0
#: a label's baseline below its centre: DejaVu Sans's ascent (0.93 em) above it and a
#: subscript below, as Chromium's getBBox measures them, centred in the box
BASELINE = 1.5
#: how far a label keeps from a unit's circle, and from another label
CLEARANCE = 3.0
#: points along an edge where its label may sit, from the middle outwards
POSITIONS = tuple(sorted((k / 50 for k in range(5, 46)), key=lambda t: (abs(t - 0.5), t)))
#: a bias's label: dark grey with a dashed frame, a colour no edge has (it names no edge)
BIAS_COLOUR = "#333333"
#: colours of the edges, one per source unit of a layer pair, in turn (dark enough for text)
PALETTE = ("#0b5fa5", "#b03a2e", "#1e7d45", "#7d3c98", "#a35f00", "#0e7c86", "#5d6d7e", "#a0306a")
#: pixels to cm in TikZ at most (labels then come out at 13 px × 0.022 cm ≈ 8 pt)
TIKZ_SCALE = 0.022
#: the SVG's natural size relative to its drawing units: the same physical size as the TikZ
#: picture (a CSS px is 2.54/96 cm), so a page shows the same drawing in either format
SVG_SCALE = TIKZ_SCALE / (2.54 / 96)

# DejaVu Sans advance widths (em), the SVG's font; others fall back to a wide default
_SANS = {
    **dict.fromkeys("0123456789", 0.636),
    "\u2212": 0.838,  # the minus sign the SVG sets numbers with
    ".": 0.318, "-": 0.361, " ": 0.318, "=": 0.838, "(": 0.39, ")": 0.39, ",": 0.318,
    "a": 0.613, "b": 0.635, "c": 0.55, "d": 0.635, "e": 0.615, "f": 0.352, "g": 0.635,
    "h": 0.634, "i": 0.278, "j": 0.278, "k": 0.579, "l": 0.278, "m": 0.974, "n": 0.634,
    "o": 0.612, "p": 0.635, "q": 0.635, "r": 0.411, "s": 0.521, "t": 0.392, "u": 0.634,
    "v": 0.592, "w": 0.818, "x": 0.592, "y": 0.592, "z": 0.525, "_": 0.5,
}  # fmt: skip
_SANS_DEFAULT = 0.8
#: subscripts and superscripts in the SVG are set at 70 %
SCRIPT = 0.7
#: how much wider per em Computer Modern is at its 5-pt design (cmr5, cmmi5, chosen by TeX for
#: type under 6 pt: a wide picture's, once scaled to the page) than at the 10-pt design the
#: metrics model: 1.36 for digits, 1.32 to 1.6 for letters (tftopl); every TikZ text box
#: allows for the widest design, so no type size overruns its box (trial t26: the legend ran
#: into the key, the tags past their backgrounds, the bias frames through their names)
SMALL_TYPE = 1.5

# the figure of values and δs (a Diagram with tags): CS231n's colours, values green above a
# unit and gradients red below it; the focus weight's paths under a highlighter's yellow
TAG_FONT = 11.0
TAG_HEIGHT = 14.0
VALUE_COLOUR = "#1e7d45"
DELTA_COLOUR = "#b03a2e"
HIGHLIGHT = "#f2c200"
HIGHLIGHT_WIDTH = 8.0
#: the legend's row under the drawing, set at the tags' size
LEGEND_HEIGHT = 20.0
#: the margin above and below a figure's units: room for a tag and a little more
TAGGED_MARGIN_Y = RADIUS + CLEARANCE + TAG_HEIGHT + 4.0


Segment = tuple[float, float, float, float]  # an edge: x0, y0, x1, y1
Box = tuple[float, float, float, float]  # x, y (its top), width, height


@dataclass(frozen=True)
class Placed:
    """A unit's name and its centre."""

    key: str
    name: Name
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    source: Placed
    target: Placed
    colour: str


@dataclass(frozen=True)
class Label:
    """A parameter's name and value, centred at (x, y) in a box `width` wide."""

    name: Name
    value: str
    x: float
    y: float
    width: float
    colour: str
    #: the index in Layout.edges of the edge it names (a weight's), or None (a bias's)
    edge: int | None = None

    @property
    def plain(self) -> str:
        return f"{self.name} = {self.value}"

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x - self.width / 2, self.y - LABEL_HEIGHT / 2, self.width, LABEL_HEIGHT)


@dataclass(frozen=True)
class Tag:
    """A unit's value (above it) or δ (below it) on the figure, centred at (x, y)."""

    unit: str  # the unit's key
    kind: str  # "a" or "delta"
    name: Name  # a, z, δ: the name the value is written after
    value: str
    x: float
    y: float
    width: float
    #: "z = value, " before "a = value" (a tag above a unit with a z)
    z_value: str | None = None
    #: ", δ = value" after it (a course-sized figure's one tag per unit)
    delta_value: str | None = None
    #: on an opaque background, edges passing under it (no place near its unit is off them)
    backed: bool = False

    @property
    def colour(self) -> str:
        return VALUE_COLOUR if self.kind == "a" else DELTA_COLOUR

    @property
    def plain(self) -> str:
        head = f"z = {self.z_value}, " if self.z_value is not None else ""
        tail = f", δ = {self.delta_value}" if self.delta_value is not None else ""
        return f"{head}{self.name} = {self.value}{tail}"

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x - self.width / 2, self.y - TAG_HEIGHT / 2, self.width, TAG_HEIGHT)


_Shifted = TypeVar("_Shifted", Tag, Label)


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    units: tuple[Placed, ...]
    edges: tuple[Edge, ...]
    labels: tuple[Label, ...]  # edge labels, then bias labels
    tags: tuple[Tag, ...] = ()
    #: indices into edges drawn highlighted (the focus weight's paths to the loss)
    highlighted: tuple[int, ...] = ()
    #: where the paths' legend starts (its sample stroke's left end)
    legend_at: tuple[float, float] = (0.0, 0.0)
    #: where the tags' key starts: one place (above; below on one line), or one for each
    key_at: tuple[tuple[float, float], ...] = ()
    #: the legend's words and the key's rows: their boxes, clear of everything else drawn
    legend_box: Box | None = None
    key_boxes: tuple[Box, ...] = ()


# -- label sizes ----------------------------------------------------------------------------------


def sans_width(text: str) -> float:
    """Text in DejaVu Sans, in em."""
    return sum(_SANS.get(c, 1.0 if ord(c) >= 0x2E80 else _SANS_DEFAULT) for c in text)


def svg_name_width(name: Name) -> float:
    """A name as svg_name sets it, in em of the label font."""
    width = sans_width(name.base)
    scripts = 0.0
    if name.sup is not None:
        scripts += SCRIPT * sans_width(name.sup)
    if isinstance(name.sub, str):
        scripts += SCRIPT * sans_width(name.sub)
    elif name.sub is not None:
        scripts += SCRIPT * svg_name_width(name.sub)
    return width + scripts


def label_width(name: Name, value: str) -> float:
    """A label's box width in px: the wider of its SVG text and its TikZ math, padded."""
    svg_text = svg_name_width(name) + sans_width(f" = {value}".replace("-", "\u2212"))  # as drawn
    tikz_math = (M.name(name) + M.relation("=") + M.number(E.Num(0.0, value))) * SMALL_TYPE
    return FONT * max(svg_text, tikz_math) + 2 * LABEL_PAD


def text_width(parts: Sequence[str | Name]) -> float:
    """Words and names in a row (the legend, the key), in em: the wider of DejaVu Sans and
    Computer Modern at its small designs."""
    sans = sum(sans_width(p) if isinstance(p, str) else svg_name_width(p) for p in parts)
    roman = sum(M.roman(p) if isinstance(p, str) else M.name(p) for p in parts)
    return max(sans, roman * SMALL_TYPE)


# -- layout -------------------------------------------------------------------------------------


def layout(diagram: Diagram) -> Layout:
    """Where every unit and every label goes, layers left to right, centred vertically."""
    names = diagram.names
    network = names.network
    pairs = len(network.layers) - 1
    labelled = diagram.labelled or (True,) * pairs
    tallest = max(len(units) for units in network.layers)
    biases = [b for b in network.biases if diagram.biases and labelled[b.layer - 1]]
    below = LABEL_HEIGHT + 2 * CLEARANCE if any(len(b.targets) == 1 for b in biases) else 0.0
    least = 2 * RADIUS + 2 * CLEARANCE + below
    if diagram.tags and any(labelled):  # a unit's δ and the next one's value between them
        least = max(least, 2 * RADIUS + 2 * TAG_HEIGHT + 3 * CLEARANCE + 1 + below)
    elif diagram.tags:  # one tag above each unit, plainly nearer it than the unit above
        least = max(least, 2 * RADIUS + TAG_HEIGHT + 2 * CLEARANCE + 12 + below)
    if not any(labelled):  # structure only: as tight as the circles allow, up to PLAIN_ROW_GAP
        row_gap = max(least, min(PLAIN_ROW_GAP, TIGHT_HEIGHT / max(tallest - 1, 1)))
    elif tallest <= 6:
        # a figure's tags take the room of a row's labels: its rows closer, grown if crowded
        row_gap = FIGURE_ROW_GAP if diagram.tags else ROW_GAP
    else:
        row_gap = max(least, TIGHT_HEIGHT / (tallest - 1))
    widths = {w.name: label_width(names.of[w.symbol], given(w.value, diagram.digits))
              for w in network.weights}  # fmt: skip
    gaps = [
        max(LABELLED_GAP, 2 * RADIUS + 2.4 * _widest(network, widths, pair))
        if labelled[pair]
        else PLAIN_GAP
        for pair in range(pairs)
    ]
    if diagram.tags and not any(labelled):  # one-line tags side by side clear of each other
        a = Name("a", plain="a")
        widest = max(tag_width(a, t.a, None, t.delta) for t in diagram.tags)
        gaps = [max(gap, widest + 4 * CLEARANCE) for gap in gaps]
    legend = LEGEND_HEIGHT if diagram.legend is not None else 0.0
    for round_ in range(80):  # spread a crowded pair until its labels fit (a few rounds)
        margin_y = TAGGED_MARGIN_Y if diagram.tags else MARGIN_Y
        height = 2 * margin_y + (tallest - 1) * row_gap + (2 * LABEL_HEIGHT if biases else 0)
        if diagram.tags and biases:  # a bias's label goes under its unit's δ
            height += 2 * TAG_HEIGHT
        placed = _units(diagram, gaps, row_gap, height)
        found_tags = _tags(diagram, placed, height, one_line=not any(labelled))
        if isinstance(found_tags, int):  # columns and rows apart leave room beside the unit
            for pair in (found_tags - 1, found_tags):
                if 0 <= pair < pairs:
                    gaps[pair] += GAP_STEP
            row_gap += ROW_STEP
            continue
        tags = found_tags
        found_biases = _bias_labels(
            diagram, placed, biases, _segments(diagram, placed), [t.box for t in tags]
        )
        if isinstance(found_biases, int):  # rows apart, then shallower edges leave room under it
            for pair in (found_biases - 1, found_biases):
                if 0 <= pair < pairs and round_ % 3 == 2:
                    gaps[pair] += GAP_STEP
            row_gap += ROW_STEP
            continue
        bias_labels = found_biases
        crowded = None
        edge_labels: list[Label] = []
        for pair in range(pairs):
            if not labelled[pair]:
                continue
            found = _place_pair(diagram, placed, pair, widths, bias_labels, tags)
            if found is None:
                crowded = pair
                break
            edge_labels += found
        if crowded is None:
            break
        # wider and a little taller: rows apart part lines at a crossing, columns apart shorten
        # the stretch of each line under a box; the page has little room down for a figure
        row_gap += ROW_STEP
        gaps[crowded] += GAP_STEP
    else:  # pragma: no cover - the tests place every pair the content may label
        raise RuntimeError("cannot place the diagram's labels")
    edges = tuple(
        Edge(placed[source.name], placed[target.name], _colour(source.index))
        for _, source, target in network.connections  # a tied weight on each of its edges
    )
    width = 2 * MARGIN_X + sum(gaps)
    if diagram.tags:  # an input's value left of it, an output's right of it may stick out
        width += 2 * _tag_overhang(tags, placed)
        shift = _tag_overhang(tags, placed)
        placed = {k: Placed(p.key, p.name, p.x + shift, p.y) for k, p in placed.items()}
        tags = [_moved(t, shift) for t in tags]
        edge_labels = [_moved(label, shift) for label in edge_labels]
        bias_labels = [_moved(label, shift) for label in bias_labels]
        edges = tuple(Edge(placed[e.source.key], placed[e.target.key], e.colour) for e in edges)
    # a bias's label set beside an output unit may reach past the columns' right margin
    right = max([b[0] + b[2] for b in _boxes(edge_labels, bias_labels, tags)] + [0.0])
    width = max(width, right + CLEARANCE)
    # the legend's row under everything drawn: a tag moved off the edges may reach lower
    bottom = max([b[1] + b[3] for b in _boxes(edge_labels, bias_labels, tags)] + [height])
    if bottom > height - CLEARANCE:
        height = bottom + CLEARANCE
    legend_at = (MARGIN_X, height + LEGEND_HEIGHT / 2)
    key_at: tuple[tuple[float, float], ...] = ()
    if legend and not any(labelled):
        # a course-sized net's figure is tall and narrow: its legend in rows at its right,
        # where the page has room, rather than a row under it
        x = max([p.x + RADIUS for p in placed.values()] + [t.x + t.width / 2 for t in tags]) + 12
        y = height / 2 - LEGEND_HEIGHT
        legend_at = (x, y)
        rows = key_rows(diagram, one_row=False)
        key_at = tuple((x, y + LEGEND_HEIGHT * (k + 1)) for k in range(len(rows)))
        ems = [_legend_width(diagram) + 40 / TAG_FONT] + [text_width([r]) for r in rows]
        width = x + TAG_FONT * max(ems) + CLEARANCE
        legend = 0.0
    elif diagram.key is not None:  # beside the paths' legend if it fits, else on a row below
        after = MARGIN_X + 40 + TAG_FONT * _legend_width(diagram) + 24
        if after + TAG_FONT * text_width(key_rows(diagram, one_row=True)) <= width - MARGIN_X:
            key_at = ((after, height + legend / 2),)
        else:
            key_at = ((MARGIN_X, height + legend * 1.5),)
            legend *= 2
    legend_box = None
    if diagram.legend is not None:
        legend_box = _text_box(legend_at[0] + 40, legend_at[1], _legend_width(diagram))
    rows = key_rows(diagram, one_row=len(key_at) == 1)
    key_boxes = tuple(
        _text_box(x, y, text_width([row])) for (x, y), row in zip(key_at, rows, strict=True)
    )
    return Layout(
        width,
        height + legend,
        tuple(placed.values()),
        edges,
        (*edge_labels, *bias_labels),
        tuple(tags),
        diagram.highlighted,
        legend_at,
        key_at,
        legend_box,
        key_boxes,
    )


def _boxes(*groups: Sequence[Tag | Label]) -> list[Box]:
    return [item.box for group in groups for item in group]


def _text_box(x: float, y: float, em: float) -> Box:
    """A row of the legend's type starting at x, centred on y: its box."""
    return (x, y - TAG_HEIGHT / 2, TAG_FONT * em, TAG_HEIGHT)


def _legend_width(diagram: Diagram) -> float:
    """The paths' legend's words and name, in em."""
    if diagram.legend is None:
        return 0.0
    return text_width(diagram.legend)


#: δ as the key writes it (δ = ∂L/∂z: the backward pass says it)
KEY_FORMULA = "δ"


class KeySymbol(str):
    """A symbol of the key (z, a): set as mathematics, italic, as the tags set it."""

    __slots__ = ()


def key_rows(diagram: Diagram, *, one_row: bool) -> list[str]:
    """The tags' key as plain rows: what is above a unit and what below, on one row or two;
    only the first where nothing is below (a course-sized figure's one tag per unit)."""
    if diagram.key is None:
        return []
    rows = key_parts(diagram, one_row=one_row)
    return ["".join(KEY_FORMULA if p is None else p for p, _ in row) for row in rows]


def key_parts(diagram: Diagram, *, one_row: bool) -> list[list[tuple[str | None, str]]]:
    """The key's rows as (words or None for δ, colour) runs: what is above a unit in the
    values' colour, what below in the δs', a δ ("{}") always in the δs' colour."""
    if diagram.key is None:
        return []

    def runs(text: str, colour: str) -> list[tuple[str | None, str]]:
        found: list[tuple[str | None, str]] = []
        for part in re.split(r"(\{[za]?\})", text):
            if part == "{}":
                found.append((None, DELTA_COLOUR))
            elif part in ("{z}", "{a}"):
                found.append((KeySymbol(part[1]), colour))
            elif part:
                found.append((part, colour))
        return found

    above, below = diagram.key
    rows = [runs(above, VALUE_COLOUR)]
    if below:
        rows.append(runs(below, DELTA_COLOUR))
    if one_row and len(rows) == 2:
        rows = [[*rows[0], (diagram.key_separator, "#333333"), *rows[1]]]
    return rows


def _tag_overhang(tags: list[Tag], placed: dict[str, Placed]) -> float:
    """How far the widest tag reaches past the margin beside the first or last column."""
    if not tags:
        return 0.0
    left = min(t.x - t.width / 2 for t in tags)
    right = max(t.x + t.width / 2 for t in tags)
    first = min(p.x for p in placed.values())
    last = max(p.x for p in placed.values())
    reach = max(first - MARGIN_X - left, right - (last + MARGIN_X), 0.0)
    return reach + (CLEARANCE if reach else 0.0)


def _moved(item: _Shifted, shift: float) -> _Shifted:
    return replace(item, x=item.x + shift)


def tag_width(
    name: Name, value: str, z_value: str | None = None, delta_value: str | None = None
) -> float:
    """A tag's box width in px, as label_width at the tags' smaller type (whose small designs
    SMALL_TYPE allows for)."""
    width = label_width(name, value)
    for other, text in (("z", z_value), ("δ", delta_value)):
        if text is not None:
            width += label_width(Name(other, plain=other), text) - 2 * LABEL_PAD + FONT * 0.6
    return (width - 2 * LABEL_PAD) * TAG_FONT / FONT + 2 * LABEL_PAD


#: where a tag may sit, as (sideways, away) from its place centred just above (below) its unit:
#: sideways in fractions of its width, away from the unit in px; nearest first
TAG_SHIFTS = tuple(
    sorted(
        ((k / 10, lift) for k in range(-5, 6) for lift in (0.0, 5.0, 10.0)),
        key=lambda s: (abs(s[0]) * 40 + s[1], s[0]),
    )
)


def _tags(
    diagram: Diagram, placed: dict[str, Placed], height: float, *, one_line: bool = False
) -> list[Tag] | int:
    """Each unit's value just above its circle and its δ just below, off every other tag and
    unit, nearer their own unit than any other: centred where no edge runs there, else moved a
    little aside or away to where none does (TAG_SHIFTS); where every such place has an edge
    (a middle unit's steep edges fan out under it), at the nearest off the focus weight's
    paths, else the nearest, on an opaque background the edges pass under. `one_line`: a, δ
    in one tag above (a course-sized net's columns are too close for z, its rows for two
    tags). The layer of a unit whose tag has no place clear of the other tags and units, if
    one has none."""
    a, delta = (Name(base, plain=base) for base in ("a", "δ"))
    step = RADIUS + CLEARANCE + TAG_HEIGHT / 2
    segments = _segments(diagram, placed)
    # a highlighted edge is as wide as the highlighter's stroke under it
    margins = [1 + HIGHLIGHT_WIDTH / 2 * (k in diagram.highlighted) for k in range(len(segments))]
    circles = [(p.x, p.y, RADIUS + CLEARANCE) for p in placed.values()]
    units = diagram.names.network.units
    tags: list[Tag] = []

    last = len(diagram.names.network.layers) - 1

    def place(tag: Tag, direction: float) -> bool:
        unit = placed[tag.unit]
        layer = units[tag.unit].layer
        outwards = -1.0 if layer == 0 else 1.0 if layer == last else 0.0
        nearest: tuple[float, float] | None = None  # the first place clear of tags and units
        off_paths: tuple[float, float] | None = None  # the first also off the highlighted edges
        for dx, lift in TAG_SHIFTS:
            x = unit.x + dx * tag.width
            y = unit.y + direction * (step + lift)
            box = (x - tag.width / 2, y - TAG_HEIGHT / 2, tag.width, TAG_HEIGHT)
            if box[1] < CLEARANCE or box[1] + box[3] > height - CLEARANCE:
                continue
            own = (x - unit.x) ** 2 + (y - unit.y) ** 2
            if any(
                (x - p.x) ** 2 + (y - p.y) ** 2 <= own for k, p in placed.items() if k != tag.unit
            ):
                continue
            if any(_boxes_meet(box, t.box) for t in tags):
                continue
            if any(_box_meets_circle(box, c) for c in circles):
                continue
            crossed = [
                k
                for k, (s, margin) in enumerate(zip(segments, margins, strict=True))
                if _segment_meets_box(s, _grown(box, margin))
            ]
            if dx * outwards > 0:
                continue  # the first and last columns' tags move inwards: the page is narrow
            if not crossed:
                tags.append(replace(tag, x=x, y=y))
                return True
            if not any(k in diagram.highlighted for k in crossed) and off_paths is None:
                off_paths = (x, y)
            if nearest is None:
                nearest = (x, y)
        # no place off every edge: the nearest (plainly its unit's), or the nearest off the
        # focus weight's paths (never hidden), on an opaque background the edges pass under
        chosen = off_paths if diagram.highlighted and off_paths is not None else nearest
        if chosen is None:
            return False
        tags.append(replace(tag, x=chosen[0], y=chosen[1], backed=True))
        return True

    for tag in diagram.tags:
        unit = placed[tag.unit]
        if one_line:
            width = tag_width(a, tag.a, None, tag.delta)
            first = Tag(tag.unit, "a", a, tag.a, unit.x, unit.y, width, None, tag.delta)
        else:
            first = Tag(tag.unit, "a", a, tag.a, unit.x, unit.y, tag_width(a, tag.a, tag.z), tag.z)
        layer = units[tag.unit].layer
        if not place(first, -1.0):
            return layer
        if tag.delta is not None and not one_line:
            width = tag_width(delta, tag.delta)
            if not place(Tag(tag.unit, "delta", delta, tag.delta, unit.x, unit.y, width), 1.0):
                return layer
    return tags


def _widest(network: Network, widths: dict[str, float], pair: int) -> float:
    return max(widths[w.name] for w, _, target in network.connections if target.layer == pair + 1)


def _colour(source_index: int) -> str:
    return PALETTE[source_index % len(PALETTE)]


def _units(diagram: Diagram, gaps: list[float], row_gap: float, height: float) -> dict[str, Placed]:
    names = diagram.names
    placed: dict[str, Placed] = {}
    x = MARGIN_X
    for layer, units in enumerate(names.network.layers):
        if layer:
            x += gaps[layer - 1]
        top = (height - (len(units) - 1) * row_gap) / 2
        for unit in units:
            placed[unit.name] = Placed(unit.name, names.of[unit.a], x, top + unit.index * row_gap)
    return placed


def _segments(diagram: Diagram, placed: dict[str, Placed]) -> list[Segment]:
    """Every edge as (x0, y0, x1, y1), in the network's connection order."""
    return [
        (placed[s.name].x, placed[s.name].y, placed[t.name].x, placed[t.name].y)
        for _, s, t in diagram.names.network.connections
    ]


def _bias_labels(
    diagram: Diagram,
    placed: dict[str, Placed],
    biases: list[Bias],
    segments: list[Segment],
    tag_boxes: list[tuple[float, float, float, float]] | None = None,
) -> list[Label] | int:
    """Each bias's label under the lowest unit it feeds, or, where an edge runs there, above
    its highest unit or beside it: never on an edge, where it would read as that edge's; the
    layer of a bias whose label finds no such place (its columns must move apart)."""
    names = diagram.names
    circles = [(p.x, p.y, RADIUS + CLEARANCE) for p in placed.values()]
    labels: list[Label] = []
    for bias in biases:
        fed = [placed[u.name] for u in bias.targets]
        lowest = max(fed, key=lambda p: p.y)
        highest = min(fed, key=lambda p: p.y)
        value = given(bias.value, diagram.digits)
        name = names.of[bias.symbol]
        width = label_width(name, value)
        step = RADIUS + CLEARANCE + LABEL_HEIGHT / 2
        if diagram.tags:  # under the δ below the unit, over the value above it
            step += TAG_HEIGHT + CLEARANCE
        # under its lowest unit or over its highest, moved aside or away if an edge runs there
        candidates = [
            (unit.x + dx * width, unit.y + direction * (step + lift))
            for unit, direction in ((lowest, 1.0), (highest, -1.0))
            for dx, lift in TAG_SHIFTS
        ]
        taken = [label.box for label in labels] + list(tag_boxes or ())
        for cx, cy in candidates:
            box = (cx - width / 2, cy - LABEL_HEIGHT / 2, width, LABEL_HEIGHT)
            if box[1] >= CLEARANCE and _box_is_clear(box, segments, taken, circles):
                labels.append(Label(name, value, cx, cy, width, BIAS_COLOUR))
                break
        else:
            return bias.layer
    return labels


def _grown(box: Box, margin: float) -> Box:
    return (box[0] - margin, box[1] - margin, box[2] + 2 * margin, box[3] + 2 * margin)


def _box_is_clear(
    box: Box, segments: list[Segment], boxes: list[Box], circles: list[tuple[float, float, float]]
) -> bool:
    """Whether a box (a bias's label, which names no edge) meets no edge, box or unit."""
    grown = (box[0] - 1, box[1] - 1, box[2] + 2, box[3] + 2)
    return (
        not any(_segment_meets_box(s, grown) for s in segments)
        and not any(_boxes_meet(box, other) for other in boxes)
        and not any(_box_meets_circle(box, circle) for circle in circles)
    )


def _place_pair(
    diagram: Diagram,
    placed: dict[str, Placed],
    pair: int,
    widths: dict[str, float],
    taken: list[Label],
    tags: Sequence[Tag] = (),
) -> list[Label] | None:
    """Labels for the edges into layer pair + 1, each centred on its own edge where its box
    meets no other edge (so it is nearest its own and away from every crossing), no unit and
    no label placed before; None if one finds no such place."""
    names = diagram.names
    network = names.network
    circles = [(p.x, p.y, RADIUS + CLEARANCE) for p in placed.values()]
    boxes = [label.box for label in taken] + [tag.box for tag in tags]
    segments = _segments(diagram, placed)
    found = []
    for index, (weight, source_unit, target_unit) in enumerate(network.connections):
        if target_unit.layer != pair + 1:
            continue
        source, target = placed[source_unit.name], placed[target_unit.name]
        width = widths[weight.name]
        others = [s for i, s in enumerate(segments) if i != index]
        for t in POSITIONS:
            x = source.x + t * (target.x - source.x)
            y = source.y + t * (target.y - source.y)
            box = (x - width / 2, y - LABEL_HEIGHT / 2, width, LABEL_HEIGHT)
            if box[0] < source.x + RADIUS or box[0] + box[2] > target.x - RADIUS:
                continue
            if not _box_is_free(box, others, boxes, circles):
                continue
            boxes.append(box)
            found.append(
                Label(
                    names.of[weight.symbol],
                    given(weight.value, diagram.digits),
                    x,
                    y,
                    width,
                    _colour(source_unit.index),
                    index,
                )
            )
            break
        else:
            return None
    return found


def _box_is_free(
    box: tuple[float, float, float, float],
    segments: list[Segment],
    boxes: list[tuple[float, float, float, float]],
    circles: list[tuple[float, float, float]],
) -> bool:
    inset = CORE * box[2]
    grown = (box[0] + inset, box[1] - CLEARANCE, box[2] - 2 * inset, box[3] + 2 * CLEARANCE)
    return (
        not any(_segment_meets_box(s, grown) for s in segments)
        and not any(_boxes_meet(box, other) for other in boxes)
        and not any(_box_meets_circle(box, circle) for circle in circles)
    )


def _segment_meets_box(segment: Segment, box: tuple[float, float, float, float]) -> bool:
    """Whether a segment passes through a box (Liang–Barsky clipping)."""
    x0, y0, x1, y1 = segment
    bx, by, bw, bh = box
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - bx), (dx, bx + bw - x0), (-dy, y0 - by), (dy, by + bh - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            low = max(low, r)
        else:
            high = min(high, r)
        if low > high:
            return False
    return True


def _boxes_meet(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    gap = CLEARANCE
    return (
        a[0] < b[0] + b[2] + gap
        and b[0] < a[0] + a[2] + gap
        and a[1] < b[1] + b[3] + gap
        and b[1] < a[1] + a[3] + gap
    )


def _box_meets_circle(box: tuple[float, ...], circle: tuple[float, float, float]) -> bool:
    x, y, w, h = box
    cx, cy, r = circle
    nearest_x = min(max(cx, x), x + w)
    nearest_y = min(max(cy, y), y + h)
    return (nearest_x - cx) ** 2 + (nearest_y - cy) ** 2 < r * r


# -- SVG ------------------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg_name(name: Name) -> str:
    """A name as SVG text: subscripts and superscripts as shifted, smaller tspans."""
    base = escape(name.base)
    text = f'<tspan font-style="italic">{base}</tspan>' if len(name.base) == 1 else base
    if name.sup is not None:
        text += f'<tspan baseline-shift="super" font-size="70%">{escape(name.sup)}</tspan>'
    if name.sub is not None:
        sub = escape(name.sub) if isinstance(name.sub, str) else svg_name(name.sub)
        text += f'<tspan baseline-shift="sub" font-size="70%">{sub}</tspan>'
    return text


def svg(diagram: Diagram, title: str = "network") -> str:
    """The network as a standalone SVG element (no scripts, no external references) that
    scales down to its column."""
    plan = layout(diagram)
    width, height = plan.width * SVG_SCALE, plan.height * SVG_SCALE
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" '
        f'height="{_n(height)}" viewBox="0 0 {_n(plan.width)} {_n(plan.height)}" '
        # scales down to its column, and a very tall one to a page
        'style="max-width: 100%; max-height: 22cm; height: auto" '
        f'role="img" aria-label="{escape(title)}" '
        f'font-family="\'DejaVu Sans\', Verdana, sans-serif" font-size="{_n(FONT)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index in plan.highlighted:  # a highlighter's stroke under the focus weight's paths
        edge = plan.edges[index]
        lines.append(
            f'<line class="highlight" x1="{_n(edge.source.x)}" y1="{_n(edge.source.y)}" '
            f'x2="{_n(edge.target.x)}" y2="{_n(edge.target.y)}" stroke="{HIGHLIGHT}" '
            f'stroke-width="{_n(HIGHLIGHT_WIDTH)}" stroke-opacity="0.6" stroke-linecap="round"/>'
        )
    for index, edge in enumerate(plan.edges):
        heavy = index in plan.highlighted
        lines.append(
            f'<line x1="{_n(edge.source.x)}" y1="{_n(edge.source.y)}" x2="{_n(edge.target.x)}" '
            f'y2="{_n(edge.target.y)}" stroke="{edge.colour}" '
            + (
                'stroke-width="2.2" stroke-opacity="1"/>'
                if heavy
                else 'stroke-width="1.2" stroke-opacity="0.75"/>'
            )
        )
    for unit in plan.units:
        lines.append(
            f'<circle cx="{_n(unit.x)}" cy="{_n(unit.y)}" r="{_n(RADIUS)}" fill="#eef3fb" '
            'stroke="#345" stroke-width="1.5"/>'
        )
        lines.append(
            f'<text class="unit" x="{_n(unit.x)}" y="{_n(unit.y + 4.5)}" '
            f'text-anchor="middle">{svg_name(unit.name)}</text>'
        )
    for label in plan.labels:
        x, y, width, height = label.box
        lines.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" rx="3" '
            f'fill="white" stroke="{label.colour}" stroke-width="0.6"'
            + (' stroke-dasharray="3 2"/>' if label.edge is None else "/>")
        )
        lines.append(
            f'<text class="label" x="{_n(label.x)}" y="{_n(label.y + BASELINE)}" '
            f'text-anchor="middle" fill="{label.colour}">'
            f"{svg_name(label.name)} = {_svg_number(label.value)}</text>"
        )
    lines += _svg_tags(plan)
    if diagram.legend is not None:
        lines += _svg_legend(plan, diagram.legend)
    for (x, y), row in zip(
        plan.key_at, key_parts(diagram, one_row=len(plan.key_at) == 1), strict=True
    ):
        text = "".join(
            f'<tspan fill="{colour}"'
            + (' font-style="italic"' if isinstance(part, KeySymbol) else "")
            + f">{escape(KEY_FORMULA if part is None else part)}</tspan>"
            for part, colour in row
        )
        lines.append(
            f'<text class="key" x="{_n(x)}" y="{_n(y + 4)}" font-size="{_n(TAG_FONT)}">'
            f"{text}</text>"
        )
    lines.append("</svg>")
    return "\n".join(lines)


def _svg_tags(plan: Layout) -> list[str]:
    lines = []
    for tag in plan.tags:
        x, y, width, height = tag.box
        z = (
            f'<tspan font-style="italic">z</tspan> = {_svg_number(tag.z_value)}, '
            if tag.z_value is not None
            else ""
        )
        lines += [
            f'<rect class="tag" data-unit="{escape(tag.unit)}" x="{_n(x)}" y="{_n(y)}" '
            f'width="{_n(width)}" height="{_n(height)}" fill="white"/>',
            f'<text class="tag-{tag.kind}" x="{_n(tag.x)}" y="{_n(tag.y + 4)}" '
            f'text-anchor="middle" font-size="{_n(TAG_FONT)}" fill="{tag.colour}">'
            f"{z}{svg_name(tag.name)} = {_svg_number(tag.value)}{_svg_delta(tag)}</text>",
        ]
    return lines


def _svg_delta(tag: Tag) -> str:
    """A one-line tag's δ, in the δs' colour."""
    if tag.delta_value is None:
        return ""
    return f', <tspan fill="{DELTA_COLOUR}">δ = {_svg_number(tag.delta_value)}</tspan>'


def _svg_number(value: str) -> str:
    """A printed value as the body sets it: a minus sign (U+2212), not a hyphen."""
    return escape(value.replace("-", "\u2212"))


def _svg_legend(plan: Layout, legend: tuple[str, Name, str]) -> list[str]:
    before, name, after = legend
    x, y = plan.legend_at
    stroke = f'x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 30)}" y2="{_n(y)}"'
    # the highlighter's stroke alone: it is what marks the paths, whose edges keep each its
    # source's colour (a black core matched none of them)
    return [
        f'<line class="highlight" {stroke} stroke="{HIGHLIGHT}" '
        f'stroke-width="{_n(HIGHLIGHT_WIDTH)}" stroke-opacity="0.6" stroke-linecap="round"/>',
        f'<text class="legend" x="{_n(x + 40)}" y="{_n(y + 4)}" font-size="{_n(TAG_FONT)}">'
        f"{escape(before)}{svg_name(name)}{escape(after)}</text>",
    ]


# -- TikZ -----------------------------------------------------------------------------------------


def tikz_scale(plan: Layout, page: Paper) -> float:
    """cm per SVG px: TIKZ_SCALE, or less if the drawing would not fit the text width or
    most of its height."""
    text_width_cm = page.width_cm - 4.0
    text_height_cm = page.height_cm - 4.0
    return min(TIKZ_SCALE, 0.98 * text_width_cm / plan.width, 0.8 * text_height_cm / plan.height)


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{{rgb,255:red,{red};green,{green};blue,{blue}}}"


def tikz(diagram: Diagram, page: Paper | None = None) -> str:
    """The network as a TikZ picture: the same layout, scaled to fit the page, with type at
    the SVG's size relative to the drawing."""
    plan = layout(diagram)
    scale = tikz_scale(plan, page or paper())
    size = FONT * scale * 72.27 / 2.54  # the type size in pt
    font = rf"\fontsize{{{size:.2f}}}{{{size * 1.2:.2f}}}\selectfont"
    diameter = 2 * RADIUS * scale
    lines = [rf"\begin{{tikzpicture}}[x={scale:.5f}cm,y=-{scale:.5f}cm]"]
    for unit in plan.units:
        lines.append(
            rf"\node[circle,draw,fill=blue!5,minimum size={diameter:.3f}cm,inner sep=0pt,"
            rf"font={font}] ({unit.key}) at ({_n(unit.x)},{_n(unit.y)}) "
            rf"{{${latex_math.name(unit.name)}$}};"
        )
    highlight = rf"color={_rgb(HIGHLIGHT)},opacity=0.6,line width={HIGHLIGHT_WIDTH * scale:.3f}cm"
    for index in plan.highlighted:
        edge = plan.edges[index]
        lines.append(
            rf"\draw[{highlight},line cap=round] ({edge.source.key}) -- ({edge.target.key});"
        )
    for index, edge in enumerate(plan.edges):
        heavy = "line width=1.1pt" if index in plan.highlighted else "opacity=0.75"
        lines.append(
            rf"\draw[color={_rgb(edge.colour)},{heavy}] ({edge.source.key}) -- "
            rf"({edge.target.key});"
        )
    for label in plan.labels:
        x, y, width, height = label.box
        lines.append(
            rf"\node[fill=white,draw={_rgb(label.colour)},line width=0.3pt,rounded corners=1pt,"
            + ("dashed," if label.edge is None else "")
            + rf"inner sep=0pt,minimum width={width * scale:.3f}cm,"
            rf"minimum height={height * scale:.3f}cm,text={_rgb(label.colour)},font={font}] "
            rf"at ({_n(label.x)},{_n(label.y)}) "
            rf"{{${latex_math.name(label.name)} = {label.value}$}};"
        )
    tag_size = TAG_FONT * scale * 72.27 / 2.54
    tag_font = rf"\fontsize{{{tag_size:.2f}}}{{{tag_size * 1.2:.2f}}}\selectfont"
    for tag in plan.tags:
        number = latex_math.math(E.Num(0.0, tag.value))
        z = ""
        if tag.z_value is not None:
            z = "z = " + latex_math.math(E.Num(0.0, tag.z_value)) + ",\\ "
        lines.append(
            rf"\node[inner sep=0pt,fill=white,"
            rf"minimum width={tag.width * scale:.3f}cm,minimum height={TAG_HEIGHT * scale:.3f}cm,"
            rf"text={_rgb(tag.colour)},font={tag_font}] at ({_n(tag.x)},{_n(tag.y)}) "
            rf"{{${z}{latex_math.name(tag.name)} = {number}${_tikz_delta(tag)}}}; "
            f"% {tag.kind} of {tag.unit}"
        )
    if diagram.legend is not None:
        before, name, after = diagram.legend
        x, y = plan.legend_at
        legend_width = plan.legend_box[2] if plan.legend_box is not None else 0.0
        lines += [
            rf"\draw[{highlight},line cap=round] ({_n(x)},{_n(y)}) -- ({_n(x + 30)},{_n(y)});",
            rf"\node[anchor=west,inner sep=0pt,minimum width={legend_width * scale:.3f}cm,"
            rf"font={tag_font}] at ({_n(x + 40)},{_n(y)}) "
            rf"{{{latex_math.escape(before)}${latex_math.name(name)}${latex_math.escape(after)}}}; "
            "% legend",
        ]
    for (x, y), box, row in zip(
        plan.key_at, plan.key_boxes, key_parts(diagram, one_row=len(plan.key_at) == 1), strict=True
    ):
        text = "".join(
            rf"\textcolor[HTML]{{{colour[1:]}}}{{"
            + (
                r"$\delta$"
                if part is None
                else f"${part}$"
                if isinstance(part, KeySymbol)
                else latex_math.escape(part)
            )
            + "}"
            for part, colour in row
        )
        lines.append(
            rf"\node[anchor=west,inner sep=0pt,minimum width={box[2] * scale:.3f}cm,"
            rf"font={tag_font}] at ({_n(x)},{_n(y)}) {{{text}}}; % key"
        )
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def _tikz_delta(tag: Tag) -> str:
    if tag.delta_value is None:
        return ""
    number = latex_math.math(E.Num(0.0, tag.delta_value))
    return rf", \textcolor[HTML]{{{DELTA_COLOUR[1:]}}}{{$\delta = {number}$}}"


# -- text -----------------------------------------------------------------------------------------


def text_lines(diagram: Diagram) -> list[str]:
    """The figure's numbers where there is no picture (plain text): a line per unit, then the
    highlighted edges; nothing for a diagram without tags (the prose names every weight)."""
    if not diagram.tags:
        return []
    names = diagram.names
    network = names.network
    lines = []
    for tag in diagram.tags:
        unit = network.units[tag.unit]
        numbers = ([f"z = {tag.z}"] if tag.z is not None else []) + [f"a = {tag.a}"]
        numbers += [f"δ = {tag.delta}"] if tag.delta is not None else []
        lines.append(f"  {names.of[unit.a]}: " + ", ".join(numbers))
    if diagram.key is not None:
        lines.insert(0, key_rows(diagram, one_row=True)[0])
    if diagram.legend is not None and diagram.highlighted:
        before, name, after = diagram.legend
        edges = [
            f"{names.of[s.a]} → {names.of[t.a]} ({names.of[w.symbol]})"
            for index, (w, s, t) in enumerate(network.connections)
            if index in diagram.highlighted
        ]
        lines.append(f"  {before}{name}{after}: " + ", ".join(edges))
    return lines
