"""What a handout and a derivation say: each defect of issue 10 has a test, with expected
numbers worked by hand or by torch, never copied from symbp's output."""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import pytest

import symbp
from symbp.cli import main
from symbp.core.spec import DEFAULT_SPEC_DATA, load_spec, spec_from_mapping

from .conftest import require_module, require_tool

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SPECS = sorted(EXAMPLES.glob("*.toml"))


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def tanh_net() -> symbp.Problem:
    return symbp.problem(
        spec_from_mapping(
            {
                "layers": [2, 2, 1],
                "activation": ["tanh", "sigmoid"],
                "inputs": [0.5, 0.3],
                "targets": [0.2],
                "weights": [0.4, -0.6, 0.3, 0.8, 0.7, -0.2],
            }
        )
    )


def test_tanh_delta_row_keeps_its_brackets_in_every_format() -> None:
    # the bug of issue 10: (δ_o1 w5) · 1 − h1² read as written is not δ_h1
    problem = tanh_net()
    derivation = problem.derivations(["w1"])
    assert r"\left(1 - h_{1}^{2}\right)" in derivation.render("latex")
    assert "·(1 - h1²)" in derivation.render("text")
    # δ_h1 worked by hand: h1 = tanh(0.4·0.5 + 0.3·0.3), o1 = σ(0.7 h1 − 0.2 h2)
    h1, h2 = math.tanh(0.29), math.tanh(-0.6 * 0.5 + 0.8 * 0.3)
    o1 = sigmoid(0.7 * h1 - 0.2 * h2)
    delta_h1 = (o1 - 0.2) * o1 * (1 - o1) * 0.7 * (1 - h1**2)
    text = derivation.render("text")
    assert f"= {delta_h1:.4g}\n" in text or f"= {delta_h1:.4f}"[:9] in text
    assert f"{delta_h1 * 0.5:.10f}" in text


def test_relu_derivative_is_an_indicator_that_compiles_and_is_explained() -> None:
    problem = symbp.problem(EXAMPLES / "relu.toml")
    for fmt in ("latex", "text", "markdown", "html"):
        out = problem.derivations(None).render(fmt) + problem.handout(check=False).render(fmt)
        assert "Heaviside" not in out and "θ" not in out and r"\mathbb" not in out, fmt
    latex = problem.derivations(["w1"]).render("latex")
    assert r"\mathbf{1}\left[z_{h_{1}} > 0\right]" in latex
    assert "1[z > 0] is 1 where z > 0 and 0 elsewhere" in problem.derivations(["w1"]).render("text")


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_no_doubled_parentheses(spec_path: Path) -> None:
    problem = symbp.problem(spec_path)
    text = problem.handout(check=False).render("text")
    latex = problem.handout(check=False).render("latex")
    # a function's own brackets are the argument's: σ(-0.02000), never σ((-0.02000))
    assert not re.search(r"(σ|tanh|relu|exp|log)\(\(", text)
    assert not re.search(r"(\\sigma|\\tanh|\\log|\})\\left\(\\left\(-?\d", latex)


def test_terms_follow_the_network() -> None:
    mazur = symbp.problem(EXAMPLES / "mazur_2_2_2.toml").forward().render("text")
    assert "z_h1 = w1·x1 + w2·x2 + b1 =" in mazur  # by source unit, the bias last
    assert "z_o1 = w5·h1 + w6·h2 + b2 =" in mazur  # weights before activations
    deep = symbp.problem(EXAMPLES / "two_hidden_layers.toml").forward().render("text")
    assert "z_h1_1 = w1_1_1·x1 + w1_1_2·x2 + b_h1_1 =" in deep


def test_values_keep_their_trailing_zeros() -> None:
    text = symbp.problem().handout(check=False).render("text")
    # z_h1 = 0.2·0.5 + 0.5·0.3 = 0.25 exactly; L after the step is 0.19503…: four digits each
    assert re.search(r"0\.2 × 0\.5 \+ 0\.5 × 0\.3 +\= 0\.2500\n", text)
    assert "falls from L = 0.2097 to 0.1950." in text


def test_zh_tex_sets_greek_in_math_and_compiles_with_xelatex(tmp_path: Path) -> None:
    xelatex = require_tool("xelatex")
    pdftotext = require_tool("pdftotext")
    source = symbp.problem().handout(lang="zh", check=False).render("latex")
    assert "δ" not in source and "σ" not in source  # as \delta, \sigma in math mode
    tex = tmp_path / "handout-zh.tex"
    tex.write_text(source, encoding="utf-8")
    result = subprocess.run(
        [xelatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (tmp_path / "handout-zh.log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log[-3000:]
    assert "Missing character" not in log
    text = subprocess.run(
        [pdftotext, str(tmp_path / "handout-zh.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"每个神经元的\s*δ", text)  # the heading "δ 项" whose δ used to vanish
    assert text.count("δ") >= 20
    assert "靠近输入的前一层" in text.replace("\n", "")  # which layer "前一层" is


def test_default_title_is_translated() -> None:
    data = {k: v for k, v in DEFAULT_SPEC_DATA.items() if k != "title"}
    problem = symbp.problem(spec_from_mapping(data))
    assert problem.handout(lang="zh", check=False).render("html").count("<h1>symbp 网络</h1>") == 1
    assert "<h1>symbp network</h1>" in problem.handout(check=False).render("html")


def test_the_embedded_examples_title_is_translated_everywhere_a_zh_document_shows_it(
    tmp_path: Path,
) -> None:
    zh = "MOOC《人工智能：模型与算法》8.3 节例题"
    problem = symbp.problem()
    assert f"<h1>{zh}</h1>" in problem.handout(lang="zh", check=False).render("html")
    assert "<h1>MOOC 8.3 worked example</h1>" in problem.handout(check=False).render("html")
    # a teacher's own title stays as written
    own = symbp.problem(spec_from_mapping(dict(DEFAULT_SPEC_DATA, title="第三周作业")))
    assert "<h1>第三周作业</h1>" in own.handout(lang="zh", check=False).render("html")
    # an exercise's sheets, key and self-check page, variant by variant
    out = tmp_path / "zh"
    args = ["exercise", "--count", "1", "--lang", "zh", "--interactive", "--out", str(out)]
    assert main(args) == 0
    sheets = {
        name: (out / "s001" / name).read_text(encoding="utf-8")
        for name in ("worksheet.html", "key.html", "selfcheck.html", "worksheet.tex")
    }
    for name, text in sheets.items():
        assert "worked example" not in text, name
        assert zh in text, name
    assert "<h1>答案：" + zh + " [s001]</h1>" in sheets["key.html"]


def test_layered_weights_are_named_alike_in_diagram_formulas_and_tables() -> None:
    require_module("torch")
    page = symbp.problem(EXAMPLES / "two_hidden_layers.toml").handout().render("html")
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "w1_1_1" not in svg
    assert '<tspan baseline-shift="super" font-size="70%">(1)</tspan>' in svg
    table = page[page.rindex("<table>") :]
    assert "w1_1_1" not in table and "<msubsup>" in table


def test_handout_of_several_samples_shows_every_sample_and_updates_with_the_mean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_module("torch")
    # the full handout, every parameter worked (its 14 weights are beyond the condensed limit)
    monkeypatch.setattr("symbp.content.selection.SHOW_ALL_MAX_WEIGHTS", 20)
    from symbp.torchcheck.model import torch_loss_and_gradients

    spec = load_spec(EXAMPLES / "two_hidden_layers.toml")
    problem = symbp.problem(spec)
    text = problem.handout().render("text")
    # sample 2's data (0.1, 0.9 → 0) is in the problem section
    problem_section = text.split("2. Forward pass")[0]
    assert re.search(r"2\s+0\.1\s+0\.9\s+0\n", problem_section)
    assert "Biases: b_h1_1 = 0.1, b_h1_2 = 0, b_h1_3 = -0.1" in problem_section
    for line in ("Hidden layer 1: tanh", "Hidden layer 2: relu", "Output layer: sigmoid"):
        assert line in problem_section
    backward = text.split("3. Backward pass")[1]
    assert backward.count("Why δ: the paths from") == 3  # one weight per layer
    for bias in ("b_h1_1", "b_h1_3", "b_h2_2", "b_o1"):
        assert re.search(f"∂L⁽¹⁾/∂{bias} += δ_", backward)  # every bias gradient derived
    assert "is dead on this sample" in backward  # z_h2_2 < 0 for sample 1
    # the reduction uses distinct symbols, and the update the mean gradient torch computes
    _, mean, _ = torch_loss_and_gradients(spec)
    assert "∂L/∂w1_1_1 = (∂L⁽¹⁾/∂w1_1_1 + ∂L⁽²⁾/∂w1_1_1)/2" in backward
    update = text.split("4. Update step")[1]
    assert re.search(f"w1_1_1 +← 0.3 - 0.5 × {mean[0]:.4g}", update)


def test_zero_initial_weights_explain_the_symmetry() -> None:
    text = symbp.problem(EXAMPLES / "zero_init.toml").handout(check=False).render("text")
    assert "every weight starts at 0, so h1's gradient is exactly 0 by symmetry" in text


def test_softmax_cross_entropy_simplifies_to_o_minus_y() -> None:
    problem = symbp.problem(EXAMPLES / "cross_entropy.toml")
    text = problem.handout(check=False).render("text")
    assert "the Jacobian sum simplifies" in text
    # o1 = softmax(z_o1, z_o2)_1 worked by hand, target class 0: δ_o1 = o1 − 1
    h1, h2 = sigmoid(0.2 * 0.5 + 0.5 * 0.3), sigmoid(-0.4 * 0.5 + 0.6 * 0.3)
    z1, z2 = 0.1 * h1 - 0.3 * h2, -0.5 * h1 + 0.8 * h2
    o1 = math.exp(z1) / (math.exp(z1) + math.exp(z2))
    assert f"= o1 - y1\n       = {o1:.4f} - 1\n       = {o1 - 1:.4f}" in text


def test_focus_chooses_the_weight_whose_sign_is_explained() -> None:
    problem = symbp.problem()
    assert "Why the sign: ∂L/∂w1" in problem.handout(check=False).render("text")
    text = problem.handout(check=False, focus="w6").render("text")
    assert "Why the sign: ∂L/∂w6" in text
    assert "o2 = 0.5287 is above its target y2 = -0.07" in text


def test_each_indicator_is_explained_by_what_it_tests() -> None:
    # the softmax Jacobian's 1[i = j] compares indices: no word of relu′ about it
    ce = symbp.problem("examples/cross_entropy.toml").handout(check=False).render("markdown")
    assert r"$\mathbf{1}\left[i = j\right]$ is 1 where $i = j$ and 0 elsewhere." in ce
    assert "relu′(0)" not in ce
    both = (
        symbp.problem(
            spec_from_mapping(
                dict(
                    DEFAULT_SPEC_DATA,
                    activation=["relu", "softmax"],
                    loss="cross_entropy",
                    targets=1,
                )
            )
        )
        .handout(check=False)
        .render("markdown")
    )
    assert "relu′(0)" in both and r"$i = j$ and 0 elsewhere." in both
