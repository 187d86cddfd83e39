"""Handouts in the real tools: the HTML laid out by headless Chromium, the .tex by pdflatex.

Both tests build the handout through the CLI from a spec whose title is hostile, so they also
show that the title reaches the reader literally. Screenshots are kept under test-artifacts/.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import MOOC_GRADIENTS, require_module, require_tool

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE_TITLE = r"<script>alert(1)</script> \input{/etc/passwd}"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

#: Test-only: appended to a copy of the handout, it measures the laid-out math and writes the
#: figures into the DOM, which --dump-dom returns. The handout itself has no script at all.
MEASURE = """<script>
(() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {width: r.width, height: r.height, top: r.top, bottom: r.bottom}; };
  const maths = [...document.querySelectorAll("math")];
  // the tallest Leibniz ∂L/∂w of the displays (not a ½; the equations box sets its
  // fractions in text style, so the first one is not a display fraction)
  const fraction = [...document.querySelectorAll('math[display="block"] mfrac')]
    .filter(f => f.textContent.includes("\u2202"))
    .sort((a, b) => b.getBoundingClientRect().height - a.getBoundingClientRect().height)[0];
  const report = {
    title: document.title,
    h1: document.querySelector("h1").textContent,
    scripts: document.scripts.length,
    maths: maths.map(box),
    display: [...new Set(maths.map(m => getComputedStyle(m).display))].sort(),
    line: box(document.querySelector("p")),
    fraction: box(fraction),
    numerator: box(fraction.children[0]),
    denominator: box(fraction.children[1]),
    svg: box(document.querySelector("figure svg")),
  };
  const out = document.createElement("pre");
  out.id = "symbp-measure";
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
})();
</script>
"""


def write_handout(tmp_path: Path, name: str, *options: str) -> Path:
    """The CLI's handout for the default network under a hostile title (in-process: fast)."""
    from symbp.cli import main
    from symbp.core.spec import DEFAULT_SPEC_DATA

    spec = tmp_path / "hostile.json"
    spec.write_text(json.dumps(dict(DEFAULT_SPEC_DATA, title=HOSTILE_TITLE)), encoding="utf-8")
    output = tmp_path / name
    assert main(["handout", "-o", str(output), "--spec", str(spec), *options]) == 0
    return output


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = require_tool("chromium")
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_handout_math_is_laid_out_in_chromium(tmp_path: Path, lang: str) -> None:
    require_module("torch")
    require_tool("chromium")
    page = write_handout(tmp_path, f"handout-{lang}.html", "--lang", lang)
    source = page.read_text(encoding="utf-8")
    assert "<script" not in source and "http://" not in source.replace(
        'xmlns="http://www.w3.org/1998/Math/MathML"', ""
    ).replace('xmlns="http://www.w3.org/2000/svg"', "")
    probe = tmp_path / "probe.html"
    probe.write_text(source.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    result = chromium(tmp_path, "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="symbp-measure">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, result.stderr[-2000:]
    report = json.loads(html.unescape(found.group(1)))

    assert report["title"] == HOSTILE_TITLE
    assert report["h1"] == HOSTILE_TITLE
    assert report["scripts"] == 1  # the probe's own; the title stayed text
    assert len(report["maths"]) == source.count("<math ")
    assert all(m["width"] > 0 and m["height"] > 0 for m in report["maths"])
    # laid out as MathML (display "math" / "block math"), not as unknown inline elements
    assert "block math" in report["display"]
    assert set(report["display"]) <= {"math", "inline math", "block math"}
    line = report["line"]["height"]
    assert report["fraction"]["height"] > 1.5 * line
    assert report["numerator"]["bottom"] <= report["denominator"]["top"] + 1
    # drawn at the size of the LaTeX handout's TikZ picture (labels at about 8 pt), not shrunk
    assert report["svg"]["width"] > 500 and report["svg"]["height"] > 150

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"handout-{lang}.png"
    shot.unlink(missing_ok=True)
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,2400", page.as_uri())
    assert shot.exists(), result.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1000, 2400)


@pytest.mark.slow
def test_latex_handout_compiles_with_pdflatex(tmp_path: Path) -> None:
    require_module("torch")
    pdflatex = require_tool("pdflatex")
    pdftotext = require_tool("pdftotext")
    tex = write_handout(tmp_path, "handout.tex")
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    log = (tmp_path / "handout.log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log[-3000:]
    assert not re.search(r"^! ", log, re.MULTILINE)
    pdf = tmp_path / "handout.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "handout-en.pdf").write_bytes(pdf.read_bytes())
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    pages = text.count("\f")
    assert 2 <= pages <= 6
    assert HOSTILE_TITLE in text  # escaped, so typeset literally and never \input
    assert "root:" not in text
    for heading in ("2. Forward pass", "3. Backward pass", "4. Update step"):
        assert heading in text
    # a forward step worked by hand: z_h1 = w1·x1 + w3·x2 = 0.2·0.5 + 0.5·0.3 = 0.25
    assert "0.2 × 0.5 + 0.5 × 0.3 = 0.2500" in text
    # the verification table lists the reference gradients (worked independently)
    for gradient in MOOC_GRADIENTS:
        assert f"{gradient:.10f}" in text
