"""Formulas with their numbers: one network's names and one evaluation's values, made into chains.

Every displayed equation of a derivation or handout is built here as
`symbol = formula = numbers = value`: the formula is the graph's own sympy expression in display
order, the numbers are the same tree with each quantity replaced by its shown value, and the
value is the quantity's exact value shown to the requested digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from symbp.content import expr as E
from symbp.content.names import Names, constant
from symbp.content.numbers import computed_num, given_num, result_num
from symbp.core.graph import Network
from symbp.core.operations import loss_info


@dataclass
class Writer:
    """Builds display trees and chains for one network at one set of values."""

    names: Names
    values: Mapping[sp.Symbol, float]
    digits: int = 4
    #: values of Leibniz symbols ∂of/∂wrt, by (of, wrt)
    partials: dict[tuple[sp.Symbol, sp.Symbol], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        network = self.names.network
        given = [u.a for u in network.inputs] + list(network.targets)
        given += [w.symbol for w in network.weights] + [b.symbol for b in network.biases]
        given += [*network.masks.values(), *network.keep_values]  # dropout's m and p
        self._given = frozenset(given)
        self._convert = self.names.converter(constant)
        #: hinge: the worked sample's one-hot targets, written in so that o_y reads o2
        self._class: dict[sp.Symbol, sp.Expr] = {}
        if loss_info(network.spec.loss).shows_sample_class:
            self._class = {y: sp.Integer(round(self.values[y])) for y in network.targets}

    @property
    def network(self) -> Network:
        return self.names.network

    # pieces -------------------------------------------------------------------------------------

    def sym(self, symbol: sp.Symbol) -> E.Sym:
        return self.names.sym(symbol)

    def partial(self, of: sp.Symbol, wrt: sp.Symbol) -> E.Partial:
        return self.names.partial(of, wrt)

    def formula(self, expr: sp.Basic) -> E.Node:
        if self._class:
            expr = expr.xreplace(self._class)
        return self._convert(_common_fraction(expr))

    def num(self, value: float) -> E.Num:
        """A computed value to the requested significant digits (trailing zeros kept)."""
        return computed_num(value, self.digits)

    def given(self, value: float) -> E.Num:
        """A value the problem gives, as given."""
        return given_num(value, self.digits)

    def result(self, value: float) -> E.Num:
        """A final value (a gradient, an updated weight) to 10 decimals."""
        return result_num(value)

    def value_of(self, symbol: sp.Symbol) -> float:
        return self.values[symbol]

    def shown(self, symbol: sp.Symbol) -> E.Num:
        """A quantity's value as the numbers of a formula show it."""
        value = self.values[symbol]
        return self.given(value) if symbol in self._given else self.num(value)

    def numbers(self, node: E.Node) -> E.Node:
        """The tree with every quantity that has a value replaced by its shown value."""

        def value_of(item: E.Sym | E.Partial) -> E.Num | None:
            if isinstance(item, E.Sym):
                key = item.key
                if isinstance(key, sp.Symbol) and key in self.values:
                    return self.shown(key)
                return None
            if item.key in self.partials:
                return self.num(self.partials[item.key])
            return None

        return E.substitute(node, value_of)

    # chains -------------------------------------------------------------------------------------

    def value_num(self, formula: E.Node, value: float, *, final: bool = False) -> E.Num:
        """The value of a formula as shown: a given quantity as given, else to the digits."""
        key = formula.key if isinstance(formula, E.Sym) else None
        if isinstance(key, sp.Symbol) and key in self._given:
            return self.shown(key)
        if isinstance(formula, E.Num):
            return formula
        return self.result(value) if final else self.num(value)

    def worked(self, lhs: E.Node, formula: E.Node, value: float, *, final: bool = False) -> E.Chain:
        """lhs = formula = numbers = value; the numbers are left out when they add nothing."""
        members: list[E.Node] = [formula]
        numbers = self.numbers(formula)
        if numbers != formula and not isinstance(formula, E.Sym | E.Partial):
            members.append(numbers)
        shown = self.value_num(formula, value, final=final)
        if members[-1] != shown:
            members.append(shown)
        return E.equals(lhs, *members)

    def definition(self, symbol: sp.Symbol, expr: sp.Basic, *, final: bool = False) -> E.Chain:
        """symbol = its formula = numbers = value."""
        return self.worked(self.sym(symbol), self.formula(expr), self.values[symbol], final=final)


def _common_fraction(expr: sp.Basic) -> sp.Basic:
    """2/3·o1 − 2/3·y1 as (2/3)(o1 − y1): a sum whose terms share a fractional coefficient is
    written with it factored out, as a textbook writes mse_mean's ∂L/∂o (a unit fraction
    such as ½ stays on each term, ½(o1 − y1)² + ½(o2 − y2)²)."""
    if not isinstance(expr, sp.Add):
        return expr
    coefficients = [term.as_coeff_Mul()[0] for term in expr.args]
    first = abs(coefficients[0])
    if not isinstance(first, sp.Rational) or first.q == 1 or first.p == 1:
        return expr
    if any(abs(c) != first for c in coefficients):
        return expr
    return sp.Mul(first, sp.Add(*(t / first for t in expr.args)), evaluate=False)
