"""Activation and loss functions: their symbolic form and their local derivative.

Each activation knows its derivative in terms of the unit's own symbols (σ′ = a(1−a) rather than
e^{−z}/(1+e^{−z})²), because that is the form textbooks and handouts show. The tests prove each
such claim against sympy.diff of the function written out with exp.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - sympy names functions in lower case
    """The logistic function σ(z) = 1 / (1 + e^{−z}), kept whole so closed forms stay readable."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return 1 / (1 + sp.exp(-arg))
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        value = sigmoid(self.args[0])
        return value * (1 - value)

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return rf"\sigma\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return f"σ({printer._print(self.args[0])})"


@dataclass(frozen=True)
class Activation:
    """A unit's activation a = f(z) and its local derivative ∂a/∂z written with a and z."""

    name: str
    apply: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Symbol, sp.Symbol], sp.Expr]  # (z, a) -> ∂a/∂z
    formula: str  # for prose: how f is defined


@dataclass(frozen=True)
class Loss:
    """A loss over the output activations and the targets of one sample."""

    name: str
    apply: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr]
    formula: str


def _half_sse(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return sp.Add(
        *[sp.Rational(1, 2) * (o - y) ** 2 for o, y in zip(outputs, targets, strict=True)]
    )


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        name="sigmoid",
        apply=sigmoid,
        derivative=lambda z, a: a * (1 - a),
        formula="σ(z) = 1/(1 + e^(−z))",
    ),
}

LOSSES: dict[str, Loss] = {
    "half_sse": Loss(name="half_sse", apply=_half_sse, formula="L = ½ Σ_k (o_k − y_k)²"),
}
