"""The handout's network figure measured as drawn (issue 26 item 6, trial t26): every piece of
text (a weight's or bias's label, a unit's value or δ, the paths' legend, the key) against every
edge, every other text, every bias's frame, the legend's sample stroke and every unit; on issue
26's nets, the trial's nets n1–n6, every example and seeded random shapes up to [4, 5, 5, 3],
in English and Chinese. Then the models under it against the real tools: each TikZ text's
natural width, as pdflatex and xelatex set it at the picture's own type size, inside the box
the layout keeps for it (the trial's legend ran into the key and the bias frames cut their
names because TeX's 5-pt designs are a third wider than the model allowed); and the key says
exactly what the tags show.

A crossing is allowed only where the drawing says why: a weight's label sits on its own edge
(that names it), and its box's ends, and a unit's tag where no place near the unit is off
every edge, are opaque backgrounds the edges pass under (reported, never silent)."""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

import symbp
from symbp.content.blocks import Diagram
from symbp.core.spec import load_spec, spec_from_mapping
from symbp.formats.diagram import (
    CLEARANCE,
    CORE,
    HIGHLIGHT_WIDTH,
    LABEL_PAD,
    RADIUS,
    TAG_HEIGHT,
    Layout,
    key_rows,
    layout,
    svg,
    tikz,
)

from .conftest import require_tool
from .layout_tools import (
    box_meets_circle,
    boxes_overlap,
    chromium,
    compile_latex,
    segment_meets_box,
)
from .test_handout_trial26 import TRIAL
from .test_layout import ISSUE_26_NETS, LEAKY_ADAM

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: trial t26's specs (/work/wt/trials/t26/n1.toml … n6.toml), with the choices the trial made
#: them with (n3 --focus w24, n5 --sample 2): n1–n5 as test_handout_trial26 holds them, and n6
T26: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    **{f"t26-{name}": net for name, net in TRIAL.items()},
    "t26-n6": (
        {
            "layers": [2, 2, 1],
            "activation": "sigmoid",
            "loss": "half_sse",
            "learning_rate": 1.0,
            "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
            "targets": [[0], [1], [1], [0]],
            "weights": [0.5, -0.4, 0.3, 0.6, 0.7, -0.8],
            "bias": "per-unit",
            "bias_values": [0.1, -0.1, 0.2],
        },
        {},
    ),
}


def _random_nets(count: int = 10) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Seeded random shapes up to [4, 5, 5, 3]: 2 or 3 layer pairs, any bias kind."""
    chooser = random.Random(2026)
    nets: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for k in range(count):
        layers = [chooser.randint(1, 4)]
        layers += [chooser.randint(1, 5) for _ in range(chooser.choice([1, 2]))]
        layers.append(chooser.randint(1, 3))
        data: dict[str, Any] = {
            "layers": layers,
            "activation": chooser.choice(["sigmoid", "tanh"]),
            "learning_rate": 0.5,
            "inputs": [round(chooser.uniform(-1, 1), 2) for _ in range(layers[0])],
            "targets": [round(chooser.uniform(0, 1), 2) for _ in range(layers[-1])],
            "weights": {"random": "uniform", "seed": k},
        }
        bias = chooser.choice(["none", "per-layer", "per-unit"])
        if bias != "none":
            data["bias"] = bias
        nets[f"random-{k}-{'-'.join(map(str, layers))}-{bias}"] = (data, {})
    return nets


NETS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    **{
        f"issue26-{name}": (cast(dict[str, Any], data), {})
        for name, (data, _) in ISSUE_26_NETS.items()
    },
    "issue26-leaky_adam_2_steps": (LEAKY_ADAM, {}),
    **T26,
    **_random_nets(),
}
EXAMPLE_SPECS = sorted(
    path.stem for path in EXAMPLES.glob("*.toml") if "layers" in path.read_text("utf-8")
)
CASES = [*NETS, *(f"example-{stem}" for stem in EXAMPLE_SPECS)]


def handout(name: str, lang: str = "en") -> Any:
    """The handout of a net of this module."""
    choices: dict[str, Any] = {}
    if name.startswith("example-"):
        problem = symbp.Problem(load_spec(EXAMPLES / f"{name[8:]}.toml"))
    else:
        data, choices = NETS[name]
        spec = spec_from_mapping({"title": name, "learning_rate": 0.5, **data}, source=name)
        problem = symbp.Problem(spec)
    return problem.handout(check=False, lang=lang, **choices)


def figure(name: str, lang: str = "en") -> Diagram:
    """The handout's figure (its first diagram) of a net of this module."""
    return next(b for b in handout(name, lang).blocks() if isinstance(b, Diagram))


# -- the geometry -----------------------------------------------------------------------------

Box = tuple[float, float, float, float]
Segment = tuple[float, float, float, float]


def _frame(box: Box) -> list[Segment]:
    x, y, w, h = box
    return [(x, y, x + w, y), (x + w, y, x + w, y + h), (x, y + h, x + w, y + h), (x, y, x, y + h)]


def _grown(box: Box, margin: float) -> Box:
    return (box[0] - margin, box[1] - margin, box[2] + 2 * margin, box[3] + 2 * margin)


def _inset(box: Box, dx: float) -> Box:
    return (box[0] + dx, box[1], box[2] - 2 * dx, box[3])


def collisions(plan: Layout) -> tuple[list[str], int]:
    """What in the drawing crosses a text (text box against edge, another text, a bias's frame,
    the legend's stroke, a unit) and how many crossings pass under an opaque background: a
    weight label's own edge is not counted, nor another edge under the ends of its box
    (CORE), nor an edge under a tag drawn `backed`."""
    texts: list[tuple[str, Box, int | None, bool]] = []  # what, text box, own edge, backed
    for label in plan.labels:
        what = f"label {label.plain}"
        texts.append((what, _inset(label.box, LABEL_PAD), label.edge, False))
    for tag in plan.tags:
        texts.append((f"tag {tag.unit} {tag.plain}", tag.box, None, getattr(tag, "backed", False)))
    legend_box = getattr(plan, "legend_box", None)
    if legend_box is not None:
        texts.append(("legend", legend_box, None, False))
    for k, box in enumerate(getattr(plan, "key_boxes", ())):
        texts.append((f"key {k}", box, None, False))
    edges = [(e.source.x, e.source.y, e.target.x, e.target.y) for e in plan.edges]
    x, y = plan.legend_at
    strokes = [(x, y, x + 30, y)] if legend_box is not None else []
    frames = [(f"frame of {lb.plain}", _frame(lb.box)) for lb in plan.labels if lb.edge is None]
    found, hidden = [], 0
    for k, (what, box, own, backed) in enumerate(texts):
        for index, edge in enumerate(edges):
            if index == own:
                continue
            # a highlighted edge: as wide as the highlighter's stroke under it
            wide = HIGHLIGHT_WIDTH / 2 if index in plan.highlighted else 0.0
            if not segment_meets_box(edge, _grown(box, wide)):
                continue
            core = _inset(box, CORE * (box[2] + 2 * LABEL_PAD)) if own is not None else box
            if backed or not segment_meets_box(edge, core):
                hidden += 1
            else:
                found.append(f"{what} × edge {index}")
        if any(segment_meets_box(s, box) for s in strokes):
            found.append(f"{what} × the legend's stroke")
        for other_what, other, *_ in texts[k + 1 :]:
            if boxes_overlap(box, other):
                found.append(f"{what} × {other_what}")
        for frame_what, frame in frames:
            if frame_what != f"frame of {what[6:]}" and any(
                segment_meets_box(s, box) for s in frame
            ):
                found.append(f"{what} × {frame_what}")
        for unit in plan.units:
            if box_meets_circle(box, (unit.x, unit.y, RADIUS + CLEARANCE / 2)):
                found.append(f"{what} × unit {unit.key}")
        if (
            box[0] < 0
            or box[1] < 0
            or box[0] + box[2] > plan.width
            or box[1] + box[3] > plan.height
        ):
            found.append(f"{what} outside the picture")
    return found, hidden


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", CASES)
def test_no_text_of_the_figure_meets_an_edge_another_text_a_frame_or_the_legend(
    name: str, lang: str
) -> None:
    plan = layout(figure(name, lang))
    found, _ = collisions(plan)
    assert found == []


def test_the_collision_count_finds_what_the_trial_saw() -> None:
    # every tag put back at its old place, centred above (below) its unit whatever runs there,
    # and the key moved onto the legend: both found
    plan = layout(figure("t26-n1"))
    units = {u.key: u for u in plan.units}
    step = RADIUS + CLEARANCE + TAG_HEIGHT / 2
    centred = tuple(
        replace(t, x=units[t.unit].x, y=units[t.unit].y + (step if t.kind == "delta" else -step),
                backed=False)
        for t in plan.tags
    )  # fmt: skip
    found = collisions(replace(plan, tags=centred))[0]
    assert any(f.startswith("tag ") and " × edge " in f for f in found), found
    assert plan.legend_box is not None and plan.key_boxes
    key = (plan.legend_box[0] + 10, *plan.key_boxes[0][1:])
    clash = replace(plan, key_boxes=(key,))
    assert any("legend × key" in f for f in collisions(clash)[0])


# -- the key says what is drawn ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["t26-n1", "t26-n3", "t26-n5", "example-mooc_8_3"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_key_names_exactly_what_the_tags_show(name: str, lang: str) -> None:
    diagram = figure(name, lang)
    drawing = svg(diagram)
    above = re.findall(r'<text class="tag-a"[^>]*>(.*?)</text>', drawing)
    below = re.findall(r'<text class="tag-delta"[^>]*>(.*?)</text>', drawing)
    plain = [re.sub(r"<[^>]+>", "", t) for t in above]
    shown_above = {q for t in plain for q in ("z", "a", "δ") if re.search(rf"(^|, ){q} = ", t)}
    shown_below = {"δ"} if below else set()
    key = " ".join(key_rows(diagram, one_row=True))
    said_above, _, said_below = key.replace("；", ";").partition(";")  # zh: full-width
    names = {"z", "a", "δ"}
    assert {n for n in names if re.search(rf"(?<!\w){n}(?!\w)", said_above)} == shown_above, key
    assert {n for n in names if re.search(rf"(?<!\w){n}(?!\w)", said_below)} == shown_below, key
    # and the drawings print the key they were given
    for row in key_rows(diagram, one_row=len(layout(diagram).key_at) == 1):
        text = re.sub(
            r"<[^>]+>", "", " ".join(re.findall(r'<text class="key"[^>]*>.*?</text>', drawing))
        )
        assert row in text


# -- the width model against TeX ---------------------------------------------------------------

_NODE = re.compile(
    r"\\node\[(?P<options>[^\n]*?minimum width=(?P<width>[\d.]+)cm[^\n]*?"
    r"font=(?P<font>\\fontsize\{[\d.]+\}\{[\d.]+\}\\selectfont)\]) at \([-\d.]+,[-\d.]+\) "
    r"\{(?P<text>.*)\};"
)


@pytest.mark.parametrize(
    ("name", "lang"),
    [("t26-n1", "en"), ("t26-n1", "zh"), ("t26-n3", "en"), ("t26-n3", "zh"), ("t26-n2", "en")],
)
def test_every_tikz_text_fits_the_box_the_layout_keeps_for_it(
    tmp_path: Path, name: str, lang: str
) -> None:
    # TeX measures each label's, tag's, legend's and key's natural width at the picture's own
    # type size (pdflatex with fix-cm, as the English handout; xelatex with ctex, as the
    # Chinese): each must fit inside its box less a little padding
    document = handout(name, lang)
    diagram = next(b for b in document.blocks() if isinstance(b, Diagram))
    whole = tmp_path / "whole.tex"
    document.write(whole)
    source = whole.read_text(encoding="utf-8")
    preamble = source[: source.index("\\begin{document}")]
    problem_tex = tikz(diagram)
    nodes = [m for m in _NODE.finditer(problem_tex) if "circle" not in m.group("options")]
    assert len(nodes) >= len(layout(diagram).tags) + len(layout(diagram).labels) + 2
    lines = []
    for k, node in enumerate(nodes):
        text = node.group("text").split("}; %")[0]
        lines.append(rf"\settowidth{{\w}}{{{node.group('font')} {text}}}\typeout{{W{k}: \the\w}}")
    engine = require_tool("xelatex" if "xelatex" in source.splitlines()[0] else "pdflatex")
    handout_tex = tmp_path / "widths.tex"
    handout_tex.write_text(
        preamble
        + "\\newlength{\\w}\n\\begin{document}\n"
        + "\n".join(lines)
        + "\n\\mbox{}\n\\end{document}\n",
        encoding="utf-8",
    )
    compiled = compile_latex(handout_tex, Path(engine).name, runs=1)
    assert compiled.returncode == 0, compiled.log[-2000:]
    real = {int(k): float(w) for k, w in re.findall(r"W(\d+): ([\d.]+)pt", compiled.log)}
    assert len(real) == len(nodes)
    scale = float(re.search(r"x=([\d.]+)cm", problem_tex).group(1))  # type: ignore[union-attr]
    pad_pt = 1.0 * scale * 72.27 / 2.54  # a drawing px of padding either side, at least
    over = [
        (node.group("text")[:50], real[k], float(node.group("width")) * 72.27 / 2.54)
        for k, node in enumerate(nodes)
        if real[k] + 2 * pad_pt > float(node.group("width")) * 72.27 / 2.54
    ]
    ratios = sorted(
        real[k] / (float(node.group("width")) * 72.27 / 2.54) for k, node in enumerate(nodes)
    )
    assert over == [], ratios[-5:]


# -- the width model against Chromium ---------------------------------------------------------

_MEASURE_TEXTS = """<script>
const found = 'svg text.tag-a, svg text.tag-delta, svg text.legend, svg text.key';
const out = [...document.querySelectorAll(found)].map(t => { const b = t.getBBox();
  return [t.getAttribute('class'), b.x, b.y, b.width, b.height]; });
const pre = document.createElement('pre'); pre.id = 'texts';
pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
</script>"""


@pytest.mark.parametrize(("name", "lang"), [("t26-n1", "en"), ("t26-n1", "zh"), ("t26-n3", "zh")])
def test_every_svg_text_fits_the_box_the_layout_keeps_for_it(
    tmp_path: Path, name: str, lang: str
) -> None:
    # Chromium's own box of each tag's, the legend's and the key's text (getBBox, DejaVu Sans)
    # inside the box the layout placed it by
    browser = require_tool("chromium")
    diagram = figure(name, lang)
    plan = layout(diagram)
    page = tmp_path / "figure.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        + svg(diagram)
        + _MEASURE_TEXTS
        + "</body></html>",
        encoding="utf-8",
    )
    result = chromium(browser, "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="texts">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, result.stderr[-2000:]
    drawn = json.loads(html.unescape(found.group(1)))
    boxes = [t.box for t in plan.tags]
    boxes += [plan.legend_box] if plan.legend_box is not None else []
    boxes += list(plan.key_boxes)
    assert len(drawn) == len(boxes)
    outside = [
        (kind, round(x, 1), round(w, 1), box)
        for (kind, x, y, w, h), box in zip(drawn, boxes, strict=True)
        if x < box[0] - 0.5 or x + w > box[0] + box[2] + 0.5 or h > box[3] + 4
    ]
    assert outside == []
