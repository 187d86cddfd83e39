"""The quantities of a hand calculation: each number a student may write, its names, its inputs.

A hand calculation of a network is a list of named numbers: the forward pass (z_h1, h1, ... o2,
L), the backward pass (δ_o1, ... δ_h2), the gradients (∂L/∂w1 ...) and the updated weights
(w1_new ...). Each quantity has one canonical key, the aliases students use, the quantities it
is computed from (its parents) and its formula in their symbols, in dependency order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from symbp.derive import Backprop
from symbp.graph import Network
from symbp.numeric import Evaluation

from .hand_input import LEARNING_RATE_NAMES


@dataclass(frozen=True)
class Quantity:
    """One number of a hand calculation and how it is computed from the ones before it."""

    key: str  # canonical: z_h1, h1, L, delta_o1, dL/dw1, w1_new; x1, y1, w1 are given
    display: str  # how reports show it: δ_o1, ∂L/∂w1
    symbol: sp.Symbol
    formula: sp.Expr  # in the parents' symbols; a given quantity's formula is its symbol
    parents: tuple[sp.Symbol, ...]
    kind: str  # "given", "forward", "loss", "upstream" (∂L/∂a), "delta", "gradient", "update"


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class QuantityTable:
    """Every quantity of one network's hand calculation, in dependency order."""

    def __init__(self, network: Network, sweep: Backprop, learning_rate: float) -> None:
        self.network = network
        self.learning_rate = learning_rate
        quantities: list[Quantity] = []
        for unit in network.inputs:
            quantities.append(_given(unit.a))
        for y in network.targets:
            quantities.append(_given(y))
        for weight in network.weights:
            quantities.append(_given(weight.symbol))
        for symbol, definition in network.definitions.items():
            kind = "loss" if symbol == network.loss else "forward"
            parents = network.parents[symbol]
            quantities.append(Quantity(symbol.name, symbol.name, symbol, definition, parents, kind))
        for symbol, delta in sweep.deltas.items():
            # ∂L/∂a_j, the sum δ_j multiplies by σ′: students often write it down first
            upstream = sp.Symbol(f"dL/d{delta.unit.name}", real=True)
            formula = delta.upstream_formula
            quantities.append(
                Quantity(
                    upstream.name,
                    f"∂L/∂{delta.unit.name}",
                    upstream,
                    formula,
                    _symbols(formula),
                    "upstream",
                )
            )
            formula = upstream * delta.activation_derivative.formula
            quantities.append(
                Quantity(
                    symbol.name, "δ_" + delta.unit.name, symbol, formula, _symbols(formula), "delta"
                )
            )
        self.gradient_symbols: dict[str, sp.Symbol] = {}
        self.update_symbols: dict[str, sp.Symbol] = {}
        for weight in network.weights:
            gradient = sp.Symbol(f"dL/d{weight.name}", real=True)
            self.gradient_symbols[weight.name] = gradient
            formula = sweep.gradients[weight.name]
            quantities.append(
                Quantity(
                    gradient.name,
                    f"∂L/∂{weight.name}",
                    gradient,
                    formula,
                    _symbols(formula),
                    "gradient",
                )
            )
        for weight in network.weights:
            gradient = self.gradient_symbols[weight.name]
            updated = sp.Symbol(f"{weight.name}_new", real=True)
            self.update_symbols[weight.name] = updated
            formula = weight.symbol - sp.Float(learning_rate) * gradient
            quantities.append(
                Quantity(
                    updated.name,
                    updated.name,
                    updated,
                    formula,
                    (weight.symbol, gradient),
                    "update",
                )
            )
        self.quantities: tuple[Quantity, ...] = tuple(quantities)
        self.by_key: dict[str, Quantity] = {q.key: q for q in quantities}
        self.by_symbol: dict[sp.Symbol, Quantity] = {q.symbol: q for q in quantities}
        self._functions: dict[str, Callable[..., float]] = {}

    def resolve(self, name: str) -> Quantity | None:
        """The quantity a student's name means (dL_dw1, grad_w1, δ_o1, w1', ...), or None."""
        key = canonical_key(name)
        return self.by_key.get(key) if key is not None else None

    def local(self, quantity: Quantity) -> Callable[..., float]:
        """The quantity's formula as a float function of its parents' values, in parent order."""
        if quantity.key not in self._functions:
            self._functions[quantity.key] = sp.lambdify(
                quantity.parents, quantity.formula, modules=[{"sigmoid": _sigmoid}, "math"]
            )
        return self._functions[quantity.key]

    def values(
        self, evaluation: Evaluation, learning_rate: float | None = None, update_sign: float = 1.0
    ) -> dict[str, float]:
        """Every quantity's value in one evaluation (the true one, or a mistaken variant's)."""
        rate = self.learning_rate if learning_rate is None else learning_rate
        values = {s.name: v for s, v in evaluation.values.items()}
        for quantity in self.quantities:
            if quantity.kind == "upstream":
                values[quantity.key] = evaluation.value(quantity.formula)
        for weight, gradient in zip(evaluation.network.weights, evaluation.gradients, strict=True):
            values[f"dL/d{weight.name}"] = gradient
            old = evaluation.values[weight.symbol]
            values[f"{weight.name}_new"] = old - update_sign * rate * gradient
        return {q.key: values[q.key] for q in self.quantities}


def _given(symbol: sp.Symbol) -> Quantity:
    return Quantity(symbol.name, symbol.name, symbol, symbol, (), "given")


def _symbols(expr: sp.Expr) -> tuple[sp.Symbol, ...]:
    return tuple(sorted(expr.free_symbols, key=lambda s: s.name))


_GRADIENT = re.compile(r"^(?:dl/d|dl_d|dld|grad_|grad|g_)(.+)$")
_DELTA = re.compile(r"^(?:delta_|delta|δ_|δ|d_)(.+)$")
_UPDATED = re.compile(r"^(w\d+)(?:_new|'|\+|_updated|_next)$")
_NEW = re.compile(r"^new_?(w\d+)$")


def canonical_key(name: str) -> str | None:
    """A student's name for a quantity as symbp's key, or None for a name symbp cannot place."""
    text = "".join(name.split()).replace("∂", "d").lower()
    if text in ("l", "loss", "e_total"):
        return "L"
    for pattern in (_UPDATED, _NEW):
        match = pattern.match(text)
        if match:
            return f"{match.group(1)}_new"
    match = _GRADIENT.match(text)
    if match:
        wrt = match.group(1)
        if wrt.startswith("z_"):
            return f"delta_{wrt[2:]}"  # δ = ∂L/∂z
        return f"dL/d{wrt}"  # a weight's gradient, or ∂L/∂a of a unit
    match = _DELTA.match(text)
    if match:
        return f"delta_{match.group(1)}"
    if re.fullmatch(r"z\w+", text) and not text.startswith("z_"):
        return "z_" + text[1:]
    return text


def known_names(table: QuantityTable) -> str:
    return ", ".join(q.key for q in table.quantities if q.kind != "given")


def resolver(table: QuantityTable) -> Callable[[str], sp.Expr | None]:
    """The name resolver formulas use: quantities by any alias, and the learning rate η."""

    def resolve(name: str) -> sp.Expr | None:
        if name.lower() in LEARNING_RATE_NAMES:
            return sp.Float(table.learning_rate)
        quantity = table.resolve(name)
        return None if quantity is None else quantity.symbol

    return resolve


def evaluate_formula(expr: sp.Expr, values: Mapping[sp.Symbol, float]) -> float:
    """A formula's value with every symbol replaced by a number (nan where it is undefined)."""
    substituted = expr.xreplace({s: sp.Float(values[s], 30) for s in expr.free_symbols})
    try:
        value = complex(substituted.evalf(30))
    except (TypeError, ValueError):
        return math.nan
    return value.real if value.imag == 0 else math.nan
