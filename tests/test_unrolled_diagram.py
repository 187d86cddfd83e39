"""The unrolled recurrent net drawn (issue 22 item 3): every number given is drawn once and reads
back equal (SVG text, the compiled TikZ picture's words); no label meets another label, a box
or an arrow; each number sits nearest its own box and each weight's name nearest its own arrow;
the SVG is well-formed XML; the TikZ picture compiles with pdflatex without an overfull box.

The numbers are those of a small Elman net worked here with numpy (forward and BPTT), so the
drawings are tried on what a handout really shows, vectors and all."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from symbp.content.blocks import UnrolledCell, UnrolledDiagram, UnrolledStep
from symbp.content.expr import Name
from symbp.formats.unrolled_diagram import (
    GRADIENT_COLOUR,
    VALUE_COLOUR,
    layout,
    svg,
    text_lines,
    tikz,
    type_size,
)
from tests.conftest import require_tool
from tests.layout_tools import (
    boxes_overlap,
    compile_latex,
    overlaps,
    pdf_words,
    point_segment_distance,
    segment_meets_box,
)

WEIGHTS = (
    Name("W", "xh", plain="W_xh"),
    Name("W", "hh", plain="W_hh"),
    Name("W", "hy", plain="W_hy"),
)


def _name(base: str, t: int) -> Name:
    return Name(base, str(t), plain=f"{base}_{t}")


def _bptt(steps: int, hidden: int, seed: int, last_only: bool = False):
    """A tanh Elman net with a linear output and ½Σ(y − target)², forward and back by hand."""
    rng = np.random.default_rng(seed)
    w_xh, w_hh = rng.normal(0, 0.8, (hidden, 1)), rng.normal(0, 0.8, (hidden, hidden))
    w_hy = rng.normal(0, 0.8, (1, hidden))
    xs, targets = rng.normal(0, 1, (steps, 1)), rng.normal(0, 1, (steps, 1))
    hs = [np.zeros(hidden)]
    for t in range(steps):
        hs.append(np.tanh(w_xh @ xs[t] + w_hh @ hs[-1]))
    ys = [w_hy @ h for h in hs[1:]]
    dy = [
        (ys[t] - targets[t]) if (not last_only or t == steps - 1) else np.zeros(1)
        for t in range(steps)
    ]
    dh = [np.zeros(hidden) for _ in range(steps + 1)]
    carried = np.zeros(hidden)
    for t in range(steps, 0, -1):
        dh[t] = w_hy.T @ dy[t - 1] + carried
        carried = w_hh.T @ (dh[t] * (1 - hs[t] ** 2))
    dh[0] = carried
    dx = [w_xh.T @ (dh[t] * (1 - hs[t] ** 2)) for t in range(1, steps + 1)]
    return xs, hs, ys, dx, dh, dy


def _text(values) -> tuple[str, ...]:
    return tuple(f"{v:.4f}" for v in values)


def _diagram(steps: int, hidden: int, seed: int = 0, last_only: bool = False) -> UnrolledDiagram:
    xs, hs, ys, dx, dh, dy = _bptt(steps, hidden, seed, last_only)
    drawn = []
    for t in range(1, steps + 1):
        output = None
        if not last_only or t == steps:
            output = UnrolledCell(_name("y", t), _text(ys[t - 1]), _text(dy[t - 1]))
        drawn.append(
            UnrolledStep(
                UnrolledCell(_name("x", t), _text(xs[t - 1]), _text(dx[t - 1])),
                UnrolledCell(_name("h", t), _text(hs[t]), _text(dh[t])),
                output,
            )
        )
    initial = UnrolledCell(_name("h", 0), _text(hs[0]), _text(dh[0]))
    return UnrolledDiagram(initial, tuple(drawn), WEIGHTS)


CASES = {
    "one step": (1, 1, False),
    "prachub-sized": (2, 1, False),
    "3 steps, 2 units": (3, 2, False),
    "last output only": (3, 2, True),
    "4 steps, 3 units": (4, 3, False),
    "8 steps": (8, 2, False),
}


def _numbers(diagram: UnrolledDiagram) -> Counter[tuple[str, str]]:
    cells = [diagram.initial]
    for step in diagram.steps:
        cells += [step.input, step.state] + ([step.output] if step.output else [])
    given: Counter[tuple[str, str]] = Counter()
    for cell in cells:
        given.update((VALUE_COLOUR, v) for v in cell.values)
        given.update((GRADIENT_COLOUR, g) for g in cell.gradients)
    return given


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_label_meets_a_label_a_box_or_an_arrow(case) -> None:
    plan = layout(_diagram(*CASES[case]))
    labels = plan.label_boxes()
    assert overlaps(labels, gap=0.5) == 0
    for label in labels:
        assert not any(boxes_overlap(label, cell.box) for cell in plan.cells)
        assert not any(segment_meets_box(arrow, label) for arrow in plan.arrows)
        x, y, width, height = label
        assert x >= 0 and x + width <= plan.width and y >= 0 and y + height <= plan.height
    boxes = [cell.box for cell in plan.cells]
    assert overlaps(boxes, gap=10) == 0


def _distance(x: float, y: float, box) -> float:
    bx, by, width, height = box
    dx = max(bx - x, 0.0, x - bx - width)
    dy = max(by - y, 0.0, y - by - height)
    return math.hypot(dx, dy)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_label_sits_nearest_its_own_box_and_each_name_its_own_arrow(case) -> None:
    plan = layout(_diagram(*CASES[case]))
    for label in plan.labels:
        x, y, width, height = label.box
        centre = (x + width / 2, y + height / 2)
        distances = [_distance(*centre, cell.box) for cell in plan.cells]
        own = distances[label.owner]
        assert own < min(d for i, d in enumerate(distances) if i != label.owner), label
    for name in plan.names:
        x, y, width, height = name.box
        distances = [
            point_segment_distance(x + width / 2, y + height / 2, arrow) for arrow in plan.arrows
        ]
        own = distances[name.arrow]
        assert own < min(d for i, d in enumerate(distances) if i != name.arrow), name


@pytest.mark.parametrize("case", sorted(CASES))
def test_svg_is_xml_and_its_numbers_read_back_as_given(case) -> None:
    diagram = _diagram(*CASES[case])
    drawing = svg(diagram)
    root = ET.fromstring(drawing)  # well-formed, one element
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script" not in drawing and "href" not in drawing
    drawn = Counter(
        (text.get("fill"), text.text)
        for text in root.iter("{http://www.w3.org/2000/svg}text")
        if text.get("class") == "label"
    )
    assert drawn == _numbers(diagram)
    names = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "name"]
    steps = len(diagram.steps)
    outputs = sum(1 for s in diagram.steps if s.output)
    again = sum(1 for cell in layout(diagram).cells if cell.again)  # a band's first state
    assert len(names) == 1 + 2 * steps + outputs + again
    arrows = root.findall("{http://www.w3.org/2000/svg}line")
    assert len(arrows) == 2 * steps + outputs  # h→h and x→h per step, h→y where y is drawn


def test_prachub_sized_numbers_written_by_hand() -> None:
    """prachub's walkthrough (x = (1, 2), h0 = 0, W_x = 0.5, W_h = 0.1, W_y = 2): tanh(0.5) =
    0.4621 and tanh(1 + 0.1·0.4621) = 0.7803, drawn where they belong."""
    h1 = math.tanh(0.5)
    h2 = math.tanh(1.0 + 0.1 * h1)
    diagram = UnrolledDiagram(
        UnrolledCell(_name("h", 0), ("0",), ("",)),
        (
            UnrolledStep(UnrolledCell(_name("x", 1), ("1",), ("",)),
                         UnrolledCell(_name("h", 1), (f"{h1:.4f}",), ("",))),
            UnrolledStep(UnrolledCell(_name("x", 2), ("2",), ("",)),
                         UnrolledCell(_name("h", 2), (f"{h2:.4f}",), ("",))),
        ),
        WEIGHTS,
    )  # fmt: skip
    lines = text_lines(diagram)
    assert lines[3].split() == ["h_1", "W_xh", "x_1", "+", "W_hh", "h_0", "0.4621"]
    assert lines[5].split() == ["h_2", "W_xh", "x_2", "+", "W_hh", "h_1", "0.7803"]
    plan = layout(diagram)
    h2_box = next(c for c in plan.cells if str(c.cell.name) == "h_2").box
    label = next(label for label in plan.labels if label.text == "0.7803")
    assert label.box[0] > h2_box[0] + h2_box[2]  # on h_2's right
    assert h2_box[1] <= label.box[1] and label.box[1] + label.box[3] <= h2_box[1] + h2_box[3]


def test_text_form_writes_vectors_in_brackets() -> None:
    lines = text_lines(_diagram(3, 2))
    assert lines[0].split() == ["node", "from", "value", "gradient"]
    h1 = next(line for line in lines if line.split()[0] == "h_1")
    assert h1.count("(") == 2 and "W_xh x_1 + W_hh h_0" in h1


def test_three_steps_print_at_a_readable_size() -> None:
    assert type_size(_diagram(3, 2)) >= 7.0


@pytest.mark.parametrize("case", ["3 steps, 2 units", "last output only", "8 steps"])
def test_tikz_compiles_and_its_numbers_read_back_apart(tmp_path: Path, case) -> None:
    pdflatex = require_tool("pdflatex")
    require_tool("pdftotext")
    diagram = _diagram(*CASES[case])
    tex = tmp_path / "unrolled.tex"
    tex.write_text(
        "\\documentclass[11pt]{article}\\usepackage{fix-cm}\\usepackage{amsmath,tikz,graphicx}\n"
        "\\usepackage[a4paper,margin=2cm]{geometry}\\pagestyle{empty}\n"
        "\\begin{document}\n" + tikz(diagram) + "\n\\end{document}\n",
        encoding="utf-8",
    )
    compiled = compile_latex(tex, Path(pdflatex).name, runs=1)
    assert compiled.returncode == 0, compiled.log[-2000:]
    assert not compiled.overfull, compiled.overfull
    words = pdf_words(compiled.pdf)
    read = Counter(w.text.replace("−", "-") for w in words)
    given = Counter(text for _, text in _numbers(diagram).elements())
    assert not given - read, given - read
    numbers = [w for w in words if any(c.isdigit() for c in w.text) and len(w.text) > 3]
    boxes = [(w.x_min, w.y_min, w.x_max - w.x_min, w.y_max - w.y_min) for w in numbers]
    assert overlaps(boxes, gap=-0.5) == 0


def _long_diagram(steps: int, last_only: bool, seed: int = 3) -> UnrolledDiagram:
    """A 1-input, 1-unit, 1-output net over a long sequence drawn as handouts draw one: its
    first four steps and its last, the steps between left out (the dashed arrow)."""
    full = _diagram(steps, 1, seed, last_only)
    drawn = (*full.steps[:4], full.steps[-1])
    return UnrolledDiagram(full.initial, drawn, WEIGHTS, gap_after=4)


LONG = {"16 steps, every output": (16, False), "20 steps, last output": (20, True)}


@pytest.mark.parametrize("case", sorted(LONG))
def test_a_long_one_unit_sequence_is_drawn_upright_in_bands(case) -> None:
    """Issue 22's trial: a 1-unit long sequence was turned to run up the page. Its steps now
    wrap into bands, one under the other, upright, at 8 pt or more in print (TikZ on A4 and
    letter; the SVG at its own size within the HTML column), no label meeting another label, a
    box or an arrow, and each band after the first starting from the state it continues."""
    from symbp.formats.diagram import SVG_SCALE
    from symbp.formats.page import paper
    from symbp.formats.unrolled_diagram import turned
    from tests.layout_tools import PT, PX, text_width_px

    diagram = _long_diagram(*LONG[case])
    for page in (paper("a4"), paper("letter")):
        assert not turned(diagram, page)
        assert type_size(diagram, page) >= 8.0
        assert "rotatebox" not in tikz(diagram, page)
    plan = layout(diagram)
    again = [cell for cell in plan.cells if cell.again]
    assert again, "one band: nothing wrapped"
    for index, cell in enumerate(plan.cells):  # a band starts from the last state before it
        if cell.again:
            states = [c for c in plan.cells[:index] if str(c.cell.name).startswith("h_")]
            assert cell.cell == states[-1].cell and not states[-1].again
            assert cell.box[1] > states[-1].box[1] + states[-1].box[3]  # on a band below
    labels = plan.label_boxes()
    assert overlaps(labels, gap=0.5) == 0
    for label in labels:
        assert not any(boxes_overlap(label, cell.box) for cell in plan.cells)
        assert not any(segment_meets_box(arrow, label) for arrow in plan.arrows)
    assert overlaps([cell.box for cell in plan.cells], gap=10) == 0
    root = ET.fromstring(svg(diagram))
    width_px = float(root.get("width") or 0)
    assert 0 < width_px <= text_width_px(21.0)  # not shrunk to fit the A4 column
    assert 13.0 * SVG_SCALE * PT / PX >= 8.0  # the labels' font-size, printed
    assert root.get("font-size") == "13"


@pytest.mark.parametrize("case", sorted(LONG))
def test_a_long_sequences_tikz_prints_upright_and_its_numbers_apart(tmp_path: Path, case) -> None:
    pdflatex = require_tool("pdflatex")
    require_tool("pdftotext")
    diagram = _long_diagram(*LONG[case])
    tex = tmp_path / "unrolled.tex"
    tex.write_text(
        "\\documentclass[11pt]{article}\\usepackage{fix-cm}\\usepackage{amsmath,tikz,graphicx}\n"
        "\\usepackage[a4paper,margin=2cm]{geometry}\\pagestyle{empty}\n"
        "\\begin{document}\n" + tikz(diagram) + "\n\\end{document}\n",
        encoding="utf-8",
    )
    compiled = compile_latex(tex, Path(pdflatex).name, runs=1)
    assert compiled.returncode == 0, compiled.log[-2000:]
    assert not compiled.overfull, compiled.overfull
    words = pdf_words(compiled.pdf)
    read = Counter(w.text.replace("−", "-") for w in words)
    given = Counter(text for _, text in _numbers(diagram).elements())
    assert not given - read, given - read
    numbers = [w for w in words if any(c.isdigit() for c in w.text) and len(w.text) > 3]
    # upright: every number runs across the page, as tall as 8 pt type or more
    assert all(w.x_max - w.x_min > w.y_max - w.y_min >= 8.0 * 0.7 for w in numbers)
    boxes = [(w.x_min, w.y_min, w.x_max - w.x_min, w.y_max - w.y_min) for w in numbers]
    assert overlaps(boxes, gap=-0.5) == 0
