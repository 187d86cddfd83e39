"""The symbolic network: sympy symbols for every quantity and the equations that link them.

Every unit j of a non-input layer has a pre-activation z_j = Σ_i w_ij·a_i and an activation
a_j = f(z_j); the loss L is a function of the output activations and the targets. The network is
kept as a computational graph of small definitions (one per symbol), never as one expanded
expression: derivations walk the graph, and a closed form is built only on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from symbp.errors import UnknownWeightError
from symbp.functions import ACTIVATIONS, LOSSES, Activation
from symbp.spec import NetworkSpec


@dataclass(frozen=True)
class Unit:
    """One unit (neuron). For an input unit `a` is the input x_i and there is no z or δ."""

    name: str  # x1, h1, o2; h1_2 for unit 2 of hidden layer 1 when there are several
    layer: int  # 0 is the input layer
    index: int  # 0-based within the layer
    a: sp.Symbol
    z: sp.Symbol | None
    delta: sp.Symbol | None
    activation: Activation | None

    @property
    def is_input(self) -> bool:
        return self.layer == 0


@dataclass(frozen=True)
class Weight:
    """One weight: the edge source → target, its name and its initial value."""

    name: str
    symbol: sp.Symbol
    source: Unit
    target: Unit
    position: int  # 0-based index in the numbering order
    value: float


def unit_name(layer: int, index: int, n_layers: int) -> str:
    """x1.. for inputs, o1.. for outputs, h1.. for a single hidden layer, h<l>_<j> for several."""
    if layer == 0:
        return f"x{index + 1}"
    if layer == n_layers - 1:
        return f"o{index + 1}"
    if n_layers == 3:
        return f"h{index + 1}"
    return f"h{layer}_{index + 1}"


def _latex_unit(layer: int, index: int, n_layers: int) -> str:
    if layer == 0:
        return f"x_{{{index + 1}}}"
    if layer == n_layers - 1:
        return f"o_{{{index + 1}}}"
    if n_layers == 3:
        return f"h_{{{index + 1}}}"
    return f"h^{{({layer})}}_{{{index + 1}}}"


class Network:
    """A spec turned into sympy: symbols, one definition per derived symbol, and the loss."""

    def __init__(self, spec: NetworkSpec) -> None:
        self.spec = spec
        n_layers = len(spec.layers)
        latex: dict[sp.Symbol, str] = {}
        layers: list[tuple[Unit, ...]] = []
        for layer, size in enumerate(spec.layers):
            units: list[Unit] = []
            for index in range(size):
                name = unit_name(layer, index, n_layers)
                unit_tex = _latex_unit(layer, index, n_layers)
                a = sp.Symbol(name, real=True)
                latex[a] = unit_tex
                z = delta = None
                activation = None
                if layer > 0:
                    z = sp.Symbol(f"z_{name}", real=True)
                    delta = sp.Symbol(f"delta_{name}", real=True)
                    latex[z] = f"z_{{{unit_tex}}}"
                    latex[delta] = rf"\delta_{{{unit_tex}}}"
                    activation = ACTIVATIONS[spec.activations[layer - 1]]
                units.append(Unit(name, layer, index, a, z, delta, activation))
            layers.append(tuple(units))
        self.layers: tuple[tuple[Unit, ...], ...] = tuple(layers)

        weights = []
        names = spec.weight_names
        for position, (edge, value) in enumerate(zip(spec.edges, spec.weights, strict=True)):
            name = names[position]
            symbol = sp.Symbol(name, real=True)
            latex[symbol] = f"w_{{{position + 1}}}"
            weights.append(
                Weight(
                    name=name,
                    symbol=symbol,
                    source=self.layers[edge.layer - 1][edge.source],
                    target=self.layers[edge.layer][edge.target],
                    position=position,
                    value=value,
                )
            )
        self.weights: tuple[Weight, ...] = tuple(weights)

        self.targets: tuple[sp.Symbol, ...] = tuple(
            sp.Symbol(f"y{k + 1}", real=True) for k in range(spec.layers[-1])
        )
        for k, y in enumerate(self.targets):
            latex[y] = f"y_{{{k + 1}}}"
        self.loss = sp.Symbol("L", real=True)
        latex[self.loss] = "L"
        self.latex_names: dict[sp.Symbol, str] = latex

        self._incoming: dict[str, list[Weight]] = {}
        self._outgoing: dict[str, list[Weight]] = {}
        for weight in self.weights:
            self._incoming.setdefault(weight.target.name, []).append(weight)
            self._outgoing.setdefault(weight.source.name, []).append(weight)

        # One definition per derived symbol, in topological order (forward pass order), and
        # for each the symbols it uses (its parents), so that nothing has to search an
        # expression for them.
        definitions: dict[sp.Symbol, sp.Expr] = {}
        parents: dict[sp.Symbol, tuple[sp.Symbol, ...]] = {}
        # z_j = Σ w·a is linear: its local derivatives are read off, not differentiated
        linear: dict[sp.Symbol, dict[sp.Symbol, sp.Expr]] = {}
        for layer_units in self.layers[1:]:
            for unit in layer_units:
                assert unit.z is not None and unit.activation is not None
                incoming = self.incoming(unit)
                definitions[unit.z] = sp.Add(*[w.symbol * w.source.a for w in incoming])
                coefficients: dict[sp.Symbol, sp.Expr] = {}
                for w in incoming:
                    coefficients[w.symbol] = w.source.a
                    coefficients[w.source.a] = w.symbol
                linear[unit.z] = coefficients
                parents[unit.z] = tuple(coefficients)
                definitions[unit.a] = unit.activation.apply(unit.z)
                parents[unit.a] = (unit.z,)
        outputs = [unit.a for unit in self.outputs]
        definitions[self.loss] = LOSSES[spec.loss].apply(outputs, self.targets)
        parents[self.loss] = (*outputs, *self.targets)
        self.definitions = definitions
        self.parents = parents
        self._linear = linear
        self._derivative_cache: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}

    # -- structure ---------------------------------------------------------------------------

    @property
    def inputs(self) -> tuple[Unit, ...]:
        return self.layers[0]

    @property
    def outputs(self) -> tuple[Unit, ...]:
        return self.layers[-1]

    @cached_property
    def units(self) -> dict[str, Unit]:
        return {unit.name: unit for units in self.layers for unit in units}

    @cached_property
    def unit_of_symbol(self) -> dict[sp.Symbol, Unit]:
        """The unit that each a, z or δ symbol belongs to."""
        found: dict[sp.Symbol, Unit] = {}
        for unit in self.units.values():
            for symbol in (unit.a, unit.z, unit.delta):
                if symbol is not None:
                    found[symbol] = unit
        return found

    def incoming(self, unit: Unit) -> tuple[Weight, ...]:
        return tuple(self._incoming.get(unit.name, ()))

    def outgoing(self, unit: Unit) -> tuple[Weight, ...]:
        return tuple(self._outgoing.get(unit.name, ()))

    def weight(self, name: str) -> Weight:
        for weight in self.weights:
            if weight.name == name:
                return weight
        raise UnknownWeightError(name, tuple(w.name for w in self.weights))

    @cached_property
    def weight_of_symbol(self) -> dict[sp.Symbol, Weight]:
        return {w.symbol: w for w in self.weights}

    @cached_property
    def children(self) -> dict[sp.Symbol, tuple[sp.Symbol, ...]]:
        """For each symbol, the derived symbols whose definition uses it, in forward order."""
        found: dict[sp.Symbol, list[sp.Symbol]] = {}
        for symbol, parents in self.parents.items():
            for parent in parents:
                found.setdefault(parent, []).append(symbol)
        return {parent: tuple(kids) for parent, kids in found.items()}

    # -- calculus -----------------------------------------------------------------------------

    def local_derivative(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        """∂of/∂wrt through `of`'s own definition only, written with node symbols (a, z, y, w)."""
        key = (of, wrt)
        if key not in self._derivative_cache:
            unit = self.unit_of_symbol.get(of)
            if of in self._linear:
                result = self._linear[of].get(wrt, sp.S.Zero)
            elif unit is not None and of == unit.a and unit.activation is not None:
                assert unit.z is not None
                result = unit.activation.derivative(unit.z, unit.a) if wrt == unit.z else sp.S.Zero
            else:
                result = sp.diff(self.definitions[of], wrt)
            self._derivative_cache[key] = result
        return self._derivative_cache[key]

    def closed_form(self, expr: sp.Expr) -> sp.Expr:
        """`expr` with every derived symbol replaced by its definition, recursively.

        The result contains only inputs, targets and weights. Its size grows with the network
        (the loss of an [8, 8, 8, 8] network is large): use it for small networks.
        """
        expanded: dict[sp.Symbol, sp.Expr] = {}
        for unit in self.inputs:
            expanded[unit.a] = unit.a
        for symbol, definition in self.definitions.items():
            expanded[symbol] = definition.xreplace(expanded)
        return expr.xreplace(expanded)
