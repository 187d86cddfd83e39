"""The network drawn: units in columns, every edge labelled with its weight's name and value,
every bias's value beneath its unit (or its layer).

One layout feeds two drawings: SVG (HTML and Markdown), whose names are set with the same
subscripts and superscripts as the formulas (w₁, w⁽¹⁾₂₁, b_h₁), and TikZ (LaTeX), whose names
are the formulas' own LaTeX. Labels sit at staggered points along their edges so that the labels
of edges leaving the same unit, or crossing in the middle, do not cover each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from symbp.content.blocks import Diagram
from symbp.content.expr import Name
from symbp.content.numbers import given
from symbp.formats import latex

COLUMN_GAP = 300.0
ROW_GAP = 110.0
RADIUS = 20.0
MARGIN = 70.0


@dataclass(frozen=True)
class Placed:
    """A unit's name and its centre."""

    key: str
    name: Name
    x: float
    y: float


@dataclass(frozen=True)
class Label:
    """A parameter's name and value at a point of the drawing."""

    name: Name
    value: str
    x: float
    y: float
    source: Placed | None = None  # for an edge label, the edge's ends
    target: Placed | None = None

    @property
    def plain(self) -> str:
        return f"{self.name} = {self.value}"


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    units: tuple[Placed, ...]
    edges: tuple[Label, ...]
    biases: tuple[Label, ...]


def layout(diagram: Diagram) -> Layout:
    """Where every unit and every label goes, layers left to right, centred vertically."""
    names = diagram.names
    network = names.network
    tallest = max(len(units) for units in network.layers)
    height = 2 * MARGIN + (tallest - 1) * ROW_GAP
    placed: dict[str, Placed] = {}
    for layer, units in enumerate(network.layers):
        top = (height - (len(units) - 1) * ROW_GAP) / 2
        for unit in units:
            placed[unit.name] = Placed(
                unit.name, names.of[unit.a], MARGIN + layer * COLUMN_GAP, top + unit.index * ROW_GAP
            )
    edges = []
    for weight in network.weights:
        source, target = placed[weight.source.name], placed[weight.target.name]
        fan = len(network.layers[weight.target.layer])
        position = 0.2 + 0.6 * (weight.target.index + 0.5) / fan
        edges.append(
            Label(
                names.of[weight.symbol],
                given(weight.value, diagram.digits),
                source.x + position * (target.x - source.x),
                source.y + position * (target.y - source.y),
                source,
                target,
            )
        )
    biases = []
    if diagram.biases:
        for bias in network.biases:
            fed = [placed[u.name] for u in bias.targets]
            lowest = max(fed, key=lambda p: p.y)
            biases.append(
                Label(
                    names.of[bias.symbol],
                    given(bias.value, diagram.digits),
                    lowest.x,
                    lowest.y + RADIUS + 18,
                )
            )
    width = 2 * MARGIN + (len(network.layers) - 1) * COLUMN_GAP
    height += 30 if biases else 0
    return Layout(width, height, tuple(placed.values()), tuple(edges), tuple(biases))


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


def _label_width(label: Label) -> float:
    # about 7.5 px per character at 13 px, subscripts a little less
    return 7.2 * len(label.plain) + 8


def svg(diagram: Diagram, title: str = "network") -> str:
    """The network as a standalone SVG element (no scripts, no external references)."""
    plan = layout(diagram)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(plan.width)}" '
        f'height="{_n(plan.height)}" viewBox="0 0 {_n(plan.width)} {_n(plan.height)}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    for edge in plan.edges:
        assert edge.source is not None and edge.target is not None
        lines.append(
            f'<line x1="{_n(edge.source.x)}" y1="{_n(edge.source.y)}" x2="{_n(edge.target.x)}" '
            f'y2="{_n(edge.target.y)}" stroke="#777" stroke-width="1.2"/>'
        )
    for unit in plan.units:
        lines.append(
            f'<circle cx="{_n(unit.x)}" cy="{_n(unit.y)}" r="{_n(RADIUS)}" fill="#eef3fb" '
            'stroke="#345" stroke-width="1.5"/>'
        )
        lines.append(
            f'<text x="{_n(unit.x)}" y="{_n(unit.y + 4.5)}" text-anchor="middle">'
            f"{svg_name(unit.name)}</text>"
        )
    for label in (*plan.edges, *plan.biases):
        width = _label_width(label)
        colour = "#a0300e" if label.source is not None else "#1d5e2a"
        lines.append(
            f'<rect x="{_n(label.x - width / 2)}" y="{_n(label.y - 9)}" width="{_n(width)}" '
            'height="18" rx="3" fill="white" fill-opacity="0.9"/>'
        )
        lines.append(
            f'<text x="{_n(label.x)}" y="{_n(label.y + 4.5)}" text-anchor="middle" '
            f'fill="{colour}">{svg_name(label.name)} = {escape(label.value)}</text>'
        )
    lines.append("</svg>")
    return "\n".join(lines)


def tikz(diagram: Diagram, page: object = None) -> str:
    """The network as a TikZ picture, the same layout as the SVG (1 SVG pixel = 0.018 cm)."""
    plan = layout(diagram)
    scale = 0.018
    lines = [rf"\begin{{tikzpicture}}[x={scale}cm,y=-{scale}cm]"]
    for unit in plan.units:
        lines.append(
            rf"\node[circle,draw,fill=blue!5,minimum size=0.7cm,inner sep=0pt] "
            rf"({unit.key}) at ({_n(unit.x)},{_n(unit.y)}) {{${latex.name(unit.name)}$}};"
        )
    for edge in plan.edges:
        assert edge.source is not None and edge.target is not None
        lines.append(rf"\draw[->,gray] ({edge.source.key}) -- ({edge.target.key});")
    for label in (*plan.edges, *plan.biases):
        lines.append(
            rf"\node[fill=white,inner sep=1pt,font=\scriptsize] at ({_n(label.x)},{_n(label.y)}) "
            rf"{{${latex.name(label.name)} = {label.value}$}};"
        )
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)
