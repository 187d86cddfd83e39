"""A model as a directed acyclic graph of scalar operations, and the backward sweep over it.

Every node is one symbol: a leaf (an input, a parameter, a constant such as a target) or an
operation (its name, its input nodes and its sympy definition in their symbols). The backward
sweep gives every node the sum over its uses of (the user's gradient × the local derivative of
that use) — the one rule of backpropagation. A value used in two places (micrograd's `a` in
`a·b + a`, a weight shared by two layers, a kernel weight at every position, a recurrent weight
at every step) gets two terms, and nothing else has to know.

Builders make graphs: `GraphBuilder` for an expression written operation by operation (a
CS231n circuit), `symbp.core.graph.Network` for a dense network (one node per z, a and L). What a
reader is shown about a kind of model (a unit's δ, a layer's paths, a kernel's positions) is
content built on the sweep's result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import NamedTuple

import sympy as sp

from symbp.core.functions import ACTIVATIONS, ARITHMETIC_FORMS
from symbp.core.operations import ADD, MULTIPLY, operation_info, unknown_name
from symbp.errors import SymbpError

__all__ = [
    "Graph",
    "GraphBuilder",
    "Node",
    "NodeGradient",
    "Sweep",
    "Use",
    "sweep",
]

#: the kinds of leaf: what the sweep differentiates with respect to, and what it does not
PARAMETER, INPUT, CONSTANT = "parameter", "input", "constant"
LEAF_KINDS = (PARAMETER, INPUT, CONSTANT)


def product(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """a·b, the object sympy's a*b builds, made directly when both are plain symbols.

    sympy's Mul runs its general flattening for every product (about 30 µs); a wide network has
    tens of thousands of w·a and δ·a products. Two distinct symbols of the same assumptions
    multiply to Mul(args sorted by name), which is what this builds (tests compare it with a*b).
    """
    if (
        type(a) is sp.Symbol
        and type(b) is sp.Symbol
        and a != b
        # the tuple behind the public assumptions0, which copies it into a dict on every call
        and a._assumptions0 == b._assumptions0
    ):
        first, second = (a, b) if a.name < b.name else (b, a)
        return sp.Mul._from_args((first, second), is_commutative=True)
    return a * b


class Node(NamedTuple):
    """One node: a leaf (op is its kind: parameter, input, constant) or an operation.

    A named tuple: a wide network has one per weight (20,000), and frozen dataclasses cost
    several times as much to make."""

    symbol: sp.Symbol
    op: str  # "parameter", "input", "constant", or the operation's name ("add", "sigmoid")
    inputs: tuple[sp.Symbol, ...] = ()
    definition: sp.Expr | None = None  # in the inputs' symbols; None for a leaf

    @property
    def is_leaf(self) -> bool:
        return self.definition is None


#: a builder's own local derivatives, in the form its displays write them: (of, wrt) -> ∂of/∂wrt
LocalRule = Callable[[sp.Symbol, sp.Symbol], sp.Expr]


class Graph:
    """Nodes in topological order (every node after its inputs) and the objective `root`."""

    def __init__(
        self, nodes: Iterable[Node], root: sp.Symbol, local: LocalRule | None = None
    ) -> None:
        self.nodes: dict[sp.Symbol, Node] = {}
        for node in nodes:
            if node.symbol in self.nodes:
                raise SymbpError(f"graph: the node {node.symbol} is defined twice")
            for parent in node.inputs:
                if parent not in self.nodes:
                    raise SymbpError(
                        f"graph: the node {node.symbol} uses {parent} before it is defined"
                    )
            self.nodes[node.symbol] = node
        if root not in self.nodes:
            raise SymbpError(f"graph: the objective {root} is not a node")
        self.root = root
        self._local = local
        self._cache: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}

    @cached_property
    def users(self) -> dict[sp.Symbol, tuple[sp.Symbol, ...]]:
        """For each node, the operations that take it as an input, in forward order."""
        found: dict[sp.Symbol, list[sp.Symbol]] = {}
        for node in self.nodes.values():
            for parent in node.inputs:
                found.setdefault(parent, []).append(node.symbol)
        return {parent: tuple(users) for parent, users in found.items()}

    @cached_property
    def path_counts(self) -> dict[sp.Symbol, int]:
        """For each operation, how many routes lead from it to the objective (a leaf's are
        its users' summed: `routes`)."""
        counts: dict[sp.Symbol, int] = {}
        for symbol, node in reversed(list(self.nodes.items())):
            if node.is_leaf:
                continue
            if symbol == self.root:
                counts[symbol] = 1
            else:
                counts[symbol] = sum(counts.get(u, 0) for u in self.users.get(symbol, ()))
        return counts

    def routes(self, symbol: sp.Symbol) -> int:
        """How many routes lead from any node (a leaf too) to the objective."""
        if symbol in self.path_counts:
            return self.path_counts[symbol]
        return sum(self.path_counts.get(user, 0) for user in self.users.get(symbol, ()))

    def local_derivative(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        """∂of/∂wrt through `of`'s own definition only (the builder's form where it gives one)."""
        if self._local is not None:  # the builder's rule caches what is worth caching
            return self._local(of, wrt)
        key = (of, wrt)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._own_rule(of, wrt)
        return found

    def _own_rule(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        """An activation's derivative as textbooks write it (σ′ = σ(1 − σ), in the node's own
        symbol); any other operation's by sympy.diff of its definition."""
        node = self.nodes[of]
        assert node.definition is not None
        rule = ACTIVATIONS.get(node.op)
        if rule is not None and rule.elementwise and node.inputs == (wrt,):
            return rule.derivative(wrt, of)
        return sp.diff(node.definition, wrt)

    def forward(self, values: Mapping[sp.Symbol, float]) -> dict[sp.Symbol, float]:
        """Every node's value from the leaves' (exact sympy arithmetic, then float)."""
        exact: dict[sp.Symbol, sp.Expr] = {}
        for symbol, node in self.nodes.items():
            if node.definition is None:
                if symbol not in values:
                    raise SymbpError(f"graph: no value for {symbol}")
                exact[symbol] = sp.Float(values[symbol], 30)
            else:
                exact[symbol] = node.definition.xreplace(exact).evalf(30)
        return {symbol: float(value) for symbol, value in exact.items()}


# Named tuples, not frozen dataclasses: a wide network makes one of each per weight.
class Use(NamedTuple):
    """One term of a node's gradient: through `user`, (user's gradient) × ∂user/∂node."""

    user: sp.Symbol
    local: sp.Expr  # ∂user/∂node
    term: sp.Expr  # the user's gradient (its symbol, or its formula) × local


class NodeGradient(NamedTuple):
    """∂root/∂node = Σ over the node's uses of their terms (1 for the root itself)."""

    node: sp.Symbol
    uses: tuple[Use, ...]
    formula: sp.Expr


def _sum_of_terms(uses: list[Use], evaluate: bool = True) -> sp.Expr:
    if len(uses) == 1:
        return uses[0].term
    return sp.Add(*[use.term for use in uses], evaluate=evaluate)


class Sweep:
    """Every node's gradient, objective first (reverse topological order).

    The operations' gradients are computed at once, users before the nodes they use; a leaf's
    (an input's, a parameter's) when it is first asked for, since each needs only its users'.
    """

    def __init__(
        self,
        graph: Graph,
        named: Mapping[sp.Symbol, sp.Symbol],
        skip: Callable[[Node], bool] | None,
        unevaluated_sums: bool = False,
    ) -> None:
        self.graph = graph
        #: the nodes whose gradient is referred to by a symbol of its own (δ_j for a dense z_j)
        self.named = named
        self._skip = skip
        #: sums of terms left as written (the uses in forward order, nothing combined): an
        #: unrolled recurrent net has thousands, and sympy's flattening was most of its sweep
        self._evaluate_sums = not unevaluated_sums
        self._users = graph.users  # read once: a cached_property costs a lock on every access
        self._gradients: dict[sp.Symbol, NodeGradient] = {}
        #: how each computed node's gradient is written in its inputs' terms
        self._written: dict[sp.Symbol, sp.Expr] = {graph.root: sp.S.One}
        for symbol in reversed(list(graph.nodes)):
            node = graph.nodes[symbol]
            if not node.is_leaf and self._wanted(node):
                self._compute(symbol, leaf=False)

    def _wanted(self, node: Node) -> bool:
        return node.op != CONSTANT and (self._skip is None or not self._skip(node))

    def _compute(self, symbol: sp.Symbol, leaf: bool) -> NodeGradient:
        if symbol == self.graph.root:
            gradient = NodeGradient(symbol, (), sp.S.One)
        else:
            uses = []
            written, local_derivative = self._written, self.graph.local_derivative
            for user in self._users.get(symbol, ()):
                upstream = written.get(user)
                if upstream is None:  # a user the sweep skipped
                    continue
                local = local_derivative(user, symbol)
                term = local if upstream is sp.S.One else product(upstream, local)
                uses.append(Use(user, local, term))
            gradient = NodeGradient(symbol, tuple(uses), _sum_of_terms(uses, self._evaluate_sums))
            if not leaf:  # a leaf is never upstream of another node
                written[symbol] = self.named.get(symbol) or gradient.formula
        self._gradients[symbol] = gradient
        return gradient

    def gradient(self, node: sp.Symbol) -> NodeGradient:
        """∂root/∂node with its terms; a SymbpError for a constant or skipped node."""
        found = self._gradients.get(node)
        if found is not None:
            return found
        leaf = self.graph.nodes.get(node)
        if leaf is None or not leaf.is_leaf or not self._wanted(leaf):
            raise SymbpError(f"graph: {node} has no gradient (a constant, or not a node)")
        return self._compute(node, leaf=True)

    @property
    def gradients(self) -> dict[sp.Symbol, NodeGradient]:
        """Every node's gradient (computing the leaves'), in reverse topological order."""
        return {
            symbol: self.gradient(symbol)
            for symbol, node in reversed(list(self.graph.nodes.items()))
            if symbol in self._gradients or (node.is_leaf and self._wanted(node))
        }

    def formula(self, node: sp.Symbol) -> sp.Expr:
        """∂root/∂node in the nodes' symbols and the named gradients' symbols."""
        return self.gradient(node).formula

    def expanded(self, node: sp.Symbol) -> sp.Expr:
        """∂root/∂node with every named gradient replaced by its formula."""
        expansions: dict[sp.Symbol, sp.Expr] = {}
        for symbol, gradient in self._gradients.items():  # users before the nodes they use
            if symbol in self.named:
                expansions[self.named[symbol]] = gradient.formula.xreplace(expansions)
        return self.formula(node).xreplace(expansions)

    def values(self, values: Mapping[sp.Symbol, float]) -> dict[sp.Symbol, float]:
        """Every gradient's number at the leaves' `values` (exact arithmetic, then float)."""
        exact: dict[sp.Symbol, sp.Expr] = {
            symbol: sp.Float(value, 30) for symbol, value in self.graph.forward(values).items()
        }
        result: dict[sp.Symbol, float] = {}
        for symbol, gradient in self.gradients.items():
            number = gradient.formula.xreplace(exact).evalf(30)
            if symbol in self.named:
                exact[self.named[symbol]] = number
            result[symbol] = float(number)
        return result


def sweep(
    graph: Graph,
    named: Mapping[sp.Symbol, sp.Symbol] | None = None,
    skip: Callable[[Node], bool] | None = None,
    unevaluated_sums: bool = False,
) -> Sweep:
    """The backward sweep: every node's gradient as the sum over its uses.

    `named` gives some nodes a symbol for their gradient (δ_j = ∂L/∂z_j): their users' terms
    refer to it, where any other user's gradient is written out as its formula. Constants and
    the nodes `skip` picks get no gradient (a target, a fixed bias).
    """
    return Sweep(graph, named or {}, skip, unevaluated_sums)


class GraphBuilder:
    """Builds a Graph one operation at a time, as an expression is written.

    Names may be reassigned (micrograd's `c = c + c + 1`): each assignment is a new node, and
    a reused name gets a new symbol (c, then c_2), so the graph stays acyclic.
    """

    def __init__(self) -> None:
        self._nodes: list[Node] = []
        self._taken: dict[str, int] = {}
        self._defined: set[sp.Symbol] = set()
        #: the name a reader sees for each symbol (c for both c and c_2)
        self.labels: dict[sp.Symbol, str] = {}

    def _symbol(self, name: str) -> sp.Symbol:
        count = self._taken.get(name, 0) + 1
        self._taken[name] = count
        symbol = sp.Symbol(name if count == 1 else f"{name}_{count}", real=True)
        self.labels[symbol] = name
        return symbol

    def leaf(self, name: str, kind: str = INPUT) -> sp.Symbol:
        if kind not in LEAF_KINDS:
            raise SymbpError(f"graph: unknown leaf kind {kind!r} (known: {', '.join(LEAF_KINDS)})")
        symbol = self._symbol(name)
        self._nodes.append(Node(symbol, kind))
        self._defined.add(symbol)
        return symbol

    def op(self, name: str, op: str, *inputs: sp.Symbol | float) -> sp.Symbol:
        """A node `name` = op(inputs); a number among the inputs is written into the definition."""
        arguments: list[sp.Expr] = []
        for value in inputs:
            if isinstance(value, sp.Symbol):
                if value not in self._defined:
                    raise SymbpError(f"graph: {value} is used before it is defined")
                arguments.append(value)
            else:
                number = float(value)
                arguments.append(
                    sp.Integer(int(number)) if number.is_integer() else sp.Float(number)
                )
        definition = operation(op, arguments)
        symbol = self._symbol(name)
        used = tuple(dict.fromkeys(a for a in arguments if isinstance(a, sp.Symbol)))
        self._nodes.append(Node(symbol, op, used, definition))
        self._defined.add(symbol)
        return symbol

    def build(self, root: sp.Symbol) -> Graph:
        return Graph(self._nodes, root)


def operation(op: str, inputs: list[sp.Expr]) -> sp.Expr:
    """The sympy forward definition of a scalar operation (a table entry's name) on its inputs."""
    form = ARITHMETIC_FORMS.get(op)
    if form is None:
        activation = ACTIVATIONS.get(op)
        if activation is None or not activation.elementwise:
            known = [*ARITHMETIC_FORMS, *(n for n, a in ACTIVATIONS.items() if a.elementwise)]
            raise SymbpError(unknown_name("operation", op, known))
        if len(inputs) != 1:
            raise SymbpError(f"graph: {op} takes 1 input, not {len(inputs)}")
        return activation.apply(inputs[0])
    entry = operation_info(op)
    if entry.name in VARIADIC:
        if len(inputs) < 2:
            raise SymbpError(f"graph: {op} takes at least 2 inputs, not {len(inputs)}")
    elif len(inputs) != entry.arity:
        raise SymbpError(f"graph: {op} takes {entry.arity} inputs, not {len(inputs)}")
    return form(inputs)


#: the operations a graph node may apply to any number of inputs (a sum, a product)
VARIADIC = (ADD.name, MULTIPLY.name)
