"""The self-check page: one self-contained HTML file per student that works offline.

The problem is the worksheet's, in the handouts' HTML (MathML, inline SVG). After it comes a
form with one blank per asked quantity, the data symbp precomputed for this variant as JSON in a
<script type="application/json"> element, and symbp/data/selfcheck.js, the page's small judge
(no framework). A Content-Security-Policy lets the page run that one script (by its hash) and
fetch nothing at all, so the page cannot reach the network even by mistake.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from importlib import resources
from typing import Any

from symbp.content.exercise import SelfCheckPage
from symbp.content.labels import labels
from symbp.formats import html, mathml
from symbp.formats.page import paper

FORM_STYLE = """
.selfcheck td.answer input { font: inherit; width: 9em; padding: 0.1em 0.3em; }
.selfcheck td.verdict { font-size: 0.9em; }
.selfcheck tr.right td.verdict, .selfcheck tr.precision td.verdict { color: #17692e; }
.selfcheck tr.wrong td.verdict { color: #a4161a; }
.selfcheck button { font: inherit; margin: 0.5em 0; padding: 0.3em 1em; }
#symbp-diagnosis { border-left: 3px solid #c90; padding-left: 0.8rem; }
#symbp-diagnosis:empty { display: none; }
"""


#: the parts the pages share, each written into a page's script where the page marks it: the
#: number reading and float64 evaluation (every page must mark it), the seal opened, and the
#: graph worked from the givens (the circuit and convolution pages)
SHARED_PARTS = (
    (
        "data/selfcheck_shared.js",
        "shared (selfcheck_shared.js: reading a number, float64 evaluation)",
    ),
    ("data/selfcheck_sealed.js", "sealed (selfcheck_sealed.js: the seal opened)"),
    (
        "data/selfcheck_graph.js",
        "graph (selfcheck_graph.js: the graph worked from the givens, its seal opened)",
    ),
)


def script(source: str = "data/selfcheck.js") -> str:
    """The page's judge, as shipped with symbp: the page's own script (`source`: a circuit's
    or a convolution exercise's page has its own judge) with, where it marks them, the parts
    the pages share (SHARED_PARTS) and the activations printed from the operation table."""
    from symbp.formats.javascript import ERF_JS, activation_functions
    from symbp.handcheck.hand_input import NOT_REMARKS

    package = resources.files("symbp")
    code = package.joinpath(source).read_text(encoding="utf-8")
    for number, (part, says) in enumerate(SHARED_PARTS):
        marker = f"  // symbp: {says}\n"
        assert number > 0 or marker in code, f"{source} has no place for the shared part"
        shared = package.joinpath(part).read_text(encoding="utf-8")
        code = code.replace(marker, _without_header(shared), 1)
    code = code.replace("  // symbp: primitives\n", ERF_JS, 1)
    words = json.dumps(list(NOT_REMARKS), ensure_ascii=False)
    code = code.replace("new Set([]);  // symbp: hand_input.NOT_REMARKS", f"new Set({words});", 1)
    marker = "    // symbp: activations (printed from the operation table, "
    start = code.index(marker)
    end = code.index("\n", start) + 1
    return code[:end] + activation_functions() + "\n" + code[end:]


def _without_header(shared: str) -> str:
    """The shared part without its opening comment (which speaks of the file, not the page)."""
    lines = shared.splitlines(keepends=True)
    while lines and lines[0].startswith("//"):
        lines.pop(0)
    return "".join(lines)


def _json_for_html(data: dict[str, Any]) -> str:
    """JSON that cannot end its <script> element: every < escaped."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")


def render_page(
    page: SelfCheckPage, data: dict[str, Any], paper_name: str = "a4", source: str | None = None
) -> str:
    """The complete page (`source`: the judge's script, if not the networks' one)."""
    layout = paper(paper_name)
    words = data["labels"]
    code = script() if source is None else script(source)
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'; form-action 'none'; base-uri 'none'"
    )
    rows = "\n".join(
        f'<tr data-key="{escape(key)}"><td>{mathml.inline((math,))}</td>'
        f'<td class="answer"><input type="text" inputmode="decimal" autocomplete="off" '
        f'spellcheck="false" data-key="{escape(key)}" aria-label="{escape(key)}"></td>'
        '<td class="verdict"></td></tr>'
        for key, math in page.rows
    )
    form = (
        '<form class="selfcheck" id="symbp-form" autocomplete="off">\n<table>\n'
        f"<thead><tr><th>{escape(labels(page.lang)['exercise_quantity'])}</th>"
        f"<th>{escape(words['selfcheck_yours'])}</th>"
        f"<th>{escape(words['selfcheck_verdict'])}</th></tr></thead>\n"
        f"<tbody>\n{rows}\n</tbody>\n</table>\n"
        f'<button type="submit" id="symbp-check">{escape(words["selfcheck_button"])}</button>\n'
        '<p id="symbp-summary" role="status"></p>\n'
        '<div id="symbp-diagnosis"></div>\n</form>\n'
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(page.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(page.title)}</title>\n"
        f"<style>\n{html.style(layout)}{FORM_STYLE}</style>\n</head>\n<body>\n"
        + html.render_blocks(page.blocks, layout)
        + form
        + '<script type="application/json" id="symbp-data">'
        + _json_for_html(data)
        + "</script>\n<script>"
        + code
        + "</script>\n</body>\n</html>\n"
    )
