"""The convolutional network: a builder of the general graph, and its numbers.

Every kernel weight and bias is one parameter leaf, used by every position of its filter: the
backward sweep (symbp.core.opgraph) then gives it the sum over the positions it touched, and
nothing here sums over positions by hand. A conv layer makes one node per output value,
z[f,i,j] = Σ_{c,u,v} w[f,c,u,v]·x[c, i·s+u−p, j·s+v−p] + b[f] (the terms that fall on padding
are 0 and left out), and one node per activation a = f(z); max pooling is the table's max of its
window, average pooling the window's sum / size²; dense layers are z = Σ w·a + b, a = f(z); the
loss node is the table's loss of the last layer's values. With several samples the graph holds
each sample's copy of the network, sharing the parameters, and L is their mean (or sum).

Local derivatives are the table's (f′ as textbooks write it, softmax's Jacobian, ∂L/∂o), read
off for the linear nodes, and for a max the window's routing as torch routes it: the first
maximum in row-major window order wins, written as a product of Heaviside steps (strict against
the earlier entries of the window, ≥ against the later ones).

Numbers (`ConvNet.evaluate`): every node's value and every gradient in float64, evaluated from
those very definitions and local derivatives — each distinct expression shape compiled once and
applied to all the nodes of that shape at once — and summed over the uses as the sweep sums them
(upstream × local). Public interface (kept stable for displays built on it):

    net = ConvNet(spec)                  # spec: symbp.core.conv_spec.ConvSpec
    numbers = net.evaluate()             # ConvNumbers: .loss, .value(sym), .gradient(sym), …
    net.parameter_symbol("conv1_w[0,0,1,2]"); net.parameter_names; net.maps[(sample, layer)]
    net.sweep                            # the general Sweep (named gradients g_…)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from symbp.core.conv_spec import (
    ConvLayer,
    ConvSpec,
    DenseLayer,
    FlattenLayer,
    PoolLayer,
    element_name,
    tensor_indices,
)
from symbp.core.functions import activation as activation_entry
from symbp.core.functions import loss as loss_entry
from symbp.core.operations import ADD, MAX
from symbp.core.opgraph import (
    CONSTANT,
    INPUT,
    PARAMETER,
    Graph,
    Node,
    Sweep,
    Use,
    product,
    sweep,
)
from symbp.errors import UnknownWeightError

__all__ = ["ConvNet", "ConvNumbers", "FeatureMap", "AVERAGE", "WEIGHTED_SUM"]

#: the graph operations this builder adds besides the table's activations, max and loss
WEIGHTED_SUM = "weighted_sum"
AVERAGE = "average"


def _real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class FeatureMap:
    """One layer's values for one sample: symbols by [channel][row][column] (a dense layer's
    by [unit]), and the node `kind` (z, a, pool) for displays."""

    layer: int  # 0 for the input
    kind: str
    symbols: tuple[Any, ...]  # nested tuples of sp.Symbol

    @property
    def flat(self) -> tuple[sp.Symbol, ...]:
        return tuple(_flatten(self.symbols))


def _flatten(nested: Any) -> list[sp.Symbol]:
    if isinstance(nested, tuple):
        return [s for item in nested for s in _flatten(item)]
    return [nested]


def _nest(flat: Sequence[sp.Symbol], shape: tuple[int, ...]) -> Any:
    if len(shape) == 1:
        return tuple(flat)
    step = math.prod(shape[1:])
    return tuple(_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0]))


class ConvNet:
    """A ConvSpec as a graph of operations (every sample, every position) with its names."""

    def __init__(self, spec: ConvSpec) -> None:
        self.spec = spec
        self.nodes: list[Node] = []
        #: a reader's name for every symbol: conv1_w[0,0,1,2], x[0,1,2], conv1_z[0,1,1], L
        self.names: dict[sp.Symbol, str] = {}
        #: the value of every leaf: pixels, parameters, targets
        self.leaf_values: dict[sp.Symbol, float] = {}
        #: (sample, layer) -> the layer's output values (layer 0: the input); conv and dense
        #: layers also under (sample, -layer) for their pre-activations z
        self.maps: dict[tuple[int, int], FeatureMap] = {}
        #: each weighted sum's products (weight, input) and its bias (or None)
        self.terms: dict[
            sp.Symbol, tuple[tuple[tuple[sp.Symbol, sp.Symbol], ...], sp.Symbol | None]
        ] = {}
        #: each weighted sum's local derivatives, read off: {w: x, x: w, b: 1}
        self.linear: dict[sp.Symbol, dict[sp.Symbol, sp.Expr]] = {}
        #: each max node's window in row-major order (its local derivatives' order)
        self.windows: dict[sp.Symbol, tuple[sp.Symbol, ...]] = {}
        #: groups of nodes that may be evaluated together, in forward order
        self.stages: list[list[sp.Symbol]] = []
        self._activation_of: dict[sp.Symbol, Any] = {}
        self._layer_outputs: dict[
            sp.Symbol, tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]
        ] = {}
        self._loss_of: dict[sp.Symbol, tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]] = {}
        self._numeric: dict[sp.Symbol, sp.Expr] = {}  # a stabler form to compute a value with
        self._cache: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
        self.parameters: dict[str, sp.Symbol] = {}
        self._parameter_leaves()
        self.samples = len(spec.inputs)
        pixel_nodes: list[Node] = []
        target_nodes: list[Node] = []
        for sample in range(self.samples):
            self._input(sample, pixel_nodes)
        self.nodes = pixel_nodes + self.nodes  # leaves first: pixels, then parameters
        # each layer's nodes of every sample form a stage (z, then a), evaluated together
        layer_stages: dict[int, list[list[sp.Symbol]]] = {}
        finals = [self._body(sample, layer_stages) for sample in range(self.samples)]
        for _, groups in sorted(layer_stages.items()):
            self.stages.extend(group for group in groups if group)
        loss_stage: list[sp.Symbol] = []
        for sample, outputs in enumerate(finals):
            targets = self._targets(sample, target_nodes)
            loss_stage.append(self._loss(sample, outputs, targets))
        leaves = len(pixel_nodes) + len(self.parameters)
        self.nodes[leaves:leaves] = target_nodes  # the targets are leaves too
        self.stages.append(loss_stage)
        if self.samples == 1:
            self.root = loss_stage[0]
        else:
            self.root = _real("L")
            self.names[self.root] = "L"
            total = sp.Add(*loss_stage)
            definition = total / self.samples if spec.reduction == "mean" else total
            self.nodes.append(Node(self.root, ADD.name, tuple(loss_stage), definition))
            self.stages.append([self.root])
        self.graph = Graph(self.nodes, self.root, local=self._local)

    # -- building ------------------------------------------------------------------------------

    def _parameter_leaves(self) -> None:
        for key, shape in self.spec.tensors:
            layer_name, kind = key.rsplit("_", 1)
            number = layer_name.removeprefix("conv").removeprefix("dense")
            stem = ("W" if kind == "w" else "B") + number
            for index, value in zip(tensor_indices(shape), self.spec.values(key), strict=True):
                symbol = _real(f"{stem}_{'_'.join(str(i) for i in index)}")
                name = element_name(key, index)
                self.parameters[name] = symbol
                self.names[symbol] = name
                self.leaf_values[symbol] = value
                self.nodes.append(Node(symbol, PARAMETER))

    def _suffix(self, sample: int) -> str:
        return "" if sample == 0 else str(sample + 1)

    def _input(self, sample: int, nodes: list[Node]) -> tuple[sp.Symbol, ...]:
        c, h, w = self.spec.input_shape
        symbols = []
        for (ch, i, j), value in zip(
            tensor_indices((c, h, w)), self.spec.inputs[sample], strict=True
        ):
            symbol = _real(f"x_{sample + 1}_{ch}_{i}_{j}")
            self.names[symbol] = f"x{self._suffix(sample)}[{ch},{i},{j}]"
            self.leaf_values[symbol] = value
            nodes.append(Node(symbol, INPUT))
            symbols.append(symbol)
        self.maps[(sample, 0)] = FeatureMap(0, "x", _nest(symbols, (c, h, w)))
        return tuple(symbols)

    def _node(
        self, name: str, label: str, op: str, inputs: tuple[sp.Symbol, ...], definition: sp.Expr
    ) -> sp.Symbol:
        symbol = _real(name)
        self.names[symbol] = label
        self.nodes.append(Node(symbol, op, inputs, definition))
        return symbol

    def _body(self, sample: int, stages: dict[int, list[list[sp.Symbol]]]) -> tuple[sp.Symbol, ...]:
        """The sample's layers; returns the last layer's values, flat."""
        values = self.maps[(sample, 0)].flat  # flat [C][H][W]: a flatten changes nothing
        tag = self._suffix(sample)
        for layer in self.spec.layers:
            groups = stages.setdefault(layer.number, [])
            if isinstance(layer, ConvLayer):
                z, a = self._conv(layer, sample, values, tag)
                values = a
            elif isinstance(layer, PoolLayer):
                z, a = self._pool(layer, sample, values, tag), ()
                values = z
            elif isinstance(layer, FlattenLayer):
                continue
            else:
                z, a = self._dense(layer, sample, values, tag)
                values = a
            while len(groups) < 2:
                groups.append([])
            groups[0].extend(z)
            groups[1].extend(a)
        return values

    def _conv(
        self, layer: ConvLayer, sample: int, values: tuple[sp.Symbol, ...], tag: str
    ) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
        channels, height, width = layer.in_shape
        filters, out_h, out_w = layer.out_shape
        k, s, p = layer.kernel, layer.stride, layer.padding
        entry = activation_entry(layer.activation, self.spec.activation_parameter(layer.activation))
        n = layer.number
        zs: list[sp.Symbol] = []
        as_: list[sp.Symbol] = []
        for f, i, j in itertools.product(range(filters), range(out_h), range(out_w)):
            pairs = []
            for c, u, v in itertools.product(range(channels), range(k), range(k)):
                row, col = i * s + u - p, j * s + v - p
                if 0 <= row < height and 0 <= col < width:
                    weight = self.parameters[f"conv{n}_w[{f},{c},{u},{v}]"]
                    pairs.append((weight, values[(c * height + row) * width + col]))
            bias = self.parameters.get(f"conv{n}_b[{f}]")
            zs.append(
                self._weighted_sum(
                    f"z{n}_{sample + 1}_{f}_{i}_{j}", f"conv{n}_z{tag}[{f},{i},{j}]", pairs, bias
                )
            )
        for z, (f, i, j) in zip(
            zs, itertools.product(range(filters), range(out_h), range(out_w)), strict=True
        ):
            a = self._node(
                f"a{n}_{sample + 1}_{f}_{i}_{j}",
                f"conv{n}_a{tag}[{f},{i},{j}]",
                entry.name,
                (z,),
                entry.apply(z),
            )
            self._activation_of[a] = entry
            as_.append(a)
        self.maps[(sample, -n)] = FeatureMap(n, "z", _nest(zs, layer.out_shape))
        self.maps[(sample, n)] = FeatureMap(n, "a", _nest(as_, layer.out_shape))
        return tuple(zs), tuple(as_)

    def _weighted_sum(
        self,
        name: str,
        label: str,
        pairs: list[tuple[sp.Symbol, sp.Symbol]],
        bias: sp.Symbol | None,
    ) -> sp.Symbol:
        # unevaluated: the terms are distinct products, which sympy's Add would only sort
        # (its flattening is most of the graph's building time on an MNIST-size layer)
        terms = [product(w, x) for w, x in pairs] + ([bias] if bias is not None else [])
        definition = terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)
        inputs: dict[sp.Symbol, None] = {}
        for w, x in pairs:
            inputs[w] = None
            inputs[x] = None
        if bias is not None:
            inputs[bias] = None
        symbol = self._node(name, label, WEIGHTED_SUM, tuple(inputs), definition)
        self.terms[symbol] = (tuple(pairs), bias)
        coefficients: dict[sp.Symbol, sp.Expr] = {}
        for w, x in pairs:
            coefficients[w] = x
            coefficients[x] = w
        if bias is not None:
            coefficients[bias] = sp.S.One
        self.linear[symbol] = coefficients
        return symbol

    def _pool(
        self, layer: PoolLayer, sample: int, values: tuple[sp.Symbol, ...], tag: str
    ) -> tuple[sp.Symbol, ...]:
        channels, height, width = layer.in_shape
        _, out_h, out_w = layer.out_shape
        k, s, n = layer.size, layer.stride, layer.number
        pooled: list[sp.Symbol] = []
        for c, i, j in itertools.product(range(channels), range(out_h), range(out_w)):
            window = tuple(
                values[(c * height + i * s + u) * width + j * s + v]
                for u, v in itertools.product(range(k), range(k))
            )
            name, label = f"p{n}_{sample + 1}_{c}_{i}_{j}", f"pool{n}{tag}[{c},{i},{j}]"
            if layer.kind == MAX.name:
                # unevaluated: sympy's Max compares its arguments when it is built (17 ms a window)
                definition = sp.Max(*window, evaluate=False) if len(window) > 1 else window[0]
                symbol = self._node(name, label, MAX.name, tuple(dict.fromkeys(window)), definition)
            else:
                definition = sp.Add(*window) / (k * k)
                symbol = self._node(name, label, AVERAGE, tuple(dict.fromkeys(window)), definition)
            self.windows[symbol] = window
            pooled.append(symbol)
        self.maps[(sample, n)] = FeatureMap(n, "pool", _nest(pooled, layer.out_shape))
        return tuple(pooled)

    def _dense(
        self, layer: DenseLayer, sample: int, values: tuple[sp.Symbol, ...], tag: str
    ) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
        n = layer.number
        entry = activation_entry(layer.activation, self.spec.activation_parameter(layer.activation))
        zs = []
        for j in range(layer.outputs):
            pairs = [
                (self.parameters[f"dense{n}_w[{j},{i}]"], values[i]) for i in range(layer.inputs)
            ]
            bias = self.parameters.get(f"dense{n}_b[{j}]")
            zs.append(
                self._weighted_sum(f"z{n}_{sample + 1}_{j}", f"dense{n}_z{tag}[{j}]", pairs, bias)
            )
        if entry.elementwise:
            definitions = [entry.apply(z) for z in zs]
        else:
            assert entry.apply_layer is not None
            definitions = entry.apply_layer(zs)
        as_ = []
        for j, (z, definition) in enumerate(zip(zs, definitions, strict=True)):
            parents = (z,) if entry.elementwise else tuple(zs)
            a = self._node(
                f"a{n}_{sample + 1}_{j}", f"dense{n}_a{tag}[{j}]", entry.name, parents, definition
            )
            self._activation_of[a] = entry
            as_.append(a)
        if not entry.elementwise:
            for a in as_:
                self._layer_outputs[a] = (tuple(zs), tuple(as_))
        self.maps[(sample, -n)] = FeatureMap(n, "z", tuple(zs))
        self.maps[(sample, n)] = FeatureMap(n, "a", tuple(as_))
        return tuple(zs), tuple(as_)

    def _targets(self, sample: int, nodes: list[Node]) -> tuple[sp.Symbol, ...]:
        found = []
        for k, value in enumerate(self.spec.targets[sample]):
            symbol = _real(f"y_{sample + 1}_{k}")
            self.names[symbol] = f"y{self._suffix(sample)}[{k}]"
            self.leaf_values[symbol] = value
            nodes.append(Node(symbol, CONSTANT))
            found.append(symbol)
        return tuple(found)

    def _loss(
        self, sample: int, outputs: tuple[sp.Symbol, ...], targets: tuple[sp.Symbol, ...]
    ) -> sp.Symbol:
        spec = self.spec
        entry = loss_entry(spec.loss, spec.loss_parameter)
        used = tuple(outputs[k] for k in spec.objective) if spec.objective else outputs
        definition = entry.apply(used, targets)
        name = "L" if self.samples == 1 else f"L_{sample + 1}"
        symbol = self._node(
            name,
            name if self.samples == 1 else f"L{sample + 1}",
            spec.loss,
            (*used, *targets),
            definition,
        )
        self._loss_of[symbol] = (used, targets)
        last = spec.layers[-1]
        if (
            entry.logit_form is not None
            and isinstance(last, DenseLayer)
            and last.activation == entry.logit_activation
        ):
            pre = self.maps[(sample, -last.number)].flat
            self._numeric[symbol] = entry.logit_form(pre, targets)
        return symbol

    # -- names ---------------------------------------------------------------------------------

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self.parameters)

    def parameter_symbol(self, name: str) -> sp.Symbol:
        """The parameter called `name` (conv1_w[0,0,1,2]); a near miss is resolved as
        derive resolves a dense weight's name (case), else one line naming the closest."""
        found = self.parameters.get(name) or self.parameters.get(name.replace(" ", ""))
        if found is not None:
            return found
        from symbp.near import resolve

        resolved = resolve(name.replace(" ", ""), self.parameters)
        if resolved is not None:
            return self.parameters[resolved]
        raise UnknownWeightError(name, self.parameter_names)

    @cached_property
    def symbol_of_name(self) -> dict[str, sp.Symbol]:
        return {name: symbol for symbol, name in self.names.items()}

    def symbol(self, name: str) -> sp.Symbol:
        """Any node by its reader's name: a parameter, a pixel x[0,1,2], conv1_z[0,0,0]."""
        found = self.symbol_of_name.get(name.replace(" ", ""))
        if found is not None:
            return found
        from symbp.errors import UnknownUnitError
        from symbp.near import resolve

        resolved = resolve(name.replace(" ", ""), self.symbol_of_name)
        if resolved is not None:
            return self.symbol_of_name[resolved]
        raise UnknownUnitError(name, tuple(self.symbol_of_name))

    # -- calculus ------------------------------------------------------------------------------

    def _local(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        """∂of/∂wrt through of's own definition: read off a weighted sum, f′ as the table writes
        it, the max's routing, 1/size² of an average, ∂L/∂o from the loss's entry."""
        linear = self.linear.get(of)
        if linear is not None:  # read off: no need to cache
            return linear.get(wrt, sp.S.Zero)
        key = (of, wrt)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._nonlinear(of, wrt)
        return found

    def _nonlinear(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        node = self.graph.nodes[of]
        entry = self._activation_of.get(of)
        if entry is not None:
            if entry.elementwise:
                return entry.derivative(wrt, of)
            pre, outputs = self._layer_outputs[of]
            assert entry.jacobian is not None
            return entry.jacobian(outputs.index(of), pre.index(wrt), list(outputs))
        window = self.windows.get(of)
        if window is not None:
            if node.op == AVERAGE:
                return sp.Rational(window.count(wrt), len(window))
            return _max_routing(window, wrt)
        loss = self._loss_of.get(of)
        if loss is not None:
            used, targets = loss
            derivative = loss_entry(self.spec.loss, self.spec.loss_parameter).derivative
            if derivative is not None and wrt in used and not self.spec.objective:
                return derivative(used.index(wrt), list(used), list(targets))
        assert node.definition is not None
        return sp.diff(node.definition, wrt)

    @cached_property
    def sweep(self) -> Sweep:
        """The general backward sweep, every operation's gradient named g_<node>."""
        named = {
            symbol: _real(f"g_{symbol.name}")
            for symbol, node in self.graph.nodes.items()
            if not node.is_leaf and symbol != self.root
        }
        return sweep(self.graph, named)

    def uses(self, symbol: sp.Symbol) -> tuple[Use, ...]:
        """A node's uses exactly as the sweep writes them (each user's gradient by its name
        g_<user>, the root's by 1), without sweeping the whole graph first: derive shows one
        kernel weight's terms, and the full sweep of an MNIST-size net is a second of work."""
        if "sweep" in self.__dict__:  # already swept: read it
            return self.sweep.gradient(symbol).uses
        found = []
        for user in self.graph.users.get(symbol, ()):
            if self.graph.nodes[user].op == CONSTANT:  # as the sweep skips it
                continue
            local = self.graph.local_derivative(user, symbol)
            if user == self.root:
                found.append(Use(user, local, local))
            else:
                found.append(Use(user, local, product(_real(f"g_{user.name}"), local)))
        return tuple(found)

    def evaluate(self, parameters: Mapping[str, float] | None = None) -> ConvNumbers:
        """Every value and gradient in float64 (see the module's docstring), at the spec's
        parameters or at `parameters` (by name: an optimizer's later rounds)."""
        from symbp.core.conv_numeric import evaluate_graph

        leaf_values = self.leaf_values
        if parameters is not None:
            leaf_values = dict(leaf_values)
            for name, value in parameters.items():
                leaf_values[self.parameters[name]] = value
        values, gradients = evaluate_graph(
            self.graph, leaf_values, self.stages, self.terms, self._numeric
        )
        return ConvNumbers(self, values, gradients)


def _max_routing(window: tuple[sp.Symbol, ...], wrt: sp.Symbol) -> sp.Expr:
    """∂max/∂window[k] as torch routes it: 1 where window[k] is the first maximum in the
    window's row-major order, else 0 (each earlier entry strictly below, each later one ≤)."""
    if len(window) == 1:
        return sp.S.One
    k = window.index(wrt)
    factors = [_step(wrt, other, sp.S.Zero) for other in window[:k]]
    factors += [_step(wrt, other, sp.S.One) for other in window[k + 1 :]]
    return factors[0] if len(factors) == 1 else sp.Mul(*factors, evaluate=False)


def _step(a: sp.Symbol, b: sp.Symbol, at_zero: sp.Expr) -> sp.Expr:
    """Heaviside(a − b, at_zero) made as it reads, without sympy's evaluation (which asks the
    assumptions system about a − b: most of an MNIST-size graph's time)."""
    negated = sp.Mul._from_args((sp.S.NegativeOne, b), is_commutative=True)
    difference = sp.Add._from_args((a, negated), is_commutative=True)
    return sp.Expr.__new__(sp.Heaviside, difference, at_zero)


@dataclass(frozen=True)
class ConvNumbers:
    """Every node's value and gradient (∂L/∂node) in float64, by symbol."""

    net: ConvNet
    values: Mapping[sp.Symbol, float]
    gradients: Mapping[sp.Symbol, float]

    @property
    def loss(self) -> float:
        return self.values[self.net.root]

    def value(self, symbol: sp.Symbol) -> float:
        return self.values[symbol]

    def gradient(self, symbol: sp.Symbol) -> float:
        return self.gradients.get(symbol, 0.0)

    def at(self, expr: sp.Expr) -> float:
        """An expression of the nodes' symbols (a local derivative) at the forward pass: a
        symbol's value, or the expression evaluated exactly (30 digits) at the values."""
        if isinstance(expr, sp.Symbol):
            return self.values[expr]
        if expr.is_Number:
            return float(expr)
        exact = {s: sp.Float(self.values[s], 30) for s in expr.free_symbols}
        return float(expr.xreplace(exact).evalf(30))

    @property
    def parameter_gradients(self) -> dict[str, float]:
        """∂L/∂p for every parameter, by name, in the parameters' order."""
        return {name: self.gradient(s) for name, s in self.net.parameters.items()}

    def input_gradients(self, sample: int = 0) -> dict[str, float]:
        """∂L/∂x for every pixel of a sample, by name."""
        return {self.net.names[s]: self.gradient(s) for s in self.net.maps[(sample, 0)].flat}
