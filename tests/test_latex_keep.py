"""A heading or a lead-in at a page's foot goes over with what it introduces: walked down the
foot of a real pdflatex page line by line, no heading and no lead-in is ever left as the last
line of a page, before a table (its head and first rows) or a display of several lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from symbp.content.blocks import Equations, Heading, Paragraph, Row, Table, Text
from symbp.content.expr import Chain, Name, Num, Step, Sym

from .conftest import require_tool
from .layout_tools import compile_latex, stranded_headings


def _table() -> Table:
    cells = tuple((Text(f"w{i}"),) for i in range(1, 13))
    return Table(
        ((Text("weight"),), (Text("value"),)),
        tuple((cell, (Text(f"0.{i}123"),)) for i, cell in enumerate(cells)),
    )


def _display() -> Equations:
    steps = tuple(Step("=", Num(0.1 * k, f"0.{k}000")) for k in range(1, 6))
    return Equations((Row(Chain(Sym(Name("z", "h1", plain="z_h1")), steps)),), "stacked")


FOLLOWERS = {"table": _table, "display": _display}


def _filled(lines: int, follower: str, lead_in: bool) -> Any:
    from symbp.content.blocks import Document

    blocks: list[Any] = [Heading((Text("Title"),), 1)]
    blocks += [Paragraph((Text(f"Filler line {i}."),)) for i in range(lines)]
    blocks.append(Heading((Text("Every sample"),), 3))
    if lead_in:
        blocks.append(Paragraph((Text("The values of each sample, unit by unit:"),)))
    blocks.append(FOLLOWERS[follower]())
    blocks += [Paragraph((Text("After."),))]
    return Document(title="kept", lang="en", blocks=tuple(blocks))


@pytest.mark.slow
@pytest.mark.parametrize("lead_in", [False, True])
@pytest.mark.parametrize("follower", sorted(FOLLOWERS))
def test_a_heading_at_a_page_foot_goes_over_with_what_follows(
    tmp_path: Path, follower: str, lead_in: bool
) -> None:
    from symbp.formats import latex

    engine = Path(require_tool("pdflatex")).name
    require_tool("pdftotext")
    stranded = []
    for lines in range(30, 46):
        tex = tmp_path / f"f{lines}.tex"
        tex.write_text(latex.render_document(_filled(lines, follower, lead_in)), encoding="utf-8")
        compiled = compile_latex(tex, engine, runs=1)
        assert compiled.returncode == 0, compiled.log[-2000:]
        assert compiled.pages >= 1
        found = stranded_headings(compiled.pdf, ["Every sample"])
        stranded += [(lines, page, text) for page, text in found]
    assert stranded == []
