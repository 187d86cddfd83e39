"""A handout for every example network: every format builds, MathML parses, LaTeX compiles."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import symbp
from symbp.core.spec import load_spec

from .conftest import require_module, require_tool

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SPECS = sorted(EXAMPLES.glob("*.toml"))


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_handout_of_every_example(spec_path: Path) -> None:
    require_module("torch")
    handout = symbp.problem(spec_path).handout()
    html = handout.render("html")
    for fragment in re.findall(r"<math.*?</math>", html, flags=re.S):
        ET.fromstring(fragment)
    assert "<script" not in html
    assert handout.render("markdown").count("$$") % 2 == 0
    assert r"\end{document}" in handout.render("latex")


def test_softmax_handout_shows_the_jacobian_and_compiles(tmp_path: Path) -> None:
    require_module("torch")
    pdflatex = require_tool("pdflatex")
    latex = symbp.problem(EXAMPLES / "cross_entropy.toml").handout().render("latex")
    # δ_o1 sums over both outputs: ∂L/∂o1·∂o1/∂z_o1 + ∂L/∂o2·∂o2/∂z_o1
    assert r"\frac{\partial o_{2}}{\partial z_{o_{1}}}" in latex
    source = tmp_path / "softmax.tex"
    source.write_text(latex, encoding="utf-8")
    result = subprocess.run(
        [pdflatex, "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape", source.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]


def test_several_samples_show_sample_one_and_the_mean(tmp_path: Path) -> None:
    # the rows show sample 1's numbers with sample 1's value; the note gives the mean that the
    # update uses. Both references come from torch on the same spec.
    require_module("torch")
    from dataclasses import replace

    from symbp.content.numbers import result, significant
    from symbp.torchcheck.model import torch_loss_and_gradients

    spec = load_spec(EXAMPLES / "two_hidden_layers.toml")
    assert len(spec.samples) == 2
    first_only = replace(spec, all_samples=())
    loss_1, gradients_1, _ = torch_loss_and_gradients(first_only)
    loss_mean, gradients_mean, _ = torch_loss_and_gradients(spec)

    problem = symbp.problem(spec)
    markdown = problem.derivations(["w1_1_1"]).render("markdown")
    # sample 1's gradient is written ∂L⁽¹⁾/∂w, the mean's ∂L/∂w
    assert "\\frac{\\partial L^{(1)}}{\\partial w^{(1)}_{11}}" in markdown
    assert result(gradients_1[0]) in markdown
    assert result(gradients_mean[0]) in markdown.split("Over the samples (mean)")[1]

    handout = problem.handout().render("markdown")
    assert significant(loss_mean) in handout.split("Every sample")[1]
    assert "L^{(1)} &= " in handout
    assert f"{loss_1:.4f}" in handout
    assert not re.search(r"\d\.\d{10}", handout.split("## 5.")[0])  # 4 digits, as the text
    assert "2 training samples" in handout.replace("$", "")


@pytest.mark.slow
@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_derive_all_in_every_rich_format(spec_path: Path) -> None:
    # weights and biases alike, checked against torch (exit 0), MathML well-formed
    require_module("torch")
    from symbp.cli import main

    for fmt in ("html", "mathml", "latex", "markdown"):
        out = tmp_output(main, ["derive", "--all", "--format", fmt, "--spec", str(spec_path)])
        if fmt in ("html", "mathml"):
            for fragment in re.findall(r"<math.*?</math>", out, flags=re.S):
                ET.fromstring(fragment)
        spec = load_spec(spec_path)
        if spec.bias != "none" and not spec.explicit_bias_names:
            assert "b_{" in out or "<msub><mi>b</mi>" in out
        if fmt in ("latex", "markdown"):
            for name in spec.explicit_bias_names:  # a source's own label, as it writes it
                indexed = re.fullmatch(r"([A-Za-z])(\d+)", name)  # w2 is w₂, as CS231n's
                written = rf"{indexed[1]}_{{{indexed[2]}}}" if indexed else rf"\mathit{{{name}}}"
                assert written in out


def tmp_output(main, argv: list[str]) -> str:  # type: ignore[no-untyped-def]
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(argv) == 0
    return buffer.getvalue()
