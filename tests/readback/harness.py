"""Reads back everything a handout and a set of derivations display, in every format.

LaTeX and Markdown are read from the emitted file text; plain text is read block by block (its
equation blocks pad columns, so each block is printed on its own, row tags — prose — left off);
MathML is compared with latex2mathml's conversion of the LaTeX of the same block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from symbp import formats
from symbp.api.problem import Problem
from symbp.content.blocks import (
    Block,
    Document,
    Equations,
    Heading,
    Inline,
    Items,
    Math,
    Paragraph,
    Row,
    Table,
)
from symbp.formats import latex as latex_format
from symbp.formats import latex_math, text_math
from symbp.formats import text as text_format
from tests.readback import latex_reader, text_reader
from tests.readback.checker import Mismatch, Outcome, check_chain
from tests.readback.tree import Chain
from tests.readback.values import value_tables

Reader = Callable[[str, str], list[Chain]]


def read_and_check(
    sources: Iterable[str], reader: Reader, values: dict[str, float], where: str
) -> Outcome:
    """Read every source (one equation or fragment each) and check every chain in it."""
    outcome = Outcome()
    for source in sources:
        try:
            chains = reader(source, where)
        except ValueError as error:  # the readers' Unreadable
            outcome.mismatches.append(Mismatch(where, source, (str(error),), "unreadable"))
            continue
        for chain in chains:
            check_chain(chain, values, outcome)
    return outcome


# -- sources of each format ------------------------------------------------------------------------


def latex_sources(document: str) -> list[str]:
    return [fragment.source for fragment in latex_reader.tex_fragments(document)]


def markdown_sources(document: str) -> list[str]:
    return [fragment.source for fragment in latex_reader.markdown_fragments(document)]


def _inline_parts(block: Block) -> list[Inline]:
    if isinstance(block, Heading | Paragraph):
        return list(block.parts)
    if isinstance(block, Items):
        return [part for parts in block.items for part in parts]
    if isinstance(block, Table):
        cells = list(block.header) + [cell for row in block.rows for cell in row]
        return [part for cell in cells for part in cell]
    return []


def text_sources(blocks: Iterable[Block]) -> list[str]:
    """One line per equation of the plain-text rendering, block by block."""
    sources: list[str] = []
    for block in blocks:
        if isinstance(block, Equations):
            untagged = Equations(tuple(Row(row.chain) for row in block.rows), block.layout)
            sources += text_reader.equation_lines(text_format.block(untagged))
        else:
            sources += [
                text_math.inline((part,)) for part in _inline_parts(block) if isinstance(part, Math)
            ]
    return sources


def html_latex(blocks: Iterable[Block]) -> tuple[list[str], list[str]]:
    """The LaTeX every <math> of the HTML page is converted from: displayed equations broken for
    the page's math width, inline formulas cut into pieces where wider than half a line (as the
    HTML format does), and the same LaTeX re-joined into fragments the LaTeX reader can check."""
    from symbp.formats import mathml
    from symbp.formats.page import FILL, paper
    from symbp.formats.tables import inline_width

    page = paper()
    line = page.text_width_em * FILL
    pieces: list[str] = []
    fragments: list[str] = []
    for block in blocks:
        if isinstance(block, Equations):
            source = latex_format.equations(block, page.math_width - mathml.MTD_PADDING)
            pieces.append(source)
            fragments.append(source)
            continue
        for part in _inline_parts(block):
            if not isinstance(part, Math):
                continue
            if isinstance(block, Table):  # a cell: one piece, its Leibniz symbols slashed
                parts = [latex_math.table_math(part.expr)]
            elif inline_width(part.expr) <= line / 2:
                parts = [latex_math.inline_math(part.expr)]
            else:
                parts = mathml.inline_pieces(part.expr, line)
            pieces += parts
            joined = "".join(
                piece + (r"\ " if piece.endswith(",") else " ") for piece in parts
            ).strip()
            fragments.append(r"\(" + joined + r"\)")
    return pieces, fragments


def mathml_mismatches(blocks: Iterable[Block], html: str, where: str) -> tuple[int, list[str]]:
    """Every <math> of the HTML must be latex2mathml's conversion of LaTeX the HTML format
    printed from these blocks (and that LaTeX is read back like the .tex: see html_latex)."""
    from latex2mathml.converter import convert

    pieces, _ = html_latex(blocks)
    expected = {
        convert(piece, display="block" if piece.startswith(r"\begin") else "inline")
        for piece in pieces
    }
    found = re.findall(r"<math\b.*?</math>", html, flags=re.S)
    problems = [
        f"{where}: <math> {number + 1} is not the conversion of the blocks' LaTeX:\n  {shown}"
        for number, shown in enumerate(found)
        if shown not in expected
    ]
    if not found:
        problems.append(f"{where}: no <math> at all")
    return len(found), problems


# -- one network ---------------------------------------------------------------------------------


@dataclass
class Results:
    """Outcomes per format, and the MathML comparison."""

    outcomes: dict[str, Outcome]
    mathml_compared: int
    mathml_problems: list[str]

    def mismatches(self) -> list[Mismatch]:
        return [m for outcome in self.outcomes.values() for m in outcome.mismatches]

    def report(self) -> str:
        lines = [str(m) for m in self.mismatches()[:30]] + self.mathml_problems[:10]
        return "\n".join(lines)


def handout_results(problem: Problem, lang: str, label: str) -> Results:
    """Read back a handout's .tex, .md, HTML MathML and text."""
    tables = value_tables(problem)
    document = problem.handout(lang=lang, check=False).document()
    where = f"{label} handout-{lang}"
    tex = formats.render(document, "latex")
    markdown = formats.render(document, "markdown")
    html = formats.render(document, "html")
    outcomes = {
        "latex": read_and_check(
            latex_sources(tex), latex_reader.read, tables.latex, where + ".tex"
        ),
        "markdown": read_and_check(
            markdown_sources(markdown), latex_reader.read, tables.latex, where + ".md"
        ),
        "text": read_and_check(
            text_sources(document.blocks), text_reader.read, tables.text, where + ".txt"
        ),
    }
    compared, problems = mathml_mismatches(document.blocks, html, where + ".html")
    # the LaTeX the MathML was converted from is read back and checked like the .tex
    _, fragments = html_latex(document.blocks)
    sources = [s for f in fragments for s in latex_sources(f)]
    outcomes["html"] = read_and_check(sources, latex_reader.read, tables.latex, where + ".html")
    return Results(outcomes, compared, problems)


def blocks_results(problem: Problem, blocks: tuple[Block, ...], where: str) -> Results:
    """Read back any result's blocks (a derivation, an optimizer step) in LaTeX and text."""
    tables = value_tables(problem)
    document = Document(where, "en", blocks)
    tex = formats.render(document, "latex")
    outcomes = {
        "latex": read_and_check(
            latex_sources(tex), latex_reader.read, tables.latex, where + ".tex"
        ),
        "text": read_and_check(text_sources(blocks), text_reader.read, tables.text, where + ".txt"),
    }
    return Results(outcomes, 0, [])


def derivation_results(problem: Problem, label: str) -> Results:
    """Read back every parameter's derivation (derivations(None)) in LaTeX and text."""
    return blocks_results(problem, problem.derivations(None).blocks(), f"{label} derivations")


def unit_results(problem: Problem, label: str) -> Results:
    """Read back ∂L/∂a of every unit (derive --wrt) in LaTeX and text."""
    units = list(problem.network.units)
    return blocks_results(problem, problem.derivations(units).blocks(), f"{label} units")
