"""A convolutional graph's numbers in float64, evaluated from its own definitions and local
derivatives (symbp.core.conv), fast enough for an MNIST-size first layer.

Nodes of one stage (a layer of every sample) are evaluated together. A weighted sum is Σ w·x + b
over its products, gathered and summed with numpy. Every other definition, and every local
derivative that is not a symbol or a number, is an instance of a few shapes (relu′ = H(z), a
window's max, its routing Heaviside product, σ(1 − σ)): each shape is compiled once, with
symbp.core.numeric's printer (the table's float forms), and applied to all its instances at
once. Each gradient is then the sum over its uses of (user's gradient × local derivative), the
sweep's rule, taken stage by stage from the loss back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from symbp.core.functions import float_namespace
from symbp.core.numeric import _CodePrinter, stable_logsumexp, stable_sigmoid
from symbp.core.opgraph import CONSTANT, Graph

#: each weighted sum's products (weight, input) and its bias
Terms = Mapping[sp.Symbol, tuple[tuple[tuple[sp.Symbol, sp.Symbol], ...], sp.Symbol | None]]

_PLACEHOLDERS: list[sp.Symbol] = []


def _placeholder(i: int) -> sp.Symbol:
    while len(_PLACEHOLDERS) <= i:
        _PLACEHOLDERS.append(sp.Symbol(f"p{len(_PLACEHOLDERS)}", real=True))
    return _PLACEHOLDERS[i]


class Shapes:
    """Compiled expression shapes: an expression with its symbols replaced by p0, p1, … in
    order of first appearance, compiled to one numpy function of them."""

    def __init__(self) -> None:
        self._compiled: dict[sp.Expr, Any] = {}

    def _function(self, template: sp.Expr, arity: int) -> Any:
        found = self._compiled.get(template)
        if found is None:
            import numpy as np

            names = {_placeholder(i): f"p{i}" for i in range(arity)}
            code = _CodePrinter(names).code(template)
            arguments = ", ".join(names.values())
            # printed from symbols symbp made (placeholders), never from user text
            source = f"def function({arguments}):\n    return {code}\n"
            namespace: dict[str, Any] = {
                "numpy": np,
                "_sigmoid": stable_sigmoid,
                "_logsumexp": stable_logsumexp,
                **float_namespace(arrays=True),
            }
            exec(compile(source, "<symbp conv shape>", "exec"), namespace)  # noqa: S102
            found = self._compiled[template] = namespace["function"]
        return found

    def evaluate(self, exprs: Sequence[sp.Expr], values: Any, index: dict[sp.Symbol, int]) -> Any:
        """The float64 value of each expression, its symbols' values read from `values` (an
        array) at `index`."""
        import numpy as np

        result = np.empty(len(exprs))
        groups: dict[object, tuple[sp.Expr, list[int], list[list[int]]]] = {}
        for position, expr in enumerate(exprs):
            if isinstance(expr, sp.Symbol):
                result[position] = values[index[expr]]
                continue
            if expr.is_Number:
                result[position] = float(expr)
                continue
            order: dict[sp.Symbol, int] = {}
            key = _shape(expr, order)
            group = groups.get(key)
            if group is None:  # the first of its shape: its template, built once
                with sp.evaluate(False):  # the same shape, not re-simplified (a Max compares)
                    template = expr.xreplace({s: _placeholder(i) for s, i in order.items()})
                group = groups[key] = (template, [], [])
            group[1].append(position)
            group[2].append([index[s] for s in order])
        with np.errstate(all="ignore"):
            for template, positions, arguments in groups.values():
                table = values[np.array(arguments, dtype=np.intp)]
                arity = table.shape[1]
                function = self._function(template, arity)
                computed = function(*(table[:, i] for i in range(arity)))
                result[positions] = np.broadcast_to(
                    np.asarray(computed, dtype=float), len(positions)
                )
        return result


def _shape(expr: sp.Basic, order: dict[sp.Symbol, int]) -> object:
    """A hashable key of an expression's shape: its operations and numbers, its symbols by
    order of first appearance (which `order` collects)."""
    if isinstance(expr, sp.Symbol):
        return order.setdefault(expr, len(order))
    if not expr.args:
        return expr
    return (expr.func, *(_shape(arg, order) for arg in expr.args))


def evaluate_graph(
    graph: Graph,
    leaf_values: Mapping[sp.Symbol, float],
    stages: Sequence[Sequence[sp.Symbol]],
    terms: Terms,
    numeric: Mapping[sp.Symbol, sp.Expr],
) -> tuple[dict[sp.Symbol, float], dict[sp.Symbol, float]]:
    """Every node's value, then every gradient (∂root/∂node, constants left out) by the
    sweep's rule (see the module's doc). `stages` are groups of nodes in forward order whose
    inputs are all in earlier groups; `numeric` a stabler definition to compute a node with."""
    import numpy as np

    symbols = list(graph.nodes)
    index = {symbol: i for i, symbol in enumerate(symbols)}
    values = np.zeros(len(symbols))
    for symbol, value in leaf_values.items():
        values[index[symbol]] = value
    shapes = Shapes()
    with np.errstate(all="ignore"):
        for stage in stages:
            sums = [s for s in stage if s in terms]
            if sums:
                values[[index[s] for s in sums]] = _weighted_sums(terms, sums, values, index)
            others = [s for s in stage if s not in terms]
            if others:
                exprs = [numeric.get(s) or graph.nodes[s].definition for s in others]
                values[[index[s] for s in others]] = shapes.evaluate(exprs, values, index)

    # every use (user, node) of every operation, its local derivative as the sweep takes it
    users: list[int] = []
    parents: list[int] = []
    symbol_locals: list[int] = []  # where the local derivative is a symbol: its index, else -1
    other_locals: list[sp.Expr] = []
    other_positions: list[int] = []
    for symbol, node in graph.nodes.items():
        if node.is_leaf:
            continue
        user = index[symbol]
        for parent in node.inputs:
            if graph.nodes[parent].op == CONSTANT:
                continue
            local = graph.local_derivative(symbol, parent)
            users.append(user)
            parents.append(index[parent])
            if isinstance(local, sp.Symbol):
                symbol_locals.append(index[local])
            else:
                symbol_locals.append(-1)
                other_positions.append(len(users) - 1)
                other_locals.append(local)
    user_array = np.array(users, dtype=np.intp)
    parent_array = np.array(parents, dtype=np.intp)
    symbol_array = np.array(symbol_locals, dtype=np.intp)
    local_values = values[np.maximum(symbol_array, 0)]
    if other_locals:
        local_values[other_positions] = shapes.evaluate(other_locals, values, index)

    gradients = np.zeros(len(symbols))
    gradients[index[graph.root]] = 1.0
    stage_of = np.full(len(symbols), -1)
    for number, stage in enumerate(stages):
        stage_of[[index[s] for s in stage]] = number
    edge_stage = stage_of[user_array]
    order = np.argsort(-edge_stage, kind="stable")
    bounds = np.flatnonzero(np.diff(edge_stage[order])) + 1
    with np.errstate(all="ignore"):
        for chunk in np.split(order, bounds):
            if not len(chunk):
                continue
            products = gradients[user_array[chunk]] * local_values[chunk]
            gradients += np.bincount(parent_array[chunk], weights=products, minlength=len(symbols))
    return dict(zip(symbols, values.tolist(), strict=True)), {
        s: g
        for s, g, node in zip(symbols, gradients.tolist(), graph.nodes.values(), strict=True)
        if node.op != CONSTANT
    }


def _weighted_sums(
    terms: Terms, sums: list[sp.Symbol], values: Any, index: dict[sp.Symbol, int]
) -> Any:
    import numpy as np

    rows: list[int] = []
    weights: list[int] = []
    inputs: list[int] = []
    biases = np.zeros(len(sums))
    for row, symbol in enumerate(sums):
        pairs, bias = terms[symbol]
        for w, x in pairs:
            rows.append(row)
            weights.append(index[w])
            inputs.append(index[x])
        if bias is not None:
            biases[row] = values[index[bias]]
    products = values[np.array(weights, dtype=np.intp)] * values[np.array(inputs, dtype=np.intp)]
    return (
        np.bincount(np.array(rows, dtype=np.intp), weights=products, minlength=len(sums)) + biases
    )
