"""Tables of a handout read row by row: no row's ink touches the next row's (issue 26, item 5).

Rendered pixels, not word boxes: a stacked ∂L/∂w (\\frac) overlaps the rows above and below it
while poppler's boxes for the two rows stay apart (tests/table_ink.py). Measured on the
LaTeX handout and on the HTML handout as Chromium prints it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import symbp
from symbp.core.spec import spec_from_mapping

from .conftest import require_tool
from .layout_tools import compile_latex, print_html
from .table_ink import table_rows, touching_rows

pytestmark = pytest.mark.slow

#: the trial's net E (/work/wt/trials/t26/n5.toml): 2 samples, their gradients in one table
TWO_SAMPLES: dict[str, Any] = {
    "title": "T26 net E: mse_mean, 3 outputs, 2 samples",
    "layers": [2, 2, 3],
    "activation": "sigmoid",
    "loss": "mse_mean",
    "learning_rate": 1.0,
    "inputs": [[0.3, 0.9], [0.7, -0.2]],
    "targets": [[0.2, 0.5, 0.9], [0.6, 0.1, 0.4]],
    "weights": [0.4, -0.6, 0.2, 0.5, -0.3, 0.7, 0.1, 0.8, -0.4, 0.6],
}


def _handout(data: dict[str, Any]) -> Any:
    return symbp.Problem(spec_from_mapping(data, source="test")).handout(check=False)


def _compiled(tmp_path: Path, source: str, name: str = "handout") -> Path:
    engine = require_tool("pdflatex")
    require_tool("pdftotext")
    require_tool("pdftoppm")
    tex = tmp_path / f"{name}.tex"
    tex.write_text(source, "utf-8")
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    return compiled.pdf


def test_the_per_sample_gradient_table_rows_do_not_touch_in_latex(tmp_path: Path) -> None:
    tex = tmp_path / "two.tex"
    _handout(TWO_SAMPLES).write(tex)
    pdf = _compiled(tmp_path, tex.read_text("utf-8"), "two")
    # a row per weight; the longtable may run over a page break (its head repeated there)
    tables = table_rows(pdf, "parameter", "mean")
    assert sum(len(part.rows) for part in tables) == 10
    assert [touching_rows(pdf, part) for part in tables] == [[]] * len(tables)


def test_the_detector_finds_stacked_labels_touching(tmp_path: Path) -> None:
    # the same handout with the table's labels stacked again (\frac, as before the fix)
    tex = tmp_path / "two.tex"
    _handout(TWO_SAMPLES).write(tex)
    stacked = re.sub(
        r"\\\(\\partial L/\\partial (w_\{\d+\})\\\)",
        r"\\(\\frac{\\partial L}{\\partial \1}\\)",
        tex.read_text("utf-8"),
    )
    pdf = _compiled(tmp_path, stacked, "stacked")
    tables = table_rows(pdf, "parameter", "mean")
    assert sum(len(part.rows) for part in tables) == 10
    # every pair of consecutive rows on the same page
    touching = sum(len(touching_rows(pdf, part)) for part in tables)
    assert touching == sum(len(part.rows) - 1 for part in tables)


def test_the_per_sample_gradient_table_rows_do_not_touch_in_chromiums_print(
    tmp_path: Path,
) -> None:
    browser = require_tool("chromium")
    require_tool("pdftotext")
    require_tool("pdftoppm")
    page = tmp_path / "two.html"
    _handout(TWO_SAMPLES).write(page)
    printed = print_html(browser, page, ruler=False)
    # the table may run over a page break (Chromium repeats its header there)
    tables = table_rows(printed.pdf, "parameter", "mean")
    assert sum(len(part.rows) for part in tables) == 10
    assert [touching_rows(printed.pdf, part) for part in tables] == [[]] * len(tables)
