"""Issue 26's handouts measured in their PDFs: `python benchmarks/bench_handout_pages.py`.

For every example spec and issue 26's networks ([3, 4, 2] tanh/sigmoid with per-unit biases,
[2, 3, 3] relu/softmax/cross-entropy, a 2-sample [4, 5, 5, 3], a leaky-relu/Adam 2-step net), in
English and Chinese: the LaTeX handout compiled (pdflatex / xelatex) and the HTML printed by
headless Chromium, each PDF's pages, overfull boxes (LaTeX), words past the margins (Chromium),
headings and lead-ins stranded at the foot of a page (tests/layout_tools.stranded_headings) and
equations split across pages (tests/layout_tools.latex_split_displays, html_split_displays).
Pages are printed as "N pages (body B, answers on P)": N the whole PDF, B the pages up to the
last line before the answers (tests/layout_tools.body_pages), P the pages holding the answers,
with "upside down" when they are printed turned. Figures are printed, never asserted
(tests/test_layout.py asserts them for issue 26's nets). Names on the command line choose fewer
(e.g. `two_samples_4_5_5_3 ex-mooc_8_3`); `--body` measures the handouts without the torch check
(the body a student reads, without what follows it); `--answers=page` (or none) places the
answers as `symbp handout --answers` does (default: foot).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import symbp  # noqa: E402
from symbp.content.blocks import Heading, Paragraph, Text  # noqa: E402
from symbp.core.spec import load_spec, spec_from_mapping  # noqa: E402
from tests.layout_tools import (  # noqa: E402
    body_pages,
    chromium_binary,
    compile_latex,
    html_split_displays,
    latex_split_displays,
    pdf_pages,
    print_html,
    printed_answers,
    stranded_headings,
)
from tests.test_layout import ISSUE_26_NETS, LEAKY_ADAM  # noqa: E402


def problems() -> dict[str, symbp.Problem]:
    found = {}
    for name, (data, _) in ISSUE_26_NETS.items():
        spec = spec_from_mapping({"title": name, "learning_rate": 0.5, **data}, source=name)
        found[name] = symbp.Problem(spec)
    adam = spec_from_mapping({"title": "leaky_adam_2_steps", **LEAKY_ADAM}, source="adam")
    found["leaky_adam_2_steps"] = symbp.Problem(adam)
    for path in sorted((ROOT / "examples").glob("*.toml")):
        found["ex-" + path.stem] = symbp.Problem(load_spec(path))
    return found


def _pages(pdf: Path) -> str:
    answers = printed_answers(pdf)
    where = ",".join(str(page) for page in sorted(answers.pages)) or "-"
    turned = " upside down" if answers.upside_down else ""
    return f"{pdf_pages(pdf)} pages (body {body_pages(pdf)}, answers on {where}{turned})"


def main() -> int:
    browser = chromium_binary()
    chosen = {name for name in sys.argv[1:] if not name.startswith("--")}
    check = "--body" not in sys.argv[1:]
    placed = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--answers=")]
    answers = placed[-1] if placed else "foot"
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        for name, problem in problems().items():
            if chosen and name not in chosen:
                continue
            for lang in ("en", "zh"):
                handout = problem.handout(lang=lang, check=check, answers=answers)
                headings = [
                    "".join(p.text for p in block.parts if isinstance(p, Text))
                    for block in handout.blocks()
                    if isinstance(block, Heading)
                    or (isinstance(block, Paragraph) and block.leads_in)
                ]
                tex = out / f"{name}-{lang}.tex"
                handout.write(tex)
                first = tex.read_text(encoding="utf-8").splitlines()[0]
                engine = "xelatex" if "xelatex" in first else "pdflatex"  # as the file asks
                compiled = compile_latex(tex, engine)
                split = latex_split_displays(tex, engine)[1]
                latex = (
                    f"latex {_pages(compiled.pdf)}, "
                    f"{len(compiled.overfull)} overfull, "
                    f"{len(stranded_headings(compiled.pdf, headings))} stranded, "
                    f"{len(split)} split equations"
                )
                html = ""
                if browser is not None:
                    page = out / f"{name}-{lang}.html"
                    handout.write(page)
                    printed = print_html(browser, page)
                    html = (
                        f" | html {_pages(printed.pdf)}, "
                        f"{len(printed.outside)} outside, "
                        f"{len(stranded_headings(printed.pdf, headings))} stranded, "
                        f"{len(html_split_displays(browser, page)[1])} split equations"
                    )
                print(f"{name:28} {lang}  {latex}{html}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
