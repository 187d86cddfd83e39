"""The mathematics a reader sees, as a small expression tree: what is written, in which order.

sympy keeps expressions in its canonical order (terms sorted by name, products by class), which
is right for algebra and wrong for a reader: `b + w10·x3 + w2·x1` reads backwards. symbp turns
each formula it shows into this tree once, with terms in the network's order (by source unit,
weights before activations), and every format prints the same tree: LaTeX (and MathML from
it) and plain text. Where brackets go is decided here, by precedence, once for every format, so
that no format can print a formula that reads differently from its value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from symbp.core import functions
from symbp.core.operations import ABS, EXP, LOG, MAX, MIN, SOFTMAX, activation_info
from symbp.errors import SymbpError


@dataclass(frozen=True)
class Name:
    """How a quantity's name is written: a base (letter or word), a subscript, a superscript.

    `plain` is the name a person types (w1, z_h1, δ_h1, w1_2_1); the text format prints it.
    """

    base: str
    sub: str | Name | None = None
    sup: str | None = None
    plain: str = ""

    def __str__(self) -> str:
        return self.plain or self.base


# -- nodes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sym:
    """A named quantity; `key` is what its value is looked up by (a sympy symbol)."""

    name: Name
    key: object = None


@dataclass(frozen=True)
class Num:
    """A number as shown: its value and its digits ("0.4769", "-0.07", "1.234e-07")."""

    value: float
    text: str

    @property
    def negative(self) -> bool:
        return self.text.startswith("-")


@dataclass(frozen=True)
class Add:
    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class Mul:
    factors: tuple[Node, ...]


@dataclass(frozen=True)
class Frac:
    num: Node
    den: Node


@dataclass(frozen=True)
class Pow:
    base: Node
    exp: Node


#: the display name of each elementwise activation's sympy function (σ for sigmoid)
_CALLS: dict[type, str] = {
    entry.function: entry.display or activation_info(entry.name).call_name
    for entry in functions.ALL_ENTRIES
    if entry.elementwise and entry.function is not None
}


def _root_two_over_pi() -> Node:
    return Call("sqrt", (Frac(Num(2.0, "2"), Sym(Name("π", plain="π"))),))


def _times_root(coefficient: float) -> Node:
    return Mul((Num(coefficient, f"{coefficient:g}"), _root_two_over_pi()))


#: constants of the table's functions shown as they are written, not as their float64 values:
#: gelu's tanh form has √(2/π) and 0.044715 (and sympy's products of the two)
_NAMED_CONSTANTS: tuple[tuple[float, Callable[[], Node]], ...] = (
    (functions.GELU_BETA, _root_two_over_pi),
    (functions.GELU_BETA * functions.GELU_KAPPA, lambda: _times_root(functions.GELU_KAPPA)),
    (functions.GELU_BETA * 3 * functions.GELU_KAPPA, lambda: _times_root(3 * functions.GELU_KAPPA)),
)


def _named_constant(value: float) -> Node | None:
    for constant, node in _NAMED_CONSTANTS:
        if math.isclose(value, constant, rel_tol=1e-15, abs_tol=0.0):
            return node()
    return None


@dataclass(frozen=True)
class Call:
    """f(args): σ(z), tanh(z), e^z, log(o), softmax_k(z1, …, zK), leaky_relu(z)."""

    function: str
    args: tuple[Node, ...]
    index: int | None = None  # softmax's k (1-based)
    prime: bool = False  # the function's derivative: σ′(z⁽¹⁾), f′(z)


@dataclass(frozen=True)
class Indicator:
    """1[left relation right]: 1 where the condition holds, else 0 (relu′)."""

    left: Node
    relation: str  # ">", "<", "≤", "≥", "="
    right: Node


@dataclass(frozen=True)
class Partial:
    """∂of/∂wrt as a name of a value (a Leibniz symbol)."""

    of: Name
    wrt: Name
    key: object = None


@dataclass(frozen=True)
class Sum:
    """Σ_index body, for general rules (δ_j = (Σ_k δ_k w_jk)·f′(z_j)), never evaluated."""

    index: str
    body: Node


@dataclass(frozen=True)
class Matrix:
    """A matrix written out, row by row; a column vector has one entry per row, a row vector
    one row. Entries are any nodes: numbers, names (w1, ∂L/∂o1) or formulas (o1(1 − o1))."""

    rows: tuple[tuple[Node, ...], ...]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0]) if self.rows else 0


@dataclass(frozen=True)
class Transpose:
    """argᵀ: (W⁽²⁾)ᵀ, (a⁽⁰⁾)ᵀ."""

    arg: Node


@dataclass(frozen=True)
class Grad:
    """∇_wrt of: the gradient of a scalar (the loss) with respect to a vector, ∇_{a⁽²⁾}L."""

    of: Name
    wrt: Name


@dataclass(frozen=True)
class Hadamard:
    """The elementwise product a ⊙ b ⊙ …; a matrix product binds tighter: Wᵀδ ⊙ f′(z)."""

    factors: tuple[Node, ...]


Node = (
    Sym
    | Num
    | Add
    | Neg
    | Mul
    | Frac
    | Pow
    | Call
    | Indicator
    | Partial
    | Sum
    | Matrix
    | Transpose
    | Hadamard
    | Grad
)


@dataclass(frozen=True)
class Step:
    """One link of a chain: "= formula", "← new value", "≈ value".

    `split`: the member is a long sum written one term per line (the path-by-path chain rule).
    """

    relation: str
    expr: Node
    split: bool = False


@dataclass(frozen=True)
class Chain:
    """A displayed equation: lhs = formula = numbers = value (any number of steps)."""

    lhs: Node
    steps: tuple[Step, ...]

    @property
    def members(self) -> tuple[Node, ...]:
        return (self.lhs, *(step.expr for step in self.steps))


def equals(lhs: Node, *members: Node) -> Chain:
    """lhs = m1 = m2 = …"""
    return Chain(lhs, tuple(Step("=", member) for member in members))


# -- precedence: where brackets are needed, decided once for every format ------------------------

ATOM, POWER, PRODUCT, NEGATION, HADAMARD, SUM = 50, 40, 30, 25, 20, 10


def precedence(node: Node) -> int:
    if isinstance(node, Add):
        return SUM if len(node.terms) > 1 else precedence(node.terms[0])
    if isinstance(node, Neg):
        return NEGATION
    if isinstance(node, Num):
        return NEGATION if node.negative else ATOM
    if isinstance(node, Mul):
        return PRODUCT
    if isinstance(node, Pow):
        return POWER
    if isinstance(node, Sum):
        return PRODUCT
    if isinstance(node, Transpose):
        return POWER
    if isinstance(node, Hadamard):
        return HADAMARD
    return ATOM  # symbols, partials, calls, indicators, matrices; Frac is decided by each format


def bracket_factor(node: Node) -> bool:
    """A factor of a product needs brackets: a sum, a negation, a negative number."""
    return precedence(node) < PRODUCT


def bracket_base(node: Node) -> bool:
    """The base of a power needs brackets unless it is a single symbol, number or call."""
    return precedence(node) < ATOM or isinstance(node, Frac | Partial)


def bracket_transposed(node: Node) -> bool:
    """Xᵀ needs brackets around X unless X is a matrix written out or a plain name: (W⁽²⁾)ᵀ,
    whose superscript would otherwise collide with the ᵀ."""
    if isinstance(node, Matrix):
        return False
    return not (isinstance(node, Sym) and node.name.sup is None)


def bracket_hadamard(node: Node) -> bool:
    """An operand of ⊙ needs brackets when it is a sum (or another ⊙, kept apart)."""
    return precedence(node) <= HADAMARD


def bracket_negated(node: Node) -> bool:
    """−x needs brackets around x when x is a sum, a negation or a negative number."""
    return precedence(node) <= NEGATION


def bracket_term(node: Node, first: bool) -> bool:
    """A term of a sum needs brackets when it is itself a sum, or a negative number after the
    first term (written "+ (−0.07)", never "+ −0.07")."""
    if isinstance(node, Add) and len(node.terms) > 1:
        return True
    return not first and isinstance(node, Num) and node.negative


def numeric(node: Node) -> bool:
    """Numbers only, no names (a product of such factors is written with ×)."""
    if isinstance(node, Num):
        return True
    if isinstance(node, Neg):
        return numeric(node.arg)
    if isinstance(node, Add):
        return all(numeric(t) for t in node.terms)
    if isinstance(node, Mul):
        return all(numeric(f) for f in node.factors)
    if isinstance(node, Frac):
        return numeric(node.num) and numeric(node.den)
    if isinstance(node, Pow):
        return numeric(node.base) and numeric(node.exp)
    if isinstance(node, Indicator):
        return numeric(node.left) and numeric(node.right)
    return False


def factors(node: Mul) -> list[Node]:
    """A product's factors with nested products opened (multiplication is associative)."""
    flat: list[Node] = []
    for factor in node.factors:
        flat.extend(factors(factor) if isinstance(factor, Mul) else (factor,))
    return flat


# -- from sympy, in the network's order ----------------------------------------------------------

Rank = tuple[float, ...]
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")


@dataclass(frozen=True)
class Converter:
    """Turns sympy expressions into display trees.

    `names` gives each symbol its written name; `rank` its place in the network's order:
    a sum's terms are ordered by the smallest ranks of their symbols (so z_h1 = w1·x1 + w3·x2
    + b, by source unit, bias last); a product's factors by kind: numbers, δ, weights and
    biases, then units' values, then compound factors.
    """

    names: Mapping[sp.Symbol, Name]
    rank: Mapping[sp.Symbol, Rank]
    kind: Mapping[sp.Symbol, int]
    number: Callable[[float], Num]
    #: where softmax's k counts from: 1 as a dense layer's units, 0 as torch's (an RNN's)
    index_base: int = 1

    def __call__(self, expr: sp.Basic) -> Node:
        return self.convert(expr)

    def convert(self, expr: sp.Basic) -> Node:
        if isinstance(expr, sp.Symbol):
            return Sym(self.names[expr], expr)
        if isinstance(expr, sp.Rational) and not isinstance(expr, sp.Integer):
            node: Node = Frac(self._integer(abs(expr.p)), self._integer(expr.q))
            return Neg(node) if expr.p < 0 else node
        if expr.is_Number:
            value = float(expr)
            shown = _named_constant(abs(value)) or self.number(abs(value))
            return Neg(shown) if value < 0 else shown
        if isinstance(expr, sp.Add):
            return self._add(expr)
        if isinstance(expr, sp.Mul):
            return self._mul(expr)
        if isinstance(expr, sp.Pow):
            return self._pow(expr)
        return self._function(expr)

    def _integer(self, value: int) -> Num:
        return Num(float(value), str(value))

    def _add(self, expr: sp.Add) -> Node:
        terms = sorted(expr.args, key=self._term_key)
        return Add(tuple(self.convert(term) for term in terms))

    def _mul(self, expr: sp.Mul) -> Node:
        coefficient, rest = expr.as_coeff_mul()
        negative = coefficient < 0
        coefficient = abs(coefficient)
        numerator: list[sp.Basic] = []
        denominator: list[sp.Basic] = []
        for factor in rest:
            base, exponent = factor.as_base_exp()
            if exponent.is_Number and exponent < 0:
                denominator.append(base if exponent == -1 else sp.Pow(base, -exponent))
            else:
                numerator.append(factor)
        top = [self.convert(f) for f in sorted(numerator, key=self._factor_key)]
        if coefficient != 1:
            # a rational coefficient leads as a fraction: ½(o − y)², (2/3)(o − y)
            top.insert(0, self.convert(coefficient))
        node: Node = _product(top) if top else self._integer(1)
        if denominator:
            bottom = [self.convert(f) for f in sorted(denominator, key=self._factor_key)]
            node = Frac(node, _product(bottom))
        return Neg(node) if negative else node

    def _pow(self, expr: sp.Pow) -> Node:
        base, exponent = expr.args
        if exponent == sp.Rational(1, 2):
            return Call("sqrt", (self.convert(base),))
        if exponent.is_Number and exponent < 0:
            positive = base if exponent == -1 else sp.Pow(base, -exponent)
            return Frac(self._integer(1), self.convert(positive))
        return Pow(self.convert(base), self.convert(exponent))

    def _function(self, expr: sp.Basic) -> Node:
        if not all(isinstance(arg, sp.Expr) for arg in expr.args):
            raise SymbpError(
                f"a formula holds {type(expr).__name__[:40]!r}, which symbp cannot display"
            )
        args = tuple(self.convert(arg) for arg in expr.args)
        for function, name in _CALLS.items():
            if isinstance(expr, function):
                return Call(name, args)
        if isinstance(expr, sp.exp):
            return Call(EXP.name, args)
        if isinstance(expr, sp.log):
            return Call(LOG.name, args)
        if isinstance(expr, functions.logsumexp):
            return Call("logsumexp", args)
        if isinstance(expr, functions.softmax):
            return Call(SOFTMAX.name, args[1:], index=int(expr.args[0]) + self.index_base)
        for function, entry in ((sp.Max, MAX), (sp.Min, MIN), (sp.Abs, ABS)):
            if isinstance(expr, function):
                return Call(entry.name, args)
        if isinstance(expr, sp.sign):
            return Call("sign", args)
        if isinstance(expr, sp.Heaviside):
            # Heaviside(z, 0): 1 for z > 0, 0 for z ≤ 0 (torch's relu′(0) = 0)
            return Indicator(args[0], ">", self._integer(0))
        name = type(expr).__name__
        if isinstance(expr, sp.Function) and _PLAIN_NAME.fullmatch(name):
            # any other sympy function a formula can simplify to (re, floor, …): written by
            # its sympy name, f(args), rather than failing the whole document
            return Call(name.lower(), args)
        raise SymbpError(f"a formula holds {name[:40]!r}, which symbp cannot display")

    # ordering ---------------------------------------------------------------------------------

    def _ranks(self, expr: sp.Basic) -> tuple[Rank, ...]:
        symbols = [s for s in expr.free_symbols if isinstance(s, sp.Symbol)]
        return tuple(sorted(self.rank.get(s, (math.inf,)) for s in symbols))

    def _term_key(self, term: sp.Basic) -> tuple[object, ...]:
        ranks = self._ranks(term)
        # a constant term (the 1 of 1 − o) first, then by the network's order
        return (0 if not ranks else 1, ranks, sp.default_sort_key(term))

    def _factor_key(self, factor: sp.Basic) -> tuple[object, ...]:
        if factor.is_Number:
            kind = 0
        elif isinstance(factor, sp.Symbol):
            kind = self.kind.get(factor, 3)
        else:
            kind = 4  # compound: a sum, a power, a function
        return (kind, self._ranks(factor), sp.default_sort_key(factor))


def _product(factors: list[Node]) -> Node:
    return factors[0] if len(factors) == 1 else Mul(tuple(factors))


# -- building and rewriting ----------------------------------------------------------------------


def product(*factors: Node) -> Node:
    """factors multiplied, flattening nested products; one factor is itself."""
    flat: list[Node] = []
    for factor in factors:
        flat.extend(factor.factors if isinstance(factor, Mul) else (factor,))
    return _product(flat)


def total(*terms: Node) -> Node:
    """terms added, flattening nested sums; one term is itself."""
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, Add) else (term,))
    return flat[0] if len(flat) == 1 else Add(tuple(flat))


def substitute(node: Node, value_of: Callable[[Sym | Partial], Node | None]) -> Node:
    """The same tree with every symbol (and Leibniz symbol) that has a replacement (its value,
    or another name) replaced by it."""

    def walk(item: Node) -> Node:
        if isinstance(item, Sym | Partial):
            replacement = value_of(item)
            return item if replacement is None else replacement
        if isinstance(item, Add):
            return Add(tuple(walk(t) for t in item.terms))
        if isinstance(item, Neg):
            return Neg(walk(item.arg))
        if isinstance(item, Mul):
            return Mul(tuple(walk(f) for f in item.factors))
        if isinstance(item, Frac):
            return Frac(walk(item.num), walk(item.den))
        if isinstance(item, Pow):
            return Pow(walk(item.base), walk(item.exp))
        if isinstance(item, Call):
            return Call(item.function, tuple(walk(a) for a in item.args), item.index, item.prime)
        if isinstance(item, Indicator):
            return Indicator(walk(item.left), item.relation, walk(item.right))
        if isinstance(item, Matrix):
            return Matrix(tuple(tuple(walk(e) for e in row) for row in item.rows))
        if isinstance(item, Transpose):
            return Transpose(walk(item.arg))
        if isinstance(item, Hadamard):
            return Hadamard(tuple(walk(f) for f in item.factors))
        return item

    return walk(node)


def size(node: Node) -> int:
    """How many nodes the tree has (to decide whether it is still printable)."""
    if isinstance(node, Add):
        return 1 + sum(size(t) for t in node.terms)
    if isinstance(node, Mul):
        return 1 + sum(size(f) for f in node.factors)
    if isinstance(node, Neg):
        return 1 + size(node.arg)
    if isinstance(node, Frac):
        return 1 + size(node.num) + size(node.den)
    if isinstance(node, Pow):
        return 1 + size(node.base) + size(node.exp)
    if isinstance(node, Call):
        return 1 + sum(size(a) for a in node.args)
    if isinstance(node, Indicator):
        return 1 + size(node.left) + size(node.right)
    if isinstance(node, Sum):
        return 1 + size(node.body)
    if isinstance(node, Matrix):
        return 1 + sum(size(e) for row in node.rows for e in row)
    if isinstance(node, Transpose):
        return 1 + size(node.arg)
    if isinstance(node, Hadamard):
        return 1 + sum(size(f) for f in node.factors)
    return 1


def has_matrix(node: Node) -> bool:
    """Whether a matrix is written out anywhere in the tree (it then needs more than one line
    of plain text)."""
    if isinstance(node, Matrix):
        return True
    if isinstance(node, Add):
        return any(has_matrix(t) for t in node.terms)
    if isinstance(node, Mul):
        return any(has_matrix(f) for f in node.factors)
    if isinstance(node, Hadamard):
        return any(has_matrix(f) for f in node.factors)
    if isinstance(node, Neg | Transpose):
        return has_matrix(node.arg)
    if isinstance(node, Frac):
        return has_matrix(node.num) or has_matrix(node.den)
    if isinstance(node, Pow):
        return has_matrix(node.base) or has_matrix(node.exp)
    if isinstance(node, Call):
        return any(has_matrix(a) for a in node.args)
    return False
