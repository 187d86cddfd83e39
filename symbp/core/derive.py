"""Derivations: ∂L/∂w for a weight, as chain-rule paths, in δ form and in closed form.

The backward sweep gives every unit a δ = ∂L/∂z, defined from the δs of the layer above:
    δ_j = (Σ_k δ_k · w_jk) · f′(z_j)          (hidden unit)
    δ_j = ∂L/∂a_j · f′(z_j)                   (output unit)
and every weight w: i → j the gradient ∂L/∂w = δ_j · a_i. That is one small expression per unit
and per weight, which is what makes large networks fast. The path-by-path chain rule (a sum over
every route from w to L, whose count is the product of the layer widths in between) and the fully
expanded closed form are built for one weight on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symbp.core.graph import Bias, Network, Unit, Weight
from symbp.errors import SymbpError, UnknownUnitError

#: Beyond this many routes from a weight to the loss the path-by-path form is not listed.
MAX_PATHS = 64
#: Closed forms are built by default only for networks up to this many weights.
MAX_WEIGHTS_FOR_CLOSED_FORM = 60
#: ... and only while they stay printable: at most this many symbols and operations (the
#: default network's ∂L/∂w1 has 175; a deep narrow net's grows exponentially with depth, and
#: [2, 2, 2, 2, 2, 2, 2, 2] would have 200,000). Checked before the closed form is built.
MAX_CLOSED_FORM_SIZE = 5_000


#: `derive` shows each chosen weight's whole derivation, and the time that takes grows with the
#: number of terms printed: every δ row the weight needs (all of the layers above it), every
#: listed path, and a share of the whole network per derivation. Measured by
#: benchmarks/bench_limits.py: about 0.13 ms per term in text and Markdown (streamed), 0.2 ms in
#: LaTeX and 0.6 ms in JSON, HTML and MathML, the last three and LaTeX held whole in memory (4 to
#: 8 KB per term). Beyond these counts a request would take more than about a minute on a quiet
#: machine (two on a busy one) or half a gigabyte, and is refused; single weights, `symbp check`
#: and `symbp step` still serve.
MAX_PRINTED_TERMS = {
    "text": 450_000,
    "markdown": 450_000,
    "latex": 100_000,
    "mathml": 60_000,
    "html": 60_000,
    "json": 50_000,
}


@dataclass(frozen=True)
class LocalDerivative:
    """One factor of the chain rule: ∂of/∂wrt, written with the network's node symbols."""

    of: sp.Symbol
    wrt: sp.Symbol
    formula: sp.Expr


@dataclass(frozen=True)
class ChainPath:
    """One route from a weight to the loss; its contribution is the product of its factors.

    Factors run from the loss back to the weight, as the chain rule is written:
    ∂L/∂o1 · ∂o1/∂z_o1 · ∂z_o1/∂h1 · ∂h1/∂z_h1 · ∂z_h1/∂w1.
    """

    factors: tuple[LocalDerivative, ...]

    @property
    def formula(self) -> sp.Expr:
        return sp.Mul(*[factor.formula for factor in self.factors])


@dataclass(frozen=True)
class UpstreamTerm:
    """One term of ∂L/∂a_j: how a_j reaches the loss through one child (δ_k·w_jk, or ∂L/∂o_j)."""

    child: sp.Symbol  # z_k of the next layer, or L
    formula: sp.Expr  # δ_k · w_jk, or ∂L/∂o_j written out


@dataclass(frozen=True)
class ActivationRoute:
    """How z_j reaches the loss through one activation a_m: (Σ upstream terms of a_m)·∂a_m/∂z_j.

    An elementwise activation has one route (through a_j itself); softmax has one through every
    output o_m of its layer, because each o_m depends on every z_j.
    """

    unit: Unit  # the unit whose activation a_m this route goes through
    upstream: tuple[UpstreamTerm, ...]  # the terms of ∂L/∂a_m
    local: LocalDerivative  # ∂a_m/∂z_j

    @property
    def upstream_formula(self) -> sp.Expr:
        return sp.Add(*[term.formula for term in self.upstream])

    @property
    def formula(self) -> sp.Expr:
        return self.upstream_formula * self.local.formula


@dataclass(frozen=True)
class DeltaDefinition:
    """δ_j = ∂L/∂z_j = (Σ upstream terms) · ∂a_j/∂z_j, summed over every route for softmax.

    `upstream` and `activation_derivative` describe the route through a_j itself; `routes`
    holds every route (the same single one for an elementwise activation).
    """

    unit: Unit
    upstream: tuple[UpstreamTerm, ...]
    activation_derivative: LocalDerivative
    routes: tuple[ActivationRoute, ...] = ()

    @property
    def symbol(self) -> sp.Symbol:
        assert self.unit.delta is not None
        return self.unit.delta

    @property
    def upstream_formula(self) -> sp.Expr:
        return sp.Add(*[term.formula for term in self.upstream])

    @property
    def is_elementwise(self) -> bool:
        return len(self.routes) <= 1

    @property
    def formula(self) -> sp.Expr:
        if self.is_elementwise:
            return self.upstream_formula * self.activation_derivative.formula
        # every product is one Mul, so ∂L/∂o_m = −y_m/o_m times o_m(δ_mj − o_j) cancels o_m
        return sp.Add(*[route.formula for route in self.routes])


@dataclass(frozen=True)
class Backprop:
    """The backward sweep over a whole network: every δ and every gradient's δ form."""

    network: Network
    deltas: dict[sp.Symbol, DeltaDefinition]  # keyed by δ symbol, output layer first
    #: weight name -> δ_j · a_i in numbering order, then trainable bias name -> Σ_j δ_j
    gradients: dict[str, sp.Expr]


@dataclass(frozen=True)
class Derivation:
    """Everything symbolic about one weight's gradient."""

    network: Network
    weight: Weight
    path_count: int
    paths: tuple[ChainPath, ...]  # empty when path_count > MAX_PATHS
    deltas: tuple[DeltaDefinition, ...]  # the δs the gradient needs, output layer first
    delta_form: sp.Expr  # δ_j · a_i
    closed_form: sp.Expr | None = field(default=None)
    #: when the closed form was left out for its size: how many symbols and operations it
    #: would have had (more than MAX_CLOSED_FORM_SIZE)
    closed_form_size: int | None = None

    @property
    def chain_rule(self) -> sp.Expr:
        """The sum over paths, as one expression in node symbols."""
        return sp.Add(*[path.formula for path in self.paths])


def backward_sweep(network: Network) -> Backprop:
    """δ for every unit, output layer first, and ∂L/∂p for every parameter.

    The general sweep over the network's graph gives every node the sum over its uses; this is
    the layered view of it: δ_j = ∂L/∂z_j with its routes and upstream terms, and ∂L/∂w = δ_j·a_i
    (a sum of such terms for a weight used in several places).
    """
    result = network.sweep
    deltas: dict[sp.Symbol, DeltaDefinition] = {}
    for units in reversed(network.layers[1:]):
        for unit in units:
            deltas[_delta_symbol(unit)] = _delta_definition(network, unit)
    gradients = {
        parameter.name: result.formula(parameter.symbol) for parameter in network.parameters
    }
    return Backprop(network=network, deltas=deltas, gradients=gradients)


def derive(
    network: Network,
    weight_name: str,
    *,
    sweep: Backprop | None = None,
    closed_form: bool | None = None,
) -> Derivation:
    """The derivation of ∂L/∂weight_name.

    `closed_form=None` builds the closed form only for networks of at most
    MAX_WEIGHTS_FOR_CLOSED_FORM weights, where it is still printable.
    """
    if not isinstance(weight_name, str):
        raise TypeError(f"weight_name must be a string, not {type(weight_name).__name__}")
    weight = network.weight(weight_name)
    sweep = sweep if sweep is not None else backward_sweep(network)
    target = weight.target
    needed = [
        definition
        for definition in sweep.deltas.values()
        if definition.unit.layer > target.layer or definition.unit is target
    ]
    # every route from the weight: through each edge it sits on (more than one when tied)
    path_count = _count_routes(network, weight.symbol)
    paths = _paths(network, weight) if path_count <= MAX_PATHS else ()
    delta_form = sweep.gradients[weight.name]
    closed, size = _closed_form_if_printable(network, sweep, delta_form, closed_form)
    return Derivation(
        network=network,
        weight=weight,
        path_count=path_count,
        paths=paths,
        deltas=tuple(needed),
        delta_form=delta_form,
        closed_form=closed,
        closed_form_size=size,
    )


def _closed_form_if_printable(
    network: Network, sweep: Backprop, expr: sp.Expr, wanted: bool | None
) -> tuple[sp.Expr | None, int | None]:
    """The closed form when asked for (None: when the network is small and the closed form
    printable), and the size it would have had when it was left out for being too large."""
    if wanted is False:
        return None, None
    if wanted is None:
        if len(network.weights) > MAX_WEIGHTS_FOR_CLOSED_FORM:
            return None, None
        size = closed_form_size(network, sweep, expr)
        if size > MAX_CLOSED_FORM_SIZE:
            return None, size
    return closed_form_of(network, sweep, expr), None


def closed_form_size(network: Network, sweep: Backprop, expr: sp.Expr) -> int:
    """How many symbols and operations the closed form of `expr` has, counted on the small
    definitions without building it (sympy's flattening may make the real one a little smaller).
    """
    sizes: dict[sp.Symbol, int] = {}

    def size(node: sp.Basic) -> int:
        if isinstance(node, sp.Symbol):
            return sizes.get(node, 1)
        return 1 + sum(size(arg) for arg in node.args)

    for symbol, definition in network.definitions.items():
        sizes[symbol] = size(definition)
    for symbol, delta in sweep.deltas.items():  # output layer first, as closed_form_of
        sizes[symbol] = size(delta.formula)
    return size(expr)


@dataclass(frozen=True)
class BiasDerivation:
    """∂L/∂b for a bias: ∂z_j/∂b = 1 for each of its units j, so ∂L/∂b = Σ_j δ_j."""

    network: Network
    bias: Bias
    deltas: tuple[DeltaDefinition, ...]  # the δs the gradient needs, output layer first
    delta_form: sp.Expr  # Σ_j δ_j
    closed_form: sp.Expr | None = None
    closed_form_size: int | None = None  # as Derivation's


def derive_bias(
    network: Network,
    name: str,
    *,
    sweep: Backprop | None = None,
    closed_form: bool | None = None,
) -> BiasDerivation:
    """The derivation of ∂L/∂name for a bias (trainable or fixed)."""
    bias = network.bias(name)
    sweep = sweep if sweep is not None else backward_sweep(network)
    needed = [
        definition
        for definition in sweep.deltas.values()
        if definition.unit.layer > bias.layer or definition.unit in bias.targets
    ]
    delta_form = sp.Add(*[_delta_symbol(unit) for unit in bias.targets])
    closed, size = _closed_form_if_printable(network, sweep, delta_form, closed_form)
    return BiasDerivation(network, bias, tuple(needed), delta_form, closed, size)


@dataclass(frozen=True)
class UnitDerivation:
    """∂L/∂a for one unit's value: an input x_i, a hidden activation h_j or an output o_k.

    The chain rule runs from the unit itself (not from a weight): its paths start at a, and its
    δ form is the sum of the upstream terms, ∂L/∂a_j = Σ_k δ_k·w_jk for an input or hidden
    unit (one term per unit it feeds) and the loss's own ∂L/∂o_k for an output. This is
    Mazur's ∂E_total/∂out_h1 and CS231n's dx.
    """

    network: Network
    unit: Unit
    path_count: int
    paths: tuple[ChainPath, ...]  # empty when path_count > MAX_PATHS
    upstream: tuple[UpstreamTerm, ...]  # the terms of ∂L/∂a (δ_k·w_jk, or ∂L/∂o_k)
    deltas: tuple[DeltaDefinition, ...]  # the δs the terms need, output layer first
    closed_form: sp.Expr | None = None
    closed_form_size: int | None = None  # as Derivation's

    @property
    def symbol(self) -> sp.Symbol:
        """a: the unit's value, what is differentiated with respect to."""
        return self.unit.a

    @property
    def delta_form(self) -> sp.Expr:
        """Σ upstream terms, e.g. δ_o1·w5 + δ_o2·w6 for h1."""
        return sp.Add(*[term.formula for term in self.upstream])

    @property
    def chain_rule(self) -> sp.Expr:
        """The sum over paths, as one expression in node symbols."""
        return sp.Add(*[path.formula for path in self.paths])


def derive_unit(
    network: Network,
    name: str,
    *,
    sweep: Backprop | None = None,
    closed_form: bool | None = None,
) -> UnitDerivation:
    """The derivation of ∂L/∂name for a unit (x1, h1, h2_3, o1): its value's gradient."""
    unit = network.units.get(name)
    if unit is None:
        raise UnknownUnitError(name, tuple(network.units))
    sweep = sweep if sweep is not None else backward_sweep(network)
    upstream = _upstream_terms(network, unit)
    needed = tuple(d for d in sweep.deltas.values() if d.unit.layer > unit.layer)
    path_count = _count_routes(network, unit.a)
    paths = _paths_from(network, unit.a) if path_count <= MAX_PATHS else ()
    delta_form = sp.Add(*[term.formula for term in upstream])
    closed, size = _closed_form_if_printable(network, sweep, delta_form, closed_form)
    return UnitDerivation(network, unit, path_count, paths, upstream, needed, closed, size)


def unit_gradient_forms(network: Network) -> dict[str, sp.Expr]:
    """∂L/∂a for every unit by name (inputs, hidden, outputs), in δ form: what numbers use."""
    result = network.sweep
    return {unit.name: result.formula(unit.a) for units in network.layers for unit in units}


def derive_all(network: Network, *, closed_form: bool | None = None) -> tuple[Derivation, ...]:
    """One derivation per weight, in numbering order, sharing one backward sweep."""
    sweep = backward_sweep(network)
    return tuple(
        derive(network, weight.name, sweep=sweep, closed_form=closed_form)
        for weight in network.weights
    )


def closed_form_of(network: Network, sweep: Backprop, expr: sp.Expr) -> sp.Expr:
    """`expr` (which may contain δ symbols) in inputs, targets and weights only."""
    expanded_deltas: dict[sp.Symbol, sp.Expr] = {}
    # Output-layer δs first, so that every δ a hidden δ refers to is already expanded.
    for symbol, definition in sweep.deltas.items():
        expanded_deltas[symbol] = definition.formula.xreplace(expanded_deltas)
    return network.closed_form(expr.xreplace(expanded_deltas))


def _delta_symbol(unit: Unit) -> sp.Symbol:
    assert unit.delta is not None
    return unit.delta


def _z_symbol(unit: Unit) -> sp.Symbol:
    assert unit.z is not None
    return unit.z


def _upstream_terms(network: Network, unit: Unit) -> tuple[UpstreamTerm, ...]:
    """The terms of ∂L/∂a: one per use of a (δ_k·w_jk for a z_k above, ∂L/∂o for the loss)."""
    # an output that is not the objective (loss = "output") reaches nothing: no terms
    uses = network.sweep.gradient(unit.a).uses
    return tuple(UpstreamTerm(child=use.user, formula=use.term) for use in uses)


def _delta_definition(network: Network, unit: Unit) -> DeltaDefinition:
    z = _z_symbol(unit)
    routes = []
    for use in network.sweep.gradient(z).uses:  # a_j, or every o_m of a softmax layer
        through = network.unit_of_symbol[use.user]
        local = LocalDerivative(of=use.user, wrt=z, formula=use.local)
        routes.append(ActivationRoute(through, _upstream_terms(network, through), local))
    own = next(route for route in routes if route.unit == unit)
    return DeltaDefinition(
        unit=unit,
        upstream=own.upstream,
        activation_derivative=own.local,
        routes=tuple(routes),
    )


def _count_paths(network: Network, unit: Unit) -> int:
    """Routes from z of `unit` to the loss (softmax multiplies them by its layer's width)."""
    return network.path_counts[_z_symbol(unit)]


def _count_routes(network: Network, symbol: sp.Symbol) -> int:
    """Routes from any symbol to the loss (an input is not derived, so it is summed here)."""
    if symbol in network.path_counts:
        return network.path_counts[symbol]
    return sum(network.path_counts.get(c, 0) for c in network.children.get(symbol, ()))


def _paths(network: Network, weight: Weight) -> tuple[ChainPath, ...]:
    """Every route weight → z_j → a_j → z_k → … → L, as chain-rule factors."""
    return _paths_from(network, weight.symbol)


def _paths_from(network: Network, start: sp.Symbol) -> tuple[ChainPath, ...]:
    """Every route start → … → L, as chain-rule factors from the loss back to start."""
    routes: list[list[sp.Symbol]] = []

    def walk(route: list[sp.Symbol]) -> None:
        node = route[-1]
        if node == network.loss:
            routes.append(route)
            return
        for child in network.children.get(node, ()):
            walk([*route, child])

    walk([start])
    paths = []
    for route in routes:
        factors = [
            LocalDerivative(of=child, wrt=parent, formula=network.local_derivative(child, parent))
            for parent, child in zip(route, route[1:], strict=False)
        ]
        paths.append(ChainPath(factors=tuple(reversed(factors))))
    return tuple(paths)


def printed_terms(network: Network, names: list[str]) -> int:
    """About how many terms the derivations of `names` print: per weight, the δ rows of its own
    unit and of every layer above (each as many terms as the unit has children, plus its
    σ′), and its chain-rule paths when they are listed."""
    depth = len(network.layers) - 1
    row_terms = {
        unit.name: len(network.children.get(unit.a, ())) + 2
        for units in network.layers[1:]
        for unit in units
    }
    above: dict[int, int] = {depth: 0}
    for layer in range(depth, 0, -1):
        above[layer - 1] = above[layer] + sum(row_terms[u.name] for u in network.layers[layer])
    weights = {w.name: w for w in network.weights}
    # each derivation also costs in proportion to the whole network (the renderer names every
    # parameter for each one: 80 ms a derivation at 16,384 weights), about 30 weights a term
    fixed = 20 + len(network.weights) // 30
    total = 0
    for name in names:
        weight = weights.get(name)
        if weight is None:  # a bias: its units' δ rows and those above
            bias = network.bias(name)
            total += above[bias.layer] + fixed
            continue
        unit = weight.target
        paths = network.path_counts[_z_symbol(unit)]
        listed = paths * (2 * (depth - unit.layer + 1) + 1) if paths <= MAX_PATHS else 0
        total += above[unit.layer] + row_terms[unit.name] + listed + fixed
    return total


def check_printable(network: Network, names: list[str], fmt: str) -> None:
    """SymbpError when the derivations of `names` are too many terms to print in `fmt`."""
    limit = MAX_PRINTED_TERMS.get(fmt, MAX_PRINTED_TERMS["json"])
    terms = printed_terms(network, names)
    if terms > limit:
        raise SymbpError(
            f"these {len(names):,} derivations would print about {terms:,} terms, more than "
            f"{limit:,} in {fmt}: derive fewer weights (--weight NAME), or check every "
            "gradient at once with symbp check"
        )
