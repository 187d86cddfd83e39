"""A reader of the plain-text math symbp prints, written from the text alone (not its printer).

Standard precedence: a power (h1², x^2, e^(…)) binds tighter than a product (·, ×, /, left to
right), a product tighter than + and −; a leading minus negates the term after it; ( ) and [ ]
group. There is no implicit product: "2(o1 − y1)" is not read. A name is a letter followed by
letters, digits and underscores, with an optional superscript in parentheses (w1_2_1, z_h1,
δ_h1, L⁽¹⁾); ∂A/∂B is one Leibniz name; 1[a > b] is the indicator; softmax_2(…) the second
softmax output; Σ_k … is a rule and has no value.

`equation_lines` turns the lines of a displayed block into one line per equation: a line that
starts with a relation (a stacked step), with "+ "/"- " (a long sum) or with "· "/"× "/"⊙ " (a
long product) continues the one above.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from tests.readback.tree import (
    FUNCTIONS,
    Binary,
    Chain,
    Function,
    Generic,
    Indicator,
    Name,
    Neg,
    Node,
    Number,
)


class Unreadable(ValueError):
    """The fragment is not a formula this reader understands."""


_LETTER = "A-Za-zα-ωΑ-Ω"
#: a letter may carry an accent (m̂, g̃: an optimizer's corrected moment, decayed gradient)
_ACCENTS = "\u0302\u0303\u0304"
#: a convolution's names carry a bracketed index: conv1_w[0,0,1,2], x[0,i+1,j+2]
_NAME = (
    rf"[{_LETTER}][{_ACCENTS}]?[{_LETTER}0-9_]*(?:⁽[⁰¹²³⁴⁵⁶⁷⁸⁹ⁿ]+⁾)?"
    rf"(?:\[[0-9a-z+−\-,]+\])?[′']*"
)
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
    |(?P<partial>∂(?P<of>{_NAME})/∂(?P<wrt>{_NAME}))
    |(?P<num>\d+(?:\.\d+)?(?:e[+-]?\d+)?)
    |(?P<name>{_NAME})
    |(?P<super>[⁻{_SUPERSCRIPT_DIGITS}]+)
    |(?P<sym>[−\-+·×/^()\[\],=←→≈<>≤≥])
    """,
    re.VERBOSE,
)
RELATIONS = ("=", "←", "→", "≈", "<", ">", "≤", "≥")
_SUPERSCRIPT_TEXT = str.maketrans(_SUPERSCRIPT_DIGITS + "⁻", "0123456789-")
_NAMED_FUNCTIONS = {"σ": "sigma", "Φ": "Phi", "φ": "phi"}


@dataclass(frozen=True)
class Token:
    kind: str  # partial num name super sym
    text: str


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise Unreadable(f"unexpected {source[position : position + 12]!r}")
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        if kind == "space":
            continue
        if kind == "partial":
            tokens.append(Token("partial", f"∂{match.group('of')}/∂{match.group('wrt')}"))
        else:
            text = match.group()
            tokens.append(Token(kind, "-" if text == "−" else text))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def peek_text(self, ahead: int = 0) -> str:
        token = self.peek(ahead)
        return token.text if token is not None else ""

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise Unreadable("the formula ends too early")
        self.position += 1
        return token

    def expect(self, text: str) -> None:
        token = self.next()
        if token.text != text:
            raise Unreadable(f"expected {text!r}, read {token.text!r}")

    def at_end(self) -> bool:
        return self.position >= len(self.tokens)

    def chains(self) -> list[tuple[list[Node], list[str]]]:
        """Every equation of the line: a list "x1 = 0.5, x2 = 0.3" gives two."""
        found: list[tuple[list[Node], list[str]]] = []
        members: list[Node] = [self.expression()]
        relations: list[str] = []
        while not self.at_end():
            token = self.next()
            if token.text == ",":
                found.append((members, relations))
                members, relations = [self.expression()], []
            elif token.text in RELATIONS:
                relations.append(token.text)
                members.append(self.expression())
            else:
                raise Unreadable(f"unexpected {token.text!r} after a formula")
        found.append((members, relations))
        return found

    def expression(self) -> Node:
        node = self.signed_term()
        while self.peek_text() in ("+", "-"):
            op = self.next().text
            node = Binary(op, node, self.signed_term())
        return node

    def signed_term(self) -> Node:
        if self.peek_text() == "-":
            self.next()
            return Neg(self.term())
        if self.peek_text() == "+":
            self.next()
        return self.term()

    def term(self) -> Node:
        node = self.power()
        while self.peek_text() in ("·", "×", "/"):
            op = "/" if self.next().text == "/" else "*"
            if self.peek_text() == "-":  # "a × -b" reads as a × (−b)
                self.next()
                node = Binary(op, node, Neg(self.power()))
            else:
                node = Binary(op, node, self.power())
        return node

    def power(self) -> Node:
        base = self.primary()
        token = self.peek()
        if token is not None and token.kind == "super":
            self.next()
            return Binary("^", base, Number(token.text.translate(_SUPERSCRIPT_TEXT)))
        if token is not None and token.text == "^":
            self.next()
            if self.peek_text() == "-":
                self.next()
                return Binary("^", base, Neg(self.primary()))
            return Binary("^", base, self.primary())
        return base

    def primary(self) -> Node:
        token = self.next()
        if token.kind == "num":
            if token.text == "1" and self.peek_text() == "[":
                return self.indicator()
            return Number(token.text)
        if token.kind == "partial":
            return Name(token.text)
        if token.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        if token.text == "[":
            node = self.expression()
            self.expect("]")
            return node
        if token.kind == "name":
            return self.named(token.text)
        raise Unreadable(f"unexpected {token.text!r}")

    def named(self, text: str) -> Node:
        if text.startswith("Σ"):
            self.term()  # Σ_k reaches over the product after it
            return Generic(text)
        if text == "π":  # gelu's tanh form: √(2/π)
            return Number(repr(math.pi))
        if self.peek_text() != "(":
            return Name(text)
        function, index = _NAMED_FUNCTIONS.get(text, text), None
        softmax = re.fullmatch(r"softmax_(\d+)", text)
        if softmax:
            function, index = "softmax", int(softmax.group(1))
        args = self.arguments()
        if function not in FUNCTIONS:
            return Generic(f"{text}(…)")
        return Function(function, args, index)

    def arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        args = [self.expression()]
        while self.peek_text() == ",":
            self.next()
            args.append(self.expression())
        self.expect(")")
        return tuple(args)

    def indicator(self) -> Node:
        self.expect("[")
        left = self.expression()
        relation = self.next().text
        if relation not in ("<", ">", "≤", "≥", "="):
            raise Unreadable(f"{relation!r} in an indicator")
        right = self.expression()
        self.expect("]")
        return Indicator(left, relation, right)


def read(source: str, where: str = "") -> list[Chain]:
    """The equations of a line of text math; [] when it has no relation."""
    tokens = tokenize(source)
    if not any(t.text in RELATIONS for t in tokens):
        return []
    if len(tokens) == 1:
        return []
    parser = _Parser(tokens)
    return [  # a list of names ("z_h1, z_h2") or an indicator alone is not an equation
        Chain(tuple(members), tuple(relations), source, where)
        for members, relations in parser.chains()
        if relations
    ]


def equation_lines(lines: list[str]) -> list[str]:
    """One line per displayed equation: stacked steps and long sums joined to their equation."""
    equations: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        continues = stripped[:1] in RELATIONS or stripped[:2] in (
            "+ ",
            "- ",
            "− ",
            "· ",
            "× ",
            "⊙ ",
        )
        if continues and stripped[1:2] == " ":
            if not equations:
                raise Unreadable(f"a continuation line with nothing to continue: {line!r}")
            equations[-1] += " " + stripped
        else:
            equations.append(stripped)
    return equations
