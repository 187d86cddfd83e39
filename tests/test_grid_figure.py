"""Grids drawn (issue 21 item 3): the input with the kernel's window and the output grid, δ
maps and gradients, heatmaps beyond 8 × 8. No label meets another (in the layout's boxes and
in the compiled TikZ picture's words), every number drawn reads back equal to the number
given (SVG text and tooltips, pdftotext's words, the text form, a heatmap's colours), the SVG
is XML and the TikZ picture compiles with pdflatex and xelatex (Chinese titles)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from symbp.content.blocks import GridFigure, GridMark, GridPanel
from symbp.formats import grid_figure as G
from symbp.formats.tex_fonts import CJK_FONT
from tests.conftest import require_tool
from tests.layout_tools import compile_latex, overlaps, pdf_words

SVG_NS = "{http://www.w3.org/2000/svg}"


def _written(value: float) -> str:
    """Four significant digits, as a handout writes a computed number (written here with
    numpy's own formatting, not symbp's)."""
    return np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-")


def _panel(title: str, grid: np.ndarray, marks: tuple[GridMark, ...] = ()) -> GridPanel:
    return GridPanel(
        title,
        tuple(tuple(float(v) for v in row) for row in grid),
        tuple(tuple(_written(float(v)) for v in row) for row in grid),
        marks,
    )


RNG = np.random.default_rng(21)
#: the teaching-size net's first layer: a 6 × 6 input, a 3 × 3 kernel, the 4 × 4 output
X6 = RNG.normal(size=(6, 6)).round(2)
K3 = RNG.normal(size=(3, 3)).round(3)
Z4 = np.array([[np.sum(X6[r : r + 3, c : c + 3] * K3) for c in range(4)] for r in range(4)])
WINDOW = _panel("input x", X6, (GridMark(1, 2, 3, 3),))
KERNEL = _panel("kernel W", K3)
OUTPUT = _panel("output z", Z4, (GridMark(1, 2, kind="target"),))
#: max pooling 2 × 2 of a 4 × 4 map: its windows and their winners
POOLED = _panel(
    "δ of the conv output",
    np.array([[0, 0.25, 0, 0], [0, 0, 0, -0.5], [0.125, 0, 0, 0], [0, 0, 0, 1e-7]]),
    tuple(GridMark(r, c, 2, 2, "region") for r in (0, 2) for c in (0, 2))
    + (
        GridMark(0, 1, kind="winner"),
        GridMark(1, 3, kind="winner"),
        GridMark(2, 0, kind="winner"),
        GridMark(3, 3, kind="winner"),
    ),
)
MNIST = _panel("input x (28×28)", RNG.normal(size=(28, 28)), (GridMark(3, 4, 5, 5),))
DELTA12 = _panel("δ map (12×12)", RNG.normal(size=(12, 12)) * 1e-3)
FIGURES = {
    "convolution": GridFigure((WINDOW, KERNEL, OUTPUT), ("⋆", "=")),
    "pooling": GridFigure((POOLED,)),
    "heatmaps": GridFigure((MNIST, DELTA12), ("→",)),
    "mixed": GridFigure((MNIST, KERNEL, _panel("z", RNG.normal(size=(8, 8)))), ("⋆", "=")),
    "chinese": GridFigure(
        (_panel("输入 x（第 1 通道）", X6[:3, :3]), _panel("卷积核 W", K3)), ("⋆",)
    ),
    "one cell": GridFigure((_panel("b", np.array([[0.5]])),)),
    "long": GridFigure(
        tuple(_panel(f"δ{k}", RNG.normal(size=(6, 6)) * 100) for k in range(5)),
        ("+", "+", "+", "="),
    ),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_no_label_meets_another_and_all_lie_in_the_drawing(name: str) -> None:
    plan = G.layout(FIGURES[name])
    assert overlaps(plan.label_boxes(), gap=1.0) == 0
    for x, y, width, height in plan.label_boxes():
        assert x >= 0 and x + width <= plan.width and y >= 0 and y + height <= plan.height
    # no two panels share ground
    assert overlaps(list(plan.panels), gap=4.0) == 0


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_written_number_sits_in_its_own_cell(name: str) -> None:
    plan = G.layout(FIGURES[name])
    cells = [c for c in plan.cells if c.ruled]
    numbers = [label for label in plan.labels if label.kind == "cell"]
    assert [label.text for label in numbers] == [c.text for c in cells]
    for label, cell in zip(numbers, cells, strict=True):
        x, y, width, height = label.box
        assert cell.x <= x and x + width <= cell.x + cell.width
        assert cell.y <= y and y + height <= cell.y + cell.height


def test_the_page_wide_figure_wraps_to_the_text_width() -> None:
    plan = G.layout(FIGURES["long"])
    assert plan.width <= G._page_width_px(G.paper())
    assert len({round(y) for _, y, _, _ in plan.grids}) >= 2  # more than one line
    assert G.type_size(FIGURES["long"]) >= 8.0


def test_large_grids_are_heatmaps_and_small_ones_write_their_numbers() -> None:
    assert G.heatmap(MNIST) and G.heatmap(DELTA12)
    assert not G.heatmap(WINDOW) and not G.heatmap(FIGURES["mixed"].panels[2])  # 8 × 8


def _svg_tree(figure: GridFigure) -> ET.Element:
    return ET.fromstring(G.svg(figure))  # raises on anything that is not well-formed XML


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_svg_is_xml_and_its_numbers_read_back(name: str) -> None:
    figure = FIGURES[name]
    root = _svg_tree(figure)
    assert root.tag == SVG_NS + "svg"
    assert all(e.tag != SVG_NS + "script" for e in root.iter())
    texts = [e.text for e in root.iter(SVG_NS + "text") if e.get("class") == "cell"]
    tooltips = [
        e.findtext(SVG_NS + "title")
        for e in root.iter(SVG_NS + "rect")
        if e.find(SVG_NS + "title") is not None
    ]
    written = [t for p in figure.panels if not G.heatmap(p) for row in p.cells for t in row]
    heat = [t for p in figure.panels if G.heatmap(p) for row in p.cells for t in row]
    assert texts == written
    assert tooltips == heat
    # and each number is the value given, to its four digits
    values = [v for p in figure.panels if not G.heatmap(p) for row in p.values for v in row]
    for text, value in zip(texts, values, strict=True):
        assert float(text) == pytest.approx(value, rel=5e-4, abs=1e-12)


def _fill(element: ET.Element) -> tuple[int, int, int]:
    colour = element.get("fill", "")
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_a_heatmaps_colours_read_back_as_its_values() -> None:
    """Red for positive, blue for negative, the share of the largest |value| as the strength."""
    root = _svg_tree(GridFigure((MNIST,)))
    rects = [e for e in root.iter(SVG_NS + "rect") if e.find(SVG_NS + "title") is not None]
    values = np.array(MNIST.values).ravel()
    scale = np.abs(values).max()
    for rect, value in zip(rects, values, strict=True):
        red, green, blue = _fill(rect)
        base = G.POSITIVE if red > blue else G.NEGATIVE
        share = (255 - green) / (255 - base[1])
        if abs(value) / scale > 0.02:
            assert (value > 0) == (red > blue)
        assert share == pytest.approx(abs(value) / scale, abs=0.015)


def test_the_windows_and_winners_are_framed_where_they_were_given() -> None:
    root = _svg_tree(FIGURES["pooling"])
    winners = [e for e in root.iter(SVG_NS + "rect") if e.get("class") == "winner"]
    plan = G.layout(FIGURES["pooling"])
    (gx, gy, gw, gh) = plan.grids[0]
    cell_width, cell_height = gw / 4, gh / 4
    found = {
        (
            round((float(e.get("y")) - gy) / cell_height),
            round((float(e.get("x")) - gx) / cell_width),
        )
        for e in winners
    }
    assert found == {(0, 1), (1, 3), (2, 0), (3, 3)}


def _text_grid(lines: list[str], title: str) -> list[list[str]]:
    """The numbers of one grid of the text form, read the way a person reads them."""
    start = lines.index(title) + 2
    rows = []
    for line in lines[start:]:
        found = re.fullmatch(r"\s*\d+ (.*)", line)
        if not found:
            break
        rows.append(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", found.group(1)))
    return rows


def test_the_text_form_writes_every_number_and_brackets_the_window() -> None:
    lines = G.text_lines(FIGURES["convolution"])
    for panel in FIGURES["convolution"].panels:
        assert _text_grid(lines, panel.title) == [list(row) for row in panel.cells]
    rows = lines[lines.index("input x") + 2 :][:6]
    # the window covers rows 2-4, columns 3-5: one [ before column 3 and one ] after column 5
    for number, line in enumerate(rows, start=1):
        inside = 2 <= number <= 4
        assert (line.count("[") == 1 and line.count("]") == 1) == inside
        if inside:
            cells = line[line.index("[") + 1 : line.index("]")].split()
            assert cells == list(WINDOW.cells[number - 1][2:5])
    assert "⋆" in "\n".join(lines)
    pooled = G.text_lines(FIGURES["pooling"])
    assert sum(line.count("*") for line in pooled) == 4


def test_the_text_form_of_a_heatmap_has_its_scale() -> None:
    lines = G.text_lines(GridFigure((DELTA12,), words=("scale",)))
    low = min(DELTA12.values[r][c] for r in range(12) for c in range(12))
    assert lines[-1].startswith("scale: " + _written(low))
    assert len(lines) == 1 + 12 + 1


def _compile(tmp_path: Path, figure: GridFigure, engine: str, preamble: str = ""):
    tex = tmp_path / "grids.tex"
    tex.write_text(
        "\\documentclass[11pt]{article}\n"
        + preamble
        + "\\usepackage{amsmath,tikz}\n\\usepackage[a4paper,margin=2cm]{geometry}\n"
        "\\pagestyle{empty}\\setlength{\\parindent}{0pt}\n\\begin{document}\n"
        + G.tikz(figure)
        + "\n\\end{document}\n",
        encoding="utf-8",
    )
    return compile_latex(tex, engine, runs=1)


@pytest.mark.parametrize("name", ["convolution", "pooling", "heatmaps", "long"])
def test_tikz_compiles_and_its_numbers_read_back_without_overlap(tmp_path: Path, name) -> None:
    require_tool("pdflatex")
    require_tool("pdftotext")
    figure = FIGURES[name]
    compiled = _compile(tmp_path, figure, "pdflatex", "\\usepackage{fix-cm}\n")
    assert compiled.returncode == 0, compiled.log[-2000:]
    assert not compiled.overfull, compiled.overfull
    words = pdf_words(compiled.pdf)
    drawn = [w.text.replace("−", "-") for w in words]
    written = [t for p in figure.panels if not G.heatmap(p) for row in p.cells for t in row]
    for panel in figure.panels:
        if G.heatmap(panel):  # the colour scale's ends
            low, high = G._extremes(panel)
            written += [low[1], high[1]]
    for number in written:
        assert number.replace("e", "") in [d.replace("e", "") for d in drawn], number
    boxes = [(w.x_min, w.y_min, w.x_max - w.x_min, w.y_max - w.y_min) for w in words]
    assert overlaps(boxes, gap=-0.5) == 0
    # and inside the text width (2 cm margins on A4)
    assert all(w.x_min >= 2 / 2.54 * 72 - 1 and w.x_max <= (21 - 2) / 2.54 * 72 + 1 for w in words)


def test_tikz_with_chinese_titles_compiles_with_xelatex(tmp_path: Path) -> None:
    require_tool("xelatex")
    compiled = _compile(
        tmp_path,
        FIGURES["chinese"],
        "xelatex",
        "\\usepackage{xeCJK}\\setCJKmainfont{" + CJK_FONT + "}\n",
    )
    assert compiled.returncode == 0, compiled.log[-2000:]
    assert not compiled.overfull
