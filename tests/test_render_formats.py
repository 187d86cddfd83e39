"""The rich formats: well-formed MathML, escaped user text, determinism, atomic files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import symbp
from symbp import formats
from symbp.cli import main
from symbp.content.blocks import Document
from symbp.content.derivation import weight_blocks
from symbp.content.handout import handout_document
from symbp.core.derive import derive
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import DEFAULT_SPEC_DATA, spec_from_mapping
from symbp.errors import SymbpError
from symbp.files import write_atomic
from symbp.formats import html, latex, latex_math, markdown, mathml
from symbp.torchcheck.results import CheckResult, WeightCheck

from .conftest import MOOC_GRADIENTS, require_module

ROOT = Path(__file__).resolve().parents[1]
EVIL_TITLES = ("<script>alert(1)</script>", r"\input{/etc/passwd}")
MATH_ELEMENT = re.compile(r"<math\b.*?</math>", re.DOTALL)
MATHML = "{http://www.w3.org/1998/Math/MathML}"


def fake_check(network: Network, gradients: tuple[float, ...], loss: float) -> CheckResult:
    """A CheckResult with torch's numbers replaced by the independent reference values.

    Lets the pure renderers run without torch; the real torch check is in test_handout.py.
    """
    weights = tuple(
        WeightCheck(w.name, g, reference, reference, True)
        for w, g, reference in zip(network.weights, gradients, MOOC_GRADIENTS, strict=True)
    )
    return CheckResult("float64", "test", loss, loss, True, weights)


def mooc_handout(title: str | None = None, lang: str = "en") -> Document:
    from symbp.core.derive import backward_sweep
    from symbp.core.numeric import updated_weights

    data = dict(DEFAULT_SPEC_DATA)
    if title is not None:
        data["title"] = title
    network = Network(spec_from_mapping(data))
    sweep = backward_sweep(network)
    compiled = CompiledNetwork(network, sweep)
    evaluation = compiled.evaluate()
    check = fake_check(network, evaluation.gradients, evaluation.loss)
    new_loss = compiled.evaluate(weights=updated_weights(evaluation, 1.0)).loss
    return handout_document(sweep, evaluation, check, new_loss, digits=4, lang=lang)


def test_latex_printer_uses_network_names_and_substitutes_values(mooc: Network) -> None:
    from symbp.content.names import Names
    from symbp.content.writer import Writer

    h1, w5 = mooc.units["h1"], mooc.weight("w5")
    z_o1 = mooc.units["o1"].z
    assert z_o1 is not None
    values = {h1.a: 0.5, mooc.units["h2"].a: 0.25, w5.symbol: -0.5, mooc.weight("w7").symbol: 2}
    writer = Writer(Names(mooc), values, 4)
    formula = writer.formula(mooc.definitions[z_o1])
    # weights before activations, terms by source unit
    assert latex_math.math(formula) == r"w_{5} h_{1} + w_{7} h_{2}"
    # given values as given, computed ones to 4 significant digits, trailing zeros kept
    assert latex_math.math(writer.numbers(formula)) == (
        r"\left(-0.5\right) \times 0.5000 + 2 \times 0.2500"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_mathml_fragment_of_a_handout_is_well_formed_xml(lang: str) -> None:
    page = html.render_document(mooc_handout(lang=lang))
    fragments = MATH_ELEMENT.findall(page)
    assert len(fragments) > 20
    for fragment in fragments:
        element = ET.fromstring(fragment)
        assert element.tag == f"{MATHML}math"
    # every equation block became an mtable, nothing fell back to raw LaTeX
    assert "\\frac" not in re.sub(r"<math\b.*?</math>", "", page, flags=re.DOTALL)


@pytest.mark.parametrize("weight", ["w1", "w5"])
def test_derive_mathml_lines_and_json_fragments_parse(mooc: Network, weight: str) -> None:
    compiled = CompiledNetwork(mooc)
    evaluation = compiled.evaluate()
    derivation = derive(mooc, weight)
    result = symbp.api.problem.Derivations((derivation,), evaluation)
    lines = result.render("mathml").splitlines()
    for line in lines:
        ET.fromstring(line)
    assert sum(line.startswith("<math") for line in lines) >= 8
    document = json.loads(result.render("json"))
    entry = document["derivations"][0]
    steps = [f for path in entry["paths"] for f in path["factors"]] + entry["deltas"]
    steps.append(entry["delta_form_step"])
    for step in steps:
        ET.fromstring(step["mathml"])
        assert step["latex"].count("=") >= 2
    # the value at the end of the δ-form step is the reference gradient, worked independently
    final = entry["delta_form_step"]["latex"].rsplit("=", 1)[1].strip()
    assert float(final) == pytest.approx(MOOC_GRADIENTS[int(weight[1:]) - 1], abs=1e-10)


def test_each_local_derivative_is_one_line_symbol_formula_numbers_value(mooc: Network) -> None:
    evaluation = CompiledNetwork(mooc).evaluate()
    text = latex.render_blocks(weight_blocks(derive(mooc, "w1"), evaluation))
    # σ′ at o1 worked by hand: o1 = σ(0.5622·0.1 + 0.495·(−0.3)) = 0.4769, o1(1 − o1) = 0.2495
    assert (
        r"\frac{\partial o_{1}}{\partial z_{o_{1}}} &= o_{1} \left(1 - o_{1}\right) = "
        r"0.4769 \times \left(1 - 0.4769\right) = 0.2495"
    ) in text
    assert (
        r"\frac{\partial L}{\partial o_{2}} &= o_{2} - y_{2} = 0.5287 - \left(-0.07\right)" in text
    )


#: How each hostile title must appear in the source of each format (the escaped form).
ESCAPED = {
    "<script>alert(1)</script>": {
        "html": "&lt;script&gt;alert(1)&lt;/script&gt;",
        "latex": r"\textless{}script\textgreater{}alert(1)\textless{}/script\textgreater{}",
        "markdown": r"\<script\>alert(1)\</script\>",
    },
    r"\input{/etc/passwd}": {
        "html": r"\input{/etc/passwd}",  # a backslash means nothing in HTML
        "latex": r"\textbackslash{}input\{/etc/passwd\}",
        "markdown": r"\\input\{/etc/passwd\}",
    },
}


@pytest.mark.parametrize("title", EVIL_TITLES)
def test_spec_text_is_escaped_in_every_format(title: str) -> None:
    document = mooc_handout(title)
    sources = {
        "html": html.render_document(document),
        "latex": latex.render_document(document),
        "markdown": markdown.render_document(document),
    }
    for fmt, source in sources.items():
        assert ESCAPED[title][fmt] in source, fmt
        assert "<script>" not in source, fmt
        if fmt != "html":
            assert r"\input{" not in source, fmt


@pytest.mark.parametrize("fmt", ["text", "json", "latex", "mathml", "markdown", "html"])
@pytest.mark.parametrize("title", EVIL_TITLES)
def test_derive_escapes_the_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, title: str
) -> None:
    spec = tmp_path / "evil.json"
    spec.write_text(json.dumps(dict(DEFAULT_SPEC_DATA, title=title)), encoding="utf-8")
    args = ["derive", "--weight", "w1", "--no-check", "--spec", str(spec), "--format", fmt]
    assert main(args) == 0
    out = capsys.readouterr().out
    if fmt == "text":
        assert title in out
    elif fmt == "json":
        assert json.loads(out)["title"] == title
    elif fmt in ("html", "mathml"):
        assert "<script>" not in out
        if fmt == "mathml":
            for line in out.splitlines():
                ET.fromstring(line)
            texts = "".join(ET.fromstring(out.splitlines()[0]).itertext())
            assert texts.startswith(title)
    elif fmt == "latex":
        assert r"\input{" not in out
        assert r"\textbackslash{}input" in out or r"\textless{}script" in out
    else:
        assert "<script>" not in out and r"\input{" not in out


def test_same_input_same_bytes() -> None:
    first = [formats.render(mooc_handout(), fmt) for fmt in ("html", "latex", "markdown", "text")]
    second = [formats.render(mooc_handout(), fmt) for fmt in ("html", "latex", "markdown", "text")]
    assert first == second


def test_mathml_blocks_use_the_align_star_table(mooc: Network) -> None:
    evaluation = CompiledNetwork(mooc).evaluate()
    blocks = weight_blocks(derive(mooc, "w5"), evaluation)
    page = html.render_blocks(blocks)
    assert "<mtable" in page
    assert mathml.to_mathml(r"\frac{1}{2}").count("<mfrac>") == 1


def test_write_atomic_leaves_the_old_file_on_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "handout.html"
    target.write_text("old", encoding="utf-8")

    def broken_replace(source: str, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SymbpError, match="No space left"):
        write_atomic(target, "new handout")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]


def test_write_atomic_rejects_unencodable_text_without_a_file(tmp_path: Path) -> None:
    target = tmp_path / "handout.md"
    with pytest.raises(SymbpError):
        write_atomic(target, "half \udc80 written")
    assert list(tmp_path.iterdir()) == []
    write_atomic(target, "whole")
    assert target.read_text(encoding="utf-8") == "whole"
    assert list(tmp_path.iterdir()) == [target]


def test_handout_errors_leave_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "handout.html"
    target.write_text("previous", encoding="utf-8")
    bad_spec = tmp_path / "bad.toml"
    bad_spec.write_text("layers = [2, 2]\ninputs = [1, 2]\n", encoding="utf-8")
    assert main(["handout", "-o", str(target), "--spec", str(bad_spec)]) == 2
    assert target.read_text(encoding="utf-8") == "previous"
    assert main(["handout", "-o", str(tmp_path / "handout.pdf")]) == 2
    assert main(["handout", "-o", str(target), "--digits", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("symbp: error:") == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "handout.html"]


def test_build_handout_zh_has_chinese_prose() -> None:
    require_module("torch")
    page = symbp.problem().handout(lang="zh").render("html")
    assert '<html lang="zh">' in page
    for words in ("前向传播", "反向传播", "参数更新", "与 torch 自动求导对照"):
        assert words in page


def test_digits_round_the_display_only(tmp_path: Path) -> None:
    require_module("torch")
    four = symbp.problem().handout(digits=4).render("markdown")
    seven = symbp.problem().handout(digits=7).render("markdown")
    # h1 = σ(0.25) worked by hand: 1/(1 + e^(−0.25)) = 0.562176501…
    assert r"h_{1} &= \sigma\left(z_{h_{1}}\right) = \sigma\left(0.2500\right) = 0.5622" in four
    assert r"= \sigma\left(0.2500000\right) = 0.5621765" in seven
    # the verification table is printed from full-precision values either way
    for gradient in MOOC_GRADIENTS:
        assert f"{gradient:.10f}" in four and f"{gradient:.10f}" in seven


def test_a_deeper_network_gives_a_handout_in_every_format() -> None:
    from symbp.core.derive import backward_sweep

    data = dict(
        DEFAULT_SPEC_DATA, layers=[2, 3, 3, 2], weights=[0.1 * (i % 7 - 3) for i in range(21)]
    )
    network = Network(spec_from_mapping(data))
    sweep = backward_sweep(network)
    compiled = CompiledNetwork(network, sweep)
    evaluation = compiled.evaluate()
    rows = tuple(
        WeightCheck(w.name, g, g, g, True)
        for w, g in zip(network.weights, evaluation.gradients, strict=True)
    )
    check = CheckResult("float64", "test", evaluation.loss, evaluation.loss, True, rows)
    document = handout_document(sweep, evaluation, check, evaluation.loss, digits=4, lang="en")
    page = html.render_document(document)
    for fragment in MATH_ELEMENT.findall(page):
        ET.fromstring(fragment)
    svg = ET.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])
    labels = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert [f"w{i}" for i in range(1, 22)] == [
        x.split(" = ")[0] for x in labels if x.startswith("w")
    ]
    tex = latex.render_document(document)
    assert tex.count(r"\node[fill=white") == 21
    assert r"h^{(2)}_{3}" in tex


@pytest.mark.parametrize("title", EVIL_TITLES)
def test_markdown_renders_math_blocks_and_the_literal_title(title: str) -> None:
    """A real CommonMark parser with the $/$$ math rule (what Jupyter and KaTeX sites use)."""
    require_module("markdown_it")
    require_module("mdit_py_plugins")
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    from symbp.content.blocks import Equations

    document = mooc_handout(title)
    parser = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin, allow_space=False)
    source = markdown.render_document(document)
    tokens = parser.parse(source)
    blocks = [t.content.strip() for t in tokens if t.type == "math_block"]
    assert len(blocks) == sum(isinstance(b, Equations) for b in document.blocks)
    assert all(b.startswith(r"\begin{aligned}") for b in blocks)
    inline_math = [c for t in tokens if t.type == "inline" for c in t.children or []]
    assert sum(c.type == "math_inline" for c in inline_math) >= 15
    rendered = parser.render(source)
    heading = rendered[rendered.index("<h1>") + 4 : rendered.index("</h1>")]
    assert html_unescape(heading) == title
    assert "<script>" not in rendered
    assert any(t.type == "html_block" and t.content.startswith("<svg") for t in tokens)


def html_unescape(text: str) -> str:
    import html as html_module

    return html_module.unescape(text)


def test_rich_formats_without_check_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from symbp.cli import main\n"
        "for fmt in ('latex', 'mathml', 'markdown', 'html', 'json'):\n"
        "    assert main(['derive', '--weight', 'w3', '--no-check', '--format', fmt]) == 0\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("<!DOCTYPE html>") == 1


def test_text_underlines_a_chinese_title_to_its_width_in_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "浙大 8.3 例" is 3 wide characters (2 columns each) and 5 narrow ones: 11 columns, not 8
    spec = tmp_path / "zh.json"
    spec.write_text(json.dumps(dict(DEFAULT_SPEC_DATA, title="浙大 8.3 例")), encoding="utf-8")
    assert main(["derive", "--weight", "w1", "--no-check", "--spec", str(spec)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if "浙大 8.3 例" in line)
    underline = lines[at + 1]
    assert set(underline) <= {"=", "-"} and len(underline) == len(lines[at]) + 3


def test_chinese_prose_wraps_to_the_width_it_takes_in_a_terminal() -> None:
    from symbp.content.blocks import Math, Paragraph, Text
    from symbp.content.expr import Name, Sym
    from symbp.formats.text import WIDTH, block, width

    prose = (
        "隐藏单元的误差是下一层各 δ_k 乘以连接它的权重之和（δ_k·w），不是这些权重的梯度之和。"
        "错误写法：δ_h1 = (∂L/∂w5 + ∂L/∂w6)·(1 - h1²)。正确写法：δ_h1 = (δ_o1·w5 + δ_o2·w6)·"
        "(1 - h1²)。每个 δ 都要乘本单元激活函数的导数，"
    )
    lines = block(
        Paragraph((Text(prose * 3), Math(Sym(Name("z", "h1", plain="z_h1"))), Text("。")))
    )
    assert len(lines) > 3
    assert all(width(line) <= WIDTH for line in lines)
    assert not any(line.lstrip()[:1] in "，。）；：" for line in lines)  # no closing mark first
    # only line breaks (and the spaces at them) were added or taken
    assert "".join("".join(lines).split()) == "".join((prose * 3 + "z_h1。").split())
