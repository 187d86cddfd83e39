"""The handout's network figure (issue 26 item 11): each unit's z, a and δ on the drawing, the
focus weight's paths to the loss highlighted. Measured on the drawn SVG and TikZ: the numbers
clear of each other, of the weights' and biases' labels and of the units, each nearest its own
unit; the highlighted edges are exactly the edges on a path from the focus weight to the loss
(found here by walking every path); the numbers read back equal torch's forward values and
δ = ∂L/∂z (autograd, retain_grad)."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import Any

import pytest

import symbp
from symbp.content.blocks import Diagram
from symbp.core.graph import Network
from symbp.core.spec import load_spec, spec_from_mapping
from symbp.formats.diagram import CLEARANCE, CORE, LABEL_HEIGHT, layout, svg, text_lines, tikz

from .conftest import require_module
from .layout_tools import (
    box_meets_circle,
    boxes_overlap,
    label_faults,
    svg_geometry,
    tikz_geometry,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

NETS: dict[str, tuple[dict[str, Any], str | None, int]] = {
    # name: (spec, focus weight, worked sample)
    "tanh_sigmoid_3_4_2_biases": (
        {
            "layers": [3, 4, 2],
            "activation": ["tanh", "sigmoid"],
            "bias": "per-unit",
            "inputs": [0.5, -0.3, 0.8],
            "targets": [0.2, 0.9],
            "weights": {"random": "uniform", "seed": 7},
        },
        "w5",
        1,
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
        None,
        1,
    ),
    "two_samples_4_5_5_3": (
        {
            "layers": [4, 5, 5, 3],
            "reduction": "mean",
            "inputs": [[0.5, -0.3, 0.8, 0.1], [0.2, 0.7, -0.4, 0.9]],
            "targets": [[0.2, 0.9, 0.4], [0.8, 0.1, 0.3]],
            "weights": {"random": "uniform", "seed": 2026},
        },
        "w24",
        2,
    ),
    "per_layer_bias_2_3_2": (
        {
            "layers": [2, 3, 2],
            "activation": ["sigmoid", "identity"],
            "bias": "per-layer",
            "bias_values": [0.1, -0.2],
            "inputs": [0.7, -0.4],
            "targets": [0.3, -0.1],
            "weights": {"random": "uniform", "seed": 3},
        },
        "w8",
        1,
    ),
}


def _problem(name: str) -> tuple[symbp.Problem, str | None, int]:
    if name.startswith("example-"):
        return symbp.Problem(load_spec(EXAMPLES / f"{name[8:]}.toml")), None, 1
    data, focus, sample = NETS[name]
    spec = spec_from_mapping({"title": name, "learning_rate": 0.5, **data}, source=name)
    return symbp.Problem(spec), focus, sample


CASES = [*sorted(NETS), "example-mooc_8_3", "example-mazur_2_2_2", "example-relu"]


def _figure(name: str, lang: str = "en") -> tuple[Diagram, Network, str, int]:
    problem, focus, sample = _problem(name)
    handout = problem.handout(check=False, lang=lang, focus=focus, sample=sample)
    diagram = next(b for b in handout.blocks() if isinstance(b, Diagram))
    network = problem.network
    assert diagram.legend is not None
    # without --focus, the handout follows the first weight with a gradient in the worked sample
    return diagram, network, focus or diagram.legend[1].plain, sample


# -- the drawing's geometry ------------------------------------------------------------------

Box = tuple[float, float, float, float]


def _svg_parts(drawing: str) -> tuple[list[tuple[str, Box, str]], list[tuple[float, float, float]]]:
    """The tags (unit, box, text) and the units' circles of an SVG figure."""
    number = r"(-?[\d.]+)"
    tags = []
    for unit, x, y, w, h, text in re.findall(
        rf'<rect class="tag" data-unit="(\w+)" x="{number}" y="{number}" width="{number}" '
        rf'height="{number}"[^>]*/>\n<text class="tag-\w+"[^>]*>(.*?)</text>',
        drawing,
    ):
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        tags.append((unit, (float(x), float(y), float(w), float(h)), plain))
    circles = [
        (float(x), float(y), float(r))
        for x, y, r in re.findall(rf'<circle cx="{number}" cy="{number}" r="{number}"', drawing)
    ]
    return tags, circles


def _tikz_parts(
    drawing: str,
) -> tuple[list[tuple[str, Box, str]], list[tuple[float, float, float]]]:
    scale = float(re.search(r"x=([\d.]+)cm", drawing).group(1))  # type: ignore[union-attr]
    tags = []
    for w, h, x, y, text, unit in re.findall(
        r"inner sep=0pt,fill=white,minimum width=([\d.]+)cm,minimum height=([\d.]+)cm.*\] "
        r"at \((-?[\d.]+),(-?[\d.]+)\) \{(.*)\}; % \w+ of (\w+)",
        drawing,
    ):
        width, height = float(w) / scale, float(h) / scale
        box = (float(x) - width / 2, float(y) - height / 2, width, height)
        tags.append((unit, box, text))
    radius = float(re.search(r"minimum size=([\d.]+)cm", drawing).group(1)) / scale / 2  # type: ignore[union-attr]
    circles = [
        (float(x), float(y), radius)
        for x, y in re.findall(r"\(\w+\) at \((-?[\d.]+),(-?[\d.]+)\)", drawing)
    ]
    return tags, circles


def _centre(box: Box) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


@pytest.mark.parametrize("name", CASES)
def test_figure_numbers_clear_of_labels_and_units_each_nearest_its_own_unit(name: str) -> None:
    diagram, network, _, _ = _figure(name)
    units = [u.name for layer in network.layers for u in layer]
    for drawing, parts, geometry in (
        ("svg", _svg_parts(svg(diagram)), svg_geometry(svg(diagram))),
        ("tikz", _tikz_parts(tikz(diagram)), tikz_geometry(tikz(diagram))),
    ):
        tags, circles = parts
        labels, _ = geometry
        assert len(circles) == len(units), drawing
        # every unit has its value; every unit but an input its δ too
        texts = [text for _, _, text in tags]
        assert sum(re.search(r"(?<![\w\\])a = ", t) is not None for t in texts) == len(units)
        assert sum(("δ = " in t) or ("\\delta = " in t) for t in texts) == len(units) - len(
            network.inputs
        ), drawing
        boxes = [box for _, box, _ in tags]
        for i, a in enumerate(boxes):
            assert not any(boxes_overlap(a, b) for b in boxes[i + 1 :]), (drawing, tags[i])
            assert not any(boxes_overlap(a, label.box) for label in labels), (drawing, tags[i])
            assert not any(box_meets_circle(a, circle) for circle in circles), (drawing, tags[i])
        for unit, box, text in tags:
            x, y = _centre(box)
            distances = [math.hypot(x - cx, y - cy) for cx, cy, _ in circles]
            own = distances[units.index(unit)]
            assert own < min(d for k, d in enumerate(distances) if units[k] != unit), (
                drawing,
                unit,
                text,
            )


def _without_highlights(drawing: str) -> str:
    """The TikZ picture without its highlighter strokes (each a second stroke on an edge)."""
    return "\n".join(line for line in drawing.splitlines() if "line cap=round" not in line)


@pytest.mark.parametrize("name", CASES)
def test_weight_labels_still_sit_on_their_own_edges_beside_the_numbers(name: str) -> None:
    # the figure's tags must not push a weight's label off its edge: the label-to-edge test of
    # tests/test_layout.py on the figure's SVG and TikZ
    diagram, _, _, _ = _figure(name)
    plan = layout(diagram)
    owners = [label.edge for label in plan.labels]
    for drawing, (labels, segments) in (
        ("svg", svg_geometry(svg(diagram))),
        ("tikz", tikz_geometry(_without_highlights(tikz(diagram)))),
    ):
        assert len(labels) == len(plan.labels) and len(segments) == len(plan.edges), drawing
        faults = label_faults(labels, owners, segments, LABEL_HEIGHT / 2 + CLEARANCE, CORE)
        assert faults == [], (drawing, faults)


# -- the highlighted paths -------------------------------------------------------------------


def _paths_edges(network: Network, focus: str) -> set[tuple[str, str]]:
    """Every (source, target) unit pair on some path from the focus weight to the loss: walk
    every path from the weight's target to an output in the loss, edge by edge."""
    out: dict[str, list[str]] = {}
    for weight in network.weights:
        out.setdefault(weight.source.name, []).append(weight.target.name)
    ends = {network.objective.name} if network.objective is not None else None
    ends = ends or {u.name for u in network.layers[-1]}
    found: set[tuple[str, str]] = set()

    def walk(unit: str, path: list[tuple[str, str]]) -> None:
        if unit in ends:
            found.update(path)
        for nxt in out.get(unit, []):
            walk(nxt, [*path, (unit, nxt)])

    for weight in network.weights:
        if weight.name == focus:
            walk(weight.target.name, [(weight.source.name, weight.target.name)])
    return found


def _svg_highlighted(drawing: str) -> set[tuple[tuple[float, float], tuple[float, float]]]:
    number = r"(-?[\d.]+)"
    return {
        ((float(a), float(b)), (float(c), float(d)))
        for a, b, c, d in re.findall(
            rf'<line class="highlight" x1="{number}" y1="{number}" x2="{number}" y2="{number}"',
            drawing,
        )
    }


@pytest.mark.parametrize("name", CASES)
def test_highlighted_edges_are_exactly_the_focus_weights_paths_to_the_loss(name: str) -> None:
    diagram, network, focus, _ = _figure(name)
    drawing = svg(diagram)
    centres = {}
    circles = re.findall(r'<circle cx="(-?[\d.]+)" cy="(-?[\d.]+)"', drawing)
    units = [u.name for layer in network.layers for u in layer]
    for unit, (x, y) in zip(units, circles, strict=True):
        centres[(float(x), float(y))] = unit
    drawn = {(centres[a], centres[b]) for a, b in _svg_highlighted(drawing) if a in centres}
    expected = _paths_edges(network, focus)
    assert drawn == expected
    assert len(expected) >= 1
    # the legend's sample line is drawn too, and names the focus weight
    assert drawing.count('<line class="highlight"') == len(expected) + 1
    assert "to the loss" in drawing
    tikz_drawing = tikz(diagram)
    # TikZ: one highlighter stroke per edge on the paths, plus the legend's
    assert len(re.findall(r"line cap=round\] \((\w+)\) -- \((\w+)\)", tikz_drawing)) == len(
        expected
    )
    assert {
        (s, t) for s, t in re.findall(r"line cap=round\] \((\w+)\) -- \((\w+)\)", tikz_drawing)
    } == expected


def test_path_set_of_a_hidden_weight_in_a_deep_net_is_its_fan_out() -> None:
    # [4, 5, 5, 3], w1 = x1 → unit 1 of hidden layer 1: the edge itself, its unit's 5 edges on,
    # and all 5 × 3 of the last pair: 21 edges, worked by hand
    diagram, network, _, _ = _figure("two_samples_4_5_5_3")
    problem, _, _ = _problem("two_samples_4_5_5_3")
    handout = problem.handout(check=False, focus="w1")
    diagram = next(b for b in handout.blocks() if isinstance(b, Diagram))
    assert len(diagram.highlighted) == 1 + 5 + 15
    assert len(_paths_edges(network, "w1")) == 21


# -- the numbers against torch -------------------------------------------------------------------


def _torch_values(
    network: Network, sample: int
) -> dict[str, tuple[float | None, float, float | None]]:
    """Each unit's (z, a, δ = ∂L⁽ⁿ⁾/∂z) at sample `sample` (1-based) by torch autograd."""
    require_module("torch")
    import torch

    spec = network.spec
    inputs, targets = spec.samples[sample - 1]
    layers = network.layers
    weight = {(w.source.name, w.target.name): w.value for w in network.weights}
    bias: dict[str, float] = {}
    for b in network.biases:
        for unit in b.targets:
            bias[unit.name] = bias.get(unit.name, 0.0) + b.value
    functions = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "identity": lambda z: z,
        "softmax": lambda z: torch.softmax(z, dim=0),
    }
    a = torch.tensor(list(inputs), dtype=torch.float64)
    result: dict[str, tuple[float | None, float, float | None]] = {}
    zs = []
    for layer in range(1, len(layers)):
        matrix = torch.tensor(
            [[weight[(s.name, t.name)] for s in layers[layer - 1]] for t in layers[layer]],
            dtype=torch.float64,
            requires_grad=True,
        )
        b = torch.tensor([bias.get(t.name, 0.0) for t in layers[layer]], dtype=torch.float64)
        z = matrix @ a + b
        z.retain_grad()
        zs.append(z)
        activation = layers[layer][0].activation
        assert activation is not None
        a = functions[activation.name](z)
    y = torch.tensor(list(targets), dtype=torch.float64)
    if spec.loss == "cross_entropy":
        loss = -(y * torch.log(a)).sum()
    else:
        assert spec.loss == "half_sse"
        loss = 0.5 * ((a - y) ** 2).sum()
    loss.backward()
    for k, unit in enumerate(layers[0]):
        result[unit.name] = (None, float(inputs[k]), None)
    for layer, z in enumerate(zs, start=1):
        activation = layers[layer][0].activation
        assert activation is not None
        a_l = functions[activation.name](z.detach())
        assert z.grad is not None
        for k, unit in enumerate(layers[layer]):
            result[unit.name] = (float(z[k].detach()), float(a_l[k]), float(z.grad[k]))
    return result


def _labelled(diagram: Diagram) -> bool:
    return any(diagram.labelled) or not diagram.labelled


def _close(shown: str, exact: float) -> bool:
    # 4 significant digits: within half a unit of the 4th digit
    value = float(shown.replace("−", "-"))
    return math.isclose(value, exact, rel_tol=5.1e-4, abs_tol=1e-12)


@pytest.mark.parametrize("name", [*sorted(NETS), "example-mooc_8_3", "example-mazur_2_2_2"])
def test_figure_numbers_read_back_equal_torch(name: str) -> None:
    diagram, network, _, sample = _figure(name)
    expected = _torch_values(network, sample)
    tags, _ = _svg_parts(svg(diagram))
    seen = set()
    for unit, _, text in tags:
        z, a, delta = expected[unit]
        # the SVG sets a minus sign (U+2212) as the body does
        for key, shown in re.findall(r"(z|a|δ) = ([−-]?[\d.e+−-]+)", text):
            exact = {"z": z, "a": a, "δ": delta}[key]
            assert exact is not None, (unit, text)
            assert _close(shown, exact), (unit, key, shown, exact)
            seen.add((unit, key))
    # every unit's a, every other unit's δ (and z where the figure has room for it)
    inputs = {u.name for u in network.inputs}
    needed = {(u, "a") for u in expected} | {(u, "δ") for u in expected if u not in inputs}
    assert needed <= seen
    assert any(key == "z" for _, key in seen) == (not diagram.tags or _labelled(diagram))


def test_the_mooc_figure_against_the_course_numbers() -> None:
    # MOOC 8.3 (examples/mooc_8_3.toml): h1 = σ(0.25) = 0.5622, δ_o1 = (o1 − y1)·o1(1 − o1)
    # worked by hand from o1 = σ(0.1·0.5622 − 0.3·0.4950)
    diagram, _, _, _ = _figure("example-mooc_8_3")
    text = "\n".join(text_lines(diagram))
    h1 = 1 / (1 + math.exp(-0.25))
    h2 = 1 / (1 + math.exp(0.02))
    o1 = 1 / (1 + math.exp(-(0.1 * h1 - 0.3 * h2)))
    assert f"a = {h1:.4f}" in text
    delta_o1 = (o1 - 0.23) * o1 * (1 - o1)
    assert f"δ = {delta_o1:.5f}" in text
    assert "w₁" in text or "w1" in text


def test_text_and_markdown_fallbacks_carry_the_numbers(tmp_path: Any) -> None:
    problem, focus, _ = _problem("tanh_sigmoid_3_4_2_biases")
    handout = problem.handout(check=False, focus=focus)
    diagram = next(b for b in handout.blocks() if isinstance(b, Diagram))
    lines = text_lines(diagram)
    assert len(lines) == 1 + 3 + 4 + 2 + 1  # the key, a line per unit, one for the paths
    assert lines[-1].count("→") == len(diagram.highlighted)
    markdown = tmp_path / "h.md"
    handout.write(markdown)
    assert 'class="tag-delta"' in markdown.read_text(encoding="utf-8")


def test_chinese_figure_has_its_legend_and_caption() -> None:
    diagram, _, _, _ = _figure("example-mooc_8_3", lang="zh")
    assert diagram.legend is not None and "到损失的路径" in diagram.legend[2]
