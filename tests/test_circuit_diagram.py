"""The circuit drawn (issue 20 item 3): no label meets another label or a gate, in the layout's
own boxes, in the compiled TikZ picture (pdftotext's word boxes) and in Chromium's SVG text;
readable type for a 30-gate expression."""

from __future__ import annotations

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
CASES = {"cs231n": CS231N, "sigmoid": SIGMOID_NEURON, "micrograd": MICROGRAD,
         "lecture": LECTURE, "thirty": THIRTY_GATES, "trial": TRIAL}  # fmt: skip


def _diagram(case) -> CircuitDiagram:
    result = symbp.expression(*case, check=False)
    return next(b for b in result.blocks() if isinstance(b, CircuitDiagram))


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


def test_thirty_gates_print_at_a_readable_size() -> None:
    assert type_size(_diagram(THIRTY_GATES)) >= 5.0  # turned along the page: 5.2 pt
    assert type_size(_diagram(SIGMOID_NEURON)) >= 7.0


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
