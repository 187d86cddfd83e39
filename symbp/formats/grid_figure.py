"""Grids of numbers drawn: a convolution's input with the kernel's window framed beside the
output cell it makes, δ maps, a kernel's gradient, max pooling's winners.

A grid of at most 8 × 8 cells writes its numbers in its cells (tinted by value: red positive,
blue negative, as a heatmap's colours); a larger grid is a heatmap of small cells with its
colour scale below it, from its smallest to its largest number (each cell's number is its SVG
tooltip; pooling windows are not drawn on it, only a window and winners). Grids stand side
by side with a sign between neighbours (⋆, =, →) and start a new line where the page ends.

One layout feeds SVG (HTML, Markdown) and TikZ (LaTeX); every written label has a box as wide
as the wider of its two drawings (DejaVu Sans in the SVG, Computer Modern in TikZ), so one
placement holds for both and a test measures that no label meets another. The plain-text form
writes each grid as rows of numbers, the window in [ ], a winner with *, a heatmap in shades.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from symbp.content import expr as E
from symbp.content.blocks import GridFigure, GridMark, GridPanel
from symbp.formats import latex_math
from symbp.formats import metrics as M
from symbp.formats.diagram import FONT, LABEL_PAD, SVG_SCALE, TIKZ_SCALE, sans_width
from symbp.formats.page import MARGIN_CM, Paper, paper

#: a grid with more rows or columns than this is drawn as a heatmap
HEATMAP_BEYOND = 8
CELL_HEIGHT = 24.0
#: a heatmap's cell (px square)
HEAT_CELL = 10.0
INDEX_FONT = 10.0
LEGEND_FONT = 11.0
#: a sign between grids (⋆ is small in every font)
SIGN_FONT = 20.0
LEGEND_BAR = 8.0
TITLE_HEIGHT = 18.0
INDEX_HEIGHT = 14.0
#: the room a sign between two grids takes, beyond its own width
SIGN_ROOM = 24.0
LINE_GAP = 26.0
MARGIN = 8.0
#: how strongly a written grid's cells are tinted (its numbers stay black and legible)
TINT = 0.4
POSITIVE = (192, 57, 43)
NEGATIVE = (41, 98, 168)
GRID_COLOUR = "#7f8c8d"
MARK_COLOURS = {"window": "#d35400", "target": "#d35400", "winner": "#1e7d45", "region": "#34495e"}
MARK_WIDTHS = {"window": 2.4, "target": 2.4, "winner": 2.0, "region": 1.0}
#: signs as TikZ math
SIGNS_LATEX = {
    "⋆": r"\star",
    "→": r"\rightarrow",
    "×": r"\times",
    "=": "=",
    "+": "+",
    "*": r"\ast",
    "∗": r"\ast",
}
#: the text form's shades of a heatmap cell, weakest to strongest
SHADES = " ·░▒▓█"

Box = tuple[float, float, float, float]  # x, y, width, height
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Label:
    """A written label centred at (x, y); `kind`: cell, title, index, sign, legend."""

    text: str
    x: float
    y: float
    width: float
    height: float
    size: float
    kind: str

    @property
    def box(self) -> Box:
        return (self.x - self.width / 2, self.y - self.height / 2, self.width, self.height)


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    width: float
    height: float
    fill: RGB
    text: str  # the number it holds (a heatmap cell's tooltip)
    ruled: bool  # drawn with its own border (a written grid's cells)


@dataclass(frozen=True)
class Frame:
    x: float
    y: float
    width: float
    height: float
    kind: str


@dataclass(frozen=True)
class GridLayout:
    width: float
    height: float
    cells: tuple[Cell, ...]
    frames: tuple[Frame, ...]
    labels: tuple[Label, ...]
    #: each grid's outline (x, y, width, height), in the order of the panels
    grids: tuple[Box, ...]
    #: each panel's whole box (title, indices, grid, legend)
    panels: tuple[Box, ...]

    def label_boxes(self) -> list[Box]:
        return [label.box for label in self.labels]


def heatmap(panel: GridPanel) -> bool:
    rows = len(panel.values)
    columns = max((len(row) for row in panel.values), default=0)
    return rows > HEATMAP_BEYOND or columns > HEATMAP_BEYOND


def text_width(text: str, size: float = FONT, math: bool = False) -> float:
    """A label's width in px: the wider of its SVG text and its TikZ form, padded."""
    tikz = M.number(E.Num(0.0, text)) if math else M.prose(text)
    return size * max(sans_width(text), tikz * 1.08) + 2 * LABEL_PAD


def colour(value: float, scale: float, strength: float) -> RGB:
    """White at 0, towards red for positive and blue for negative values, by |value| / scale."""
    if scale <= 0 or value != value:
        return (255, 255, 255)
    share = min(1.0, abs(value) / scale) * strength
    base = POSITIVE if value > 0 else NEGATIVE
    return tuple(round(255 + (c - 255) * share) for c in base)  # type: ignore[return-value]


def _scale(panel: GridPanel) -> float:
    return max((abs(v) for row in panel.values for v in row), default=0.0)


def _extremes(panel: GridPanel) -> tuple[tuple[float, str], tuple[float, str]]:
    """The smallest and the largest number, with their written form."""
    pairs = [
        (v, t)
        for vr, tr in zip(panel.values, panel.cells, strict=True)
        for v, t in zip(vr, tr, strict=True)
    ]
    return min(pairs, key=lambda p: p[0]), max(pairs, key=lambda p: p[0])


@dataclass
class _Planned:
    """A panel measured before it is placed: offsets from its top-left corner."""

    panel: GridPanel
    width: float
    above: float  # title and indices above the grid
    grid_x: float
    grid_width: float
    grid_height: float
    below: float  # a heatmap's scale
    cell_width: float
    cell_height: float
    heat: bool


def _plan(panel: GridPanel) -> _Planned:
    heat = heatmap(panel)
    rows = len(panel.values)
    columns = max((len(row) for row in panel.values), default=0)
    title_width = text_width(panel.title)
    if heat:
        cell_width = cell_height = HEAT_CELL
        grid_width = columns * cell_width
        (_, low), (_, high) = _extremes(panel)
        legend = text_width(low, LEGEND_FONT, True) + text_width(high, LEGEND_FONT, True) + 8
        grid_width = max(grid_width, 0.0)
        width = max(title_width, grid_width, legend)
        grid_x = (width - grid_width) / 2
        below = 4 + LEGEND_BAR + 2 + LEGEND_FONT + 6
        above = TITLE_HEIGHT + 4
        return _Planned(
            panel,
            width,
            above,
            grid_x,
            grid_width,
            rows * cell_height,
            below,
            cell_width,
            cell_height,
            True,
        )
    widest = max((text_width(t, FONT, True) for row in panel.cells for t in row), default=0.0)
    cell_width = max(widest + 2, CELL_HEIGHT)
    index_column = text_width(str(rows), INDEX_FONT) + 2
    grid_width = columns * cell_width
    width = max(title_width, index_column + grid_width)
    grid_x = index_column + (width - index_column - grid_width) / 2
    above = TITLE_HEIGHT + INDEX_HEIGHT + 5
    return _Planned(
        panel,
        width,
        above,
        grid_x,
        grid_width,
        rows * CELL_HEIGHT,
        4.0,
        cell_width,
        CELL_HEIGHT,
        False,
    )


def layout(figure: GridFigure, max_width: float | None = None) -> GridLayout:
    """Place the panels left to right, a new line where the next would pass `max_width` px."""
    if max_width is None:
        max_width = _page_width_px(paper())
    planned = [_plan(p) for p in figure.panels]
    signs = list(figure.between) + [""] * len(planned)
    # lines of panels: (index of the panel, the sign before it)
    lines: list[list[tuple[int, str]]] = [[]]
    x = MARGIN
    for index, item in enumerate(planned):
        sign = signs[index - 1] if index else ""
        room = (text_width(sign, SIGN_FONT) + SIGN_ROOM) if sign else SIGN_ROOM
        if lines[-1] and x + room + item.width + MARGIN > max_width:
            lines.append([])
            x = MARGIN
        if lines[-1] or sign:
            x += room
        lines[-1].append((index, sign))
        x += item.width
    cells: list[Cell] = []
    frames: list[Frame] = []
    labels: list[Label] = []
    grids: list[Box] = [(0.0, 0.0, 0.0, 0.0)] * len(planned)
    boxes: list[Box] = [(0.0, 0.0, 0.0, 0.0)] * len(planned)
    top = MARGIN
    width = 0.0
    for line in lines:
        axis = top + max(planned[i].above + planned[i].grid_height / 2 for i, _ in line)
        x = MARGIN
        bottom = top
        for position, (index, sign) in enumerate(line):
            item = planned[index]
            if sign:
                sign_width = text_width(sign, SIGN_FONT)
                x += SIGN_ROOM / 2
                labels.append(
                    Label(sign, x + sign_width / 2, axis, sign_width, SIGN_FONT, SIGN_FONT, "sign")
                )
                x += sign_width + SIGN_ROOM / 2
            elif position:
                x += SIGN_ROOM
            grid_top = axis - item.grid_height / 2
            panel_top = grid_top - item.above
            grid_left = x + item.grid_x
            grids[index] = (grid_left, grid_top, item.grid_width, item.grid_height)
            boxes[index] = (x, panel_top, item.width, item.above + item.grid_height + item.below)
            _place(item, grid_left, grid_top, x, panel_top, cells, frames, labels)
            x += item.width
            bottom = max(bottom, grid_top + item.grid_height + item.below)
        width = max(width, x + MARGIN)
        top = bottom + LINE_GAP
    height = top - LINE_GAP + MARGIN
    return GridLayout(
        width, height, tuple(cells), tuple(frames), tuple(labels), tuple(grids), tuple(boxes)
    )


def _place(
    item: _Planned,
    left: float,
    top: float,
    panel_left: float,
    panel_top: float,
    cells: list[Cell],
    frames: list[Frame],
    labels: list[Label],
) -> None:
    panel = item.panel
    title_width = text_width(panel.title)
    labels.append(
        Label(
            panel.title,
            panel_left + item.width / 2,
            panel_top + TITLE_HEIGHT / 2,
            title_width,
            TITLE_HEIGHT,
            FONT,
            "title",
        )
    )
    scale = _scale(panel)
    strength = 1.0 if item.heat else TINT
    cw, ch = item.cell_width, item.cell_height
    for r, (values, texts) in enumerate(zip(panel.values, panel.cells, strict=True)):
        for c, (value, written) in enumerate(zip(values, texts, strict=True)):
            cell_x, cell_y = left + c * cw, top + r * ch
            cells.append(
                Cell(cell_x, cell_y, cw, ch, colour(value, scale, strength), written, not item.heat)
            )
            if not item.heat:
                labels.append(
                    Label(
                        written,
                        cell_x + cw / 2,
                        cell_y + ch / 2,
                        text_width(written, FONT, True),
                        ch - 4,
                        FONT,
                        "cell",
                    )
                )
    if not item.heat:
        for c in range(len(panel.values[0]) if panel.values else 0):
            index = str(c + 1)
            labels.append(
                Label(
                    index,
                    left + (c + 0.5) * cw,
                    top - 2 - INDEX_HEIGHT / 2,
                    text_width(index, INDEX_FONT),
                    INDEX_HEIGHT,
                    INDEX_FONT,
                    "index",
                )
            )
        for r in range(len(panel.values)):
            index = str(r + 1)
            index_width = text_width(index, INDEX_FONT)
            labels.append(
                Label(
                    index,
                    left - 2 - index_width / 2,
                    top + (r + 0.5) * ch,
                    index_width,
                    INDEX_HEIGHT,
                    INDEX_FONT,
                    "index",
                )
            )
    else:
        _legend(item, left, top, panel_left, scale, cells, labels)
    for mark in panel.marks:
        if item.heat and mark.kind == "region":  # a heatmap's small cells: windows would hide it
            continue
        frames.append(_frame(mark, left, top, cw, ch))


def _frame(mark: GridMark, left: float, top: float, cw: float, ch: float) -> Frame:
    return Frame(
        left + mark.col * cw, top + mark.row * ch, mark.width * cw, mark.height * ch, mark.kind
    )


#: how many steps a heatmap's colour scale is drawn in
LEGEND_STEPS = 24


def _legend(
    item: _Planned,
    left: float,
    top: float,
    panel_left: float,
    scale: float,
    cells: list[Cell],
    labels: list[Label],
) -> None:
    (low, low_text), (high, high_text) = _extremes(item.panel)
    bar_top = top + item.grid_height + 4
    bar_left, bar_width = panel_left, item.width
    step = bar_width / LEGEND_STEPS
    for k in range(LEGEND_STEPS):
        value = low + (high - low) * (k + 0.5) / LEGEND_STEPS
        cells.append(
            Cell(
                bar_left + k * step, bar_top, step, LEGEND_BAR, colour(value, scale, 1.0), "", False
            )
        )
    label_y = bar_top + LEGEND_BAR + 2 + LEGEND_FONT / 2
    low_width = text_width(low_text, LEGEND_FONT, True)
    high_width = text_width(high_text, LEGEND_FONT, True)
    labels.append(
        Label(
            low_text,
            bar_left + low_width / 2,
            label_y,
            low_width,
            LEGEND_FONT,
            LEGEND_FONT,
            "legend",
        )
    )
    labels.append(
        Label(
            high_text,
            bar_left + bar_width - high_width / 2,
            label_y,
            high_width,
            LEGEND_FONT,
            LEGEND_FONT,
            "legend",
        )
    )


def _page_width_px(page: Paper) -> float:
    return 0.98 * (page.width_cm - 2 * MARGIN_CM) / TIKZ_SCALE


# -- SVG -------------------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def svg(figure: GridFigure, title: str = "grids", page: Paper | None = None) -> str:
    """The grids as a standalone SVG element (no scripts, no references) that scales down to
    its column."""
    plan = layout(figure, _page_width_px(page or paper()))
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(plan.width * SVG_SCALE)}" '
        f'height="{_n(plan.height * SVG_SCALE)}" '
        f'viewBox="0 0 {_n(plan.width)} {_n(plan.height)}" '
        'style="max-width: 100%; max-height: 22cm; height: auto" '
        f'role="img" aria-label="{escape(title)}" '
        f'font-family="\'DejaVu Sans\', Verdana, sans-serif" font-size="{_n(FONT)}">',
        f"<title>{escape(title)}</title>",
    ]
    for cell in plan.cells:
        border = f' stroke="{GRID_COLOUR}" stroke-width="0.6"' if cell.ruled else ""
        shape = (
            f'<rect x="{_n(cell.x)}" y="{_n(cell.y)}" width="{_n(cell.width)}" '
            f'height="{_n(cell.height)}" fill="{_hex(cell.fill)}"{border}'
        )
        if cell.text and not cell.ruled:  # a heatmap's cell: its number as the tooltip
            lines.append(f"{shape}><title>{escape(cell.text)}</title></rect>")
        else:
            lines.append(shape + "/>")
    for grid in plan.grids:
        x, y, w, h = grid
        lines.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="none" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
    for frame in plan.frames:
        dash = ' stroke-dasharray="4 3"' if frame.kind == "region" else ""
        lines.append(
            f'<rect class="{frame.kind}" x="{_n(frame.x)}" y="{_n(frame.y)}" '
            f'width="{_n(frame.width)}" height="{_n(frame.height)}" fill="none" '
            f'stroke="{MARK_COLOURS.get(frame.kind, "#000000")}" '
            f'stroke-width="{_n(MARK_WIDTHS.get(frame.kind, 1.5))}"{dash}/>'
        )
    for label in plan.labels:
        size = "" if label.size == FONT else f' font-size="{_n(label.size)}"'
        weight = ' font-weight="bold"' if label.kind == "title" else ""
        lines.append(
            f'<text class="{label.kind}" x="{_n(label.x)}" y="{_n(label.y + 0.35 * label.size)}" '
            f'text-anchor="middle"{size}{weight}>{escape(label.text)}</text>'
        )
    lines.append("</svg>")
    return "\n".join(lines)


# -- TikZ ------------------------------------------------------------------------------------------


def _rgb(rgb: RGB) -> str:
    return "{{rgb,255:red,{};green,{};blue,{}}}".format(*rgb)


def _hex_rgb(colour: str) -> str:
    return _rgb(tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5)))  # type: ignore[arg-type]


def tikz_scale(plan: GridLayout, page: Paper) -> float:
    """cm per layout px: the SVG's scale, smaller if the picture is wider than the text."""
    width_cm = page.width_cm - 2 * MARGIN_CM
    return min(TIKZ_SCALE, 0.98 * width_cm / plan.width)


def tikz(figure: GridFigure, page: Paper | None = None) -> str:
    """The grids as a TikZ picture: the same layout, numbers in math, titles in prose."""
    page = page or paper()
    plan = layout(figure, _page_width_px(page))
    scale = tikz_scale(plan, page)
    lines = [rf"\begin{{tikzpicture}}[x={scale:.5f}cm,y=-{scale:.5f}cm]"]
    grid_colour = _hex_rgb(GRID_COLOUR)
    for cell in plan.cells:
        corner = f"({_n(cell.x)},{_n(cell.y)}) rectangle ({_n(cell.x + cell.width)},"
        corner += f"{_n(cell.y + cell.height)})"
        if cell.ruled:
            lines.append(
                rf"\filldraw[fill={_rgb(cell.fill)},draw={grid_colour},line width=0.3pt] "
                + corner
                + ";"
            )
        elif cell.fill != (255, 255, 255):
            lines.append(rf"\fill[fill={_rgb(cell.fill)}] {corner};")
    for x, y, w, h in plan.grids:
        lines.append(
            rf"\draw[color={grid_colour},line width=0.5pt] ({_n(x)},{_n(y)}) rectangle "
            rf"({_n(x + w)},{_n(y + h)});"
        )
    for frame in plan.frames:
        style = ",dashed" if frame.kind == "region" else ""
        thickness = MARK_WIDTHS.get(frame.kind, 1.5) * scale / TIKZ_SCALE * 0.6
        lines.append(
            rf"\draw[color={_hex_rgb(MARK_COLOURS.get(frame.kind, '#000000'))},"
            rf"line width={thickness:.2f}pt{style}] ({_n(frame.x)},{_n(frame.y)}) rectangle "
            rf"({_n(frame.x + frame.width)},{_n(frame.y + frame.height)});"
        )
    for label in plan.labels:
        size = label.size * scale * 72.27 / 2.54
        font = rf"\fontsize{{{size:.2f}}}{{{size * 1.2:.2f}}}\selectfont"
        if label.kind == "title":
            content = r"\bfseries " + latex_math.escape(label.text)
        elif label.kind == "sign":
            content = f"${SIGNS_LATEX.get(label.text, latex_math.escape(label.text))}$"
        elif label.kind == "index":
            content = latex_math.escape(label.text)
        else:
            content = f"${_math_number(label.text)}$"
        lines.append(
            rf"\node[inner sep=0pt,font={font}] at ({_n(label.x)},{_n(label.y)}) {{{content}}};"
        )
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def _math_number(text: str) -> str:
    """A written number in math, exactly as written (1.2e-07 keeps its e: the cell says what
    the text and the SVG say)."""
    mantissa, _, exponent = text.partition("e")
    return mantissa + (rf"\mathrm{{e}}{{{exponent}}}" if exponent else "")


def type_size(figure: GridFigure, page: Paper | None = None) -> float:
    """The cells' type size (pt) in the TikZ picture on `page`."""
    page = page or paper()
    return FONT * tikz_scale(layout(figure, _page_width_px(page)), page) * 72.27 / 2.54


# -- text ------------------------------------------------------------------------------------------


def text_lines(figure: GridFigure) -> list[str]:
    """The grids as plain text, one under the other, each sign on a line between them."""
    lines: list[str] = []
    for index, panel in enumerate(figure.panels):
        if index:
            sign = figure.between[index - 1] if index - 1 < len(figure.between) else ""
            lines.append(f"    {sign}" if sign else "")
        lines.append(panel.title)
        lines += _text_heatmap(panel, figure.words) if heatmap(panel) else _text_grid(panel)
    return [line.rstrip() for line in lines]


def _marked(panel: GridPanel, kinds: tuple[str, ...]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for mark in panel.marks:
        if mark.kind in kinds:
            found |= {
                (mark.row + r, mark.col + c) for r in range(mark.height) for c in range(mark.width)
            }
    return found


def _text_grid(panel: GridPanel) -> list[str]:
    windows = _marked(panel, ("window", "target"))
    winners = _marked(panel, ("winner",))
    columns = max((len(row) for row in panel.cells), default=0)
    width = max([len(t) for row in panel.cells for t in row] + [len(str(columns))])
    index_width = len(str(len(panel.cells)))
    header = (
        " " * index_width + " " + "".join(f" {str(c + 1).rjust(width)} " for c in range(columns))
    )
    lines = [header]
    for r, row in enumerate(panel.cells):
        line = str(r + 1).rjust(index_width) + " "
        for c, written in enumerate(row):
            inside = (r, c) in windows
            left = "[" if inside and (r, c - 1) not in windows else " "
            right = "]" if inside and (r, c + 1) not in windows else " "
            if (r, c) in winners and right == " ":
                right = "*"
            line += left + written.rjust(width) + right
        lines.append(line)
    return lines


def _text_heatmap(panel: GridPanel, words: tuple[str, ...]) -> list[str]:
    scale = _scale(panel)
    lines = []
    for values in panel.values:
        line = ""
        for value in values:
            share = min(1.0, abs(value) / scale) if scale > 0 else 0.0
            shade = SHADES[min(len(SHADES) - 1, round(share * (len(SHADES) - 1)))]
            sign = "-" if value < 0 and shade != " " else " "
            line += sign + shade
        lines.append(line)
    (_, low), (_, high) = _extremes(panel)
    lines.append(f"{words[0]}: {low} … {high}")
    return lines
