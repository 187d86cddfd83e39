"""Plain text's math printer: display trees as one line of the names a person types.

Formulas use those names (w1, z_h1, δ_h1), "·" between symbols and "×" between numbers;
brackets go where the display tree's precedence puts them, exactly as in LaTeX.
"""

from __future__ import annotations

from collections.abc import Iterable

from symbp.content import blocks as B
from symbp.content import expr as E
from symbp.core.operations import TEXT_SPELLINGS
from symbp.formats.printer import MathPrinter

_SUPERSCRIPTS = str.maketrans("0123456789-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾")
_FUNCTIONS = TEXT_SPELLINGS


class TextPrinter(MathPrinter):
    """Display trees as one line of plain text, with the names a person types."""

    def name(self, item: E.Name) -> str:
        if item.plain:
            return item.plain
        text = item.base
        if item.sup is not None:
            text += item.sup.translate(_SUPERSCRIPTS)
        if item.sub is not None:
            text += "_" + (item.sub if isinstance(item.sub, str) else self.name(item.sub))
        return text

    def partial(self, item: E.Partial) -> str:
        return f"∂{self.name(item.of)}/∂{self.name(item.wrt)}"

    def bracket_factor(self, node: E.Node) -> bool:
        # a fraction inside a product is bracketed: a/b·c would leave the reader guessing
        return E.bracket_factor(node) or isinstance(node, E.Frac)

    def fraction(self, item: E.Frac) -> str:
        top, bottom = self.math(item.num), self.math(item.den)
        if E.precedence(item.num) < E.PRODUCT or isinstance(item.num, E.Frac):
            top = self.group(top)
        if E.precedence(item.den) < E.ATOM or isinstance(item.den, E.Frac | E.Partial):
            bottom = self.group(bottom)
        return f"{top}/{bottom}"

    def power(self, base: str, item: E.Pow) -> str:
        if isinstance(item.exp, E.Num) and item.exp.text.isdigit():
            return base + item.exp.text.translate(_SUPERSCRIPTS)
        exponent = self.math(item.exp)
        simple = isinstance(item.exp, E.Sym) or (
            isinstance(item.exp, E.Num) and not item.exp.negative
        )
        return f"{base}^{exponent if simple else self.group(exponent)}"

    def call(self, item: E.Call) -> str:
        args = ", ".join(self.math(arg) for arg in item.args)
        return f"{self.function(item)}({args})"

    def function(self, item: E.Call) -> str:
        """A function's name as written before its brackets: σ, σ′, softmax_2."""
        function = _FUNCTIONS.get(item.function, item.function) + ("′" if item.prime else "")
        index = f"_{item.index}" if item.index is not None else ""
        return function + index

    def indicator(self, item: E.Indicator) -> str:
        return f"1[{self.math(item.left)} {item.relation} {self.math(item.right)}]"

    def sum(self, item: E.Sum) -> str:
        return f"Σ_{item.index} {self.math(item.body)}"

    def separator(self, left: E.Node, right: E.Node, left_bracketed: bool) -> str:
        if isinstance(left, E.Matrix) or isinstance(right, E.Matrix):
            return " "  # matrices written out side by side are multiplied
        return " × " if E.numeric(left) and E.numeric(right) else "·"

    def matrix(self, item: E.Matrix) -> str:
        """On one line, row by row: [0.2, 0.5; -0.4, 0.6] (a display uses text_grid instead)."""
        rows = "; ".join(", ".join(self.math(entry) for entry in row) for row in item.rows)
        return f"[{rows}]"

    def transpose(self, base: str) -> str:
        return base + "ᵀ"

    def hadamard_sign(self) -> str:
        return " ⊙ "

    def gradient(self, item: E.Grad) -> str:
        return f"∇_{self.name(item.wrt)} {self.name(item.of)}"


PRINTER = TextPrinter()


name = PRINTER.name
math = PRINTER.math
chain = PRINTER.chain
inline_math = PRINTER.inline


def as_prose(parts: Iterable[B.Inline]) -> tuple[B.Inline, ...]:
    """The parts with each plain Math set as prose (its plain text), joined to the prose
    around it: every format prints plain math as it prints words."""
    found: list[B.Inline] = []
    for part in parts:
        if isinstance(part, B.Math) and part.plain:
            part = B.Text(
                math(part.expr) if not isinstance(part.expr, E.Chain) else chain(part.expr)
            )
        if isinstance(part, B.Text) and found and isinstance(found[-1], B.Text):
            found[-1] = B.Text(found[-1].text + part.text)
        else:
            found.append(part)
    return tuple(found)


def inline(parts: Iterable[B.Inline], *, unbreakable: bool = False) -> str:
    """Prose with its math; `unbreakable` keeps each formula on one line when wrapped."""
    parts = as_prose(parts)

    def math_text(part: B.Math) -> str:
        shown = inline_math(part.expr)
        return shown.replace(" ", NBSP) if unbreakable else shown

    return "".join(part.text if isinstance(part, B.Text) else math_text(part) for part in parts)


NBSP = "\u00a0"  # textwrap breaks at ASCII white space only
