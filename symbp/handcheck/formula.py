"""A safe reader for the formulas students write: arithmetic, known names, numbers, a few functions.

The text is tokenized and parsed by a small Pratt parser that builds sympy objects directly.
Nothing the student typed ever reaches eval, exec, sympify or parse_expr: a name is either one
the caller's resolver knows or an error, and there is no syntax for strings, attributes,
subscripts, lambdas or calls of anything but the listed functions. Sizes are bounded before any
arithmetic happens, and a power's exponent must be a small constant, because sympy evaluates
Integer**Integer eagerly (9**9**9**9 would never finish).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from symbp.core.functions import SYMPY_FUNCTIONS
from symbp.core.operations import SPELLINGS, TANH
from symbp.errors import FormulaError
from symbp.limits import (  # noqa: F401 - the reader's bounds, re-exported for its users
    MAX_DEGREE,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_FORMULA_CHARS,
    MAX_NUMBER_CHARS,
    MAX_NUMBER_EXPONENT,
    MAX_RESULT_DIGITS,
    MAX_TOKENS,
)

#: Resolves a name the student wrote (h1, δ_o1, dL/dw5, w5') to a sympy expression, or None.
Resolver = Callable[[str], "sp.Expr | None"]

FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    **{spelling: SYMPY_FUNCTIONS[name] for spelling, name in SPELLINGS.items()},
    "sqrt": sp.sqrt,
    # written by its name in an RNN's h_t = tanh(…) (kept out of SPELLINGS, whose words the
    # self-check page embeds)
    TANH.name: sp.tanh,
}

_OPERATORS = {
    "**": "^",
    "^": "^",
    "+": "+",
    "-": "-",
    "−": "-",
    "*": "*",
    "·": "*",
    "⋅": "*",
    "×": "*",
    "/": "/",
    "÷": "/",
    "(": "(",
    ")": ")",
    "²": "²",
    "³": "³",
}

# A gradient name such as dL/dw5 or ∂L/∂w5 holds a slash, and a sample's L(2) or dL(2)/dw5 a
# bracket, so they are matched before the operators.
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<sample>[d∂]?L(?:\([\d¹²³]{1,3}\)|⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}⁾)(?:/[d∂][A-Za-z][A-Za-z0-9_]*)?)
  | (?P<gradient>[d∂]L/[d∂][A-Za-z][A-Za-z0-9_]*)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_α-ωΑ-Ω][A-Za-z0-9_α-ωΑ-Ω]*'?)
  | (?P<operator>\*\*|[-+*/^()−·⋅×÷²³])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op", "end"
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """The tokens of a formula; anything else (quotes, dots, brackets, commas ...) is refused."""
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError(f"formula is longer than {MAX_FORMULA_CHARS} characters")
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise FormulaError(
                f"unexpected character {text[position]!r} at position {position + 1} in formula "
                "(only numbers, names, + − * / ^ ( ) and exp, σ, ln, sqrt are allowed)"
            )
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            if kind == "operator":
                tokens.append(Token("op", _OPERATORS[match.group()], position))
            elif kind in ("gradient", "sample"):
                tokens.append(Token("name", match.group(), position))
            else:
                tokens.append(Token(kind, match.group(), position))
            if len(tokens) > MAX_TOKENS:
                raise FormulaError(f"formula has more than {MAX_TOKENS} tokens")
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# Binding powers: + − < * / < unary minus < ^ (right-associative) < postfix ² ³.
_INFIX = {"+": 10, "-": 10, "*": 20, "/": 20, "^": 40}
_PREFIX_MINUS = 30
_POSTFIX = {"²": 2, "³": 3}


@dataclass(frozen=True)
class Literal:
    """A decimal number written in a formula: its exact value and half a unit in its last
    written place (0.0616: ±0.00005), the precision the student worked to."""

    value: sp.Rational
    half_unit: float


@dataclass(frozen=True)
class ParsedFormula:
    """A formula as read: exact (0.5 is ½), and with each written decimal as a symbol of its own
    so that it can be judged at the precision of those decimals."""

    expr: sp.Expr
    with_literals: sp.Expr
    literals: dict[sp.Symbol, Literal]


class _Parser:
    def __init__(self, tokens: list[Token], resolve: Resolver) -> None:
        self.tokens = tokens
        self.index = 0
        self.resolve = resolve
        self.depth = 0
        self.literals: dict[sp.Symbol, Literal] = {}
        self.exact: dict[sp.Symbol, sp.Rational] = {}

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.kind != "op" or token.text != text:
            raise FormulaError(f"expected {text!r} at position {token.position + 1} in formula")

    def expression(self, min_power: int = 0) -> sp.Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested more than {MAX_DEPTH} levels deep")
        left = self.prefix()
        while True:
            token = self.peek()
            if token.kind == "op" and token.text in _POSTFIX:
                self.take()
                left = left ** _POSTFIX[token.text]
                continue
            if token.kind != "op" or token.text not in _INFIX:
                break
            power = _INFIX[token.text]
            if power <= min_power:
                break
            self.take()
            if token.text == "^":
                left = self.power(left, token)
                continue
            right = self.expression(power)
            if token.text == "+":
                left = left + right
            elif token.text == "-":
                left = left - right
            elif token.text == "*":
                left = left * right
            else:
                if right == 0 or right.xreplace(self.exact) == 0:
                    raise FormulaError("formula divides by zero")
                left = left / right
            _defined(left)
        self.depth -= 1
        return left

    def power(self, base: sp.Expr, token: Token) -> sp.Expr:
        exponent = self.expression(_INFIX["^"] - 1).xreplace(self.exact)  # right-associative
        if base == sp.E:
            return _defined(sp.exp(exponent))
        if not exponent.is_Number or not abs(exponent) <= MAX_EXPONENT:
            raise FormulaError(
                f"the exponent at position {token.position + 1} must be a constant between "
                f"-{MAX_EXPONENT} and {MAX_EXPONENT} (write exp(...) for e to a power)"
            )
        exact_base = base.xreplace(self.exact)
        if exact_base == 0 and exponent <= 0:
            raise FormulaError("formula raises zero to a non-positive power")
        if isinstance(exact_base, sp.Rational):
            digits = max(len(str(abs(exact_base.p))), len(str(exact_base.q)))
            if digits * abs(exponent) > MAX_RESULT_DIGITS:
                raise FormulaError(f"the power at position {token.position + 1} is too large")
        result = _defined(sp.Pow(base, exponent))
        # (x^10)^10 is x^100: sympy combines integer powers, and the degree must stay small
        if isinstance(result, sp.Pow) and result.exp.is_Number and abs(result.exp) > MAX_DEGREE:
            raise FormulaError(f"the power at position {token.position + 1} is too high")
        return result

    def prefix(self) -> sp.Expr:
        token = self.take()
        if token.kind == "number":
            value = _number(token.text)
            half_unit = _half_unit(token.text)
            if half_unit == 0:
                return value
            # named by its text, so that the formula prints as the student wrote it (no
            # network name starts with a digit)
            literal = sp.Symbol(token.text, real=True)
            self.literals[literal] = Literal(value, half_unit)
            self.exact[literal] = value
            return literal
        if token.kind == "op" and token.text == "-":
            return -self.expression(_PREFIX_MINUS)
        if token.kind == "op" and token.text == "+":
            return self.expression(_PREFIX_MINUS)
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "name":
            return self.name(token)
        if token.kind == "end":
            raise FormulaError("formula ends too early")
        raise FormulaError(f"unexpected {token.text!r} at position {token.position + 1} in formula")

    def name(self, token: Token) -> sp.Expr:
        following = self.peek()
        if following.kind == "op" and following.text == "(":
            function = FUNCTIONS.get(token.text)
            if function is None:
                raise FormulaError(
                    f"unknown function {token.text!r} in formula (known: "
                    f"{', '.join(sorted(FUNCTIONS))})"
                )
            self.take()
            argument = self.expression()
            self.expect(")")
            return _defined(function(argument))
        if token.text == "e":
            return sp.E
        resolved = self.resolve(token.text)
        if resolved is None:
            raise FormulaError(f"unknown name {token.text!r} in formula")
        return resolved


def _defined(expr: sp.Expr) -> sp.Expr:
    """`expr`, unless it is undefined or infinite (ln(0), 0·ln(0)): sympy writes those zoo, nan."""
    if expr.has(sp.S.ComplexInfinity, sp.S.NaN, sp.S.Infinity, sp.S.NegativeInfinity):
        raise FormulaError("formula is undefined (a division by zero or the logarithm of 0)")
    return expr


def _number(text: str) -> sp.Rational:
    if len(text) > MAX_NUMBER_CHARS:
        raise FormulaError(f"number {text[:20]}... in formula is longer than {MAX_NUMBER_CHARS}")
    mantissa, _, exponent = text.lower().partition("e")
    # 1e99999999 would build a hundred-million-digit integer before any size check
    if exponent and abs(int(exponent)) > MAX_NUMBER_EXPONENT:
        raise FormulaError(f"number {text} in formula is out of range")
    value = Fraction(text)  # exact: 0.5 is 1/2, so ½ and 0.5 compare equal
    if abs(value) > 10**15:
        raise FormulaError(f"number {text} in formula is too large")
    return sp.Rational(value.numerator, value.denominator)


def _half_unit(text: str) -> float:
    """Half a unit in the last written place of a decimal with a significant digit (0.0616:
    0.00005); 0 for an exact number (an integer, 0.0, 1e3)."""
    mantissa, _, exponent = text.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    decimals = len(fraction) - (int(exponent) if exponent else 0)
    if decimals <= 0 or not any(c in "123456789" for c in whole + fraction):
        return 0.0
    return 0.5 * 10.0 ** (-decimals)


def read_formula(text: str, resolve: Resolver) -> ParsedFormula:
    """A formula, read: FormulaError for anything but numbers, known names, + − * / ^ ( ) and
    the listed functions, or for sizes beyond the limits."""
    tokens = tokenize(text)
    parser = _Parser(tokens, resolve)
    with_literals = parser.expression()
    token = parser.peek()
    if token.kind != "end":
        raise FormulaError(
            f"unexpected {token.text!r} at position {token.position + 1} in formula "
            "(is an operator missing?)"
        )
    expr = _defined(with_literals.xreplace(parser.exact))
    return ParsedFormula(expr, with_literals, parser.literals)


def parse_formula(text: str, resolve: Resolver) -> sp.Expr:
    """The sympy expression of a formula, built from the resolver's symbols; FormulaError if not."""
    return read_formula(text, resolve).expr
