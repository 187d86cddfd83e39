"""The catalogue's formulas are this network's: every "right" formula a check-hand report shows
holds at the network's values, and every "wrong" one does not.

check-hand once told a student with a tanh hidden layer "Right: δ_h1 = (δ_o1·w5 + δ_o2·w6)·
h1(1 − h1)", the sigmoid's derivative. Here each formula is read back by the independent text
reader (tests/readback/) and evaluated with the values of the network, for networks of every
activation and loss a course uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symbp.api.problem import Problem
from symbp.content.mistakes import mistake_words
from symbp.core.spec import load_spec, parse_toml
from symbp.formats.text_math import inline
from symbp.handcheck.mistakes import catalogue
from tests.readback import text_reader
from tests.readback.tree import evaluate, unknowns
from tests.readback.values import value_tables

from .test_readback import RELU_SOFTMAX, TANH_SIGMOID

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: every example but the CS231n neuron, whose objective is an output (check-hand judges a loss's
#: derivatives), and two course networks
NETWORKS = {
    **{p.stem: p for p in sorted(EXAMPLES.glob("*.toml")) if p.stem != "cs231n_neuron"},
    "tanh_sigmoid_3_4_2": TANH_SIGMOID,
    "relu_softmax_2_3_3": RELU_SOFTMAX,
}


def _problem(source: Path | str) -> Problem:
    if isinstance(source, Path):
        return Problem(load_spec(source))
    return Problem(parse_toml(source, "<test>"))


def _sides(formula: str, values: dict[str, float]) -> tuple[float, float] | None:
    """Both sides of `name = formula` at the network's values; None when it is not one
    equation of known names (an edge list, the update rule in general symbols)."""
    if "," in formula or "=" not in formula:
        return None
    chains = text_reader.read(formula)
    if len(chains) != 1 or len(chains[0].members) != 2:
        return None
    lhs, rhs = chains[0].members
    if unknowns(lhs, values) or unknowns(rhs, values):
        return None
    return evaluate(lhs, values).mid, evaluate(rhs, values).mid


@pytest.mark.parametrize("name", NETWORKS)
def test_right_formulas_hold_and_wrong_ones_do_not(name: str) -> None:
    problem = _problem(NETWORKS[name])
    values = value_tables(problem).text
    checked = differing = 0
    for mistake in map(mistake_words, catalogue(problem.network)):
        assert mistake.wrong != mistake.right, mistake
        right = _sides(inline(mistake.right), values)
        if right is None:
            continue
        assert right[1] == pytest.approx(right[0], rel=1e-9, abs=1e-12), (name, mistake.right)
        checked += 1
        # a wrong formula may still give the right number here (relu′ = 1 on an active unit,
        # a target of 0), but not every one
        wrong = _sides(inline(mistake.wrong), values)
        differing += wrong is not None and wrong[1] != pytest.approx(wrong[0], rel=1e-6)
    assert checked >= 3, name  # the output error, and a δ with its activation derivative
    assert differing >= 1, name
