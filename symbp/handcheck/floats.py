"""Formulas evaluated in float64, with bounded work: what judging a hand calculation computes.

sympy's evalf works in arbitrary precision, so exp(exp(exp(1000))) asks it for a number of
10^(10^434) digits and it never returns. Here every operation is one float operation: a value too
large for float64 is inf (the caller says "this formula's value overflows"), an undefined one
(0/0, log of a negative number) is nan. Shared subexpressions are evaluated once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import sympy as sp

from symbp.core.functions import (
    ALL_ENTRIES,
    Activation,
    logsumexp,
    softmax,
)
from symbp.errors import FormulaError

#: the activations a formula may hold, by their sympy function
_ELEMENTWISE: dict[type, Activation] = {
    entry.function: entry
    for entry in ALL_ENTRIES
    if entry.elementwise and entry.function is not None and entry.evaluate is not None
}


def _power(base: float, exponent: float) -> float:
    try:
        result = base**exponent
    except OverflowError:
        return math.inf
    except ZeroDivisionError:  # 0 to a negative power
        return math.nan
    if isinstance(result, complex):  # a negative number to a fractional power
        return math.nan
    return float(result)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    if math.isnan(x) or x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    return math.log(x)


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    if not math.isfinite(top):
        return top
    return top + math.log(math.fsum(math.exp(v - top) for v in values))


def _product(values: list[float]) -> float:
    result = 1.0
    for value in values:
        result *= value
    return result


def _sum(values: list[float]) -> float:
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):  # inf − inf, or an intermediate overflow
        return float(sum(values))


def float_value(
    expr: sp.Basic, values: Mapping[sp.Symbol, float], *, strict: bool = False
) -> float:
    """The value of `expr` with each symbol replaced by its float: inf on overflow, nan where
    undefined. FormulaError for a symbol without a value or a function it does not know, and,
    when `strict`, for any part whose value overflows (σ(exp(exp(exp(10)))) is 1 only because
    float64 gave up on its argument)."""
    memo: dict[sp.Basic, float] = {}

    def value(node: sp.Basic) -> float:
        known = memo.get(node)
        if known is not None:
            return known
        result = _evaluate(node, value, values)
        if strict and math.isinf(result) and not isinstance(node, sp.log):
            raise FormulaError("this formula's value overflows (a part of it exceeds 1e308)")
        memo[node] = result
        return result

    return value(expr)


def _evaluate(
    node: sp.Basic,
    value: object,
    values: Mapping[sp.Symbol, float],
) -> float:
    assert callable(value)
    if isinstance(node, sp.Symbol):
        if node not in values:
            raise FormulaError(f"no value for {node.name}")
        return float(values[node])
    if isinstance(node, sp.Number):
        if node is sp.S.ComplexInfinity or node is sp.S.NaN:
            return math.nan
        try:
            return float(node)
        except OverflowError:
            return math.inf
    if node is sp.S.Exp1:
        return math.e
    if node is sp.S.Pi:
        return math.pi
    args = [value(arg) for arg in node.args]
    if isinstance(node, sp.Add):
        return _sum(args)
    if isinstance(node, sp.Mul):
        return _product(args)
    if isinstance(node, sp.Pow):
        return _power(args[0], args[1])
    if isinstance(node, sp.exp):
        return _exp(args[0])
    if isinstance(node, sp.log):
        return _log(args[0])
    entry = _ELEMENTWISE.get(type(node))
    if entry is not None:  # an activation: its entry's float64 form
        assert entry.evaluate is not None
        if len(args) > 2:  # a loss's helper of several arguments: clip(x, lo, hi)
            return entry.evaluate(*args)
        return entry.evaluate(args[0], args[1] if len(args) > 1 else math.nan)
    if isinstance(node, sp.Heaviside):
        z = args[0]
        return 1.0 if z > 0 else 0.0 if z < 0 else (args[1] if len(args) > 1 else 0.5)
    if isinstance(node, logsumexp):
        return _logsumexp(args)
    if isinstance(node, softmax):
        k, zs = int(args[0]), args[1:]
        return _exp(zs[k] - _logsumexp(zs))
    if isinstance(node, sp.Abs):
        return abs(args[0])
    if isinstance(node, sp.sign):  # l1's derivative, sign(0) = 0 as torch's
        x = args[0]
        return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else math.nan
    if isinstance(node, sp.Max):
        return max(args)
    if isinstance(node, sp.Min):
        return min(args)
    raise FormulaError(f"cannot evaluate {type(node).__name__} in float64")
