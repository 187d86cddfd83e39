"""A reader of the LaTeX math symbp emits, written from the LaTeX alone (not from symbp's printer).

It reads as a person does, with the usual precedence: juxtaposition, \\cdot and \\times multiply;
a power binds tighter than a product, a product tighter than + and −; a leading minus negates
the term after it; \\left( \\right) and braces group. A name is a letter or \\delta, \\eta,
\\mathit{…}, with subscripts and a parenthesised superscript (w^{(1)}_{21}, L^{(1)}); any other
superscript is a power. \\frac{\\partial A}{\\partial B} is one Leibniz name, "∂A/∂B", and so is
a table cell's \\partial A/\\partial B.

Documents: `tex_fragments` finds the align* environments, \\( \\) and tikz $ $ math of a .tex
file, `markdown_fragments` the $$ aligned $$ and $ $ math of a .md file, and `align_rows` turns
an align* body into one source line per displayed equation (continuation lines joined, row tags
dropped).
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


# -- tokens ----------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<list>,\\\ )                                   # ",\ " separates a list of equations
    |(?P<space>\s+|\\quad|\\qquad|\\[,;:!\ ]|&|\\left(?=[(\[.])|\\right(?=[)\].]))
    |(?P<cmd>\\[A-Za-z]+|\\[_{}])
    |(?P<num>\d+(?:\.\d+)?)
    |(?P<letter>[A-Za-z])
    |(?P<sym>[{}()\[\]^_+\-=,<>'|/*.])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # list cmd num letter sym
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
        tokens.append(Token(kind, match.group()))
    return tokens


RELATIONS = {
    "=": "=",
    r"\leftarrow": "←",
    r"\to": "→",
    r"\rightarrow": "→",
    r"\approx": "≈",
    ">": ">",
    "<": "<",
    r"\le": "≤",
    r"\leq": "≤",
    r"\ge": "≥",
    r"\geq": "≥",
}
_GREEK = {
    r"\alpha",
    r"\beta",
    r"\gamma",
    r"\delta",
    r"\varepsilon",
    r"\epsilon",
    r"\eta",
    r"\theta",
    r"\kappa",
    r"\lambda",
    r"\mu",
    r"\tau",
    r"\varphi",
    r"\omega",
    r"\Delta",
}
#: commands that write a name: \mathit{vmax}, an accented letter \hat{m}, \tilde{g}
_NAME_COMMANDS = {r"\mathit", r"\hat", r"\tilde", r"\overline"}
_NAMED_FUNCTIONS = {
    r"\sigma": "sigma",
    r"\tanh": "tanh",
    r"\log": "log",
    r"\ln": "log",
    r"\exp": "exp",
    r"\max": "max",
    r"\Phi": "Phi",
    r"\phi": "phi",
}


# -- parsing -------------------------------------------------------------------------------------


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

    # chains -----------------------------------------------------------------------------------

    def chains(self) -> list[tuple[list[Node], list[str]]]:
        """Every equation of the fragment: a list `a = 1,\\ b = 2` gives two."""
        found: list[tuple[list[Node], list[str]]] = []
        members: list[Node] = [self.expression()]
        relations: list[str] = []
        while not self.at_end():
            token = self.next()
            if token.kind == "list":
                found.append((members, relations))
                members, relations = [self.expression()], []
            elif token.text in RELATIONS:
                relations.append(RELATIONS[token.text])
                members.append(self.expression())
            else:
                raise Unreadable(f"unexpected {token.text!r} after a formula")
        found.append((members, relations))
        return found

    # expressions -------------------------------------------------------------------------------

    def expression(self) -> Node:
        """A sum: terms joined by + and −; a leading sign applies to the first term."""
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
        """A product: factors side by side or joined by \\cdot, \\times; a / b (a fraction too
        wide for its line, written with a slash) divides, left to right like a product."""
        node = self.power()
        while True:
            text = self.peek_text()
            if text == "/":
                self.next()
                node = Binary("/", node, self.power())
            elif text in (r"\cdot", r"\times"):
                self.next()
                if self.peek_text() == "-":  # "a \times -b" reads as a × (−b)
                    self.next()
                    node = Binary("*", node, Neg(self.power()))
                else:
                    node = Binary("*", node, self.power())
            elif self.starts_factor():
                node = Binary("*", node, self.power())
            else:
                return node

    def starts_factor(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind in ("num", "letter"):
            return True
        if token.kind == "cmd":
            return token.text not in RELATIONS and token.text not in (r"\cdot", r"\times")
        return token.text in ("(", "{", "[")

    def power(self) -> Node:
        base = self.primary()
        if self.peek_text() == "^":
            self.next()
            return Binary("^", base, self.argument())
        return base

    def argument(self) -> Node:
        """A script or \\frac argument: a braced group, or one token."""
        if self.peek_text() == "{":
            return self.group()
        token = self.next()
        if token.kind == "num" and token.text.isdigit() and len(token.text) == 1:
            return Number(token.text)
        if token.kind == "letter":
            return Name(token.text)
        raise Unreadable(f"unexpected {token.text!r} as an argument")

    def group(self, open_: str = "{", close: str = "}") -> Node:
        self.expect(open_)
        node = self.expression()
        self.expect(close)
        return node

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise Unreadable("a formula is missing")
        text = token.text
        if token.kind == "num":
            self.next()
            return Number(text)
        if text == "(":
            return self.group("(", ")")
        if text == "[":
            return self.group("[", "]")
        if text == "{":
            return self.group()
        if text in (r"\frac", r"\tfrac", r"\dfrac"):
            return self.fraction()
        if text == r"\partial":  # a table cell's slashed Leibniz name, \partial L/\partial w
            self.next()
            of = self.name()
            self.expect("/")
            self.expect(r"\partial")
            return Name(f"∂{of}/∂{self.name()}")
        if text == r"\sqrt":
            self.next()
            return Function("sqrt", (self.group(),))
        if text == r"\pi":  # gelu's tanh form: √(2/π)
            self.next()
            return Number(repr(math.pi))
        if text in _NAMED_FUNCTIONS:
            return self.named_function()
        if text == r"\operatorname":
            return self.operator()
        if text == r"\mathbf":
            return self.indicator()
        if text == r"\sum":
            return self.sum()
        if text == r"\text":
            self.next()
            return Generic(r"\text{" + self.raw_group() + "}")
        if token.kind == "letter" and text == "e" and self.peek_text(1) == "^":
            self.next()
            self.next()
            return Function("exp", (self.argument(),))
        if token.kind == "letter" or text in _GREEK or text in _NAME_COMMANDS:
            return Name(self.name())
        raise Unreadable(f"unexpected {text!r}")

    # names ---------------------------------------------------------------------------------------

    def name(self) -> str:
        """A name's spelling: base, subscripts, a parenthesised superscript, primes."""
        token = self.next()
        spelling = token.text
        if token.text in _NAME_COMMANDS:
            spelling += "{" + self.raw_group() + "}"
        while True:
            text = self.peek_text()
            if text == "_":
                self.next()
                spelling += "_" + self.raw_script()
            elif text == "^" and self.peek_text(1) == "{" and self.peek_text(2) == "(":
                self.next()
                spelling += "^" + self.raw_script()
            elif text == "^" and self.peek_text(1) == "{" and self.peek_text(4) == "_":
                # a one-letter superscript with a subscript after it names (δ^{o}_{2}, the
                # output's δ): a power carries no subscript
                self.next()
                spelling += "^" + self.raw_script()
            elif text == "'":
                self.next()
                spelling += "'"
            else:
                return spelling

    def raw_script(self) -> str:
        if self.peek_text() == "{":
            return "{" + self.raw_group() + "}"
        return self.next().text

    def raw_group(self) -> str:
        """The tokens of a braced group, as written (without spaces)."""
        self.expect("{")
        depth, pieces = 1, list[str]()
        while True:
            token = self.next()
            if token.text == "{":
                depth += 1
            elif token.text == "}":
                depth -= 1
                if depth == 0:
                    return "".join(pieces)
            pieces.append(token.text)

    # constructs ------------------------------------------------------------------------------

    def fraction(self) -> Node:
        self.next()
        if self.peek_text() == "{" and self.peek_text(1) == r"\partial":
            self.expect("{")
            self.expect(r"\partial")
            of = self.name()
            self.expect("}")
            self.expect("{")
            self.expect(r"\partial")
            wrt = self.name()
            self.expect("}")
            return Name(f"∂{of}/∂{wrt}")
        numerator = self.argument()
        denominator = self.argument()
        return Binary("/", numerator, denominator)

    def arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        args = [self.expression()]
        while self.peek_text() == ",":
            self.next()
            args.append(self.expression())
        self.expect(")")
        return tuple(args)

    def named_function(self) -> Node:
        token = self.next()
        if self.peek_text() != "(":
            spelling = token.text
            while self.peek_text() == "'":
                self.next()
                spelling += "'"
            return Generic(spelling)  # σ on its own, σ′: a word in a sentence
        return Function(_NAMED_FUNCTIONS[token.text], self.arguments())

    def operator(self) -> Node:
        self.next()
        label = self.raw_group().replace(r"\_", "_")
        index: int | None = None
        generic = label not in FUNCTIONS
        if self.peek_text() == "_":
            self.next()
            script = self.raw_script().strip("{}")
            if script.isdigit():
                index = int(script)
            else:
                generic = True  # softmax_k: a rule, not a value
        primes = ""
        while self.peek_text() == "'":
            self.next()
            primes += "'"
        if self.peek_text() != "(":
            return Generic(label + primes)
        args = self.arguments()
        if generic or primes:
            return Generic(f"{label}{primes}(…)")
        return Function(label, args, index)

    def indicator(self) -> Node:
        self.next()
        if self.raw_group() != "1":
            raise Unreadable(r"\mathbf is only read as the indicator \mathbf{1}[…]")
        self.expect("[")
        left = self.expression()
        relation = self.next().text
        if relation not in RELATIONS or RELATIONS[relation] in ("←", "→", "≈"):
            raise Unreadable(f"{relation!r} in an indicator")
        right = self.expression()
        self.expect("]")
        return Indicator(left, RELATIONS[relation], right)

    def sum(self) -> Node:
        self.next()
        index = ""
        if self.peek_text() == "_":
            self.next()
            index = self.raw_script()
        self.term()  # Σ_k reaches over the product after it
        return Generic(r"\sum_" + index)


# -- fragments ---------------------------------------------------------------------------------


def read(source: str, where: str = "") -> list[Chain]:
    """The equations of a LaTeX fragment; [] when it has no relation (a name in prose).

    Raises Unreadable when a fragment with a relation cannot be read.
    """
    tokens = tokenize(source)
    if not any(t.text in RELATIONS or t.kind == "list" for t in tokens):
        return []
    if len(tokens) == 1:
        return []  # a lone arrow or sign set in math inside prose
    parser = _Parser(tokens)
    return [  # a list of names ("z_h1, z_h2") or an indicator alone is not an equation
        Chain(tuple(members), tuple(relations), source, where)
        for members, relations in parser.chains()
        if relations
    ]


def align_rows(body: str) -> list[str]:
    r"""One source line per displayed equation of an align* (or aligned) body.

    Rows are separated by \\ (or \\*, where no page may break). A row starting with &
    continues the equation above (stacked steps "&= …", a long sum "&\quad + …"); a row
    "tag &\quad chain" is a tagged equation whose tag (prose) is dropped; otherwise the & of
    "lhs &= …" is removed.
    """
    equations: list[str] = []
    for row in (r.strip() for r in re.split(r"\\\\\*?", body)):  # \\* keeps a page
        if not row:
            continue
        if row.startswith("&"):
            if not equations:
                raise Unreadable(f"a continuation row with nothing to continue: {row!r}")
            continuation = row[1:].strip()
            continuation = re.sub(r"^\\quad\s*", "", continuation)
            equations[-1] += " " + continuation
            continue
        tagged = re.search(r"&\\quad\s", row)
        equations.append(row[tagged.end() :] if tagged else row.replace("&", " ", 1))
    return equations


@dataclass(frozen=True)
class Fragment:
    kind: str  # "display" (one equation of an align*), "inline", "diagram"
    source: str


def tex_fragments(document: str) -> list[Fragment]:
    """The math of a .tex file: each align* equation, each \\( \\), each $ $ of a tikz picture."""
    fragments: list[Fragment] = []
    rest = document
    for body in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", document, flags=re.S):
        fragments += [Fragment("display", row) for row in align_rows(body)]
    rest = re.sub(r"\\begin\{align\*\}.*?\\end\{align\*\}", " ", document, flags=re.S)
    fragments += [Fragment("inline", m) for m in re.findall(r"\\\((.*?)\\\)", rest, flags=re.S)]
    for picture in re.findall(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", rest, flags=re.S):
        fragments += [Fragment("diagram", m) for m in re.findall(r"\$(.*?)\$", picture)]
    return fragments


def markdown_fragments(document: str) -> list[Fragment]:
    r"""The math of a .md file: each equation of a $$ aligned $$ block, each inline $ $."""
    fragments: list[Fragment] = []
    display = re.compile(r"\$\$(.*?)\$\$", flags=re.S)
    for block in display.findall(document):
        body = re.search(r"\\begin\{aligned\}(.*?)\\end\{aligned\}", block, flags=re.S)
        if body is None:
            fragments.append(Fragment("display", block.strip()))
        else:
            fragments += [Fragment("display", row) for row in align_rows(body.group(1))]
    prose = display.sub(" ", document)
    prose = re.sub(r"<svg.*?</svg>", " ", prose, flags=re.S)
    position, start = 0, -1
    while position < len(prose):
        char = prose[position]
        if char == "\\":  # an escaped character of prose (\$, \_, \*)
            position += 2
            continue
        if char == "$":
            if start < 0:
                start = position + 1
            else:
                fragments.append(Fragment("inline", prose[start:position]))
                start = -1
        position += 1
    if start >= 0:
        raise Unreadable(f"an unclosed $ in the Markdown: {prose[start - 1 : start + 60]!r}")
    return fragments
