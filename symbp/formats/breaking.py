"""Long formulas broken across lines at their operators, for every format that prints LaTeX.

A display tree is printed as a stream of tokens (formats/filling.py): unbreakable pieces, the
gaps between terms and factors where a line may end, and brackets, with their widths from
formats/metrics.py. `fill` cuts the stream into lines no wider than a budget, preferring the
outermost gap: a sum breaks between its terms before a product breaks between its factors, and
both before anything inside brackets. A line that starts at a gap starts with that gap's
operator (+ x, - x, \\times x, \\cdot x);
juxtaposed factors get an explicit \\cdot when a line ends between them. A bracket pair on one
line is \\left( \\right); a pair a line break separates is written ( and ), which TeX, MathJax
and latex2mathml all accept in different cells of an align*.

Joined without breaks, the tokens give exactly what LatexPrinter prints (tests check it), so a
formula that fits reads the same whether or not it went through here.
"""

from __future__ import annotations

from collections.abc import Sequence

from symbp.content import expr as E
from symbp.core.operations import EXP
from symbp.formats import metrics as M
from symbp.formats.filling import (
    ARGUMENT,
    DEPTH,
    FACTOR,
    TERM,
    Close,
    Gap,
    Open,
    Piece,
    Token,
)
from symbp.formats.filling import fill as _fill
from symbp.formats.latex_math import PRINTER, LatexPrinter

#: an exponent wider than this (em) is written exp(…), which can break, instead of e^{…}
MAX_EXPONENT = 6.0


class Tokens:
    """A display tree as a token stream, spelled by LatexPrinter and measured by Metrics."""

    def __init__(self, budget: float = float("inf"), printer: LatexPrinter = PRINTER) -> None:
        self.budget = budget  # a fraction wider than this is written (a)/(b)
        self.metrics = M.DENSE_METRICS if printer.small_partials else M.METRICS
        self.printer = printer

    def width(self, node: E.Node) -> float:
        return self.metrics.width(node)

    def __call__(self, node: E.Node) -> list[Token]:
        return self.tokens(node, 0)

    def piece(self, node: E.Node) -> Piece:
        return Piece(self.printer.math(node), self.width(node))

    def group(self, node: E.Node, depth: int) -> list[Token]:
        side = self.metrics.paren(node)
        return [Open(side), *self.tokens(node, depth + 1), Close(side)]

    def tokens(self, node: E.Node, depth: int) -> list[Token]:
        if isinstance(node, E.Add):
            return self._sum(node, depth)
        if isinstance(node, E.Mul):
            return self._product(node, depth)
        if isinstance(node, E.Neg):
            return [Piece("-", 0.778), *self._negated(node.arg, depth)]
        if isinstance(node, E.Pow) and self.printer.bracket_base(node.base):
            exponent = self.printer.math(node.exp)
            width = self.metrics.width(node.exp, M.SCRIPT, False)
            return [*self.group(node.base, depth), Piece(f"^{{{exponent}}}", width)]
        if isinstance(node, E.Call):
            return self._call(node, depth)
        if isinstance(node, E.Frac) and self.width(node) > self.budget:
            return self._slashed(node, depth)
        return [self.piece(node)]

    def _negated(self, node: E.Node, depth: int) -> list[Token]:
        return self.group(node, depth) if E.bracket_negated(node) else self.tokens(node, depth)

    def _sum(self, node: E.Add, depth: int) -> list[Token]:
        out: list[Token] = []
        rank = TERM + DEPTH * depth
        binary = 0.778 + M.BINARY_SPACE
        for position, term in enumerate(node.terms):
            first = position == 0
            if isinstance(term, E.Neg):
                sign = Piece("-", 0.778) if first else Gap(" - ", binary, "- ", 0.778, rank)
                out += [sign, *self._negated(term.arg, depth)]
                continue
            if not first:
                out.append(Gap(" + ", binary, "+ ", 0.778, rank))
            if E.bracket_term(term, first):
                out += self.group(term, depth)
            else:
                out += self.tokens(term, depth)
        return out

    def _product(self, node: E.Mul, depth: int) -> list[Token]:
        out: list[Token] = []
        rank = FACTOR + DEPTH * depth
        previous: E.Node | None = None
        previous_bracketed = False
        for factor in E.factors(node):
            bracketed = self.printer.bracket_factor(factor)
            if previous is not None:
                separator = self.printer.separator(previous, factor, previous_bracketed)
                lead = r"\times " if "times" in separator else r"\cdot "
                lead_width = 0.778 if "times" in separator else 0.278
                out.append(Gap(separator, M.separator(separator), lead, lead_width, rank))
            out += self.group(factor, depth) if bracketed else self.tokens(factor, depth)
            previous, previous_bracketed = factor, bracketed
        return out

    def _call(self, node: E.Call, depth: int) -> list[Token]:
        whole = self.piece(node)
        if node.function in ("sqrt",) or whole.width <= 2.5:
            return [whole]
        if node.function == EXP.name:
            exponent = self.metrics.width(node, 1.0) - 0.466
            if exponent <= MAX_EXPONENT:
                return [whole]
            head = Piece(r"\exp", 1.67 + M.THIN)
        else:
            # the function's name as LatexPrinter spells it: everything before its bracket
            spelled = self.printer.call(node)
            head_text = spelled[: spelled.index(r"\left(")]
            head = Piece(head_text, whole.width - self._args_width(node))
        side = max(self.metrics.paren(a) for a in node.args)
        out: list[Token] = [head, Open(side)]
        rank = ARGUMENT + DEPTH * depth
        for position, arg in enumerate(node.args):
            if position:
                out.append(Gap(", ", 0.278 + 0.333, "", 0.0, rank, trail=","))
            out += self.tokens(arg, depth + 1)
        return [*out, Close(side)]

    def _args_width(self, node: E.Call) -> float:
        side = max(self.metrics.paren(a) for a in node.args)
        commas = (len(node.args) - 1) * (0.278 + 0.333)
        return sum(self.width(a) for a in node.args) + commas + 2 * side

    def _slashed(self, node: E.Frac, depth: int) -> list[Token]:
        """A fraction too wide for a line as (numerator)/(denominator), which can break."""
        slash = Piece("/", 0.5)
        top = (
            self.group(node.num, depth)
            if E.precedence(node.num) < E.ATOM
            else self.tokens(node.num, depth)
        )
        bottom = (
            self.group(node.den, depth)
            if E.precedence(node.den) < E.ATOM or isinstance(node.den, E.Frac)
            else self.tokens(node.den, depth)
        )
        return [*top, slash, *bottom]


def joined(tokens: Sequence[Token]) -> str:
    """The tokens on one line, as LatexPrinter would print them."""
    return _spelled(list(tokens))


def fill(tokens: Sequence[Token], first: float, rest: float) -> list[str]:
    """The tokens cut into lines of LaTeX: the first at most `first` em wide, the others `rest`
    (filling.fill, with brackets paired on a line as \\left( \\right))."""
    return _fill(tokens, first, rest, _spelled)


def _spelled(line: list[Token]) -> str:
    """One line's LaTeX: gaps inline, brackets paired on the line as \\left( \\right)."""
    partner: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(line):
        if isinstance(token, Open):
            stack.append(index)
        elif isinstance(token, Close) and stack:
            partner[stack.pop()] = index
    paired = set(partner) | set(partner.values())
    pieces = []
    for index, token in enumerate(line):
        if isinstance(token, Piece):
            pieces.append(token.text)
        elif isinstance(token, Gap):
            pieces.append(token.inline)
        elif isinstance(token, Open):
            pieces.append(r"\left(" if index in paired else "(")
        else:
            pieces.append(r"\right)" if index in paired else ")")
    return "".join(pieces)
