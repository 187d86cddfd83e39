"""Where a handout's answers go (issue 26: the whole handout within its page limit): with
`--answers foot` (the default) after the appendix, on the last page when they fit, printed
upside down (found from the printed words' geometry, pdftotext -bbox) and blurred on screen
(Chromium's computed style); `--answers page` on a page of their own, upright; `--answers none`
left out. The page limits hold for the whole PDF, appendix and answers included, in LaTeX and
in Chromium's print, English and Chinese."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

import symbp
from symbp.cli import main
from symbp.content.blocks import Heading, Paragraph, Text
from symbp.core.spec import spec_from_mapping
from symbp.errors import SymbpError

from .conftest import require_module, require_tool
from .layout_tools import (
    body_pages,
    chromium,
    compile_latex,
    pdf_lines,
    pdf_pages,
    print_html,
    printed_answers,
)
from .test_layout import ISSUE_26_NETS

ROOT = Path(__file__).resolve().parent.parent
APPENDIX = re.compile(r"^(Appendix: verification|附录：)")


def _problem(name: str) -> symbp.Problem:
    data, _ = ISSUE_26_NETS[name]
    return symbp.Problem(
        spec_from_mapping({"title": name, "learning_rate": 0.5, **data}, source=name)
    )


def _text(block: Any) -> str:
    return "".join(p.text for p in block.parts if isinstance(p, Text))


def _engine(tex: Path) -> str:
    first = tex.read_text(encoding="utf-8").splitlines()[0]
    return require_tool("xelatex" if "xelatex" in first else "pdflatex")


def _printed(pdf: Path) -> tuple[int, tuple[int, float], Any]:
    """The PDF's pages, its appendix heading's (page, top) and its answers."""
    appendix = next((p, top) for p, top, text in pdf_lines(pdf) if APPENDIX.match(text.strip()))
    return pdf_pages(pdf), appendix, printed_answers(pdf)


# -- the blocks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_answers_come_last_after_the_appendix_placed_as_asked(lang: str) -> None:
    problem = _problem("tanh_sigmoid_3_4_2_biases")
    foot = list(problem.handout(check=False, lang=lang).blocks())
    page = list(problem.handout(check=False, lang=lang, answers="page").blocks())
    none = list(problem.handout(check=False, lang=lang, answers="none").blocks())
    heading, answers = foot[-2:]
    assert isinstance(heading, Heading) and isinstance(answers, Paragraph)
    assert answers.kind == "answers" and heading.aside and not heading.new_page
    assert _text(answers).startswith("A1. ")
    assert isinstance(page[-2], Heading) and page[-2].new_page and not page[-2].aside
    assert isinstance(page[-1], Paragraph) and page[-1].kind == ""
    assert page[-1].parts == answers.parts and page[-2].parts == heading.parts
    assert none == foot[:-2]  # the same handout without its answers
    assert not any("A1. " in _text(b) for b in none if isinstance(b, (Heading, Paragraph)))


def test_an_unknown_placement_is_one_clear_error() -> None:
    with pytest.raises(SymbpError, match="unknown answers placement 'back'"):
        _problem("relu_softmax_2_3_3").handout(check=False, answers="back")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_the_cli_places_the_answers_and_markdown_keeps_them_plain(tmp_path: Path) -> None:
    foot, page, none = tmp_path / "foot.md", tmp_path / "page.md", tmp_path / "none.md"
    assert cli("handout", "-o", str(foot), "--no-check")[0] == 0
    assert cli("handout", "-o", str(page), "--no-check", "--answers", "page")[0] == 0
    assert cli("handout", "-o", str(none), "--no-check", "--answers", "none")[0] == 0
    text = foot.read_text(encoding="utf-8")
    last = text.rstrip().splitlines()
    # a plain final section: the heading without "(upside down)", the answers as prose
    assert last[-3].startswith("## Answers to the questions of section ")
    assert "upside down" not in text and last[-1].startswith("A1. ")
    assert page.read_text(encoding="utf-8") == text  # Markdown has no pages
    assert "Answers to the questions" not in none.read_text(encoding="utf-8")
    assert "A1. " not in none.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as refused:  # argparse's choices: a usage error, exit 2
        cli("handout", "-o", str(foot), "--no-check", "--answers", "back")
    assert refused.value.code == 2


def test_a_circuits_handout_refuses_answers(tmp_path: Path) -> None:
    status, _, err = cli(
        "handout", "-o", str(tmp_path / "c.md"), "--expr", "q = x*y", "--at", "x=1,y=2",
        "--answers", "page",
    )  # fmt: skip
    assert status == 2 and "--answers are for networks' handouts" in err, err


@pytest.mark.parametrize("model", ["conv_teaching", "rnn_prachub"])
def test_convolution_and_rnn_handouts_refuse_answers(model: str, tmp_path: Path) -> None:
    spec = Path(__file__).resolve().parent.parent / "examples" / "models" / f"{model}.toml"
    status, _, err = cli(
        "handout", "--spec", str(spec), "-o", str(tmp_path / "h.md"), "--no-check",
        "--answers", "foot",
    )  # fmt: skip
    assert status == 2 and "--answers" in err and len(err.strip().splitlines()) == 1, err


# -- printed: the whole PDF within its limit, the answers last and turned ----------------------


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(ISSUE_26_NETS))
def test_whole_issue_26_handouts_fit_their_pages_with_the_answers_at_the_foot(
    tmp_path: Path, name: str, lang: str
) -> None:
    """With the torch check's appendix, as a teacher prints them: every page counted."""
    require_module("torch")
    require_tool("pdftotext")
    browser = require_tool("chromium")
    _, limit = ISSUE_26_NETS[name]
    handout = _problem(name).handout(lang=lang)
    tex, page = tmp_path / f"{name}.tex", tmp_path / f"{name}.html"
    handout.write(tex)
    handout.write(page)
    compiled = compile_latex(tex, Path(_engine(tex)).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert not compiled.overfull and not compiled.overfull_vbox
    for pdf in (compiled.pdf, print_html(browser, page).pdf):
        pages, appendix, answers = _printed(pdf)
        assert pages <= limit, (pdf.name, pages)
        assert answers.heading is not None and answers.heading > appendix
        assert answers.pages == {pages}, answers.pages  # on the last page
        assert answers.upside_down, (pdf.name, answers.numbers)
        assert body_pages(pdf) == pages  # they share the last page with the appendix


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_answers_on_a_page_of_their_own_are_upright_and_none_leaves_them_out(
    tmp_path: Path, lang: str
) -> None:
    require_tool("pdftotext")
    browser = require_tool("chromium")
    problem = _problem("relu_softmax_2_3_3")
    for answers in ("page", "none"):
        handout = problem.handout(check=False, lang=lang, answers=answers)
        tex, page = tmp_path / f"{answers}.tex", tmp_path / f"{answers}.html"
        handout.write(tex)
        handout.write(page)
        compiled = compile_latex(tex, Path(_engine(tex)).name)
        assert compiled.returncode == 0, compiled.log[-3000:]
        for pdf in (compiled.pdf, print_html(browser, page).pdf):
            printed = printed_answers(pdf)
            questions = max(p for p, _, text in pdf_lines(pdf) if re.match(r"^Q1\.", text))
            if answers == "none":
                assert printed.heading is None and printed.marks == ()
                continue
            assert printed.heading is not None
            assert printed.heading[0] == pdf_pages(pdf) > questions  # off the questions' page
            assert printed.upright and printed.pages == {pdf_pages(pdf)}


#: the answers' computed style on screen, and whether hovering is what shows them
SCREEN_PROBE = """<pre id="symbp-answers"></pre><script>
const p = document.querySelector("p.answers");
const rules = [...document.styleSheets[0].cssRules].map(r => r.cssText).join("\\n");
document.getElementById("symbp-answers").textContent = JSON.stringify({
  filter: getComputedStyle(p).filter, tabindex: p.getAttribute("tabindex"),
  aside: getComputedStyle(document.querySelector(".aside")).display,
  print: rules.includes("@media print") && /transform: rotate\\(180deg\\)/.test(rules),
  reveal: /p\\.answers:hover, p\\.answers:focus-within \\{ filter: none; \\}/.test(rules)});
</script>"""


@pytest.mark.slow
def test_on_screen_the_answers_are_blurred_until_touched(tmp_path: Path) -> None:
    browser = require_tool("chromium")
    page = tmp_path / "handout.html"
    _problem("relu_softmax_2_3_3").handout(check=False).write(page)
    source = page.read_text(encoding="utf-8")
    assert "<script" not in source  # pure CSS
    page.write_text(source.replace("</body>", SCREEN_PROBE + "</body>"), encoding="utf-8")
    result = chromium(browser, "--window-size=900,1200", "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="symbp-answers">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, result.stderr[-2000:]
    style = json.loads(found.group(1).replace("&quot;", '"'))
    assert style["filter"].startswith("blur("), style
    assert style["tabindex"] == "0" and style["aside"] == "none"
    assert style["print"] and style["reveal"], style


def _filled(lines: int) -> Any:
    """A page of `lines` one-line paragraphs, then the answers at the foot as a handout sets
    them: near the page's end they no longer fit under the filler."""
    from symbp.content.blocks import Document

    said = " ".join(f"A{n}. " + "the answer runs on for a while " * 6 for n in range(1, 5))
    blocks: list[Any] = [Heading((Text("Title"),), 1)]
    blocks += [Paragraph((Text(f"Filler line {i}."),)) for i in range(lines)]
    blocks += [
        Heading((Text("Answers to the questions of section 6"),), aside=(Text(" (upside down)"),)),
        Paragraph((Text(said),), kind="answers"),
    ]
    return Document(title="filled", lang="en", blocks=tuple(blocks))


@pytest.mark.slow
@pytest.mark.parametrize("form", ["latex", "html"])
def test_answers_that_do_not_fit_move_to_a_new_page_with_their_heading(
    tmp_path: Path, form: str
) -> None:
    from symbp.formats import html, latex

    require_tool("pdftotext")
    pages_seen = set()
    for lines in range(28, 42, 2):
        document = _filled(lines)
        if form == "latex":
            tex = tmp_path / f"f{lines}.tex"
            tex.write_text(latex.render_document(document), encoding="utf-8")
            compiled = compile_latex(tex, Path(require_tool("pdflatex")).name, runs=1)
            assert compiled.returncode == 0, compiled.log[-2000:]
            pdf = compiled.pdf
        else:
            page = tmp_path / f"f{lines}.html"
            page.write_text(html.render_document(document), encoding="utf-8")
            pdf = print_html(require_tool("chromium"), page).pdf
        printed = printed_answers(pdf)
        assert printed.heading is not None and printed.upside_down, (lines, printed)
        # never a heading at a page's foot with its answers overleaf
        assert printed.pages == {printed.heading[0]}, (lines, printed)
        pages_seen.add(printed.heading[0])
    assert pages_seen == {1, 2}  # some fit under the filler, some moved on
