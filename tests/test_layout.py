"""Layout at course sizes, proved with measurements: long formulas broken at their operators
within the page, tables split or folded to fit, diagram labels that never overlap, and the real
tools' verdicts (pdflatex's and xelatex's overfull boxes, Chromium's printed page).

The width model is itself checked against pdflatex's boxes and the diagram's text model against
Chromium's getBBox, so the pure geometric tests rest on calibrated numbers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import symbp
from symbp.content import expr as E
from symbp.content.blocks import Diagram, Equations, Heading, Math, Paragraph, Row, Table, Text
from symbp.content.handout import labelled_pairs
from symbp.content.names import Names
from symbp.core.spec import default_spec, spec_from_mapping
from symbp.formats import breaking, latex, latex_math
from symbp.formats.diagram import (
    CLEARANCE,
    CORE,
    LABEL_HEIGHT,
    LABEL_PAD,
    RADIUS,
    layout,
    svg,
    tikz,
)
from symbp.formats.metrics import DENSE_METRICS, METRICS
from symbp.formats.page import paper
from symbp.formats.tables import arrange, fold, split_columns

from .conftest import require_tool
from .layout_tools import (
    MARK,
    DrawnLabel,
    box_meets_circle,
    boxes_overlap,
    compile_latex,
    html_split_displays,
    label_faults,
    latex_split_displays,
    lay_out,
    marked_html,
    overlaps,
    pdf_words,
    print_html,
    stranded_headings,
    svg_geometry,
    text_width_px,
    tikz_geometry,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def net(layers: list[int], **extra: Any) -> symbp.Problem:
    """A sigmoid network of these sizes with short inputs and targets and seeded weights."""
    data: dict[str, Any] = {
        "title": f"net {layers}",
        "layers": layers,
        "inputs": [round(0.1 * (i + 1), 1) for i in range(layers[0])],
        "targets": [0.5] * layers[-1],
        "weights": {"random": "uniform", "seed": 3},
    }
    data.update(extra)
    return symbp.problem(spec_from_mapping(data))


COURSE = [4, 5, 5, 3]
SOFTMAX = {"activation": ["sigmoid", "softmax"], "loss": "cross_entropy", "targets": 1}


# -- line breaking ----------------------------------------------------------------------------


def members(document_blocks: tuple[Any, ...]) -> list[E.Node]:
    found: list[E.Node] = []
    for block in document_blocks:
        if isinstance(block, Equations):
            for row in block.rows:
                found += [m for m in row.chain.members if m not in found]
    return found


@pytest.mark.parametrize("layers", [[2, 2, 2], [2, 3, 3], COURSE])
def test_tokens_spell_exactly_what_the_printer_prints(layers: list[int]) -> None:
    extra = SOFTMAX if layers == [2, 3, 3] else {}
    document = net(layers, **extra).handout(check=False).document()
    for node in members(document.blocks):
        assert breaking.joined(breaking.Tokens()(node)) == latex_math.math(node)
        dense = breaking.Tokens(printer=latex_math.DENSE_PRINTER)(node)
        assert breaking.joined(dense) == latex_math.DENSE_PRINTER.math(node)


def _terms(count: int) -> E.Node:
    """w_1 x_1 + (−0.1234) × 0.5678 − … : a sum of products with negative terms."""
    terms: list[E.Node] = []
    for i in range(1, count + 1):
        w, x = E.Sym(E.Name("w", str(i))), E.Sym(E.Name("x", str(i)))
        product = E.Mul((w, x)) if i % 2 else E.Mul((E.Num(-0.1234, "-0.1234"), E.Num(0.5, "0.5")))
        terms.append(E.Neg(product) if i % 3 == 0 else product)
    return E.Add(tuple(terms))


def _unbroken(text: str) -> str:
    """LaTeX lines joined back into one formula, spelled the way an unbroken one is."""
    text = re.sub(r"\\\\\n&\\quad ", " ", text)
    text = text.replace(r"\left(", "(").replace(r"\right)", ")")
    return re.sub(r"\s+", "", text)


def test_a_long_sum_breaks_at_its_terms_and_reads_the_same() -> None:
    z = E.Sym(E.Name("z", "1"))
    long_sum = _terms(40)
    row = Row(E.equals(z, long_sum))
    body = latex.equations_body(Equations((row,)), width=30.0)
    lines = body.split(" \\\\\n")
    assert len(lines) > 3
    assert lines[0].startswith("z_{1} &= w_{1} x_{1}")
    for line in lines[1:]:
        assert line.startswith((r"&\quad + ", r"&\quad - ")), line
    assert _unbroken(body) == _unbroken("z_{1} &= " + latex_math.math(long_sum))
    # the lines are about as full as the budget allows: as few lines as the terms need
    whole = breaking.Tokens().width(long_sum)
    assert len(lines) <= whole / (30.0 - METRICS.width(z)) * 1.6 + 1


def test_a_long_product_breaks_at_its_factors() -> None:
    numbers = E.Mul(tuple(E.Num(0.1 * i, f"{0.1 * i:.4f}") for i in range(1, 30)))
    body = latex.equations_body(Equations((Row(E.equals(E.Sym(E.Name("p")), numbers)),)), 25.0)
    lines = body.split(" \\\\\n")
    assert len(lines) > 2
    assert all(line.startswith(r"&\quad \times ") for line in lines[1:])
    assert _unbroken(body) == _unbroken("p &= " + latex_math.math(numbers))


def test_juxtaposed_factors_broken_apart_get_an_explicit_cdot() -> None:
    symbols = E.Mul(tuple(E.Sym(E.Name("w", str(i))) for i in range(1, 60)))
    body = latex.equations_body(Equations((Row(E.equals(E.Sym(E.Name("q")), symbols)),)), 20.0)
    lines = body.split(" \\\\\n")
    assert len(lines) > 2
    assert all(line.startswith(r"&\quad \cdot w_{") for line in lines[1:])


def test_brackets_split_by_a_line_break_are_plain() -> None:
    inner = _terms(30)
    outer = E.Mul((E.Sym(E.Name("x", "1")), inner))
    body = latex.equations_body(Equations((Row(E.equals(E.Sym(E.Name("g")), outer)),)), 30.0)
    first, *rest = body.split(" \\\\\n")
    assert first.count("(") - first.count(")") == 1 and r"\left( w" not in first
    assert rest[-1].rstrip().endswith(")") and not rest[-1].rstrip().endswith(r"\right)")
    # balanced over the whole formula, \left( only where its \right) is on the same line
    assert body.count("(") == body.count(")")
    for line in body.split(" \\\\\n"):
        assert line.count(r"\left(") == line.count(r"\right)")


CONTINUATION = re.compile(r"^&(=|\\leftarrow|\\approx|\\quad (\+ |- |\\times |\\cdot |\S))")


@pytest.mark.parametrize(
    ("layers", "extra"),
    [([2, 3, 3], SOFTMAX), (COURSE, {}), ([16, 16, 16], {}), ([3, 4, 2], {"bias": "per-unit"})],
    ids=["softmax", "course", "16x3", "biases"],
)
def test_every_line_of_every_display_is_a_row_or_a_known_continuation(
    layers: list[int], extra: dict[str, Any]
) -> None:
    # what the read-back harness relies on: a new row starts with its lhs or tag, every other
    # line with "&" and a relation or "\quad" and an operator (or, after a comma, an argument)
    source = net(layers, **extra).handout(check=False).render("latex")
    for environment in re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", source, re.S):
        lines = environment.split(" \\\\\n")
        assert not lines[0].startswith("&")
        for before, line in zip(lines, lines[1:], strict=False):
            if line.startswith("&"):
                assert CONTINUATION.match(line), line
                if re.match(r"^&\\quad [^+\-\\]", line):
                    assert before.endswith(","), (before, line)


# -- tables -----------------------------------------------------------------------------------


def _table(columns: int, rows: int, cell: str = "0.123456789") -> Table:
    header = tuple((Text(f"c{i}"),) for i in range(columns))
    body = tuple(tuple((Text(f"{r}:{cell}"),) for _ in range(columns)) for r in range(rows))
    return Table(header, body)


def test_a_wide_table_is_split_by_columns_each_part_repeating_the_first() -> None:
    table = _table(12, 3)
    parts = split_columns(table, budget=40.0, padding=1.1)
    assert len(parts) > 1
    assert all(part.header[0] == table.header[0] for part in parts)
    assert [c for part in parts for c in part.header[1:]] == list(table.header[1:])
    sizes = [len(part.header) for part in parts]
    assert max(sizes) - min(sizes) <= 1  # an even share


def test_a_long_narrow_table_folds_and_keeps_its_rows_in_order() -> None:
    table = _table(2, 25, "7")
    folded = fold(table, budget=40.0, padding=1.1)
    assert folded.groups == 3 and len(folded.table.rows) == 9
    read = [
        row[g * 2 : g * 2 + 2] for g in range(3) for row in folded.table.rows if row[g * 2][0].text
    ]
    assert read == list(table.rows)
    assert arrange(_table(2, 5), 40.0, 1.1)[0].groups == 1  # short tables stay whole


# -- diagrams ---------------------------------------------------------------------------------

LABELLED_SHAPES = sorted(
    {(a, b) for a in range(1, 13) for b in range(1, 13) if a * b <= 12}, key=lambda s: s[0] * s[1]
)


def _check_layout(problem: symbp.Problem, digits: int = 4) -> int:
    """Label boxes pairwise apart and off every unit, each edge label centred on its edge;
    returns how many labels were checked."""
    network = problem.network
    plan = layout(Diagram(Names(network), digits, labelled=labelled_pairs(network)))
    boxes = [label.box for label in plan.labels]
    circles = [(u.x, u.y, RADIUS) for u in plan.units]
    for i, box in enumerate(boxes):
        assert box[0] >= 0 and box[0] + box[2] <= plan.width, box
        assert box[1] >= 0 and box[1] + box[3] <= plan.height, box
        for other in boxes[i + 1 :]:
            assert not boxes_overlap(box, other), (plan.labels[i].plain, box, other)
        for circle in circles:
            assert not box_meets_circle(box, circle), (plan.labels[i].plain, circle)
    ends = {(e.source.x, e.source.y, e.target.x, e.target.y) for e in plan.edges}
    for label in plan.labels[: len(plan.labels) - len(network.biases)]:
        on_an_edge = any(
            abs((x1 - x0) * (label.y - y0) - (y1 - y0) * (label.x - x0)) < 1e-6 * (x1 - x0) ** 2
            and x0 < label.x < x1
            for x0, y0, x1, y1 in ends
        )
        assert on_an_edge, label.plain
    return len(plan.labels)


@pytest.mark.parametrize(("a", "b"), LABELLED_SHAPES, ids=lambda v: str(v))
def test_labels_of_every_pair_the_content_labels_never_overlap(a: int, b: int) -> None:
    problem = net([a, b, 1])
    assert labelled_pairs(problem.network)[0]  # a pair of at most 12 edges is labelled
    assert _check_layout(problem) == a * b + b


@pytest.mark.parametrize(
    "problem",
    [
        pytest.param(lambda: net([3, 4, 2], bias="per-unit"), id="342-biases"),
        pytest.param(lambda: net([3, 4, 2], numbering="by-target", bias="per-layer"), id="342"),
        pytest.param(lambda: net([2, 3, 3], **SOFTMAX), id="softmax"),
        pytest.param(lambda: net(COURSE, bias="per-unit"), id="course"),
        pytest.param(lambda: net([16, 16, 16]), id="16x3"),
        pytest.param(lambda: symbp.problem(EXAMPLES / "two_hidden_layers.toml"), id="two-hidden"),
        pytest.param(lambda: symbp.problem(EXAMPLES / "mazur_2_2_2.toml"), id="mazur"),
    ],
)
def test_labels_never_overlap_in_course_networks(problem: Any) -> None:
    _check_layout(problem())


#: the networks whose drawings issue 26 found wrong, every example, and the issue's nets
LABEL_EDGE_NETS = {
    "342-biases": lambda: net([3, 4, 2], bias="per-unit"),
    "342": lambda: net([3, 4, 2], numbering="by-target", bias="per-layer"),
    "233-softmax": lambda: net([2, 3, 3], **SOFTMAX),
    "4553-biases": lambda: net(COURSE, bias="per-unit"),
    **{
        f"example-{path.stem}": (lambda path=path: symbp.problem(path))
        for path in sorted(EXAMPLES.glob("*.toml"))
    },
}


@pytest.mark.parametrize("name", sorted(LABEL_EDGE_NETS))
def test_each_label_sits_nearest_its_own_edge_and_away_from_crossings(name: str) -> None:
    # measured on the drawn coordinates of both the SVG and the TikZ picture: every weight's
    # label is strictly nearer its own edge than any other, no crossing lies within a label's
    # half-height plus clearance, no other edge crosses the middle of its box (where the name
    # is read), and no edge at all crosses a bias's box
    problem = LABEL_EDGE_NETS[name]()
    diagram = Diagram(Names(problem.network), labelled=labelled_pairs(problem.network))
    plan = layout(diagram)
    owners = [label.edge for label in plan.labels]
    for drawing, (labels, segments) in (
        ("svg", svg_geometry(svg(diagram))),
        ("tikz", tikz_geometry(tikz(diagram))),
    ):
        assert len(labels) == len(plan.labels) and len(segments) == len(plan.edges), drawing
        faults = label_faults(labels, owners, segments, LABEL_HEIGHT / 2 + CLEARANCE, CORE)
        assert faults == [], (drawing, faults)


def test_the_label_edge_test_finds_issue_26s_labels() -> None:
    # the old placement (each label at its edge's middle, whatever ran there) put w2 of a
    # 2-2 pair on the crossing of the two middle edges: the geometry test must see it
    problem = symbp.problem(EXAMPLES / "mooc_8_3.toml")
    diagram = Diagram(Names(problem.network), labelled=labelled_pairs(problem.network))
    plan = layout(diagram)
    labels, segments = svg_geometry(svg(diagram))
    middle = []
    for label, drawn in zip(plan.labels, labels, strict=True):
        if label.edge is None:
            middle.append(drawn)
            continue
        x0, y0, x1, y1 = segments[label.edge]
        x, y = (x0 + x1) / 2, (y0 + y1) / 2
        box = (x - drawn.box[2] / 2, y - drawn.box[3] / 2, drawn.box[2], drawn.box[3])
        middle.append(DrawnLabel(x, y, box, drawn.text, drawn.colour))
    faults = label_faults(middle, [label.edge for label in plan.labels], segments, 15.0, CORE)
    assert any("crossing" in fault for fault in faults), faults


def test_bias_labels_have_a_colour_no_edge_has_and_a_dashed_frame() -> None:
    problem = net([3, 4, 2], bias="per-unit")
    diagram = Diagram(Names(problem.network), labelled=labelled_pairs(problem.network))
    labels, segments = svg_geometry(svg(diagram))
    plan = layout(diagram)
    edge_colours = {edge.colour for edge in plan.edges}
    biases = [drawn for label, drawn in zip(plan.labels, labels, strict=True) if label.edge is None]
    assert len(biases) == 6
    assert all(drawn.colour not in edge_colours for drawn in biases)
    assert svg(diagram).count('stroke-dasharray="3 2"') == 6
    assert tikz(diagram).count("dashed,") == 6


def test_long_labels_widen_the_drawing_instead_of_overlapping() -> None:
    names = [f"weight_from_{s}_to_{t}" for s in "abc" for t in "defg"] + ["out_d", "out_e"]
    names += ["out_f", "out_g"]
    problem = net(
        [3, 4, 1],
        numbering="explicit",
        weight_names=[names[i] for i in range(16)],
        weights=[0.123456789012345 * (-1) ** i for i in range(16)],
    )
    assert _check_layout(problem, digits=15) == 16


def test_dense_layer_pairs_show_structure_and_a_weight_matrix() -> None:
    problem = net(COURSE)
    assert labelled_pairs(problem.network) == (False, False, False)
    document = problem.handout(check=False).document()
    matrices = [
        b
        for b in document.blocks
        if isinstance(b, Table)
        and isinstance(b.header[0][0], Math)
        and isinstance(b.header[0][0].expr, E.Sym)
        and b.header[0][0].expr.name.base == "W"
    ]
    assert len(matrices) == 3
    w2 = matrices[1]
    # rows: the 5 units of hidden layer 2; columns: the 5 of hidden layer 1. By-source
    # numbering counts x1's edges first, so w(source i, target j) is number 20 + 5(i−1) + j
    weights = problem.spec.weights
    assert len(w2.rows) == 5 and len(w2.header) == 6
    for j, row in enumerate(w2.rows, start=1):
        for i, cell in enumerate(row[1:], start=1):
            chain = cell[0].expr
            assert isinstance(cell[0], Math) and isinstance(chain, E.Chain)
            number = 20 + 5 * (i - 1) + j
            assert chain.lhs.name.plain == f"w{number}"  # type: ignore[union-attr]
            assert float(chain.steps[0].expr.text) == pytest.approx(  # type: ignore[union-attr]
                weights[number - 1], rel=1e-3
            )
    drawing = svg(Diagram(Names(problem.network), labelled=(False,) * 3))
    assert 'class="label"' not in drawing and drawing.count("<line ") == 20 + 25 + 15


def test_the_svg_scales_to_its_column_and_tikz_to_the_page() -> None:
    problem = net([16, 16, 16])
    diagram = Diagram(Names(problem.network), labelled=labelled_pairs(problem.network))
    drawing = svg(diagram)
    assert "viewBox=" in drawing and "max-width: 100%" in drawing
    plan = layout(diagram)
    scale = float(re.search(r"x=([\d.]+)cm", tikz(diagram)).group(1))  # type: ignore[union-attr]
    assert plan.width * scale <= paper().width_cm - 4 + 1e-9
    assert plan.height * scale <= 0.8 * (paper().height_cm - 4) + 1e-9


# -- the models against the real tools ----------------------------------------------------------


def test_width_model_is_within_a_few_percent_of_pdflatex(tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    nodes: list[E.Node] = []
    for problem in (net([2, 3, 3], **SOFTMAX), symbp.problem(EXAMPLES / "two_hidden_layers.toml")):
        nodes += members(problem.handout(check=False).document().blocks)
    nodes += [_terms(12), E.Mul((_terms(3), _terms(2)))]
    lines = [
        rf"\settowidth{{\x}}{{$\displaystyle {printer.math(n)}$}}\typeout{{W{i}:{d} \the\x}}"
        for i, n in enumerate(nodes)
        for d, printer in ((0, latex_math.PRINTER), (1, latex_math.DENSE_PRINTER))
    ]
    tex = tmp_path / "widths.tex"
    tex.write_text(
        "\\documentclass[11pt]{article}\\usepackage{amsmath}\\newlength{\\x}\n"
        "\\begin{document}\n" + "\n".join(lines) + "\n\\end{document}\n",
        encoding="utf-8",
    )
    compiled = compile_latex(tex, Path(pdflatex).name, runs=1)
    assert compiled.returncode == 0, compiled.log[-2000:]
    real = {
        (int(i), int(d)): float(w)
        for i, d, w in re.findall(r"W(\d+):(\d) ([\d.]+)pt", compiled.log)
    }
    assert len(real) == 2 * len(nodes)
    ratios = [
        (DENSE_METRICS if d else METRICS).width(n) * 10.95 / real[(i, d)]
        for i, n in enumerate(nodes)
        for d in (0, 1)
    ]
    # never more than 7 % short (the page keeps 10 %), never wildly long
    assert min(ratios) > 0.93, min(ratios)
    assert max(ratios) < 1.15, max(ratios)


def _label_report(tmp_path: Path, problem: symbp.Problem) -> dict[str, Any]:
    browser = require_tool("chromium")
    page = tmp_path / "diagram.html"
    diagram = Diagram(Names(problem.network), labelled=labelled_pairs(problem.network))
    page.write_text(
        "<!DOCTYPE html><html><body><figure>" + svg(diagram) + "</figure></body></html>",
        encoding="utf-8",
    )
    return lay_out(browser, page, 1200).diagrams[0]


@pytest.mark.parametrize("shape", [[3, 4, 2], [2, 3, 3]])
def test_label_text_model_covers_chromiums_boxes(tmp_path: Path, shape: list[int]) -> None:
    # the calibration the geometric tests rest on: each label's box (model width) holds the
    # text Chromium draws, and the drawn boxes themselves are pairwise apart and off the units
    problem = net(shape, bias="per-unit")
    report = _label_report(tmp_path, problem)
    plan = layout(Diagram(Names(problem.network), labelled=labelled_pairs(problem.network)))
    real = report["labels"]
    assert len(real) == len(plan.labels)
    for label, (x, y, width, height, text) in zip(plan.labels, real, strict=True):
        assert text.endswith(f"= {label.value}".replace("-", "−")), (text, label.plain)  # U+2212
        left, top, box_width, box_height = label.box
        # Chromium's text box inside the model's box, and not much smaller than it
        assert left <= x and x + width <= left + box_width, (text, x, width, label.box)
        assert top <= y and y + height <= top + box_height, (text, y, height, label.box)
        assert width >= 0.7 * (box_width - 2 * LABEL_PAD), (text, width, label.box)
    boxes = [tuple(r[:4]) for r in real]
    circles = [tuple(u) for u in report["units"]]
    assert overlaps(boxes, circles, gap=CLEARANCE / 2) == 0  # type: ignore[arg-type]


def test_tikz_labels_do_not_overlap_in_the_compiled_pdf(tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    require_tool("pdftotext")
    problem = net([3, 4, 2], bias="per-unit")
    diagram = Diagram(Names(problem.network), labelled=labelled_pairs(problem.network))
    tex = tmp_path / "diagram.tex"
    tex.write_text(
        "\\documentclass[11pt]{article}\\usepackage{fix-cm}\\usepackage{amsmath,tikz}\n"
        "\\usepackage[a4paper,margin=2cm]{geometry}\\pagestyle{empty}\n"
        "\\begin{document}\n" + tikz(diagram) + "\n\\end{document}\n",
        encoding="utf-8",
    )
    compiled = compile_latex(tex, Path(pdflatex).name, runs=1)
    assert compiled.returncode == 0, compiled.log[-2000:]
    words = pdf_words(compiled.pdf)
    assert sum(w.text == "=" for w in words) == len(layout(diagram).labels)
    boxes = [(w.x_min, w.y_min, w.x_max - w.x_min, w.y_max - w.y_min) for w in words]
    assert overlaps(boxes, gap=-0.5) == 0  # a label's own words touch, no more


# -- whole handouts in pdflatex, xelatex and Chromium -------------------------------------------


def _write(problem: symbp.Problem, path: Path, **choices: Any) -> Path:
    problem.handout(check=False, **choices).write(path)
    return path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_course_sized_handout_has_no_overfull_box_and_fits_six_pages(
    tmp_path: Path, lang: str
) -> None:
    engine = require_tool("xelatex" if lang == "zh" else "pdflatex")
    tex = _write(net(COURSE), tmp_path / "course.tex", lang=lang)
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert compiled.widest <= 1.0, compiled.overfull
    assert not compiled.overfull_vbox
    assert compiled.pages <= 6  # the whole handout, its answers at the foot of the last page


#: issue 26's course networks: (spec, page limit of the whole handout, answers included; with
#: the torch check's appendix in tests/test_handout_answers.py).
ISSUE_26_NETS = {
    "tanh_sigmoid_3_4_2_biases": (
        {
            "layers": [3, 4, 2],
            "activation": ["tanh", "sigmoid"],
            "bias": "per-unit",
            "inputs": [0.5, -0.3, 0.8],
            "targets": [0.2, 0.9],
            "weights": {"random": "uniform", "seed": 7},
        },
        4,
    ),
    "relu_softmax_2_3_3": (
        {
            "layers": [2, 3, 3],
            "activation": ["relu", "softmax"],
            "loss": "cross_entropy",
            "inputs": [0.5, -0.3],
            "targets": 2,
            "weights": {"random": "uniform", "seed": 11},
        },
        4,
    ),
    "two_samples_4_5_5_3": (
        {
            "layers": [4, 5, 5, 3],
            "reduction": "mean",
            "inputs": [[0.5, -0.3, 0.8, 0.1], [0.2, 0.7, -0.4, 0.9]],
            "targets": [[0.2, 0.9, 0.4], [0.8, 0.1, 0.3]],
            "weights": {"random": "uniform", "seed": 2026},
        },
        6,  # issue 26's goal
    ),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(ISSUE_26_NETS))
def test_issue_26_handouts_fit_their_pages_without_stranded_headings(
    tmp_path: Path, name: str, lang: str
) -> None:
    from symbp.content.blocks import Heading, Paragraph

    engine = require_tool("xelatex" if lang == "zh" else "pdflatex")
    require_tool("pdftotext")
    data, limit = ISSUE_26_NETS[name]
    problem = symbp.Problem(
        spec_from_mapping({"title": name, "learning_rate": 0.5, **data}, source=name)
    )
    handout = problem.handout(check=False, lang=lang)
    tex = tmp_path / f"{name}.tex"
    handout.write(tex)
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert not compiled.overfull and not compiled.overfull_vbox
    assert compiled.pages <= limit  # the whole handout, answers included
    headings = [  # and the lead-ins, kept with what they introduce as headings are
        "".join(part.text for part in block.parts if isinstance(part, Text))
        for block in handout.blocks()
        if isinstance(block, Heading) or (isinstance(block, Paragraph) and block.leads_in)
    ]
    assert stranded_headings(compiled.pdf, headings) == []


#: issue 26's leaky-relu/Adam net worked for two steps (its displays run over pages)
LEAKY_ADAM = {
    "layers": [2, 3, 2],
    "activation": ["leaky_relu", "sigmoid"],
    "learning_rate": 0.1,
    "optimizer": {"name": "adam", "betas": [0.9, 0.999], "eps": 1e-8},
    "steps": 2,
    "inputs": [0.5, -0.3],
    "targets": [0.2, 0.9],
    "weights": {"random": "uniform", "seed": 5},
}


def _issue_26_handout(name: str, lang: str) -> Any:
    if name == "default":  # the embedded default, MOOC 8.3: `symbp handout`
        return symbp.Problem(default_spec()).handout(check=False, lang=lang)
    if name == "leaky_adam_2_steps":
        data: dict[str, Any] = {"title": name, **LEAKY_ADAM}
    else:
        data = {"title": name, "learning_rate": 0.5, **ISSUE_26_NETS[name][0]}
    return symbp.Problem(spec_from_mapping(data, source=name)).handout(check=False, lang=lang)


def _engine_for(tex: Path) -> str:
    """The engine the handout's first line asks for."""
    first = tex.read_text(encoding="utf-8").splitlines()[0]
    return require_tool("xelatex" if "xelatex" in first else "pdflatex")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", [*sorted(ISSUE_26_NETS), "leaky_adam_2_steps", "default"])
def test_no_equation_of_issue_26s_handouts_is_split_across_pages(
    tmp_path: Path, name: str, lang: str
) -> None:
    # every line of every displayed equation reports the page it lands on: in LaTeX by a
    # \write at shipout, in Chromium's print by a tiny marker word read back with pdftotext;
    # no equation may run over a page, nor a short display (the default's 8 updates) at all;
    # and no heading or lead-in ends a page
    require_tool("pdftotext")
    browser = require_tool("chromium")
    handout = _issue_26_handout(name, lang)
    kept = [
        "".join(part.text for part in block.parts if isinstance(part, Text))
        for block in handout.blocks()
        if isinstance(block, Heading) or (isinstance(block, Paragraph) and block.leads_in)
    ]
    tex = tmp_path / f"{name}.tex"
    handout.write(tex)
    compiled, split = latex_split_displays(tex, Path(_engine_for(tex)).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert MARK.search(compiled.log), "no display reported its page"
    assert split == []
    assert not compiled.overfull
    assert stranded_headings(compiled.pdf, kept) == []
    page = tmp_path / f"{name}.html"
    handout.write(page)
    printed, split = html_split_displays(browser, page)
    assert printed.pages >= 1
    assert split == []
    assert stranded_headings(print_html(browser, page, ruler=False).pdf, kept) == []


def test_the_split_detector_counts_a_short_display_broken_between_equations(
    tmp_path: Path,
) -> None:
    # the default handout with every line break between equations breakable (the rule before
    # short displays were kept whole) and no room kept under its lead-ins breaks some short
    # display at some shift of its content: a reader sees that display split, and so does the
    # detector
    require_tool("pdftotext")
    tex = tmp_path / "default.tex"
    _issue_26_handout("default", "zh").write(tex)
    breakable = re.sub(r" \\\\\*\n(?!&)", lambda _: " \\\\\n", tex.read_text(encoding="utf-8"))
    breakable = re.sub(r"\\needspace\{[^}]*\}", "", breakable)
    for shift in range(0, 24):
        shifted = breakable.replace(
            "\\begin{document}", f"\\begin{{document}}\\vspace*{{{shift * 0.5}cm}}", 1
        )
        tex.write_text(shifted, "utf-8")
        compiled, split = latex_split_displays(tex, Path(_engine_for(tex)).name)
        assert compiled.returncode == 0, compiled.log[-3000:]
        if split:
            break
    assert split and all(row == 0 for _, row, _ in split), split


def test_the_split_detectors_find_a_split_equation(tmp_path: Path) -> None:
    # LaTeX: the same handout with every line break breakable again (the old \\ inside a
    # row) splits the softmax net's δ over a page; Chromium: a display taller than a page
    require_tool("pdftotext")
    browser = require_tool("chromium")
    tex = tmp_path / "softmax.tex"
    _issue_26_handout("relu_softmax_2_3_3", "en").write(tex)
    breakable = tex.read_text(encoding="utf-8").replace("\\\\*\n", "\\\\\n")
    # the page breaks move with the handout's content: some shift of it down the first page
    # puts a page break inside one of its many-line displays
    for shift in range(0, 24):
        shifted = breakable.replace(
            "\\begin{document}", f"\\begin{{document}}\\vspace*{{{shift * 0.5}cm}}", 1
        )
        tex.write_text(shifted, "utf-8")
        compiled, split = latex_split_displays(tex, Path(_engine_for(tex)).name)
        assert compiled.returncode == 0, compiled.log[-3000:]
        if split:
            break
    assert split, "the detector missed the split row"
    # and at the same place the rows as written (\\* inside a row) stay together
    kept = tmp_path / "kept.tex"
    _issue_26_handout("relu_softmax_2_3_3", "en").write(kept)
    original = kept.read_text(encoding="utf-8")
    kept.write_text(
        original.replace(
            "\\begin{document}", f"\\begin{{document}}\\vspace*{{{shift * 0.5}cm}}", 1
        ),
        "utf-8",
    )
    assert latex_split_displays(kept, Path(_engine_for(kept)).name)[1] == []
    first = '<mtr><mtd columnalign="right"><mi>y</mi></mtd><mtd columnalign="left"><mo>=</mo>'
    more = '<mtr><mtd columnalign="right" /><mtd columnalign="left"><mo>+</mo>'
    lines = [f"{first}<mn>0</mn></mtd></mtr>"] + [
        f"{more}<mn>{k}</mn></mtd></mtr>" for k in range(80)
    ]
    page = tmp_path / "tall.html"
    page.write_text(
        '<!DOCTYPE html><html><body><p>one equation of 81 lines</p><math display="block">'
        f"<mtable>{''.join(lines)}</mtable></math></body></html>",
        encoding="utf-8",
    )
    assert marked_html(page.read_text(encoding="utf-8")).count("SYMBPMARK") == 81
    printed, split = html_split_displays(browser, page)
    assert printed.pages >= 2 and split and split[0][:2] == (1, 1), split


def test_derive_latex_breaks_the_closed_form_within_the_page(tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    source = net([3, 4, 2]).derivations(["w1"]).render("latex")
    closed = source.split("Closed form")[1].split(r"\end{align*}")[0]
    assert closed.count(r"\\") >= 3  # the closed form now runs over several lines
    tex = tmp_path / "derive.tex"
    tex.write_text(source, encoding="utf-8")
    compiled = compile_latex(tex, Path(pdflatex).name, runs=1)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert compiled.widest <= 1.0, compiled.overfull


@pytest.mark.slow
def test_course_sized_handout_prints_within_the_page_in_chromium(tmp_path: Path) -> None:
    browser = require_tool("chromium")
    require_tool("pdftotext")
    page = _write(net(COURSE), tmp_path / "course.html")
    laid = lay_out(browser, page, text_width_px(paper().width_cm))
    assert laid.counts["display"] > 10
    assert laid.overflow == ()  # no equation, formula, table or figure past the column
    diagram = laid.diagrams[0]
    assert diagram["rendered"] <= laid.column
    printed = print_html(browser, page)
    assert printed.outside == ()
    assert printed.shrink == pytest.approx(1.0, abs=0.005)  # Chromium did not shrink the page
    assert printed.pages <= 6  # the whole handout, its answers at the foot of the last page


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sixteen_unit_layers_compile_and_print_within_the_page(tmp_path: Path, lang: str) -> None:
    engine = require_tool("xelatex" if lang == "zh" else "pdflatex")
    browser = require_tool("chromium")
    problem = net([16, 16, 16])
    compiled = compile_latex(_write(problem, tmp_path / "big.tex", lang=lang), Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert compiled.widest <= 1.0, compiled.overfull
    page = _write(problem, tmp_path / "big.html", lang=lang)
    assert lay_out(browser, page, text_width_px(paper().width_cm)).overflow == ()
    printed = print_html(browser, page)
    assert printed.outside == () and printed.shrink == pytest.approx(1.0, abs=0.005)


def test_stranded_heading_detector_finds_a_heading_at_a_page_foot(tmp_path: Path) -> None:
    # the detector itself: a heading forced to the foot of page 1, its section on page 2
    pdflatex = require_tool("pdflatex")
    require_tool("pdftotext")
    tex = tmp_path / "stranded.tex"
    tex.write_text(
        "\\documentclass{article}\\begin{document}\nSome text.\n\\vspace*{19cm}\n"
        "\\section*{Lonely heading here}\n\\newpage\nIts section.\n\\section*{Kept heading}\n"
        "Body.\n\\end{document}\n",
        encoding="utf-8",
    )
    compiled = compile_latex(tex, Path(pdflatex).name, runs=1)
    found = stranded_headings(compiled.pdf, ["Lonely heading here", "Kept heading"])
    assert [heading for _, heading in found] == ["Lonely heading here"]
