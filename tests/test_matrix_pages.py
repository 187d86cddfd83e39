"""Issue 26: the matrix form of a handout is no longer than the scalar handout of the same net.

Both are compiled (pdflatex, or xelatex as a Chinese handout's first line asks) and printed in
Chromium, and their pages are counted in the PDFs (the scalar handout's answers' page apart);
the matrix form must also keep the issue's layout bar: no overfull box, no equation split across
pages, no heading stranded at a page's foot, no word past the margins. Before its equations were
packed on lines (trial t26) the matrix form of the [3, 4, 2] net took 6 pages to the scalar
form's 4, and the 2-sample [4, 5, 5, 3] net's 7 to 6.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import symbp
from symbp.api.results import Result
from symbp.content.blocks import Heading, Text
from symbp.core.spec import spec_from_mapping

from .conftest import require_tool
from .layout_tools import (
    body_pages,
    compile_latex,
    html_split_displays,
    latex_split_displays,
    print_html,
    stranded_headings,
)
from .test_layout import ISSUE_26_NETS
from .test_lecturer_t26b import C_4553

#: trial t26's net A: [3, 4, 2] tanh/sigmoid, per-unit biases, given weights (6 pages to 4)
T26_NET_A = {
    "layers": [3, 4, 2],
    "activation": ["tanh", "sigmoid"],
    "loss": "half_sse",
    "inputs": [0.4, -0.7, 0.9],
    "targets": [0.1, 0.8],
    "weights": [0.3, -0.2, 0.15, 0.5, -0.4, 0.25, -0.35, 0.1, 0.6, -0.1]
    + [0.45, -0.3, 0.7, -0.5, 0.2, 0.35, -0.6, 0.4, 0.55, -0.25],
    "bias": "per-unit",
    "bias_values": [0.1, -0.2, 0.05, 0.3, -0.1, 0.2],
}
NETS = {
    "t26_net_a": T26_NET_A,
    "tanh_sigmoid_3_4_2_biases": ISSUE_26_NETS["tanh_sigmoid_3_4_2_biases"][0],
    "two_samples_4_5_5_3": ISSUE_26_NETS["two_samples_4_5_5_3"][0],
    # trial t26b's 2-sample net with per-unit biases (its torch check: test_lecturer_t26b)
    "t26b_c_4553": {k: v for k, v in C_4553.items() if k not in ("title", "learning_rate")},
}


def _problem(name: str) -> symbp.Problem:
    data = {"title": name, "learning_rate": 0.5, **NETS[name]}
    return symbp.Problem(spec_from_mapping(data, source=name))


def _headings(handout: Result) -> list[str]:
    return [
        "".join(part.text for part in block.parts if isinstance(part, Text))
        for block in handout.blocks()
        if isinstance(block, Heading)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(NETS))
def test_the_matrix_form_is_no_longer_than_the_scalar_handout_in_latex(
    tmp_path: Path, name: str, lang: str
) -> None:
    require_tool("pdftotext")
    problem = _problem(name)
    pages = {}
    for form in ("scalar", "matrix"):
        handout = problem.handout(check=False, lang=lang, form=form)
        tex = tmp_path / f"{form}.tex"
        handout.write(tex)
        first = tex.read_text(encoding="utf-8").splitlines()[0]
        engine = Path(require_tool("xelatex" if "xelatex" in first else "pdflatex")).name
        if form == "scalar":
            compiled = compile_latex(tex, engine)
            assert compiled.returncode == 0, compiled.log[-3000:]
        else:
            compiled, split = latex_split_displays(tex, engine)
            assert compiled.returncode == 0, compiled.log[-3000:]
            assert compiled.overfull == () and compiled.overfull_vbox == ()
            assert split == []
            assert stranded_headings(compiled.pdf, _headings(handout)) == []
        pages[form] = body_pages(compiled.pdf)
    assert pages["matrix"] <= pages["scalar"], pages


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NETS))
def test_the_matrix_form_is_no_longer_than_the_scalar_handout_in_chromium(
    tmp_path: Path, name: str
) -> None:
    browser = require_tool("chromium")
    require_tool("pdftotext")
    problem = _problem(name)
    pages = {}
    for form in ("scalar", "matrix"):
        handout = problem.handout(check=False, lang="en", form=form)
        page = tmp_path / f"{form}.html"
        handout.write(page)
        printed = print_html(browser, page)
        if form == "matrix":
            assert printed.outside == ()
            assert printed.shrink == pytest.approx(1.0, abs=0.005)  # nothing made Chromium shrink
            assert stranded_headings(printed.pdf, _headings(handout)) == []
            _, split = html_split_displays(browser, page)
            assert split == []
        pages[form] = body_pages(printed.pdf)
    assert pages["matrix"] <= pages["scalar"], pages
