"""Comparing a student's formula with the true one: by algebra first, else at sample points.

Both formulas are written out in the network's node symbols (updates, gradients, ∂L/∂a and δ
replaced by their definitions, σ(z_j) by a_j). If their difference expands to zero they are
equal for every value of those symbols, a proof; otherwise they are compared at the network's own
values and a few random points, and the first point where they differ is reported.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symbp.functions import sigmoid
from symbp.graph import Network
from symbp.numeric import CompiledNetwork

from .quantities import Quantity, QuantityTable, evaluate_formula

#: Random points (besides the network's own values) at which formulas are compared.
SAMPLE_POINTS = 3


@dataclass(frozen=True)
class FormulaCheck:
    """A formula the student wrote, compared with the true one."""

    key: str
    display: str
    formula: sp.Expr  # the student's, as symbp read it
    true_formula: sp.Expr  # in the same quantities' symbols
    equal: bool
    method: str  # "algebra" (proved), "sampled" (equal at several points) or "differs"
    point: dict[str, float] | None  # where they differ: inputs, targets and weights
    student_value: float | None
    true_value: float | None


def check_formula(
    table: QuantityTable,
    formula: sp.Expr,
    quantity: Quantity,
    compiled: CompiledNetwork,
    truth: Mapping[sp.Symbol, float],
) -> FormulaCheck:
    """Compare a student's formula with the true one: by algebra first, else at sample points."""
    network = table.network
    true_formula = quantity.formula
    student_nodes = _to_nodes(table, formula)
    true_nodes = _to_nodes(table, true_formula)

    def result(
        method: str,
        point: dict[str, float] | None = None,
        mine: float | None = None,
        right: float | None = None,
    ) -> FormulaCheck:
        return FormulaCheck(
            quantity.key,
            quantity.display,
            formula,
            true_formula,
            method != "differs",
            method,
            point,
            mine,
            right,
        )

    if sp.expand(student_nodes - true_nodes) == 0:
        return result("algebra")
    points = [None] + [random_point(network, seed) for seed in range(SAMPLE_POINTS)]
    for point in points:
        values = values_at(table, compiled, point) if point is not None else truth
        mine = evaluate_formula(formula, values)
        right = evaluate_formula(true_formula, values)
        if not (abs(mine - right) <= 1e-12 * max(1.0, abs(right))):
            shown = point if point is not None else _spec_point(network)
            return result("differs", shown, mine, right)
    return result("sampled")


def _to_nodes(table: QuantityTable, expr: sp.Expr) -> sp.Expr:
    """An expression in the network's node symbols: updates, gradients and δs written out."""
    network = table.network
    for kind in ("update", "gradient"):
        expr = expr.xreplace({q.symbol: q.formula for q in table.quantities if q.kind == kind})
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
    return {name: round(generator.uniform(-1, 1), 3) for name in names}


def _spec_point(network: Network) -> dict[str, float]:
    spec = network.spec
    names = [u.a.name for u in network.inputs] + [y.name for y in network.targets]
    names += [w.name for w in network.weights]
    return dict(zip(names, [*spec.inputs, *spec.targets, *spec.weights], strict=True))


def values_at(
    table: QuantityTable, compiled: CompiledNetwork, point: Mapping[str, float]
) -> dict[sp.Symbol, float]:
    network = table.network
    evaluation = compiled.evaluate(
        inputs=[point[u.a.name] for u in network.inputs],
        targets=[point[y.name] for y in network.targets],
        weights=[point[w.name] for w in network.weights],
    )
    values = table.values(evaluation)
    return {table.by_key[k].symbol: v for k, v in values.items()}
