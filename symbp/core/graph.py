"""The dense network: one builder of the graph of operations, and its layered view.

Every unit j of a non-input layer has a pre-activation z_j = Σ_i w_ij·a_i and an activation
a_j = f(z_j); the loss L is a function of the output activations and the targets. The network is
kept as a computational graph of small definitions (one per symbol), never as one expanded
expression: derivations walk the graph, and a closed form is built only on request.

The graph is a symbp.core.opgraph.Graph (leaves x, w, b, y; one node per z, a and L), so the
backward sweep is the general one; units, layers, δ and paths are this builder's view of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import sympy as sp

from symbp.core.functions import Activation, activation
from symbp.core.functions import loss as loss_entry
from symbp.core.opgraph import CONSTANT, INPUT, PARAMETER, Graph, Node, Sweep, product, sweep
from symbp.core.spec import NetworkSpec, layer_owners, unit_name
from symbp.errors import UnknownWeightError

__all__ = ["Bias", "Network", "Unit", "Weight", "symbol_product", "unit_name"]


#: a·b made directly when both are plain symbols (see symbp.core.opgraph.product)
symbol_product = product


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
    #: a tied weight (one nn.Linear called twice): every (source, target) it sits on, its own
    #: edge first; empty for a weight on one edge only
    shared_edges: tuple[tuple[Unit, Unit], ...] = ()

    @property
    def uses(self) -> int:
        """On how many edges the weight sits (the terms of its gradient's sum)."""
        return max(1, len(self.shared_edges))


@dataclass(frozen=True)
class Bias:
    """One bias: added to the pre-activation of each of its units (one, or a whole layer's).

    A trainable bias is a parameter like a weight (its `position` follows the weights'); a
    fixed one keeps its value and gets no gradient.
    """

    name: str
    symbol: sp.Symbol
    targets: tuple[Unit, ...]
    layer: int
    position: int  # in the parameter order (weights first), or -1 when fixed
    value: float
    trainable: bool


def _latex_weight(name: str, position: int, numbering: str, edge_layer: int) -> str:
    if numbering == "layered":
        _, target, source = name.split("_")
        return f"w^{{({edge_layer})}}_{{{target}{source}}}"
    if numbering == "explicit":
        return r"\mathit{" + name.replace("_", r"\_") + "}"
    return f"w_{{{position + 1}}}"


def _latex_bias(
    name: str, targets: tuple[Unit, ...], latex: dict[sp.Symbol, str], explicit: bool = False
) -> str:
    if explicit:  # a source's own label (θ4, b1): shown as written
        return r"\mathit{" + name.replace("_", r"\_") + "}"
    if name.startswith("b_") and len({unit.index for unit in targets}) == 1:
        return f"b_{{{latex[targets[0].a]}}}"
    return f"b_{{{name[1:]}}}"


def _latex_unit(layer: int, index: int, n_layers: int) -> str:
    if layer == 0:
        return f"x_{{{index + 1}}}"
    if layer == n_layers - 1:
        return f"o_{{{index + 1}}}"
    if n_layers == 3:
        return f"h_{{{index + 1}}}"
    return f"h^{{({layer})}}_{{{index + 1}}}"


#: the graph operation of the L2 penalty node R (regularization = { l2 = λ })
PENALTY_OPERATION = "l2_penalty"


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
                    activation = self._activation(layer)
                units.append(Unit(name, layer, index, a, z, delta, activation))
            layers.append(tuple(units))
        self.layers: tuple[tuple[Unit, ...], ...] = tuple(layers)

        weights = []
        names = spec.weight_names
        for position, (edge, value) in enumerate(zip(spec.edges, spec.weights, strict=True)):
            name = names[position]
            symbol = sp.Symbol(name, real=True)
            latex[symbol] = _latex_weight(name, position, spec.numbering, edge.layer)
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
        #: every edge (weight, source, target) in numbering order, tied layers' edges too
        self.connections: tuple[tuple[Weight, Unit, Unit], ...] = tuple(
            (weights[position], self.layers[e.layer - 1][e.source], self.layers[e.layer][e.target])
            for e, position in spec.connections
        )
        if spec.tied_layers:
            weights = self._shared(weights)
            self.connections = tuple(
                (weights[w.position], source, target) for w, source, target in self.connections
            )
        self.weights: tuple[Weight, ...] = tuple(weights)
        self.biases: tuple[Bias, ...] = self._make_biases(latex)

        # the objective "output" has no targets
        n_targets = 0 if spec.objective_indices else spec.layers[-1]
        self.targets: tuple[sp.Symbol, ...] = tuple(
            sp.Symbol(f"y{k + 1}", real=True) for k in range(n_targets)
        )
        for k, y in enumerate(self.targets):
            latex[y] = f"y_{{{k + 1}}}"
        self.loss = sp.Symbol("L", real=True)
        latex[self.loss] = "L"
        self.latex_names: dict[sp.Symbol, str] = latex

        self._dropout(latex)

        self._incoming: dict[str, list[Weight]] = {}
        self._outgoing: dict[str, list[Weight]] = {}
        sources: dict[str, list[Unit]] = {}  # the source of each incoming weight, in order
        for weight, source, target in self.connections:
            self._incoming.setdefault(target.name, []).append(weight)
            self._outgoing.setdefault(source.name, []).append(weight)
            sources.setdefault(target.name, []).append(source)

        # One definition per derived symbol, in topological order (forward pass order), and
        # for each the symbols it uses (its parents), so that nothing has to search an
        # expression for them.
        definitions: dict[sp.Symbol, sp.Expr] = {}
        parents: dict[sp.Symbol, tuple[sp.Symbol, ...]] = {}
        # z_j = Σ w·a + b is linear: its local derivatives are read off, not differentiated
        linear: dict[sp.Symbol, dict[sp.Symbol, sp.Expr]] = {}
        biases_of: dict[str, list[Bias]] = {}
        for bias in self.biases:
            for unit in bias.targets:
                biases_of.setdefault(unit.name, []).append(bias)
        for layer_units in self.layers[1:]:
            for unit in layer_units:
                assert unit.z is not None
                incoming = list(zip(self.incoming(unit), sources[unit.name], strict=True))
                own_biases = biases_of.get(unit.name, [])
                definitions[unit.z] = sp.Add(
                    *[symbol_product(w.symbol, source.a) for w, source in incoming],
                    *[b.symbol for b in own_biases],
                )
                coefficients: dict[sp.Symbol, sp.Expr] = {}
                for w, source in incoming:
                    coefficients[w.symbol] = source.a
                    coefficients[source.a] = w.symbol
                for b in own_biases:
                    coefficients[b.symbol] = sp.S.One
                linear[unit.z] = coefficients
                parents[unit.z] = tuple(coefficients)
            self._define_activations(layer_units, definitions, parents)
        outputs = [unit.a for unit in self.outputs]
        loss = loss_entry(spec.loss, spec.loss_parameter)
        #: loss = "output": the output unit that is the objective (L = o_k), else None
        self.objective: Unit | None = None
        if spec.objective_output is not None:
            self.objective = self.outputs[spec.objective_output]
            outputs = [self.objective.a]
        elif spec.objective_sum:  # L = o_i + o_j + …: ∂L/∂o = 1 for each
            outputs = [self.outputs[k].a for k in spec.objective_sum]
        penalty, penalized = self._penalty(spec)
        #: regularization: R, the penalty's own node (L = … + R, R = ½λΣw²), else None
        self.penalty: sp.Symbol | None = None
        added: tuple[sp.Symbol, ...] = ()
        if penalized:
            self.penalty = sp.Symbol("R", real=True)
            latex[self.penalty] = "R"
            definitions[self.penalty] = penalty
            parents[self.penalty] = penalized
            added = (self.penalty,)
        definitions[self.loss] = loss.apply(outputs, self.targets) + sp.Add(*added)
        parents[self.loss] = (*outputs, *self.targets, *added)
        self.definitions = definitions
        self.parents = parents
        #: definitions to compute with instead, where the displayed one overflows or loses
        #: precision: the loss written with the output pre-activations (log-softmax, softplus)
        self.numeric_definitions: dict[sp.Symbol, sp.Expr] = {}
        pre = [unit.z for unit in self.outputs if unit.z is not None]
        logits = spec.activations[-1] == loss.logit_activation
        if loss.logit_form is not None and logits:
            self.numeric_definitions[self.loss] = loss.logit_form(pre, self.targets) + sp.Add(
                *added
            )
        #: L = Σ_k L_ok, one term per output (E_o1, E_o2 in Mazur's post): the symbol L_ok
        #: and its definition; empty for the objective "output". Not part of `definitions`:
        #: the derivation differentiates L itself.
        self.loss_terms: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
        #: the terms to compute with (written with the pre-activations where L is)
        self.numeric_loss_terms: dict[sp.Symbol, sp.Expr] = {}
        if loss.terms is not None:
            symbols = [sp.Symbol(f"L_{unit.name}", real=True) for unit in self.outputs]
            for symbol, unit in zip(symbols, self.outputs, strict=True):
                latex[symbol] = f"L_{{{latex[unit.a]}}}"
            self.loss_terms = tuple(zip(symbols, loss.terms(outputs, self.targets), strict=True))
            numeric = (
                loss.logit_terms(pre, self.targets)
                if loss.logit_terms is not None and logits
                else [definition for _, definition in self.loss_terms]
            )
            self.numeric_loss_terms = dict(zip(symbols, numeric, strict=True))
            if self.penalty is not None:  # L = Σ L_ok + R: the penalty is the last term
                self.loss_terms += ((self.penalty, penalty),)
                self.numeric_loss_terms[self.penalty] = penalty
        self._linear = linear
        self._derivative_cache: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
        self.graph = Graph(self._nodes(), self.loss, local=self._local_derivative)

    def _penalty(self, spec: NetworkSpec) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
        """regularization = { l2 = λ }: the term ½λΣw² (λΣw² for l2_convention = "full") of
        one sample's L, and the parameters it holds. Each sample's L carries it whole under
        reduction "mean" (the mean of the samples' L adds it once) and 1/N of it under "sum"."""
        if spec.l2 == 0:
            return sp.S.Zero, ()
        penalized = [w.symbol for w in self.weights]
        if spec.l2_biases:
            penalized += [b.symbol for b in self.biases if b.trainable]
        factor = sp.Float(spec.l2) * (1 if spec.l2_full else sp.Rational(1, 2))
        if spec.reduction != "mean" and len(spec.samples) > 1:
            factor = factor / len(spec.samples)
        return factor * sp.Add(*[p**2 for p in penalized]), tuple(penalized)

    def _dropout(self, latex: dict[sp.Symbol, str]) -> None:
        """dropout: a constant mask m_j (0 or 1, the sample's) for every unit of a layer with
        dropout and a constant p (keep_prob) per such layer, so that a_j = m_j·f(z_j)/p."""
        #: dropout: each dropped-out unit's mask symbol m_j, by unit name (layer, unit order)
        self.masks: dict[str, sp.Symbol] = {}
        #: dropout: keep_prob's symbol p (p_1, p_2 when the layers' differ) by hidden layer
        self.keep_symbols: dict[int, sp.Symbol] = {}
        #: the value of each keep_prob symbol
        self.keep_values: dict[sp.Symbol, float] = {}
        dropout = self.spec.dropout
        if dropout is None:
            return
        for layer, keep in zip(dropout.layers, dropout.keep_prob, strict=True):
            name = "p" if dropout.uniform_keep else f"p_{layer}"
            symbol = sp.Symbol(name, positive=True)
            latex[symbol] = "p" if dropout.uniform_keep else f"p_{{{layer}}}"
            self.keep_symbols[layer] = symbol
            self.keep_values[symbol] = keep
            for unit in self.layers[layer]:
                mask = sp.Symbol(f"m_{unit.name}", real=True)
                latex[mask] = f"m_{{{latex[unit.a]}}}"
                self.masks[unit.name] = mask

    def _shared(self, weights: list[Weight]) -> list[Weight]:
        """The weights with every edge each one sits on, for a spec with tied layers."""
        edges: dict[int, list[tuple[Unit, Unit]]] = {}
        for weight, source, target in self.connections:
            edges.setdefault(weight.position, []).append((source, target))
        return [
            replace(w, shared_edges=tuple(edges[w.position])) if len(edges[w.position]) > 1 else w
            for w in weights
        ]

    def _activation(self, layer: int) -> Activation:
        name = self.spec.activations[layer - 1]
        return activation(name, self.spec.activation_parameter(name))

    def _make_biases(self, latex: dict[sp.Symbol, str]) -> tuple[Bias, ...]:
        spec = self.spec
        names = spec.bias_names
        groups: list[tuple[Unit, ...]]
        if spec.bias == "per-layer":
            groups = [self.layers[layer] for layer in range(1, len(self.layers))]
        else:
            owners = layer_owners(len(self.layers), spec.tied_layers)
            groups = [
                tuple(
                    self.layers[tied][unit.index]
                    for tied in sorted(owners)
                    if owners[tied] == unit.layer
                )
                for units in self.layers[1:]
                for unit in units
                if owners[unit.layer] == unit.layer
            ]
            groups = groups[: len(names)]
        biases = []
        trainable_before = 0  # trainable biases take the parameter positions after the weights
        for index, (name, targets, value) in enumerate(
            zip(names, groups, spec.bias_values, strict=True)
        ):
            symbol = sp.Symbol(name, real=True)
            explicit = bool(spec.explicit_bias_names)
            latex[symbol] = _latex_bias(name, tuple(targets), latex, explicit)
            trainable = spec.bias_trainable_flags[index]
            position = len(self.weights) + trainable_before if trainable else -1
            trainable_before += trainable
            biases.append(
                Bias(name, symbol, tuple(targets), targets[0].layer, position, value, trainable)
            )
        return tuple(biases)

    def _define_activations(
        self,
        units: tuple[Unit, ...],
        definitions: dict[sp.Symbol, sp.Expr],
        parents: dict[sp.Symbol, tuple[sp.Symbol, ...]],
    ) -> None:
        """a = f(z) for each unit; softmax makes every output depend on every z of its layer."""
        pre = tuple(unit.z for unit in units if unit.z is not None)
        first = units[0].activation
        assert first is not None
        if not first.elementwise:
            assert first.apply_layer is not None
            assert not any(unit.name in self.masks for unit in units)  # refused by the spec
            for unit, expr in zip(units, first.apply_layer(pre), strict=True):
                definitions[unit.a] = expr
                parents[unit.a] = pre
            return
        for unit in units:
            assert unit.z is not None and unit.activation is not None
            definitions[unit.a] = unit.activation.apply(unit.z)
            parents[unit.a] = (unit.z,)
            mask = self.masks.get(unit.name)
            if mask is not None:  # inverted dropout: a = m·f(z)/p, 0 when dropped
                keep = self.keep_symbols[unit.layer]
                definitions[unit.a] = mask * definitions[unit.a] / keep
                parents[unit.a] = (unit.z, mask, keep)

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

    @cached_property
    def parameters(self) -> tuple[Weight | Bias, ...]:
        """What gradient descent changes, in order: every weight, then every trainable bias."""
        return self.weights + tuple(b for b in self.biases if b.trainable)

    def parameter(self, name: str) -> Weight | Bias:
        parameter = self._parameters_by_name.get(name)
        if parameter is None:
            raise UnknownWeightError(name, tuple(p.name for p in self.parameters))
        return parameter

    @cached_property
    def _parameters_by_name(self) -> dict[str, Weight | Bias]:
        return {p.name: p for p in self.parameters}

    def bias(self, name: str) -> Bias:
        for bias in self.biases:
            if bias.name == name:
                return bias
        raise UnknownWeightError(name, tuple(p.name for p in self.weights + self.biases))

    def weight(self, name: str) -> Weight:
        weight = self._weights_by_name.get(name)
        if weight is None:
            raise UnknownWeightError(name, tuple(w.name for w in self.weights))
        return weight

    @cached_property
    def _weights_by_name(self) -> dict[str, Weight]:
        # a dictionary: derive --all looks up every one of up to 20,000 names
        return {w.name: w for w in self.weights}

    @cached_property
    def weight_of_symbol(self) -> dict[sp.Symbol, Weight]:
        return {w.symbol: w for w in self.weights}

    @property
    def children(self) -> dict[sp.Symbol, tuple[sp.Symbol, ...]]:
        """For each symbol, the derived symbols whose definition uses it, in forward order."""
        return self.graph.users

    @property
    def path_counts(self) -> dict[sp.Symbol, int]:
        """For each symbol, how many routes lead from it to the loss."""
        return self.graph.path_counts

    def _nodes(self) -> list[Node]:
        """The graph's nodes: the leaves (inputs, parameters, fixed biases and targets), then
        one operation per definition in forward order (z: a weighted sum, a: its activation,
        L: the loss)."""
        nodes = [Node(unit.a, INPUT) for unit in self.inputs]
        nodes += [Node(weight.symbol, PARAMETER) for weight in self.weights]
        nodes += [Node(b.symbol, PARAMETER if b.trainable else CONSTANT) for b in self.biases]
        nodes += [Node(y, CONSTANT) for y in self.targets]
        nodes += [Node(mask, CONSTANT) for mask in self.masks.values()]
        nodes += [Node(keep, CONSTANT) for keep in self.keep_values]
        for symbol, definition in self.definitions.items():
            if symbol == self.loss:
                op = self.spec.loss
            elif symbol == self.penalty:
                op = PENALTY_OPERATION
            elif symbol in self._linear:
                op = "weighted_sum"
            else:
                unit_activation = self.unit_of_symbol[symbol].activation
                assert unit_activation is not None
                op = unit_activation.name
            nodes.append(Node(symbol, op, self.parents[symbol], definition))
        return nodes

    @cached_property
    def sweep(self) -> Sweep:
        """The general backward sweep over this network's graph, δ_j naming ∂L/∂z_j."""
        named = {
            unit.z: unit.delta
            for units in self.layers[1:]
            for unit in units
            if unit.z is not None and unit.delta is not None
        }
        return sweep(self.graph, named)

    # -- calculus -----------------------------------------------------------------------------

    def local_derivative(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        """∂of/∂wrt through `of`'s own definition only, written with node symbols (a, z, y, w)."""
        return self.graph.local_derivative(of, wrt)

    def _local_derivative(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        """The dense builder's local derivatives: read off z's coefficients, f′ as textbooks
        write it, ∂L/∂o from the loss's own formula; anything else by sympy.diff."""
        linear = self._linear.get(of)
        if linear is not None:  # read off, no need to cache
            return linear.get(wrt, sp.S.Zero)
        key = (of, wrt)
        found = self._derivative_cache.get(key)
        if found is None:
            found = self._derivative_cache[key] = self._nonlinear_derivative(of, wrt)
        return found

    def _nonlinear_derivative(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        unit = self.unit_of_symbol.get(of)
        if unit is not None and of == unit.a and unit.activation is not None:
            return self._activation_derivative(unit, wrt)
        if of == self.loss and wrt in self._output_index:
            derivative = loss_entry(self.spec.loss, self.spec.loss_parameter).derivative
            if derivative is not None:
                outputs = [u.a for u in self.outputs]
                return derivative(self._output_index[wrt], outputs, self.targets)
        return sp.diff(self.definitions[of], wrt)

    @cached_property
    def _output_index(self) -> dict[sp.Symbol, int]:
        return {unit.a: unit.index for unit in self.outputs}

    def _activation_derivative(self, unit: Unit, wrt: sp.Symbol) -> sp.Expr:
        """∂a/∂z: f′(z) written with a and z, or a softmax Jacobian entry o_i(δ_ij − o_j)."""
        assert unit.activation is not None and unit.z is not None
        if unit.activation.elementwise:
            if wrt != unit.z:
                return sp.S.Zero
            mask = self.masks.get(unit.name)
            if mask is None:
                return unit.activation.derivative(unit.z, unit.a)
            # a = m·f(z)/p: f′ is written with z, since a is no longer f(z)
            keep = self.keep_symbols[unit.layer]
            plain = unit.activation.apply(unit.z)
            return mask * unit.activation.derivative(unit.z, plain) / keep
        other = self.unit_of_symbol.get(wrt)
        if other is None or other.layer != unit.layer or wrt != other.z:
            return sp.S.Zero
        assert unit.activation.jacobian is not None
        outputs = [u.a for u in self.layers[unit.layer]]
        return unit.activation.jacobian(unit.index, other.index, outputs)

    def closed_form(self, expr: sp.Expr) -> sp.Expr:
        """`expr` with every derived symbol replaced by its definition, recursively.

        The result contains only inputs, targets and weights. Its size grows with the network
        (the loss of an [8, 8, 8, 8] network is large): use it for small networks.
        """
        expanded: dict[sp.Symbol, sp.Expr] = {}
        for unit in self.inputs:
            expanded[unit.a] = unit.a
        for bias in self.biases:
            expanded[bias.symbol] = bias.symbol
        for symbol, definition in self.definitions.items():
            expanded[symbol] = definition.xreplace(expanded)
        return expr.xreplace(expanded)
