"""Comparing a student's formula with the true one: by algebra first, else at sample points.

Both formulas are written out in the network's node symbols (updates, gradients, ∂L/∂a and δ
replaced by their definitions, σ(z_j) by a_j). If their difference expands to zero they are
equal for every value of those symbols, a proof; otherwise they are compared at the network's own
values and a few random points, and the first point where they differ is reported. A formula
built from decimals the student wrote (0.0616 × 0.5622) is judged at the precision of those
decimals.

Every step is bounded: expansion is tried only when the expanded difference is small (its number
of terms is counted on the definitions before anything is built) and while the file's time
budget lasts; numbers are computed in float64 (floats.py), never by sympy's arbitrary-precision
evalf, so exp(exp(exp(1000))) is an overflow, not a number with 10^434 digits.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import comb

import sympy as sp

from symbp.core.functions import sigmoid
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.errors import FormulaError

from .floats import float_value
from .formula import ParsedFormula
from .quantities import Quantity, QuantityTable, evaluate_samples

#: Random points (besides the network's own values) at which formulas are compared.
SAMPLE_POINTS = 3
#: Algebra is tried only when the expanded difference has at most this many terms.
MAX_ALGEBRA_TERMS = 500
#: Relative agreement that counts as equal at a point (float64 rounding of the same algebra).
POINT_TOLERANCE = 1e-9
#: A formula of rounded decimals may be off the true value by what their rounding moves it, but
#: never by more than this many half units of its result's precision (a sum of eight 4-decimal
#: numbers carries up to eight): its result's written decimals, else its finest decimal.
MAX_CARRIED_HALF_UNITS = 10


@dataclass(frozen=True)
class FormulaCheck:
    """A formula the student wrote, compared with the true one."""

    key: str
    display: str
    formula: sp.Expr  # the student's, as symbp read it (written decimals as they were written)
    true_formula: sp.Expr  # in the same quantities' symbols
    equal: bool
    #: "algebra" (proved), "sampled" (equal at several points), "numbers" (a formula of written
    #: decimals, equal to the true value within their precision), "unjudgeable" (the rounding
    #: of its decimals moves it without bound, or by more than its value) or "differs"
    method: str
    point: dict[str, float] | None  # where they differ: inputs, targets and weights
    student_value: float | None
    true_value: float | None
    tolerance: float = 0.0  # for "numbers": how far the written decimals' rounding may move it


def check_formula(
    table: QuantityTable,
    parsed: ParsedFormula,
    quantity: Quantity,
    compiled: CompiledNetwork,
    truth: Mapping[sp.Symbol, float],
    deadline: float,
    result_half_unit: float | None = None,
) -> FormulaCheck:
    """Compare a student's formula with the true one: by algebra while it is affordable (and
    before `deadline`, a time.monotonic() value), else at sample points. `result_half_unit`:
    half a unit of the result written after the formula, if any (it bounds the tolerance)."""
    network = table.network
    formula = parsed.expr
    true_formula = quantity.formula

    def result(
        method: str,
        point: dict[str, float] | None = None,
        mine: float | None = None,
        right: float | None = None,
        tolerance: float = 0.0,
    ) -> FormulaCheck:
        return FormulaCheck(
            quantity.key,
            quantity.display,
            parsed.with_literals,
            true_formula,
            method not in ("differs", "unjudgeable"),
            method,
            point,
            mine,
            right,
            tolerance,
        )

    affordable = time.monotonic() < deadline and (
        _expanded_terms(table, formula - true_formula) <= MAX_ALGEBRA_TERMS
    )
    if affordable and sp.expand(_to_nodes(table, formula) - _to_nodes(table, true_formula)) == 0:
        return result("algebra")
    if parsed.literals or not formula.free_symbols:
        return _judge_numbers(parsed, quantity, truth, result_half_unit, result, network)
    points = [None] + [random_point(network, seed) for seed in range(SAMPLE_POINTS)]
    for point in points:
        values = values_at(table, compiled, point) if point is not None else truth
        mine = float_value(formula, values, strict=point is None)
        right = float_value(true_formula, values)
        if point is None:
            _require_finite(mine)
        if not abs(mine - right) <= POINT_TOLERANCE * max(1.0, abs(right)):
            if point is None and parsed.literals:
                tolerance = bounded_spread(parsed, values, result_half_unit)
                if tolerance is None:
                    return result("unjudgeable", None, mine, right)
                if abs(mine - right) <= tolerance + POINT_TOLERANCE * max(1.0, abs(right)):
                    return result("numbers", None, mine, right, tolerance)
            shown = point if point is not None else _spec_point(network)
            return result("differs", shown, mine, right)
    return result("sampled")


def _judge_numbers(
    parsed: ParsedFormula,
    quantity: Quantity,
    truth: Mapping[sp.Symbol, float],
    result_half_unit: float | None,
    result: Callable[..., FormulaCheck],
    network: Network,
) -> FormulaCheck:
    """A formula with numbers written in it (0.2*0.5 + 0.5*0.3, w1*0.5 + w3*0.3, o1 - 0.23):
    those numbers are the network's values, so it is a calculation at the network's values, not
    a function of the quantities they stand for. It is judged by its value there, at the
    precision of its decimals (bounded: bounded_spread), never at other points, where the
    numbers it holds would no longer be the quantities' values."""
    mine = float_value(parsed.expr, truth, strict=True)
    _require_finite(mine)
    right = float_value(quantity.formula, truth)
    slack = POINT_TOLERANCE * max(1.0, abs(right))
    tolerance = bounded_spread(parsed, truth, result_half_unit)
    if abs(mine - right) <= slack:
        return result("numbers", None, mine, right, tolerance or 0.0)
    if tolerance is None:
        return result("unjudgeable", None, mine, right)
    if abs(mine - right) <= tolerance + slack:
        return result("numbers", None, mine, right, tolerance)
    return result("differs", _spec_point(network), mine, right)


def formula_value(
    parsed: ParsedFormula, values: Mapping[sp.Symbol, float]
) -> tuple[float, float | None]:
    """A formula's value at the given values, and how far the rounding of the decimals written
    in it may move that value (0 when it has none; None when that says nothing: see
    bounded_spread)."""
    value = float_value(parsed.expr, values, strict=True)
    _require_finite(value)
    return value, bounded_spread(parsed, values)


def bounded_spread(
    parsed: ParsedFormula,
    values: Mapping[sp.Symbol, float],
    result_half_unit: float | None = None,
) -> float | None:
    """The precision a formula of rounded decimals states, bounded: None when their rounding
    moves it without bound or by more than its own value (1000/(h1 - 0.562), 0.1·0.1·1000:
    any answer could be made "right" so), else at most MAX_CARRIED_HALF_UNITS half units of
    the result's precision (`result_half_unit`, else the finest decimal written in it)."""
    spread = literal_spread(parsed, values)
    if spread == 0:
        return 0.0
    value = float_value(parsed.with_literals, _with_literal_values(parsed, values))
    if not math.isfinite(spread) or not math.isfinite(value) or spread >= abs(value):
        return None
    units = [literal.half_unit for literal in parsed.literals.values() if literal.half_unit > 0]
    unit = result_half_unit if result_half_unit else min(units)
    return min(spread, MAX_CARRIED_HALF_UNITS * unit)


def _with_literal_values(
    parsed: ParsedFormula, values: Mapping[sp.Symbol, float]
) -> dict[sp.Symbol, float]:
    point = dict(values)
    for symbol, literal in parsed.literals.items():
        point[symbol] = float(literal.value)
    return point


def literal_spread(parsed: ParsedFormula, values: Mapping[sp.Symbol, float]) -> float:
    """How far the formula moves when each written decimal moves by half a unit in its last
    place: the precision a formula of rounded numbers states."""
    used = [s for s in parsed.literals if s in parsed.with_literals.free_symbols]
    if not used:
        return 0.0
    point = dict(values)
    for symbol in used:
        point[symbol] = float(parsed.literals[symbol].value)
    center = float_value(parsed.with_literals, point)
    spread = 0.0
    for symbol in used:
        literal = parsed.literals[symbol]
        moved = 0.0
        for step in (literal.half_unit, -literal.half_unit):
            shifted = dict(point)
            shifted[symbol] = point[symbol] + step
            change = abs(float_value(parsed.with_literals, shifted) - center)
            moved = max(moved, change if math.isfinite(change) else math.inf)
        spread += moved
    return spread


def _require_finite(value: float) -> None:
    if math.isinf(value):
        raise FormulaError("this formula's value overflows (a part of it exceeds 1e308)")
    if math.isnan(value):
        raise FormulaError("this formula is undefined at the network's values")


def _expanded_terms(table: QuantityTable, expr: sp.Expr) -> int:
    """How many terms `expr` written in node symbols has once expanded, counted without building
    it (an upper bound; anything beyond the limit counts as the limit plus one)."""
    cap = MAX_ALGEBRA_TERMS + 1
    backward = {
        q.symbol: q
        for q in table.quantities
        if q.kind not in ("given", "forward", "loss", "sample_loss") and not q.is_given
    }
    memo: dict[sp.Basic, int] = {}

    def terms(node: sp.Basic) -> int:
        if node in memo:
            return memo[node]
        if isinstance(node, sp.Symbol):
            quantity = backward.get(node)
            count = terms(quantity.formula) if quantity is not None else 1
        elif isinstance(node, sp.Add):
            count = sum(terms(arg) for arg in node.args)
        elif isinstance(node, sp.Mul):
            count = 1
            for arg in node.args:
                count = min(cap, count * terms(arg))
        elif isinstance(node, sp.Pow) and node.exp.is_Integer:
            base, power = terms(node.base), abs(int(node.exp))
            count = cap if base > 1 and power > 60 else comb(base + power - 1, power)
        else:  # a function or a fractional power: one term, whose arguments expand too
            count = 1 + sum(terms(arg) for arg in node.args)
        memo[node] = min(cap, count)
        return memo[node]

    return terms(expr)


def _to_nodes(table: QuantityTable, expr: sp.Expr) -> sp.Expr:
    """An expression in the network's node symbols: updates, gradients and δs written out."""
    network = table.network
    for kind in ("update", "change", "gradient", "sample_gradient"):
        expr = expr.xreplace(
            {q.symbol: q.formula for q in table.quantities if q.kind == kind and not q.is_given}
        )
    backward = {q.symbol: q.formula for q in table.quantities if q.kind in ("upstream", "delta")}
    while expr.free_symbols & set(backward):
        expr = expr.xreplace(backward)
    z_to_a = {u.z: u.a for u in network.units.values() if u.z is not None}
    return expr.replace(
        lambda e: isinstance(e, sigmoid) and e.args[0] in z_to_a,
        lambda e: z_to_a[e.args[0]],
    )


def random_point(network: Network, seed: int) -> dict[str, float]:
    generator = random.Random(seed)
    names = [u.a.name for u in network.inputs] + [y.name for y in network.targets]
    names += [w.name for w in network.weights]
    point = {name: round(generator.uniform(-1, 1), 3) for name in names}
    # samples 2… stay the spec's: a hand calculation writes their own numbers, not formulas
    return point | later_samples(network, network.spec.samples)


def _spec_point(network: Network) -> dict[str, float]:
    spec = network.spec
    names = [u.a.name for u in network.inputs] + [y.name for y in network.targets]
    names += [w.name for w in network.weights]
    return dict(zip(names, [*spec.inputs, *spec.targets, *spec.weights], strict=True))


def later_samples(
    network: Network, samples: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]
) -> dict[str, float]:
    """Samples 2… by name with their number (x1(2), y1(2)): what a point holds beyond sample 1."""
    point: dict[str, float] = {}
    for n, (inputs, targets) in enumerate(samples[1:], 2):
        point |= {f"{u.a.name}({n})": x for u, x in zip(network.inputs, inputs, strict=True)}
        point |= {f"{y.name}({n})": v for y, v in zip(network.targets, targets, strict=True)}
    return point


def values_at(
    table: QuantityTable, compiled: CompiledNetwork, point: Mapping[str, float]
) -> dict[sp.Symbol, float]:
    network = table.network
    fixed_biases = [b.value for b in network.biases if b.trainable]  # the spec's, everywhere
    samples = [
        (
            [point[u.a.name + suffix] for u in network.inputs],
            [point[y.name + suffix] for y in network.targets],
        )
        for suffix in ["", *(f"({n})" for n in range(2, len(network.spec.samples) + 1))]
    ]
    evaluation = evaluate_samples(
        compiled, samples, [point[w.name] for w in network.weights] + fixed_biases
    )
    values = table.values(evaluation)
    return {table.by_key[k].symbol: v for k, v in values.items()}
