"""sympy printers that show a network's expressions the way symbp's outputs need them.

Expressions print through subclasses of sympy's own printers (never by rewriting strings):
symbols take their display names (δ_h1 for delta_h1), and the "numbers substituted" form of a
formula prints every symbol as its value, parenthesised when negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from symbp.graph import Network


def text_name(symbol: sp.Symbol) -> str:
    """The name a terminal shows: δ_h1 for delta_h1, everything else as it is."""
    name = symbol.name
    if name.startswith("delta_"):
        return "δ_" + name[len("delta_") :]
    return name


def format_number(value: float, digits: int = 4) -> str:
    """A value to `digits` significant digits, with no exponent for ordinary magnitudes."""
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text and 1e-6 <= abs(value) < 1e15:
        text = f"{value:.{digits + 6}f}".rstrip("0").rstrip(".")
    return text


class TextPrinter(StrPrinter):
    """Plain-text formulas with symbp's symbol names."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:  # noqa: N802 - sympy's naming
        return text_name(expr)


class ValueTextPrinter(TextPrinter):
    """A formula with every symbol replaced by its value: "o1*(1 - o1)" -> "0.4769*(1 - 0.4769)"."""

    def __init__(self, values: Mapping[sp.Symbol, float], digits: int = 4) -> None:
        super().__init__()
        self._values = values
        self._digits = digits

    def _print_Symbol(self, expr: sp.Symbol) -> str:  # noqa: N802 - sympy's naming
        value = self._values[expr]
        text = format_number(value, self._digits)
        return f"({text})" if value < 0 else text


#: final values (gradients, updated weights) are shown to this many decimals everywhere
RESULT_DIGITS = 10


def result_number(value: float) -> str:
    """A final value at full displayed precision: 10 decimals, or scientific when tiny."""
    return f"{value:.{RESULT_DIGITS}f}" if abs(value) >= 1e-6 or value == 0 else f"{value:.6e}"


def text(expr: sp.Expr) -> str:
    return TextPrinter().doprint(expr)


def text_values(expr: sp.Expr, values: Mapping[sp.Symbol, float], digits: int = 4) -> str:
    if isinstance(expr, sp.Symbol):  # a lone value needs no parentheses
        return format_number(values[expr], digits)
    return ValueTextPrinter(values, digits).doprint(expr)


def text_partial(of: sp.Symbol, wrt: sp.Symbol) -> str:
    return f"∂{text_name(of)}/∂{text_name(wrt)}"


def edge_text(network: Network, weight_name: str) -> str:
    weight = network.weight(weight_name)
    return f"{weight.source.name} → {weight.target.name}"


class NetworkLatexPrinter(LatexPrinter):
    """LaTeX formulas whose symbols print as the network's own names (Network.latex_names)."""

    def __init__(self, names: Mapping[sp.Symbol, str], settings: dict[str, Any] | None = None):
        super().__init__(settings or {})
        self._names = names

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:  # noqa: N802
        return self._names[expr]


class ValueLatexPrinter(NetworkLatexPrinter):
    """A formula with every symbol replaced by its value, products shown with ×."""

    def __init__(
        self,
        names: Mapping[sp.Symbol, str],
        values: Mapping[sp.Symbol, float],
        digits: int = 4,
    ) -> None:
        super().__init__(names, {"mul_symbol": "times"})
        self._values = values
        self._digits = digits

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:  # noqa: N802
        value = self._values[expr]
        number = latex_number(value, self._digits)
        return rf"\left({number}\right)" if value < 0 else number


def latex_number(value: float, digits: int = 4) -> str:
    """A value as LaTeX: format_number's digits, and ×10^n instead of an exponent."""
    shown = format_number(value, digits)
    if "e" in shown:
        mantissa, exponent = shown.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return shown


def latex(expr: sp.Expr, network: Network) -> str:
    return NetworkLatexPrinter(network.latex_names).doprint(expr)


def latex_values(
    expr: sp.Expr, network: Network, values: Mapping[sp.Symbol, float], digits: int = 4
) -> str:
    if isinstance(expr, sp.Symbol):  # a lone value needs no parentheses
        return latex_number(values[expr], digits)
    return ValueLatexPrinter(network.latex_names, values, digits).doprint(expr)


def latex_partial(of: sp.Symbol, wrt: sp.Symbol, network: Network) -> str:
    names = network.latex_names
    return rf"\frac{{\partial {names[of]}}}{{\partial {names[wrt]}}}"
