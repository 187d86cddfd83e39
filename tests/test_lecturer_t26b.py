"""What the second lecturer trial of issue 26 (t26b) found, each checked on the handout a
lecturer gets: a number before an indicator written so 0.9·1[z > 0] never reads 0.91; Chinese
a Chinese lecturer writes; the figure's legend, minus signs and key separator; each thing said
once (a single sample's loss, no table repeating section 4, a focus weight whose sign section
has something to say); and the page limits of the trial's 2-sample [4, 5, 5, 3] net."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import symbp
from symbp.content.blocks import Diagram, Heading, Paragraph, Text
from symbp.core.spec import spec_from_mapping
from symbp.formats.diagram import key_rows, svg

from .conftest import require_module, require_tool
from .layout_tools import body_pages, compile_latex, print_html

#: the trial's leaky-relu net (specs/d_adam.toml, one step of plain gradient descent here)
LEAKY = {
    "title": "leaky",
    "layers": [2, 3, 2],
    "activation": ["leaky_relu", "sigmoid"],
    "negative_slope": 0.1,
    "loss": "half_sse",
    "learning_rate": 0.05,
    "inputs": [0.7, -1.1],
    "targets": [1.0, 0.0],
    "weights": [0.5, -0.4, 0.3, 0.6, 0.2, -0.7, 0.8, -0.3, 0.45, 0.25, -0.6, 0.35],
}
#: the trial's XOR net, worked on sample 2, (0, 1): w1's factor x1 is 0 there
XOR = {
    "title": "XOR",
    "layers": [2, 2, 1],
    "activation": ["tanh", "sigmoid"],
    "loss": "mse_mean",
    "learning_rate": 1.0,
    "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
    "targets": [[0], [1], [1], [0]],
    "reduction": "mean",
    "weights": [0.6, -0.4, 0.55, 0.7, 0.9, -0.8],
    "bias": "per-unit",
    "bias_values": [-0.2, 0.1, 0.3],
}
#: the trial's 2-sample [4, 5, 5, 3] net with per-unit biases (specs/c_4553.toml)
C_4553 = {
    "title": "Lecture 7: two samples, two hidden layers",
    "layers": [4, 5, 5, 3],
    "activation": ["sigmoid", "tanh", "sigmoid"],
    "loss": "half_sse",
    "learning_rate": 0.5,
    "inputs": [[0.6, -0.3, 0.9, 0.2], [-0.5, 0.8, 0.1, -0.7]],
    "targets": [[1.0, 0.0, 0.5], [0.0, 1.0, 0.2]],
    "reduction": "mean",
    "weights": [0.2, 0.64, 0.44, -0.44, -0.32, 0.6, -0.79, 0.51, 0.48, -0.05, -0.32, -0.35]
    + [-0.39, -0.09, 0.01, 0.09, 0.79, 0.47, 0.2, 0.78, -0.46, -0.54, 0.18, -0.73, -0.74]
    + [0.02, -0.05, 0.67, 0.21, 0.02, -0.01, -0.4, -0.78, -0.49, 0.31, -0.48, -0.21, -0.79]
    + [0.53, -0.55, -0.37, 0.61, 0.02, 0.56, 0.22, 0.39, -0.65, 0.07, 0.01, 0.59, -0.22]
    + [0.16, -0.71, -0.18, -0.28, -0.56, 0.51, -0.19, 0.77, 0.14],
    "bias": "per-unit",
    "bias_values": [0.06, 0.08, 0.11, -0.21, -0.04, -0.16, -0.06, -0.24, 0.28, -0.17, 0.1]
    + [-0.12, 0.22],
}


def _problem(data: dict[str, object]) -> symbp.Problem:
    return symbp.Problem(spec_from_mapping(data, source=str(data["title"])))


def _text(block: Heading | Paragraph) -> str:
    return "".join(p.text for p in block.parts if isinstance(p, Text))


# -- 0.1 + 0.9·1[z > 0] ----------------------------------------------------------------------------


def test_a_number_before_an_indicator_is_never_set_beside_it(tmp_path: Path) -> None:
    # "0.9 \mathbf{1}[z > 0]" prints as 0.91[z > 0]: a student reads 0.91
    handout = _problem(LEAKY).handout(check=False)
    tex, page = tmp_path / "h.tex", tmp_path / "h.html"
    handout.write(tex)
    handout.write(page)
    latex = tex.read_text(encoding="utf-8")
    html = page.read_text(encoding="utf-8")
    assert r"\mathbf{1}" in latex  # the derivative is shown, in the problem, δ rows and sign
    assert not re.search(r"\d\s*\\mathbf\{1\}", latex)
    assert latex.count(r"0.9 \cdot \mathbf{1}") >= 3
    bold_one = re.findall(r"(<m[no][^>]*>[^<]*</m[no]>)<mrow><mn mathvariant=\"bold\">1</mn>", html)
    assert bold_one and all(b.startswith("<mo") for b in bold_one), bold_one  # an operator
    # the derivative read back from the LaTeX equals the slope torch uses, on both sides
    for z, slope in ((-0.31, 0.1), (0.98, 1.0)):
        assert math.isclose(0.1 + 0.9 * (z > 0), slope)


# -- Chinese and names ----------------------------------------------------------------------------


def test_the_chinese_reads_as_a_chinese_lecturer_writes() -> None:
    handout = _problem(C_4553).handout(lang="zh")
    blocks = list(handout.blocks())
    text = " ".join(_text(b) for b in blocks if isinstance(b, Heading | Paragraph))
    xor = _problem(XOR).handout(lang="zh", sample=2)
    text += xor.render("text") + xor.render("latex")  # LaTeX: the answers' "upside down" aside
    for literal in ("这里同样", "对所有样本", "倒印）", "是否一致 是"):
        assert literal not in text, literal
    assert "同理，" in text and "所有样本的平均" in text and "倒置印刷" in text
    # a figure with z, a above each unit and δ below (MOOC 8.3): the key's two halves on one row
    mooc = symbp.problem().handout(check=False, lang="zh")
    diagram = next(b for b in mooc.blocks() if isinstance(b, Diagram))
    (row,) = key_rows(diagram, one_row=True)
    assert "；下方" in row and "; " not in row, row
    leaky = _problem(LEAKY)
    for lang in ("en", "zh"):
        prose = " ".join(
            _text(b)
            for b in leaky.handout(check=False, lang=lang).blocks()
            if isinstance(b, Paragraph)
        )
        assert "Leaky ReLU" in prose and "leaky_relu" not in prose, lang


# -- the figure ------------------------------------------------------------------------------------


def test_the_figure_sets_minus_signs_and_a_legend_as_drawn() -> None:
    diagram = next(
        b for b in _problem(C_4553).handout(check=False).blocks() if isinstance(b, Diagram)
    )
    drawing = svg(diagram)
    tags = " ".join(re.findall(r'<text class="tag-[^"]*"[^>]*>(.*?)</text>', drawing))
    assert "−0.01868" in tags and not re.search(r"= -\d", tags)
    # the key's symbols set as the tags set them: italic, as mathematics
    mooc = next(b for b in symbp.problem().handout(check=False).blocks() if isinstance(b, Diagram))
    key = " ".join(re.findall(r'<text class="key".*?</text>', svg(mooc)))
    assert re.search(r'font-style="italic">z</tspan>', key), key
    assert re.search(r'font-style="italic">a</tspan>', key), key
    tikz = symbp.problem().handout(check=False).render("latex")
    (key_line,) = [line for line in tikz.splitlines() if line.endswith("% key")]
    assert "$z$" in key_line and "$a$" in key_line, key_line
    # the legend's swatch: the highlighter's band only, as the paths are drawn under it
    assert '<line class="legend"' not in drawing
    assert len(re.findall(r'<line class="highlight"', drawing)) == len(diagram.highlighted) + 1


# -- each thing said once -------------------------------------------------------------------------


def test_a_single_samples_loss_is_written_once_with_its_terms() -> None:
    require_module("torch")
    import torch

    f64 = torch.float64
    text = _problem(LEAKY).handout(check=False).render("text")
    assert "one term per output" not in text  # no second L = L_o1 + L_o2 worked again
    hidden = torch.nn.functional.leaky_relu(
        torch.tensor([[0.5, 0.6], [-0.4, 0.2], [0.3, -0.7]], dtype=f64)
        @ torch.tensor([0.7, -1.1], dtype=f64),
        0.1,
    )
    o = torch.sigmoid(torch.tensor([[0.8, 0.45, -0.6], [-0.3, 0.25, 0.35]], dtype=f64) @ hidden)
    terms = 0.5 * (o - torch.tensor([1.0, 0.0], dtype=f64)) ** 2
    loss = f"{terms.sum().item():.4g}"
    shown = f"= {terms[0].item():.4g} + {terms[1].item():.4g}"
    loss_lines = [line for line in text.splitlines() if shown in line]
    assert len(loss_lines) == 1, shown  # a step of L's own display, once
    assert text.count(f"= {loss}") >= 1


def test_xors_default_focus_has_a_gradient_in_the_worked_sample() -> None:
    require_module("torch")
    import torch

    handout = _problem(XOR).handout(sample=2)
    diagram = next(b for b in handout.blocks() if isinstance(b, Diagram))
    assert diagram.legend is not None
    focus = diagram.legend[1].plain
    # torch, sample 2 = (0, 1) alone: symbp numbers the first layer's weights by source,
    # w1 x1→h1, w2 x1→h2, w3 x2→h1, w4 x2→h2
    f64 = torch.float64
    w = torch.tensor([[0.6, 0.55], [-0.4, 0.7]], dtype=f64, requires_grad=True)
    x = torch.tensor([0.0, 1.0], dtype=f64)
    h = torch.tanh(w @ x + torch.tensor([-0.2, 0.1], dtype=f64))
    o = torch.sigmoid(torch.tensor([0.9, -0.8], dtype=f64) @ h + 0.3)
    ((o - 1.0) ** 2).backward()
    assert w.grad is not None
    by_name = {"w1": w.grad[0, 0], "w2": w.grad[1, 0], "w3": w.grad[0, 1], "w4": w.grad[1, 1]}
    assert by_name["w1"].item() == 0.0  # the old default: a sign section with nothing to say
    assert focus == "w3" and by_name[focus].item() != 0.0
    headings = [_text(b) for b in handout.blocks() if isinstance(b, Heading)]
    assert not any("Every gradient and update" in h for h in headings)  # section 4 has them all


# -- pages -----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("form", ["scalar", "matrix"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_two_sample_4_5_5_3_net_fits_six_pages_in_latex(
    tmp_path: Path, lang: str, form: str
) -> None:
    require_module("torch")  # with the check, as the lecturer makes it
    require_tool("pdftotext")
    engine = require_tool("xelatex" if lang == "zh" else "pdflatex")
    handout = _problem(C_4553).handout(lang=lang, form=form)
    tex = tmp_path / "c.tex"
    handout.write(tex)
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    # The issue's own 2-sample [4, 5, 5, 3] nets fit 6 whole pages (test_layout); this one has
    # 13 biases more (73 parameters): its body fits 6, its answers may take a page of their own
    # (known gap: its matrix form, which has no answers, is 7 pages in LaTeX, 5 in Chromium)
    assert body_pages(compiled.pdf) <= (6 if form == "scalar" else 7), compiled.pages
    assert compiled.pages <= 7, compiled.pages


@pytest.mark.slow
@pytest.mark.parametrize("form", ["scalar", "matrix"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_two_sample_4_5_5_3_net_fits_six_pages_in_chromium(
    tmp_path: Path, lang: str, form: str
) -> None:
    require_module("torch")
    browser = require_tool("chromium")
    require_tool("pdftotext")
    page = tmp_path / "c.html"
    _problem(C_4553).handout(lang=lang, form=form).write(page)
    printed = print_html(browser, page)
    assert printed.pages <= 6, printed.pages
