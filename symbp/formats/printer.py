"""The walk every math printer shares: sums with their signs, products with their separators,
brackets where the display tree's precedence puts them. Each format subclasses it and says how
a name, a number, a fraction or a function is spelled (the way sympy's printers are built).
"""

from __future__ import annotations

from symbp.content import expr as E


class MathPrinter:
    """Prints a display tree; the methods a format overrides are the spelling hooks below."""

    # spelling hooks --------------------------------------------------------------------------

    def name(self, item: E.Name) -> str:
        raise NotImplementedError

    def number(self, item: E.Num) -> str:
        return item.text

    def group(self, text: str) -> str:
        return f"({text})"

    def partial(self, item: E.Partial) -> str:
        raise NotImplementedError

    def fraction(self, item: E.Frac) -> str:
        raise NotImplementedError

    def power(self, base: str, item: E.Pow) -> str:
        raise NotImplementedError

    def call(self, item: E.Call) -> str:
        raise NotImplementedError

    def indicator(self, item: E.Indicator) -> str:
        raise NotImplementedError

    def sum(self, item: E.Sum) -> str:
        raise NotImplementedError

    def separator(self, left: E.Node, right: E.Node, left_bracketed: bool) -> str:
        """What stands between two factors of a product."""
        raise NotImplementedError

    def matrix(self, item: E.Matrix) -> str:
        raise NotImplementedError

    def transpose(self, base: str) -> str:
        """`base` (already bracketed where needed) transposed."""
        raise NotImplementedError

    def hadamard_sign(self) -> str:
        raise NotImplementedError

    def gradient(self, item: E.Grad) -> str:
        raise NotImplementedError

    def bracket_factor(self, node: E.Node) -> bool:
        return E.bracket_factor(node)

    def bracket_base(self, node: E.Node) -> bool:
        return E.bracket_base(node)

    def relation(self, relation: str) -> str:
        """How a relation (=, ←, →, >) is spelled."""
        return relation

    #: what separates the equations of a list (x1 = 0.5, x2 = 0.3)
    list_separator = ", "

    # the walk --------------------------------------------------------------------------------

    def chain(self, item: E.Chain) -> str:
        """lhs = … = … on one line; a list of equations is separated by commas."""
        pieces = [self.math(item.lhs)]
        for step in item.steps:
            if step.relation == ",":
                pieces.append(self.list_separator + self.math(step.expr))
            else:
                pieces.append(f" {self.relation(step.relation)} {self.math(step.expr)}")
        return "".join(pieces)

    def inline(self, item: E.Node | E.Chain) -> str:
        """An expression, or a whole chain, as inline math."""
        return self.chain(item) if isinstance(item, E.Chain) else self.math(item)

    def math(self, node: E.Node) -> str:
        if isinstance(node, E.Sym):
            return self.name(node.name)
        if isinstance(node, E.Num):
            return self.number(node)
        if isinstance(node, E.Partial):
            return self.partial(node)
        if isinstance(node, E.Add):
            return "".join(self.terms(node))
        if isinstance(node, E.Neg):
            return "-" + self._negated(node.arg)
        if isinstance(node, E.Mul):
            return self._product(node)
        if isinstance(node, E.Frac):
            return self.fraction(node)
        if isinstance(node, E.Pow):
            base = self.math(node.base)
            return self.power(self.group(base) if self.bracket_base(node.base) else base, node)
        if isinstance(node, E.Call):
            return self.call(node)
        if isinstance(node, E.Indicator):
            return self.indicator(node)
        if isinstance(node, E.Sum):
            return self.sum(node)
        if isinstance(node, E.Matrix):
            return self.matrix(node)
        if isinstance(node, E.Transpose):
            base = self.math(node.arg)
            return self.transpose(self.group(base) if E.bracket_transposed(node.arg) else base)
        if isinstance(node, E.Hadamard):
            return self.hadamard_sign().join(self._hadamard_operand(f) for f in node.factors)
        if isinstance(node, E.Grad):
            return self.gradient(node)
        raise TypeError(f"cannot print {node!r}")

    def _hadamard_operand(self, node: E.Node) -> str:
        shown = self.math(node)
        return self.group(shown) if E.bracket_hadamard(node) else shown

    def _negated(self, node: E.Node) -> str:
        inner = self.math(node)
        return self.group(inner) if E.bracket_negated(node) else inner

    def terms(self, node: E.Add) -> list[str]:
        """The terms of a sum as printed, each after the first with its " + " or " - "."""
        pieces: list[str] = []
        for position, term in enumerate(node.terms):
            first = position == 0
            if isinstance(term, E.Neg):
                pieces.append(("-" if first else " - ") + self._negated(term.arg))
                continue
            shown = self.math(term)
            if E.bracket_term(term, first):
                shown = self.group(shown)
            pieces.append(shown if first else " + " + shown)
        return pieces

    def _product(self, node: E.Mul) -> str:
        pieces: list[str] = []
        previous: E.Node | None = None
        previous_bracketed = False
        for factor in E.factors(node):
            bracketed = self.bracket_factor(factor)
            shown = self.group(self.math(factor)) if bracketed else self.math(factor)
            if previous is not None:
                pieces.append(self.separator(previous, factor, previous_bracketed))
            pieces.append(shown)
            previous, previous_bracketed = factor, bracketed
        return "".join(pieces)
