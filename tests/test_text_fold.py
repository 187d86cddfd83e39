"""Long formulas in plain text: folded at their operators to the terminal's width, and read
back, by the reader written independently of the printer, as the same formula.

A closed form runs to hundreds or thousands of characters (2,394 for a weight of
examples/two_hidden_layers.toml); printed on one line, a terminal wraps it anywhere. Folded,
each line ends at an operator, the next starts with it, and its indentation shows how deep the
operator sits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symbp.api.problem import Problem
from symbp.content.blocks import Equations, Heading, Text
from symbp.core.derive import Derivation
from symbp.core.spec import load_spec
from symbp.formats import text as text_format
from symbp.formats.text import WIDTH, fold
from tests.readback import text_reader
from tests.readback.checker import Outcome, check_chain
from tests.readback.harness import text_sources
from tests.readback.tree import Name, evaluate
from tests.readback.values import value_tables

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SPECS = sorted(EXAMPLES.glob("*.toml")) + [EXAMPLES / "networks" / "course_4_5_5_3.toml"]


def _heading(block: object) -> str:
    if not isinstance(block, Heading):
        return ""
    return "".join(part.text for part in block.parts if isinstance(part, Text))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_every_closed_form_fits_the_width_and_reads_back_as_the_gradient(path: Path) -> None:
    problem = Problem(load_spec(path))
    derivations = problem.derivations()
    values = value_tables(problem).text
    checked = 0
    for derivation in derivations.derivations:
        blocks = derivations.blocks_of(derivation)
        at = [i for i, b in enumerate(blocks) if _heading(b).startswith("Closed form")]
        if not at:  # beyond the print limit the derivation says so and shows no closed form
            continue
        block = blocks[at[0] + 1]
        if not isinstance(block, Equations):  # too big to build: a paragraph says so
            continue
        lines = text_format.block(block)
        assert all(text_format.width(line) <= WIDTH for line in lines), "\n".join(lines)
        (equation,) = text_reader.equation_lines(lines)
        (chain,) = text_reader.read(equation)
        lhs, formula = chain.members
        assert isinstance(lhs, Name) and lhs.key.startswith("∂")
        # the closed form of sample 1's loss (with several samples), at sample 1's values: a
        # weight's value from the generated numeric code, a bias's from its δ form
        sample = problem.evaluation.per_sample[0]
        if isinstance(derivation, Derivation):
            want = sample.gradient(derivation.weight.name)
        else:
            want = sample.value(derivation.delta_form)
        got = evaluate(formula, values).mid
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), lhs.key
        checked += 1
    assert checked or path.stem == "course_4_5_5_3"


FORMULAS = [
    "x1·(w5·(1 - σ(w5·σ(w1·x1 + w3·x2) + w7·σ(w2·x1 + w4·x2)))·σ(w5·σ(w1·x1 + w3·x2)"
    " + w7·σ(w2·x1 + w4·x2))·(σ(w5·σ(w1·x1 + w3·x2) + w7·σ(w2·x1 + w4·x2)) - y1)"
    " + w6·(1 - σ(w6·σ(w1·x1 + w3·x2) + w8·σ(w2·x1 + w4·x2))))·(1 - σ(w1·x1 + w3·x2))",
    " + ".join(f"(-0.{k}1234) × 0.2497 × h{k}_1⊙ ⊙ z" for k in range(1, 12)),
    "1[" + " - ".join(f"w{k}·x{k}" for k in range(1, 30)) + " > 0]",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_fold_only_adds_line_breaks(formula: str) -> None:
    prefix = "  ∂L/∂w1 = "
    lines = fold(prefix, formula)
    assert len(lines) > 1
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[0].startswith(prefix)
    rebuilt = lines[0][len(prefix) :]
    for line in lines[1:]:
        assert line.startswith(" " * len(prefix))  # every further line starts past the "="
        operator, rest = line.strip().split(" ", 1)
        rebuilt += (operator if operator == "·" else f" {operator} ") + rest
    assert rebuilt == formula


def test_deeper_operators_are_indented_further() -> None:
    # x1·(t1 + … + t8)·σ(…)·(1 − σ(…)): the sum's terms, inside one bracket, start 4 columns
    # past the formula's start; the product's last factor, outside every bracket, 2
    inner = " + ".join(f"w{k}·σ(w{k}·x1 + w{k + 1}·x2)·(o{k} - y{k})" for k in range(1, 9))
    formula = f"x1·({inner})·σ(w1·x1 + w3·x2)·(1 - σ(w1·x1 + w3·x2))"
    lines = fold("  d = ", formula)
    start = len("  d = ")
    hang = {line.strip()[0]: len(line) - len(line.lstrip()) - start for line in lines[1:]}
    assert hang == {"+": 4, "·": 2}
    assert lines[-1].strip() == "· (1 - σ(w1·x1 + w3·x2))"


DEEP = """
layers = [2, 2, 2, 2, 2, 2, 2, 2]
activation = "tanh"
inputs = [0.5, 0.3]
targets = [0.2, 0.1]
weights = { random = "uniform", seed = 3 }
"""


def test_the_paths_of_an_eight_layer_net_fold_and_hold(tmp_path: Path) -> None:
    # 8 layers (the limit): each path's product of 15 factors is wider than a line with its
    # tag; it is folded on lines of its own, and every equation still holds as printed
    spec = tmp_path / "deep.toml"
    spec.write_text(DEEP, encoding="utf-8")
    problem = Problem(load_spec(spec))
    derivations = problem.derivations(["w1"])
    blocks = derivations.blocks()
    lines = text_format.render_blocks(blocks).splitlines()
    assert max(text_format.width(line) for line in lines) <= WIDTH
    assert any(line.lstrip().startswith("path 1 (") and "×" in line for line in lines)
    outcome = Outcome()
    values = value_tables(problem).text
    for source in text_sources(blocks):
        for chain in text_reader.read(source):
            check_chain(chain, values, outcome)
    assert not outcome.mismatches, outcome.report()
    assert outcome.checked >= 8 + 8  # the 8 paths' products and more
