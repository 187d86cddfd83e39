"""The circuit drawn (issue 20 item 3): no label meets another label or a gate, in the layout's
own boxes, in the compiled TikZ picture (pdftotext's word boxes) and in Chromium's SVG text;
readable type for a 30-gate expression and larger: a circuit wider than the page is wrapped into
bands stacked down the page, upright, its labels at 8 pt or more in print."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import symbp
from symbp.content.blocks import CircuitDiagram
from symbp.formats.circuit_diagram import RADIUS, layout, svg, text_lines, tikz, type_size
from tests.conftest import require_tool
from tests.layout_tools import compile_latex, overlaps, pdf_words
from tests.test_circuit import CS231N, LECTURE, MICROGRAD, SIGMOID_NEURON

#: a 30-gate expression: two sigmoid neurons, a tanh one, a max and a squared error
THIRTY_GATES = (
    "h1 = sigmoid(w1 * x1 + w2 * x2 + b1)\n"
    "h2 = tanh(w3 * x1 + w4 * x2 + b2)\n"
    "h3 = relu(w5 * x1 - w6 * x2 + b3)\n"
    "o = max(h1 * v1 + h2 * v2, h3) + exp(-h1 * h2) / 2\n"
    "L = (o - y) ** 2 + log(1 + h3 * h3)",
    {
        "w1": 0.2, "w2": -0.3, "w3": 0.4, "w4": 0.1, "w5": -0.5, "w6": 0.6,
        "x1": 0.5, "x2": -1.5, "b1": 0.1, "b2": -0.2, "b3": 0.3, "v1": 0.7, "v2": -0.4,
        "y": 0.25,
    },
)  # fmt: skip
#: the trial of issue 20: x and z feed a gate four columns on, past tanh's and sigmoid's labels
TRIAL = (
    "a = log(x) * tanh(y); b = sigmoid(a - z); c = relu(b - 0.5) + abs(z - x); f = c ** 2",
    {"x": 2.5, "y": 0.3, "z": -1.1},
)


def random_expression(seed: int, statements: int) -> tuple[str, dict[str, float]]:
    """A staged expression of random gates over earlier names (about two gates a statement),
    at values where every gate is defined: a large circuit no course example is shaped like."""
    draw = random.Random(seed)
    names = [f"x{k}" for k in range(1, 7)]
    values = {name: round(draw.uniform(-1.5, 1.5), 1) or 0.5 for name in names}
    lines = []
    for k in range(statements):
        a, b, c = (draw.choice(names[-8:]) for _ in range(3))
        form = draw.choice(
            [f"tanh({a} * {b} + {c})", f"sigmoid({a} - {b}) * {c}", f"max({a}, {b}) + {c}",
             f"relu({a} + {b} * {c})", f"min({a}, {b} - {c})", f"abs({a}) * {b}"]
        )  # fmt: skip
        names.append(f"s{k}")
        lines.append(f"s{k} = {form}")
    used = {name for name in values if any(f"{name}," in f"{line}," or f"{name})" in line
                                           or f"{name} " in line for line in lines)}  # fmt: skip
    return "\n".join(lines), {name: value for name, value in values.items() if name in used}


LARGE = {f"random{seed}": random_expression(seed, count)
         for seed, count in ((1, 15), (2, 20), (3, 25), (4, 30))}  # fmt: skip
CASES = {"cs231n": CS231N, "sigmoid": SIGMOID_NEURON, "micrograd": MICROGRAD,
         "lecture": LECTURE, "thirty": THIRTY_GATES, "trial": TRIAL, **LARGE}  # fmt: skip


def _diagram(case) -> CircuitDiagram:
    from symbp.content.circuit import circuit_diagram

    key = case[0]
    if key not in _DRAWN:
        _DRAWN[key] = circuit_diagram(symbp.expression(*case, check=False).derivation)
    return _DRAWN[key]


_DRAWN: dict[str, CircuitDiagram] = {}  # each expression derived once for all the tests


def test_the_thirty_gate_expression_has_thirty_gates() -> None:
    result = symbp.expression(*THIRTY_GATES, check=False)
    assert len(result.circuit.gates) == 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_labels_meet_no_label_and_no_gate(name) -> None:
    plan = layout(_diagram(CASES[name]))
    assert overlaps(plan.label_boxes(), plan.circles(), gap=1.0) == 0
    # every label inside the drawing
    for x, y, width, height in plan.label_boxes():
        assert x >= 0 and x + width <= plan.width and y >= 0 and y + height <= plan.height


@pytest.mark.parametrize("name", sorted(CASES))
def test_wires_cross_no_label_and_no_other_gate(name) -> None:
    """Every wire, in the layout and in the SVG drawn from it, passes no label box and no
    circle but the one it enters."""
    from tests.layout_tools import point_segment_distance, segment_meets_box, svg_geometry

    plan = layout(_diagram(CASES[name]))
    boxes = [(x + 1, y + 1, w - 2, h - 2) for x, y, w, h in plan.label_boxes()]
    faults = []
    for wire in plan.wires:
        end = wire[-1]
        for segment in zip(wire, wire[1:], strict=False):
            flat = (*segment[0], *segment[1])
            faults += [f"{flat} through {b}" for b in boxes if segment_meets_box(flat, b)]
            for cx, cy, r in plan.circles():
                if abs(cx - r - end[0]) < 1e-6 and abs(cy - end[1]) < 1e-6:
                    continue  # the gate it enters
                if point_segment_distance(cx, cy, flat) < r:
                    faults.append(f"{flat} through the gate at ({cx:.0f}, {cy:.0f})")
    assert faults == []
    _, drawn = svg_geometry(svg(_diagram(CASES[name])))
    stubs = [(p.x + RADIUS, p.y, p.stub_end, p.y) for p in plan.nodes]
    routed = sum(len(wire) - 1 for wire in plan.wires)
    assert len(drawn) == len(stubs) + routed  # the SVG draws exactly these segments


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("size", ["a4", "letter"])
def test_every_circuit_prints_upright_at_8_pt(name, size) -> None:
    """Wrapped into bands as wide as the text (each at most most of a page tall), a circuit's
    type is 8 pt on the page, in TikZ and in the SVG, and the picture is not turned."""
    from symbp.formats.circuit_diagram import SVG_SCALE
    from symbp.formats.diagram import FONT
    from symbp.formats.page import paper

    page = paper(size)
    diagram = _diagram(CASES[name])
    plan = layout(diagram, page)
    assert type_size(diagram, page) >= 8.0
    text_width_cm = page.width_cm - 4.0
    assert plan.width * SVG_SCALE * 2.54 / 96 <= text_width_cm  # the SVG is not shrunk
    assert FONT * SVG_SCALE * 72 / 96 >= 8.0  # px at 96 a CSS inch, in pt
    for top, bottom in plan.bands:  # within the SVG's max-height, and the TikZ page's
        assert (bottom - top) * SVG_SCALE * 2.54 / 96 <= min(22.0, 0.9 * (page.height_cm - 4))
    assert "rotatebox" not in tikz(diagram, page)
    assert tikz(diagram, page).count(r"\begin{tikzpicture}") == len(plan.bands)
    assert svg(diagram, page=page).count("<svg ") == len(plan.bands)


def test_the_thirty_gate_circuit_is_wrapped_with_each_wire_continued() -> None:
    """30 gates: 13 columns, 5 to a band across A4, three bands; every wire into a later band
    starts from its node's name in a dashed box there, and its own stub ends in a tip."""
    diagram = _diagram(THIRTY_GATES)
    plan = layout(diagram)
    assert len(plan.bands) == 3
    names = [str(node.name) for node in diagram.nodes]
    band_of = {p.key: p.band for p in plan.nodes if not p.connector}
    crossing = set()  # (source, band of a gate that takes it), worked from the nodes
    for target in plan.nodes:
        if target.connector:
            continue
        for source in target.node.inputs:
            if band_of[f"n{source}"] < target.band:
                crossing.add((names[source], target.band))
    connectors = {(str(p.node.name), p.band) for p in plan.nodes if p.connector}
    assert connectors == crossing
    assert ("h1", 1) in connectors and ("t25", 2) in connectors  # h₁ feeds three gates on
    continued = {str(p.node.name) for p in plan.nodes if p.continued}
    assert continued == {source for source, _ in crossing}
    # every node's value and gradient once, a connector's name only
    labels = [p for p in plan.nodes if not p.connector]
    assert sorted(str(p.node.name) for p in labels) == sorted(names)


def test_text_form_lists_every_wire() -> None:
    lines = text_lines(_diagram(CS231N))
    assert lines[1].split() == ["x", "-2", "-4.000", "q"]
    assert lines[-1].split()[:2] == ["f", "[×]"] and lines[-1].endswith("(objective)")


def test_svg_is_self_contained() -> None:
    drawing = svg(_diagram(SIGMOID_NEURON))
    assert drawing.startswith("<svg") and "<script" not in drawing and "href" not in drawing


@pytest.mark.parametrize("name", ["sigmoid", "micrograd"])
def test_tikz_labels_do_not_overlap_in_the_compiled_pdf(tmp_path: Path, name) -> None:
    pdflatex = require_tool("pdflatex")
    require_tool("pdftotext")
    diagram = _diagram(CASES[name])
    tex = tmp_path / "circuit.tex"
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
    values = {node.value for node in diagram.nodes} | {node.gradient for node in diagram.nodes}
    assert values <= {w.text.replace("−", "-") for w in words} | {"1"}
    boxes = [(w.x_min, w.y_min, w.x_max - w.x_min, w.y_max - w.y_min) for w in words]
    assert overlaps(boxes, gap=-0.5) == 0


#: a reference line set at 8 pt beside the drawing: its digits' word boxes are the yardstick
REFERENCE = "0.123456789"


def _label_words(words, diagram: CircuitDiagram):
    values = {node.value for node in diagram.nodes} | {node.gradient for node in diagram.nodes}
    values = {v for v in values if len(v.lstrip("-")) >= 3}
    return [w for w in words if w.text.replace("−", "-") in values]  # TeX's minus, the SVG's


def test_thirty_gates_print_upright_at_8_pt_in_the_compiled_pdf(tmp_path: Path) -> None:
    """pdflatex's A4 page: every value and gradient of the 30-gate circuit is there, set
    upright (wider than tall), its word box as tall as 8 pt digits set beside it, and no two
    words of the drawing meet."""
    pdflatex = require_tool("pdflatex")
    require_tool("pdftotext")
    diagram = _diagram(THIRTY_GATES)
    tex = tmp_path / "circuit.tex"
    tex.write_text(
        "\\documentclass[11pt]{article}\\usepackage{fix-cm}\\usepackage{amsmath,tikz,graphicx}\n"
        "\\usepackage[a4paper,margin=2cm]{geometry}\\pagestyle{empty}\n\\begin{document}\n"
        f"{{\\fontsize{{8}}{{9.6}}\\selectfont ${REFERENCE}$\\par}}\n"
        "\\begin{center}\n" + tikz(diagram) + "\n\\end{center}\n\\end{document}\n",
        encoding="utf-8",
    )
    compiled = compile_latex(tex, Path(pdflatex).name, runs=1)
    assert compiled.returncode == 0, compiled.log[-2000:]
    assert not compiled.overfull, compiled.overfull
    words = pdf_words(compiled.pdf)
    yardstick = next(w for w in words if w.text == REFERENCE)
    labels = _label_words(words, diagram)
    assert len(labels) >= 60
    for word in labels:
        assert word.x_max - word.x_min > word.y_max - word.y_min  # upright
        assert word.y_max - word.y_min >= (yardstick.y_max - yardstick.y_min) - 0.05
    for page in {w.page for w in words}:
        boxes = [(w.x_min, w.y_min, w.x_max - w.x_min, w.y_max - w.y_min)
                 for w in words if w.page == page and w is not yardstick]  # fmt: skip
        assert overlaps(boxes, gap=-0.5) == 0


def test_thirty_gates_print_upright_at_8_pt_in_chromium(tmp_path: Path) -> None:
    """Chromium's A4 print of the handout's HTML: the circuit's labels are as tall as 8 pt
    digits of the same font, upright, unshrunk, every band whole on a page."""
    from tests.layout_tools import print_html

    browser = require_tool("chromium")
    require_tool("pdftotext")
    result = symbp.expression(*THIRTY_GATES, check=False)
    page = tmp_path / "thirty.html"
    result.handout().write(str(page))
    reference = "<p style=\"font: 8pt 'DejaVu Sans', Verdana, sans-serif\">" + REFERENCE + "</p>\n"
    page.write_text(page.read_text("utf-8").replace("<body>\n", "<body>\n" + reference, 1))
    printed = print_html(browser, page)
    assert printed.outside == () and printed.shrink > 0.99
    words = pdf_words(printed.pdf)
    yardstick = next(w for w in words if w.text == REFERENCE)
    diagram = _diagram(THIRTY_GATES)
    after = next(w for w in words if w.text == "Forward")  # the derivation after the drawing
    drawn = [w for w in words if (w.page, w.y_min) < (after.page, after.y_min)]
    labels = _label_words(drawn, diagram)
    assert len(labels) >= 60
    for word in labels:
        assert word.x_max - word.x_min > word.y_max - word.y_min
        assert word.y_max - word.y_min >= (yardstick.y_max - yardstick.y_min) - 0.05
    for page in {w.page for w in labels}:
        boxes = [(w.x_min, w.y_min, w.x_max - w.x_min, w.y_max - w.y_min)
                 for w in labels if w.page == page]  # fmt: skip
        assert overlaps(boxes, gap=-0.5) == 0
