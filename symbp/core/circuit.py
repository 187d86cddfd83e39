"""A computational graph of any expression (a CS231n circuit, micrograd's example), read safely.

The expression is written as CS231n stages it, one assignment a line (or separated by `;`):

    q = x + y
    f = q * z

with + − * / ** (unary minus too) and calls of the table's functions (exp, log, tanh,
sigmoid, relu, max(a, b), min(a, b), abs, …). A name may be assigned again (micrograd's
`c += c + 1`, written so or as `c = c + c + 1`): each assignment is a new node, shown as
c₂, c₃. The objective is the last name assigned. Every operator and call becomes one gate
of the general graph (symbp.core.opgraph), with the table entry it applies.

The text is read by the small tokenizer and precedence-climbing parser here; nothing is ever
evaluated as code. Each statement obeys the size, depth and number limits of check-hand's
formula reader (symbp.handcheck.formula), and the whole expression a statement and gate count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import sympy as sp

from symbp.core.operations import (
    ACTIVATIONS,
    ARITHMETIC,
    IDENTITY,
    NEGATE,
    POWER,
    Operation,
    unknown_name,
)
from symbp.core.opgraph import INPUT, Graph, GraphBuilder, Sweep, operation, sweep
from symbp.errors import SymbpError
from symbp.limits import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_FORMULA_CHARS,
    MAX_NUMBER_CHARS,
    MAX_NUMBER_EXPONENT,
    MAX_TOKENS,
)

__all__ = [
    "Circuit",
    "CircuitDerivation",
    "CircuitError",
    "Gate",
    "derive_circuit",
    "load_circuit_spec",
    "read_circuit",
]

#: statements and gates of one expression (a 30-gate circuit is the largest a page draws well)
MAX_STATEMENTS = 100
MAX_GATES = 200
#: the expression's whole text, and a circuit spec file
MAX_EXPRESSION_CHARS = MAX_STATEMENTS * 80
#: a value given for an input (as the formula reader bounds a written number)
MAX_VALUE = 1e15


class CircuitError(SymbpError):
    """An expression or its values that cannot be used, for the reason in the message."""


#: operators between operands, by how an expression writes them (^ is **)
_BINARY: dict[str, Operation] = {op.infix: op for op in ARITHMETIC if op.infix and op.arity == 2}
#: functions an expression may call: every table operation that is not an operator, has a
#: torch counterpart (so that it can be checked), and acts on one value (or two: max, min)
CALLABLE: dict[str, Operation] = {
    op.name: op
    for op in (*ARITHMETIC, *ACTIVATIONS)
    if not op.infix and op.torch_function and op.elementwise and op is not NEGATE
}
# binding powers: + − < * / < unary minus < ** (right-associative)
_POWERS = {"+": 10, "-": 10, "*": 20, "/": 20, "**": 40}
_PREFIX_MINUS = 30

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t]+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),−·×])
    """,
    re.VERBOSE,
)
_ASSIGNMENT = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*([-+*/]?=)(?!=)(.*)\Z", re.DOTALL)
_SAME = {"^": "**", "−": "-", "·": "*", "×": "*"}


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, op, end
    text: str
    position: int


# A parsed statement's tree: a number, a name, or an operation on sub-trees.
@dataclass(frozen=True)
class _Number:
    value: float


@dataclass(frozen=True)
class _Name:
    name: str


@dataclass(frozen=True)
class _Apply:
    operation: Operation
    args: tuple[_Tree, ...]


_Tree = _Number | _Name | _Apply


@dataclass(frozen=True)
class Gate:
    """One gate: its node's symbol, the operation it applies, and its inputs in order (a
    number where the expression wrote a constant)."""

    symbol: sp.Symbol
    operation: Operation
    args: tuple[sp.Symbol | float, ...]
    statement: int  # the statement (0-based) that made it


@dataclass(frozen=True)
class Circuit:
    """An expression read into a graph: inputs, gates, every node's value at the given values."""

    title: str
    statements: tuple[str, ...]
    graph: Graph
    inputs: tuple[sp.Symbol, ...]
    gates: tuple[Gate, ...]
    #: every node's plain name (x, q, c_2 for c's second version, t1 for an unnamed gate)
    names: dict[sp.Symbol, str]
    #: every node's written name and version: (c, 2) for c₂, (t, 1) for an unnamed gate t₁,
    #: (x, 0) for a name assigned once
    versions: dict[sp.Symbol, tuple[str, int]]
    values: dict[sp.Symbol, float]  # every node's value (forward pass)
    given: dict[sp.Symbol, float] = field(default_factory=dict)  # the inputs' given values

    @property
    def root(self) -> sp.Symbol:
        return self.graph.root

    @property
    def expression(self) -> str:
        return "\n".join(self.statements)

    def symbol(self, name: str) -> sp.Symbol:
        """The node called `name` (x, q, c_2, t1); one line naming the known ones otherwise."""
        for symbol, plain in self.names.items():
            if plain == name:
                return symbol
        raise CircuitError(unknown_name("node", name, tuple(self.names.values())))

    def gate(self, symbol: sp.Symbol) -> Gate | None:
        for gate in self.gates:
            if gate.symbol == symbol:
                return gate
        return None

    def definition(self, symbol: sp.Symbol) -> sp.Expr:
        """A gate's formula as written, each use of an input kept (c·c, not c²; c + c + 1,
        not 2c + 1): the graph's definition is sympy's evaluated form."""
        gate = self.gate(symbol)
        node = self.graph.nodes[symbol]
        assert gate is not None and node.definition is not None
        if not _repeats(gate):
            return node.definition
        dummies, form = _positional_form(gate)
        with sp.evaluate(False):
            return form.xreplace(dict(zip(dummies, _arguments(gate), strict=True)))


def _repeats(gate: Gate) -> bool:
    symbols = [a for a in gate.args if isinstance(a, sp.Symbol)]
    return len(symbols) != len(set(symbols))


def _arguments(gate: Gate) -> list[sp.Expr]:
    return [
        a
        if isinstance(a, sp.Symbol)
        else (sp.Integer(int(a)) if float(a).is_integer() else sp.Float(a))
        for a in gate.args
    ]


def _positional_form(gate: Gate) -> tuple[list[sp.Symbol], sp.Expr]:
    """The gate's operation on one dummy per position (so that each use has its own)."""
    dummies = [sp.Dummy(f"a{i}", real=True) for i in range(len(gate.args))]
    return dummies, operation(gate.operation.name, list(dummies))


def read_circuit(expression: str, values: Mapping[str, object], title: str = "") -> Circuit:
    """The circuit of `expression` at the inputs' `values`; CircuitError (one line) for an
    unknown name or function, a missing value, a name used before it is assigned, a value
    outside an operation's domain, or an expression beyond the limits."""
    if not isinstance(expression, str) or not expression.strip():
        raise CircuitError("the expression is empty: write e.g. f = (x + y) * z")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CircuitError(f"the expression is longer than {MAX_EXPRESSION_CHARS} characters")
    statements = [s.strip() for s in re.split(r"[\n;]", expression) if s.strip()]
    if not statements:  # only separators (";")
        raise CircuitError("the expression is empty: write e.g. f = (x + y) * z")
    if len(statements) > MAX_STATEMENTS:
        raise CircuitError(f"the expression has more than {MAX_STATEMENTS} statements")
    parsed = [_statement(text) for text in statements]
    given = _values(values)
    return _Emitter(parsed, statements, given, title).circuit()


def _statement(text: str) -> tuple[str, _Tree]:
    if len(text) > MAX_FORMULA_CHARS:
        raise CircuitError(f"statement {text[:20]!r}... is longer than {MAX_FORMULA_CHARS} chars")
    match = _ASSIGNMENT.match(text)
    if match is None:
        raise CircuitError(f"statement {text!r} is not an assignment such as q = x + y")
    name, assign, rest = match.groups()
    tree = _Parser(_tokens(rest, text), text).whole()
    if assign != "=":  # c += e is c = c + (e)
        tree = _Apply(_BINARY[assign[0]], (_Name(name), tree))
    return name, tree


def _tokens(text: str, statement: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise CircuitError(
                f"unexpected character {text[position]!r} in statement {statement!r} (only "
                "numbers, names, + - * / ** ( ) , and function calls are allowed)"
            )
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            word = match.group()
            tokens.append(_Token(kind, _SAME.get(word, word), position))
            if len(tokens) > MAX_TOKENS:
                raise CircuitError(f"statement {statement[:20]!r}... has over {MAX_TOKENS} tokens")
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Precedence climbing over one statement's right-hand side."""

    def __init__(self, tokens: list[_Token], statement: str) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.statement = statement

    def fail(self, what: str) -> CircuitError:
        return CircuitError(f"{what} in statement {self.statement!r}")

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text or token.kind != "op":
            shown = repr(token.text) if token.text else "the end"
            raise self.fail(f"expected {text!r} but found {shown}")

    def whole(self) -> _Tree:
        tree = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise self.fail(f"unexpected {token.text!r} (is an operator missing?)")
        return tree

    def expression(self, min_power: int) -> _Tree:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels")
        left = self.prefix()
        while True:
            token = self.peek()
            power = _POWERS.get(token.text) if token.kind == "op" else None
            if power is None or power <= min_power:
                break
            self.take()
            # ** is right-associative: its right side may hold another **
            right = self.expression(power - 1 if token.text == "**" else power)
            left = _Apply(_BINARY[token.text], (left, right))
        self.depth -= 1
        return left

    def prefix(self) -> _Tree:
        token = self.take()
        if token.kind == "number":
            return _Number(_number(token.text, self.statement))
        if token.kind == "op" and token.text == "-":
            operand = self.expression(_PREFIX_MINUS)
            if isinstance(operand, _Number):  # −2 is a number, not a gate
                return _Number(-operand.value)
            return _Apply(NEGATE, (operand,))
        if token.kind == "op" and token.text == "+":
            return self.expression(_PREFIX_MINUS)
        if token.kind == "op" and token.text == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if token.kind == "name":
            if self.peek().text == "(" and self.peek().kind == "op":
                return self.call(token)
            return _Name(token.text)
        if token.kind == "end":
            raise self.fail("the right-hand side ends too early")
        raise self.fail(f"unexpected {token.text!r}")

    def call(self, token: _Token) -> _Tree:
        operation = CALLABLE.get(token.text)
        if operation is None:
            raise self.fail(unknown_name("function", token.text, tuple(CALLABLE)))
        self.take()  # (
        args = [self.expression(0)]
        while self.peek().text == "," and self.peek().kind == "op":
            self.take()
            args.append(self.expression(0))
        self.expect(")")
        if len(args) != operation.arity:
            raise self.fail(
                f"{operation.name} takes {operation.arity} argument"
                f"{'s' if operation.arity != 1 else ''}, not {len(args)}"
            )
        return _Apply(operation, tuple(args))


def _number(text: str, statement: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise CircuitError(f"number {text[:20]}... is longer than {MAX_NUMBER_CHARS} characters")
    _, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_NUMBER_EXPONENT:
        raise CircuitError(f"number {text} in statement {statement!r} is out of range")
    value = Fraction(text)
    if abs(value) > MAX_VALUE:
        raise CircuitError(f"number {text} in statement {statement!r} is too large")
    return float(value)


def _values(values: Mapping[str, object]) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise CircuitError("values must be a table of names and numbers, e.g. { x = -2.0 }")
    found: dict[str, float] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise CircuitError(f"value name {str(name)[:20]!r} is not a name such as x or w0")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CircuitError(f"the value of {name} must be a number, not {str(value)[:20]!r}")
        if isinstance(value, int) and abs(value) > MAX_VALUE:
            raise CircuitError(f"the value of {name} is too large")
        number = float(value)
        if not math.isfinite(number) or abs(number) > MAX_VALUE:
            raise CircuitError(f"the value of {name} must be a finite number below {MAX_VALUE:g}")
        found[name] = number
    return found


def parse_at(text: str) -> dict[str, float]:
    """--at x=-2,y=5,z=-4: names and numbers, read as data."""
    found: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        match = re.fullmatch(
            r"([A-Za-z][A-Za-z0-9_]*)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", item
        )
        if match is None:
            raise CircuitError(f"--at item {item[:30]!r} is not name=number, e.g. x=-2")
        name, number = match.groups()
        if name in found:
            raise CircuitError(f"--at gives {name} twice")
        found[name] = _number(number.lstrip("+"), "--at")
    if not found:
        raise CircuitError("--at needs values, e.g. --at x=-2,y=5,z=-4")
    return found


class _Emitter:
    """Turns parsed statements into gates of a GraphBuilder, checking names as it goes."""

    def __init__(
        self,
        parsed: list[tuple[str, _Tree]],
        statements: list[str],
        given: dict[str, float],
        title: str,
    ) -> None:
        self.parsed = parsed
        self.statements = statements
        self.given = given
        self.title = title
        self.builder = GraphBuilder()
        self.bound: dict[str, sp.Symbol] = {}
        self.assigned = {name for name, _ in parsed}
        self.inputs: list[sp.Symbol] = []
        self.gates: list[Gate] = []
        self.names: dict[sp.Symbol, str] = {}
        self.versions: dict[sp.Symbol, tuple[str, int]] = {}
        self.count: dict[str, int] = {}
        self.unnamed = _unnamed_stem(self.assigned | set(given) | self._used_names())
        self.current = 0

    def _used_names(self) -> set[str]:
        found: set[str] = set()

        def walk(tree: _Tree) -> None:
            if isinstance(tree, _Name):
                found.add(tree.name)
            elif isinstance(tree, _Apply):
                for arg in tree.args:
                    walk(arg)

        for _, tree in self.parsed:
            walk(tree)
        return found

    def fail(self, what: str) -> CircuitError:
        return CircuitError(f"{what} in statement {self.statements[self.current]!r}")

    def circuit(self) -> Circuit:
        for name in self.given:
            if name in self.assigned:
                raise CircuitError(f"{name} is assigned in the expression, so it takes no value")
            if name not in self._used_names():
                raise CircuitError(f"a value is given for {name}, which the expression never uses")
        root: sp.Symbol | None = None
        for index, (name, tree) in enumerate(self.parsed):
            self.current = index
            if name in CALLABLE:
                raise self.fail(f"{name} is a function's name and cannot be assigned")
            if isinstance(tree, _Number):
                raise self.fail(f"{name} is a constant: give the inputs' values in values")
            if isinstance(tree, _Name):  # c = a: an identity gate, so that c is a node
                tree = _Apply(IDENTITY, (tree,))
            root = self.emit(tree, name)
            self.bound[name] = root
        assert root is not None
        graph = self.builder.build(root)
        values = _forward(self, graph)
        return Circuit(
            title=self.title,
            statements=tuple(self.statements),
            graph=graph,
            inputs=tuple(self.inputs),
            gates=tuple(self.gates),
            names=self.names,
            versions=self.versions,
            values=values,
            given={s: self.given[self.names[s]] for s in self.inputs},
        )

    def emit(self, tree: _Tree, name: str | None) -> sp.Symbol:
        assert isinstance(tree, _Apply)
        args: list[sp.Symbol | float] = []
        for arg in tree.args:
            if isinstance(arg, _Number):
                args.append(arg.value)
            elif isinstance(arg, _Name):
                args.append(self.resolve(arg.name))
            else:
                args.append(self.emit(arg, None))
        if all(not isinstance(a, sp.Symbol) for a in args):
            raise self.fail(f"a {tree.operation.english} of constants only: write its value")
        exponent = args[1] if tree.operation is POWER else None
        if isinstance(exponent, float) and abs(exponent) > MAX_EXPONENT:
            raise self.fail(f"an exponent must be between -{MAX_EXPONENT} and {MAX_EXPONENT}")
        if len(self.gates) >= MAX_GATES:
            raise CircuitError(f"the expression has more than {MAX_GATES} gates")
        stem = name if name is not None else self.unnamed
        version = self.count.get(stem, 0) + 1
        self.count[stem] = version
        symbol = self.builder.op(_plain(stem, version, name is None), tree.operation.name, *args)
        self.names[symbol] = symbol.name
        self.versions[symbol] = (stem, version if name is None or version > 1 else 0)
        self.gates.append(Gate(symbol, tree.operation, tuple(args), self.current))
        return symbol

    def resolve(self, name: str) -> sp.Symbol:
        bound = self.bound.get(name)
        if bound is not None:
            return bound
        if name in CALLABLE:
            raise self.fail(f"{name} is a function: call it as {name}(...)")
        if name in self.assigned:
            raise self.fail(f"{name} is used before it is assigned")
        if name not in self.given:
            known = ", ".join(self.given) or "none"
            raise self.fail(f"{name} has no value (values are given for: {known})")
        symbol = self.builder.leaf(name, INPUT)
        self.bound[name] = symbol
        self.names[symbol] = name
        self.versions[symbol] = (name, 0)
        self.inputs.append(symbol)
        return symbol


def _plain(stem: str, version: int, unnamed: bool) -> str:
    """The node's plain name: the GraphBuilder numbers a reused name itself (c, c_2)."""
    return f"{stem}{version}" if unnamed else stem


def _unnamed_stem(taken: set[str]) -> str:
    """A letter for the unnamed gates (t1, t2, …) that no name of the expression looks like."""
    for stem in ("t", "u", "v", "s", "r", "k"):
        if not any(re.fullmatch(rf"{stem}\d+", name) for name in taken):
            return stem
    return "gate"


def _forward(emitter: _Emitter, graph: Graph) -> dict[sp.Symbol, float]:
    """Every node's value, gate by gate: exact arithmetic to 30 digits, then float; a value
    outside an operation's domain is refused with the statement that made it."""
    exact: dict[sp.Symbol, sp.Expr] = {}
    values: dict[sp.Symbol, float] = {}
    gates = {gate.symbol: gate for gate in emitter.gates}
    for symbol, node in graph.nodes.items():
        if node.definition is None:
            exact[symbol] = sp.Float(emitter.given[emitter.names[symbol]], 30)
        else:
            value = node.definition.xreplace(exact).evalf(30)
            gate = gates[symbol]
            if not (value.is_real and value.is_finite) or not math.isfinite(float(value)):
                emitter.current = gate.statement
                words = gate.operation.undefined_words or f"{gate.operation.english} undefined"
                raise emitter.fail(f"{words} at the given values ({emitter.names[symbol]})")
            exact[symbol] = value
        values[symbol] = float(exact[symbol])
    return values


def load_circuit_spec(path: str | Path) -> Circuit | None:
    """The circuit of a spec file holding `expression` (and `values`, `title`); None for a
    file without `expression` (a network's spec)."""
    import tomllib

    from symbp.core.spec import MAX_SPEC_BYTES
    from symbp.files import read_small_text

    path = Path(path)
    if path.suffix.lower() != ".toml":
        return None
    text = read_small_text(path, MAX_SPEC_BYTES, CircuitError, f"spec file {str(path)!r}")
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None  # the network reader says what is wrong with it
    if "expression" not in data:
        return None
    unknown = sorted(set(data) - {"expression", "values", "title"})
    if unknown:
        raise CircuitError(
            f"{path}: a circuit spec holds expression, values and title, not {unknown[0]!r}"
        )
    title = data.get("title", "")
    if not isinstance(title, str):
        raise CircuitError(f"{path}: title must be text")
    return read_circuit(data["expression"], data.get("values", {}), title)


@dataclass(frozen=True)
class Contribution:
    """One use of a node: through `user`, upstream gradient × local gradient."""

    user: sp.Symbol
    local: sp.Expr  # ∂user/∂node, in the nodes' symbols
    local_value: float
    upstream: float  # ∂objective/∂user
    value: float  # upstream × local
    #: where the user gate takes the node more than once (c·c, c + c): which of its inputs
    #: (0-based) this use is; None where the gate takes it once
    position: int | None = None


@dataclass(frozen=True)
class CircuitDerivation:
    """The general sweep's result on a circuit, with every number a display needs."""

    circuit: Circuit
    sweep: Sweep
    gradients: dict[sp.Symbol, float]  # ∂objective/∂node for every node
    contributions: dict[sp.Symbol, tuple[Contribution, ...]]

    @cached_property
    def inlined(self) -> dict[sp.Symbol, sp.Expr]:
        """Every intermediate written out in the inputs (built once: a max of expressions
        compares its arguments whenever it is built)."""
        inline: dict[sp.Symbol, sp.Expr] = {}
        for node_symbol, node in self.circuit.graph.nodes.items():
            if node.definition is not None:
                inline[node_symbol] = node.definition.xreplace(inline)
        return inline

    def closed_form(self, symbol: sp.Symbol) -> sp.Expr:
        """∂objective/∂symbol in the inputs alone (every intermediate written out)."""
        return self.sweep.expanded(symbol).xreplace(self.inlined)


def derive_circuit(circuit: Circuit, swept: Sweep | None = None) -> CircuitDerivation:
    """Every node's gradient by the backward sweep (sum over uses of upstream × local);
    `swept`: the sweep of the same expression at other values (an exercise's variants share
    one, so that each student's draw costs numbers, not a new symbolic sweep)."""
    result = sweep(circuit.graph) if swept is None else swept
    exact = {s: sp.Float(v, 30) for s, v in circuit.values.items()}
    # each use of a node: a gate that takes it twice (c·c, c + c) is two uses, each with the
    # local gradient of its own position (c and c, summing to the sweep's 2c)
    split: dict[sp.Symbol, list[tuple[sp.Symbol, sp.Expr, int | None]]] = {}
    for symbol, gradient in result.gradients.items():
        split[symbol] = []
        for use in gradient.uses:
            split[symbol] += _positions(circuit, symbol, use.user, use.local)
    locals_ = {
        (symbol, index): _local_number(circuit, symbol, user, local, exact)
        for symbol, uses in split.items()
        for index, (user, local, _) in enumerate(uses)
    }
    gradients = result.values(circuit.given)
    contributions: dict[sp.Symbol, tuple[Contribution, ...]] = {}
    for symbol, uses in split.items():
        found = []
        for index, (user, local, position) in enumerate(uses):
            local_value = locals_[symbol, index]
            upstream = gradients[user]
            found.append(
                Contribution(user, local, local_value, upstream, upstream * local_value, position)
            )
        contributions[symbol] = tuple(found)
    return CircuitDerivation(circuit, result, gradients, contributions)


def _local_number(
    circuit: Circuit,
    symbol: sp.Symbol,
    user: sp.Symbol,
    local: sp.Expr,
    exact: Mapping[sp.Symbol, sp.Expr],
) -> float:
    """A local derivative's number at the given values; CircuitError (one line) where it is
    infinite or undefined there (d√x/dx = 1/(2√x) at x = 0)."""
    value = local.xreplace(exact).evalf(30)
    if value.is_real and value.is_finite and math.isfinite(float(value)):
        return float(value)
    names = circuit.names
    gate = circuit.gate(user)
    where = f" in statement {circuit.statements[gate.statement]!r}" if gate is not None else ""
    raise CircuitError(
        f"the derivative of {names[user]} with respect to {names[symbol]} is infinite or "
        f"undefined at the given values ({names[symbol]} = {circuit.values[symbol]:g}){where}: "
        "backpropagation has no number there"
    )


def _positions(
    circuit: Circuit, symbol: sp.Symbol, user: sp.Symbol, local: sp.Expr
) -> list[tuple[sp.Symbol, sp.Expr, int | None]]:
    """The uses of `symbol` by `user`: one (the sweep's local) where the gate takes it once,
    else one per position, each ∂gate/∂(that input) with the others held (c·c: c and c)."""
    gate = circuit.gate(user)
    if gate is None or sum(a == symbol for a in gate.args) < 2:
        return [(user, local, None)]
    dummies, form = _positional_form(gate)
    arguments = dict(zip(dummies, _arguments(gate), strict=True))
    return [
        (user, sp.diff(form, dummy).xreplace(arguments), position)
        for position, (dummy, arg) in enumerate(zip(dummies, gate.args, strict=True))
        if arg == symbol
    ]
