"""Every displayed equation, read back the way a person reads it, holds at its printed precision.

For every example spec and three course networks, in English and Chinese: the handout's .tex
and .md files and its text are read by readers written independently of symbp's printers
(tests/readback/), each chain `symbol = formula = numbers = value` is evaluated with interval
arithmetic (names exact, printed numbers ± half a unit of their last digit), and its members
must agree; every MathML fragment of the HTML must be latex2mathml's conversion of the LaTeX of
its block. The same for every parameter's derivation (LaTeX and text). Mutation tests prove
that the harness catches a wrong bracket, a wrong sign, swapped operands and mis-rounded digits.
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, Decimal
from functools import cache
from pathlib import Path

import pytest

import symbp
from symbp.api.problem import Problem
from symbp.content.optimizer import STEP_WORKED_PARAMETERS
from symbp.core.spec import parse_toml
from tests.readback import interval as I
from tests.readback import latex_reader, text_reader
from tests.readback.checker import Outcome, check_chain
from tests.readback.harness import (
    Results,
    blocks_results,
    derivation_results,
    handout_results,
    unit_results,
)
from tests.readback.tally import tally
from tests.readback.tree import Chain, Name

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Three course networks of our own. Weights are small so no unit saturates.
TANH_SIGMOID = """
title = "Course net: tanh hidden layer, sigmoid output, a bias per unit"
layers = [3, 4, 2]
activation = ["tanh", "sigmoid"]
loss = "half_sse"
learning_rate = 0.5
inputs = [0.5, -0.3, 0.8]
targets = [0.2, 0.9]
weights = [0.3, -0.2, 0.4, 0.1, -0.5, 0.25, 0.6, -0.35, 0.15, 0.2, -0.1, 0.45,
           0.5, -0.4, 0.3, 0.2, -0.6, 0.35, 0.1, -0.25]
bias = "per-unit"
bias_values = [0.1, -0.1, 0.05, 0.0, 0.2, -0.2]
"""
RELU_SOFTMAX = """
title = "Course net: relu hidden layer, softmax output, cross-entropy, class index"
layers = [2, 3, 3]
activation = ["relu", "softmax"]
loss = "cross_entropy"
learning_rate = 0.1
inputs = [0.8, -0.4]
targets = 2
weights = [0.5, -0.3, 0.2, 0.4, -0.6, 0.1,
           0.3, -0.2, 0.5, 0.1, 0.4, -0.3, -0.5, 0.2, 0.6]
"""
SIGMOID_BY_TARGET = """
title = "Course net: 4-5-5-3 sigmoid, weights numbered by target, two samples"
layers = [4, 5, 5, 3]
activation = "sigmoid"
loss = "half_sse"
numbering = "by-target"
learning_rate = 0.5
inputs = [[0.5, -0.2, 0.1, 0.8], [-0.3, 0.6, 0.4, -0.1]]
targets = [[0.1, 0.9, 0.5], [0.7, 0.2, 0.4]]
reduction = "mean"
weights = [0.1, -0.2, 0.3, -0.1, 0.2, 0.15, -0.3, 0.05, -0.25, 0.1,
           0.2, 0.3, 0.05, -0.15, 0.25, 0.1, -0.1, 0.2, -0.3, 0.4,
           0.2, -0.1, 0.3, 0.1, -0.2, 0.15, 0.25, -0.05, 0.1, 0.3,
           -0.3, 0.2, 0.1, -0.1, 0.05, 0.4, -0.2, 0.1, 0.2, -0.15,
           0.1, 0.05, -0.25, 0.3, 0.2, 0.3, -0.2, 0.1, 0.4, -0.1,
           -0.3, 0.2, 0.25, -0.1, 0.15, 0.1, 0.3, -0.2, 0.05, 0.35]
"""
COURSE = {
    "tanh_sigmoid_3_4_2": TANH_SIGMOID,
    "relu_softmax_2_3_3": RELU_SOFTMAX,
    "sigmoid_by_target_4_5_5_3": SIGMOID_BY_TARGET,
}
NETWORKS = sorted(p.stem for p in EXAMPLES.glob("*.toml")) + list(COURSE)


@cache
def network_problem(name: str) -> Problem:
    if name in COURSE:
        return symbp.problem(parse_toml(COURSE[name], source=name))
    return symbp.problem(EXAMPLES / f"{name}.toml")


def _concrete(name: str) -> bool:
    """A name of one quantity of a network (it has an index digit), not a rule's z_j or δ_k."""
    sides = name[1:].split("/∂") if name.startswith("∂") else [name]
    return all(any(char.isdigit() for char in side) for side in sides)


def _assert_read_back(
    results: Results, label: str, kind: str, request: pytest.FixtureRequest
) -> None:
    session = tally(request.config)
    session.networks.add(label)
    for fmt, outcome in results.outcomes.items():
        session.add(f"{kind} {fmt}", outcome)
    session.mathml_compared += results.mathml_compared
    assert not results.mismatches() and not results.mathml_problems, results.report()
    for fmt, outcome in results.outcomes.items():
        assert outcome.checked >= 20, f"{label} {fmt}: only {outcome.checked} equations read"
        concrete = sorted(n for n in outcome.unknown_names if _concrete(n))
        assert not concrete, f"{label} {fmt}: quantities with no value in the table: {concrete}"


def test_at_least_ten_networks() -> None:
    assert len(NETWORKS) >= 10


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", NETWORKS)
def test_handout_equations_read_back(name: str, lang: str, request: pytest.FixtureRequest) -> None:
    results = handout_results(network_problem(name), lang, name)
    _assert_read_back(results, f"{name} handout {lang}", "handout", request)
    assert results.mathml_compared > 0
    # a reader that reads the .tex but not the .md (or the text) would not notice a lost format
    display = {fmt: o.checked for fmt, o in results.outcomes.items()}
    assert display["markdown"] == display["text"], display


@pytest.mark.parametrize(
    "name",
    [
        # 60 weights: building every derivation (closed forms included) takes ~10 s of CPU
        pytest.param(name, marks=pytest.mark.slow) if name == "sigmoid_by_target_4_5_5_3" else name
        for name in NETWORKS
    ],
)
def test_derivation_equations_read_back(name: str, request: pytest.FixtureRequest) -> None:
    results = derivation_results(network_problem(name), name)
    _assert_read_back(results, f"{name} derivations", "derivations", request)
    checked = {fmt: o.checked for fmt, o in results.outcomes.items()}
    assert checked["latex"] == checked["text"], checked


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.slow) if name == "sigmoid_by_target_4_5_5_3" else name
        for name in NETWORKS
    ],
)
def test_unit_derivations_read_back(name: str, request: pytest.FixtureRequest) -> None:
    """derive --wrt for every unit (inputs, hidden, outputs): paths, δ form, value."""
    results = unit_results(network_problem(name), name)
    _assert_read_back(results, f"{name} units", "units", request)
    checked = {fmt: o.checked for fmt, o in results.outcomes.items()}
    assert checked["latex"] == checked["text"], checked


#: every equation an optimizer can show: weight decay, dampening, Nesterov, decoupled decay,
#: amsgrad (adam.toml, an example, covers plain Adam in the handout tests above)
OPTIMIZERS = {
    "sgd_momentum_dampening_decay": '{ name = "sgd", momentum = 0.9, dampening = 0.2, '
    "weight_decay = 0.01 }",
    "sgd_nesterov": '{ name = "sgd", momentum = 0.8, nesterov = true }',
    "adamw_amsgrad": '{ name = "adamw", betas = [0.8, 0.99], amsgrad = true }',
    "adam_decay": '{ name = "adam", weight_decay = 0.1, eps = 1e-6 }',
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("name", ["mooc_8_3", "tanh_sigmoid_3_4_2"])
def test_optimizer_updates_read_back(
    name: str, optimizer: str, request: pytest.FixtureRequest
) -> None:
    """symbp step and the handout's update with an optimizer: every equation of every
    parameter, formula = numbers = value, read back from LaTeX and text."""
    source = COURSE[name] if name in COURSE else (EXAMPLES / f"{name}.toml").read_text()
    source = source.replace("learning_rate", "# learning_rate") + (
        f"\nlearning_rate = 0.1\noptimizer = {OPTIMIZERS[optimizer]}\n"
    )
    problem = symbp.problem(parse_toml(source, source=name))
    step = problem.step()
    parameters = len(problem.network.parameters)
    if parameters <= STEP_WORKED_PARAMETERS:  # else step gives a table row each
        results = blocks_results(problem, step.blocks(), f"{name} {optimizer} step")
        _assert_read_back(results, f"{name} {optimizer} step", "step", request)
        assert step.update is not None
        equations = len(step.update.rule.equations)
        assert results.outcomes["latex"].checked >= equations * parameters
    handout = handout_results(problem, "en", f"{name} {optimizer}")
    _assert_read_back(handout, f"{name} {optimizer} handout", "handout", request)


# -- the readers and the checker on values worked by hand -----------------------------------------


def _value(chain: Chain, member: int = 0) -> I.Interval:
    from tests.readback.tree import evaluate

    return evaluate(chain.members[member], {"w_{1}": 0.2, "x_{1}": 0.5, "w1": 0.2, "x1": 0.5})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"2 + 3 \times 4 = 0", 14),
        (r"2 \cdot 3 - 4 = 0", 2),
        (r"-2^{2} = 0", -4),
        (r"\left(-2\right)^{2} = 0", 4),
        (r"\frac{1}{2} \left(3 - 1\right)^{2} = 0", 2),
        (r"w_{1} x_{1} + 1 = 0", 1.1),
        (r"2 \left(3 - 1\right) = 0", 4),
        (r"\sigma\left(0\right) = 0", 0.5),
        (r"\tanh\left(0\right) + e^{0} + \log\left(1\right) = 0", 1),
        (r"\operatorname{softmax}_{2}\left(0, 0\right) = 0", 0.5),
        (r"\mathbf{1}\left[2 > 0\right] + \mathbf{1}\left[-2 > 0\right] = 0", 1),
        (r"\operatorname{relu}\left(-3\right) + \max\left(1, 2\right) = 0", 2),
        (r"\frac{1}{1 + e^{-0}} = 0", 0.5),
    ],
)
def test_latex_reader_reads_with_standard_precedence(source: str, expected: float) -> None:
    (chain,) = latex_reader.read(source)
    assert _value(chain).mid == pytest.approx(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("2 + 3 × 4 = 0", 14),
        ("-1/4 = 0", -0.25),
        ("6/2·3 = 0", 9),
        ("-2² = 0", -4),
        ("(-2)² = 0", 4),
        ("w1·x1 + 1 = 0", 1.1),
        ("σ(0) + tanh(0) + exp(0) = 0", 1.5),
        ("softmax_2(0, 0) = 0", 0.5),
        ("1[2 > 0] + 1[-2 > 0] = 0", 1),
        ("2^(1 + 1) = 0", 4),
    ],
)
def test_text_reader_reads_with_standard_precedence(source: str, expected: float) -> None:
    (chain,) = text_reader.read(source)
    assert _value(chain).mid == pytest.approx(expected)


def _first_name(chain: Chain) -> str:
    member = chain.members[0]
    assert isinstance(member, Name), member
    return member.key


def test_readers_spell_names_as_they_are_written() -> None:
    (latex,) = latex_reader.read(
        r"\frac{\partial L^{(1)}}{\partial w^{(1)}_{21}} = \delta_{h^{(1)}_{2}} x_{1}"
    )
    assert _first_name(latex) == "∂L^{(1)}/∂w^{(1)}_{21}"
    (text,) = text_reader.read("∂L⁽¹⁾/∂w1_2_1 = δ_h1_2·x1")
    assert _first_name(text) == "∂L⁽¹⁾/∂w1_2_1"
    lists = text_reader.read("x1 = 0.5, x2 = 0.3")
    assert [_first_name(c) for c in lists] == ["x1", "x2"]


def test_a_printed_number_means_its_digits() -> None:
    assert I.from_decimal("0.4769") == I.Interval(0.47685, 0.47695)
    assert I.from_decimal("2") == I.Interval(2.0, 2.0)
    assert I.from_decimal("-0.07") == I.Interval(-0.075, -0.065)
    low, high = I.from_decimal("1.234e-07").lo, I.from_decimal("1.234e-07").hi
    assert (low, high) == (pytest.approx(1.2335e-7), pytest.approx(1.2345e-7))
    (chain,) = latex_reader.read(r"1.234 \times 10^{-7} = 0")
    assert _value(chain).lo == pytest.approx(1.2335e-7)


@pytest.mark.parametrize(
    ("source", "holds"),
    [
        # the MOOC's ∂o1/∂z_o1 = o1(1 − o1) at o1 = 0.4769: 0.24946…, shown as 0.2495
        (r"0.4769 \times \left(1 - 0.4769\right) = 0.2495", True),
        (r"0.4769 \times 1 - 0.4769 = 0.2495", False),  # a bracket lost: 0
        (r"0.4769 \times \left(1 - 0.4769\right) = 0.2493", False),  # a digit off
        (r"0.5 + 0.3 = 0.8", True),
        (r"w_{1} \leftarrow 0.2 - 1 \times \left(-0.0084\right) = 0.2084", True),
        (r"w_{1} \leftarrow 0.20 - 1.00 \times \left(-0.0084\right) = 0.1916", False),
    ],
)
def test_checker_compares_members_at_their_precision(source: str, holds: bool) -> None:
    outcome = Outcome()
    (chain,) = latex_reader.read(source)
    check_chain(chain, {}, outcome)
    assert (outcome.checked, len(outcome.mismatches)) == ((1, 0) if holds else (0, 1))


def test_checker_skips_routes_and_rules_and_counts_them() -> None:
    outcome = Outcome()
    for source in (r"w_{1} \to h_{1} \to L", r"\delta_{k} = \sum_{m} y_{m}", r"a = 1 - z"):
        for chain in latex_reader.read(source):
            check_chain(chain, {}, outcome)
    assert outcome.checked == 0 and outcome.skipped == {"route": 1, "no value": 2}


# -- mutations: the harness catches the bugs it exists for ----------------------------------------


def _failing_rows(outcome: Outcome) -> list[str]:
    return [m.source for m in outcome.mismatches]


def test_the_tanh_bracket_bug_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 10's bug: (δ_o1 w13 + δ_o2 w14) · 1 − h1², whose value is not the δ shown. Bring it
    # back: a sum that starts with a number (1 − h², 1 − o) is not bracketed inside a product.
    from symbp.content import expr as E

    original = E.bracket_factor

    def bracket_factor(node: E.Node) -> bool:
        if isinstance(node, E.Add) and isinstance(node.terms[0], E.Num):
            return False
        return original(node)

    monkeypatch.setattr(E, "bracket_factor", bracket_factor)
    # every unit's δ row worked (a net of more than 12 weights works one unit per layer)
    monkeypatch.setattr("symbp.content.selection.SHOW_ALL_MAX_WEIGHTS", 20)
    problem = symbp.problem(parse_toml(TANH_SIGMOID))
    results = handout_results(problem, "en", "tanh (mutated)")
    latex_rows = _failing_rows(results.outcomes["latex"])
    text_rows = _failing_rows(results.outcomes["text"])
    for unit in range(1, 5):  # every tanh unit's δ row
        assert any(row.startswith(rf"\delta_{{h_{{{unit}}}}}") for row in latex_rows), latex_rows
        assert any(row.startswith(f"δ_h{unit} =") for row in text_rows), text_rows
    assert any(r"\cdot 1 - h_{1}^{2}" in row for row in latex_rows)
    assert _failing_rows(results.outcomes["markdown"])


def test_a_wrong_sign_in_the_latex_printer_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # subtraction printed as addition (o1 + y1 for o1 − y1), in LaTeX only
    from symbp.content import expr as E
    from symbp.formats import latex_math

    original = latex_math.LatexPrinter.terms

    def plus_for_minus(self: latex_math.LatexPrinter, node: E.Add) -> list[str]:
        pieces = original(self, node)
        return [p.replace(" - ", " + ", 1) if p.startswith(" - ") else p for p in pieces]

    monkeypatch.setattr(latex_math.LatexPrinter, "terms", plus_for_minus)
    results = handout_results(symbp.problem(EXAMPLES / "mooc_8_3.toml"), "en", "mooc (mutated)")
    rows = _failing_rows(results.outcomes["latex"])
    assert any(r"\left(o_{1} + y_{1}\right)" in row for row in rows), rows
    assert _failing_rows(results.outcomes["markdown"])
    assert not results.outcomes["text"].mismatches  # the text printer was not touched
    assert results.mathml_problems == []  # MathML follows the (wrong) LaTeX of its block


def test_swapped_fraction_in_the_text_printer_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # a/b printed as b/a in plain text only: the cross-entropy ∂L/∂o1 = −y1/o1
    from symbp.content import expr as E
    from symbp.formats import text_math

    original = text_math.TextPrinter.fraction

    def swapped(self: text_math.TextPrinter, node: E.Frac) -> str:
        return original(self, E.Frac(node.den, node.num))

    monkeypatch.setattr(text_math.TextPrinter, "fraction", swapped)
    results = handout_results(symbp.problem(EXAMPLES / "cross_entropy.toml"), "en", "ce")
    rows = _failing_rows(results.outcomes["text"])
    assert any("o1/y1" in row for row in rows), rows
    assert not results.outcomes["latex"].mismatches


def test_values_truncated_instead_of_rounded_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # a value shown truncated: its last digit claims a precision the value does not have
    from symbp.content import numbers

    original = numbers.significant

    def truncated(value: float, digits: int = 4) -> str:
        shown = original(value, digits)
        if "e" in shown or "." not in shown or not math.isfinite(value):
            return shown
        places = len(shown.split(".")[1])
        exact = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
        return str(exact)

    monkeypatch.setattr(numbers, "significant", truncated)
    results = handout_results(symbp.problem(EXAMPLES / "mooc_8_3.toml"), "en", "mooc (mutated)")
    rows = _failing_rows(results.outcomes["latex"])
    # h1 = σ(0.25) = 0.562177: truncated to 0.5621, whose ±0.00005 misses it
    assert any(row.startswith("h_{1}") and row.endswith("= 0.5621") for row in rows), rows
    assert _failing_rows(results.outcomes["text"])


def test_mathml_not_from_the_blocks_latex_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from symbp.content.blocks import Equations
    from symbp.formats import latex, mathml

    def other_latex(item: Equations, width: float | None = None) -> str:
        source = latex.equations(item, mathml._math_width(width))
        return mathml.to_mathml(source.replace("=", r"\approx"), "block")

    monkeypatch.setattr(mathml, "equations", other_latex)
    results = handout_results(symbp.problem(EXAMPLES / "mooc_8_3.toml"), "en", "mooc (mutated)")
    assert results.mathml_problems
    assert "is not the conversion" in results.mathml_problems[0]
