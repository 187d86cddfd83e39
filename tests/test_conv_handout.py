"""Handouts of convolutional networks (issue 21 items 2-4): every displayed equation read back
by the harness against values torch autograd computes here (every map, every parameter, and
∂L/∂ of each), the .tex compiles (pdflatex en, xelatex zh) without an overfull line, the
teaching-size net ([1,6,6], 2 filters 3×3, max pool 2, dense 2) fits 6 pages, the HTML prints
within the page in Chromium, and every grid figure's labels keep apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from symbp import formats
from symbp.api.conv_handout import conv_handout
from symbp.content.blocks import GridFigure
from symbp.content.conv_handout import conv_names, delta_name
from symbp.core.conv import ConvNet
from symbp.core.conv_spec import ConvSpec, conv_spec_from_mapping, element_name, tensor_indices
from symbp.formats import grid_figure
from symbp.formats import latex_math as latex_format
from symbp.formats import text_math as text_format
from tests.conftest import require_module, require_tool
from tests.layout_tools import compile_latex, overlaps, print_html
from tests.readback import latex_reader, text_reader
from tests.readback.harness import latex_sources, markdown_sources, read_and_check, text_sources

IMAGE = [
    [0.1, 0.5, -0.3, 0.8, 0.2, -0.6],
    [0.4, -0.2, 0.9, 0.1, -0.5, 0.3],
    [-0.7, 0.6, 0.2, -0.4, 0.8, 0.1],
    [0.3, -0.1, 0.5, 0.7, -0.2, 0.4],
    [0.9, 0.2, -0.6, 0.3, 0.1, -0.8],
    [-0.2, 0.7, 0.4, -0.3, 0.6, 0.5],
]
#: the issue's teaching-size net: [1, 6, 6], 2 filters 3 × 3, max pool 2, dense 2
TEACHING = {
    "layers": [[1, 6, 6], {"conv": 2, "kernel": 3, "activation": "relu"},
               {"pool": "max", "size": 2}, {"dense": 2, "activation": "sigmoid"}],
    "inputs": [IMAGE],
    "weights": {"random": "uniform", "seed": 7},
    "targets": [1.0, 0.0],
}  # fmt: skip
#: average pooling, two channels, padding and a tanh: the other branches of the text
AVERAGE = {
    "layers": [[2, 5, 5], {"conv": 2, "kernel": 2, "padding": 1, "activation": "tanh"},
               {"pool": "avg", "size": 2}, {"dense": 3, "activation": "softmax"}],
    "loss": "cross_entropy",
    "inputs": [[[row[:5] for row in IMAGE[:5]], [[-v for v in row[1:]] for row in IMAGE[1:]]]],
    "weights": {"random": "uniform", "seed": 3},
    "targets": [0.0, 0.0, 1.0],
}  # fmt: skip
CASES = {"teaching": TEACHING, "average": AVERAGE}


def _torch_values(spec: ConvSpec) -> tuple[dict[str, float], dict[str, float]]:
    """Every name's value and ∂L/∂name, by torch autograd on the spec's own numbers, keyed by
    the LaTeX and the text spellings the handout uses."""
    require_module("torch")
    import torch
    import torch.nn.functional as F

    from symbp.core.conv_spec import ConvLayer, DenseLayer, PoolLayer

    net = ConvNet(spec)
    names = conv_names(net)
    double = torch.float64
    x = torch.tensor(spec.inputs[0], dtype=double).reshape(spec.input_shape).requires_grad_()
    tensors: dict[tuple[int, str], torch.Tensor] = {(0, "x"): x}
    params: dict[str, torch.Tensor] = {}
    for key, shape in spec.tensors:
        params[key] = torch.tensor(spec.values(key), dtype=double).reshape(shape).requires_grad_()
    activations = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                   "softmax": lambda t: torch.softmax(t, 0), "identity": lambda t: t}  # fmt: skip
    value = x
    for layer in spec.layers:
        if isinstance(layer, ConvLayer):
            z = F.conv2d(value[None], params[f"{layer.name}_w"], params.get(f"{layer.name}_b"),
                         stride=layer.stride, padding=layer.padding)[0]  # fmt: skip
            value = activations[layer.activation](z)
            tensors[(-layer.number, "z")], tensors[(layer.number, "a")] = z, value
        elif isinstance(layer, PoolLayer):
            pool = F.max_pool2d if layer.kind == "max" else F.avg_pool2d
            value = pool(value[None], layer.size, layer.stride)[0]
            tensors[(layer.number, "p")] = value
        elif isinstance(layer, DenseLayer):
            s = params[f"{layer.name}_w"] @ value.reshape(-1) + params[f"{layer.name}_b"]
            value = activations[layer.activation](s)
            tensors[(-layer.number, "s")], tensors[(layer.number, "o")] = s, value
    for tensor in tensors.values():
        tensor.retain_grad()
    targets = torch.tensor(spec.targets[0], dtype=double)
    value = value.reshape(-1)  # a net may end in its convolution: its maps, flattened
    if spec.loss == "cross_entropy":
        loss = -(targets * torch.log(value)).sum()
    else:
        loss = 0.5 * ((value - targets) ** 2).sum()
    loss.backward()
    found: dict[object, tuple[float, float]] = {net.root: (float(loss), 1.0)}
    for (key, _), tensor in tensors.items():
        for index, symbol in _walk(net.maps[(0, key)].symbols):
            found[symbol] = (float(tensor[index]), float(tensor.grad[index]))
    for key, shape in spec.tensors:
        for index in tensor_indices(shape):
            symbol = net.parameters[element_name(key, index)]
            found[symbol] = (float(params[key][index]), float(params[key].grad[index]))
    for symbol, written in net.names.items():
        if written.startswith("y["):
            found[symbol] = (float(spec.targets[0][int(written[2:-1])]), 0.0)
    tables: tuple[dict[str, float], dict[str, float]] = ({}, {})
    for table, spell in zip(tables, (latex_format.name, text_format.name), strict=True):
        for symbol, (number, gradient) in found.items():
            if symbol not in names:
                continue
            name = names[symbol]
            table[spell(name)] = number
            table[f"∂L/∂{spell(name)}"] = gradient
            if name.base == "z":
                table[spell(delta_name(name))] = gradient
    return tables


def _walk(nested, index=()):
    if isinstance(nested, tuple):
        return [pair for k, item in enumerate(nested) for pair in _walk(item, (*index, k))]
    return [(index, nested)]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_conv_handout_equations_read_back(name: str, lang: str) -> None:
    spec = conv_spec_from_mapping(CASES[name])
    document = conv_handout(spec, lang=lang, check=False).document()
    latex_values, text_values = _torch_values(spec)
    outcomes = {
        "latex": read_and_check(
            latex_sources(formats.render(document, "latex")), latex_reader.read, latex_values, name
        ),
        "markdown": read_and_check(
            markdown_sources(formats.render(document, "markdown")),
            latex_reader.read,
            latex_values,
            name,
        ),
        "text": read_and_check(text_sources(document.blocks), text_reader.read, text_values, name),
    }
    for fmt, outcome in outcomes.items():
        assert not outcome.mismatches, (fmt, outcome.report(5))
        # the window, the dense layer, the routing, the δ rows, the kernel sums, bias, input
        assert outcome.checked >= 30, (fmt, outcome)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_teaching_handout_compiles_without_overfull_lines_in_six_pages(
    tmp_path: Path, lang: str, report_figure
) -> None:
    engine = require_tool("xelatex" if lang == "zh" else "pdflatex")
    require_module("torch")
    tex = conv_handout(conv_spec_from_mapping(TEACHING), lang=lang).write(tmp_path / "h.tex")
    assert tex.read_text(encoding="utf-8").startswith(
        "% Compile with xelatex" if lang == "zh" else "% Compile with pdflatex"
    )
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert compiled.widest <= 0.0, compiled.overfull
    assert not compiled.overfull_vbox
    assert compiled.pages <= 6
    report_figure(f"conv teaching handout ({lang}): {compiled.pages} pages")


def test_average_handout_compiles(tmp_path: Path) -> None:
    engine = require_tool("pdflatex")
    tex = conv_handout(conv_spec_from_mapping(AVERAGE), check=False).write(tmp_path / "a.tex")
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert not compiled.overfull, compiled.overfull


def test_teaching_handout_prints_within_the_page_in_chromium(tmp_path: Path) -> None:
    browser = require_tool("chromium")
    require_tool("pdftotext")
    page = conv_handout(conv_spec_from_mapping(TEACHING), check=False).write(tmp_path / "h.html")
    printed = print_html(browser, page)
    assert printed.outside == ()
    assert printed.shrink == pytest.approx(1.0, abs=0.005)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_grid_figure_of_the_handout_keeps_its_labels_apart(name: str) -> None:
    document = conv_handout(conv_spec_from_mapping(CASES[name]), check=False).document()
    figures = [b for b in document.blocks if isinstance(b, GridFigure)]
    assert len(figures) >= 5  # window, maps, routing, δ maps, ∂L/∂W, ∂L/∂x
    for figure in figures:
        plan = grid_figure.layout(figure)
        assert overlaps(plan.label_boxes(), gap=1.0) == 0
        assert grid_figure.type_size(figure) >= 7.5


def test_the_torch_check_passes_and_is_reported() -> None:
    require_module("torch")
    handout = conv_handout(conv_spec_from_mapping(TEACHING))
    assert handout.passed
    assert "symbp and torch agree" in handout.render("text")
