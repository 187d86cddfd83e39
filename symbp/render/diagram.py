"""The network drawn: units in columns, every edge labelled with its weight's name and value.

One layout (positions of units and of edge labels) feeds two drawings: SVG for HTML and
Markdown, TikZ for LaTeX. Labels sit at staggered points along their edges so that the labels
of edges leaving the same unit, or crossing in the middle, do not cover each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from symbp.graph import Network
from symbp.render.printers import format_number

COLUMN_GAP = 300.0
ROW_GAP = 110.0
RADIUS = 20.0
MARGIN = 70.0


@dataclass(frozen=True)
class Placed:
    """A unit's name and its centre."""

    name: str
    latex: str
    x: float
    y: float


@dataclass(frozen=True)
class EdgeLabel:
    source: Placed
    target: Placed
    label: str  # "w1 = 0.2"
    latex: str  # "w_{1} = 0.2"
    x: float
    y: float
    position: float  # 0 at the source, 1 at the target


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    units: tuple[Placed, ...]
    edges: tuple[EdgeLabel, ...]


def layout(network: Network, digits: int = 4) -> Layout:
    """Where every unit and every weight label goes, layers left to right, centred vertically."""
    tallest = max(len(units) for units in network.layers)
    height = 2 * MARGIN + (tallest - 1) * ROW_GAP
    placed: dict[str, Placed] = {}
    for layer, units in enumerate(network.layers):
        top = (height - (len(units) - 1) * ROW_GAP) / 2
        for unit in units:
            placed[unit.name] = Placed(
                unit.name,
                network.latex_names[unit.a],
                MARGIN + layer * COLUMN_GAP,
                top + unit.index * ROW_GAP,
            )
    edges = []
    for weight in network.weights:
        source, target = placed[weight.source.name], placed[weight.target.name]
        fan = len(network.layers[weight.target.layer])
        position = 0.2 + 0.6 * (weight.target.index + 0.5) / fan
        value = format_number(weight.value, digits)
        edges.append(
            EdgeLabel(
                source=source,
                target=target,
                label=f"{weight.name} = {value}",
                latex=f"{network.latex_names[weight.symbol]} = {value}",
                x=source.x + position * (target.x - source.x),
                y=source.y + position * (target.y - source.y),
                position=position,
            )
        )
    width = 2 * MARGIN + (len(network.layers) - 1) * COLUMN_GAP
    return Layout(width, height, tuple(placed.values()), tuple(edges))


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg(network: Network, digits: int = 4, title: str = "network") -> str:
    """The network as a standalone SVG element (no scripts, no external references)."""
    plan = layout(network, digits)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(plan.width)}" '
        f'height="{_n(plan.height)}" viewBox="0 0 {_n(plan.width)} {_n(plan.height)}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    for edge in plan.edges:
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
            f'<text x="{_n(unit.x)}" y="{_n(unit.y + 4.5)}" text-anchor="middle" '
            f'font-style="italic">{escape(unit.name)}</text>'
        )
    for edge in plan.edges:
        # a white box behind the label hides the line (about 7.5 px per character at 13 px)
        width = 7.5 * len(edge.label) + 6
        lines.append(
            f'<rect x="{_n(edge.x - width / 2)}" y="{_n(edge.y - 9)}" width="{_n(width)}" '
            'height="18" rx="3" fill="white" fill-opacity="0.9"/>'
        )
        lines.append(
            f'<text x="{_n(edge.x)}" y="{_n(edge.y + 4.5)}" text-anchor="middle" '
            f'fill="#a0300e">{escape(edge.label)}</text>'
        )
    lines.append("</svg>")
    return "\n".join(lines)


def tikz(network: Network, digits: int = 4) -> str:
    """The network as a TikZ picture, the same layout as the SVG (1 SVG pixel = 0.018 cm)."""
    plan = layout(network, digits)
    scale = 0.018
    lines = [rf"\begin{{tikzpicture}}[x={scale}cm,y=-{scale}cm]"]
    for unit in plan.units:
        lines.append(
            rf"\node[circle,draw,fill=blue!5,minimum size=0.7cm,inner sep=0pt] "
            rf"({unit.name}) at ({_n(unit.x)},{_n(unit.y)}) {{${unit.latex}$}};"
        )
    for edge in plan.edges:
        lines.append(rf"\draw[->,gray] ({edge.source.name}) -- ({edge.target.name});")
    for edge in plan.edges:
        lines.append(
            rf"\node[fill=white,inner sep=1pt,font=\scriptsize] at ({_n(edge.x)},{_n(edge.y)}) "
            rf"{{${edge.latex}$}};"
        )
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)
