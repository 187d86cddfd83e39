"""Backpropagation in matrix form, computed with matrix arithmetic from the same graph.

Layer l of the network is a weight matrix W⁽ˡ⁾ (row j: unit j of layer l, column i: unit i of
layer l − 1, so entry (j, i) is the weight on the edge i → j) and a bias vector b⁽ˡ⁾. One sample
runs through it as vectors:

    z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾)                       (a⁽⁰⁾ = x)
    δ⁽ᴸ⁾ = ∇_a L ⊙ f′(z⁽ᴸ⁾)   or (J⁽ᴸ⁾)ᵀ∇_a L for a softmax output
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ ⊙ f′(z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ,  ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾

and several samples as matrices whose column n is sample n (A, Z, Δ), the gradients being
ΔAᵀ and Δ𝟏 over N (mean) or summed. The products, sums and transposes are computed here, entry by
entry, in float64; what is elementwise comes from the graph's own expressions: f(z) is each
unit's definition, f′ and the softmax Jacobian are the graph's local derivatives, ∇_a L the
loss's. So the matrix form is a second computation of the numbers the scalar derivation gives,
and the tests hold the two (and torch) to each other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from symbp.core.graph import Bias, Network, Unit, Weight
from symbp.core.numeric import Evaluation, ScalarFunction
from symbp.core.operations import cancels, loss_info
from symbp.errors import SymbpError

Vector = tuple[float, ...]
Grid = tuple[tuple[float, ...], ...]  # rows of a matrix


# -- matrix arithmetic ----------------------------------------------------------------------------


def matmul(left: Grid, right: Grid) -> Grid:
    """left · right, each entry an exactly rounded sum (math.fsum)."""
    columns = tuple(zip(*right, strict=True))
    return tuple(
        tuple(math.fsum(x * y for x, y in zip(row, column, strict=True)) for column in columns)
        for row in left
    )


def transpose(grid: Grid) -> Grid:
    return tuple(zip(*grid, strict=True))


def column(vector: Sequence[float]) -> Grid:
    return tuple((value,) for value in vector)


def row(vector: Sequence[float]) -> Grid:
    return (tuple(vector),)


def flat(grid: Grid) -> Vector:
    """A column (or row) vector's entries."""
    return tuple(value for line in grid for value in line)


def hadamard(left: Sequence[float], right: Sequence[float]) -> Vector:
    return tuple(x * y for x, y in zip(left, right, strict=True))


# -- the network as matrices ----------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """Layer l as matrices: W⁽ˡ⁾[j][i] is the weight on the edge sources[i] → units[j]."""

    number: int
    units: tuple[Unit, ...]
    sources: tuple[Unit, ...]
    weights: tuple[tuple[Weight, ...], ...]
    #: the bias added to each unit's z: one per unit, one shared by the layer, or none
    biases: tuple[Bias | None, ...]

    @property
    def elementwise(self) -> bool:
        activation = self.units[0].activation
        return activation is None or activation.elementwise

    @property
    def has_bias(self) -> bool:
        return any(bias is not None for bias in self.biases)

    @property
    def shared_bias(self) -> Bias | None:
        """The one bias of a per-layer bias, added to every unit of the layer."""
        found = {bias.name: bias for bias in self.biases if bias is not None}
        if len(found) == 1 and len(self.units) > 1:
            return next(iter(found.values()))
        return None

    @property
    def trainable_biases(self) -> tuple[Bias, ...]:
        """The layer's trainable biases, each once, in the layer's order."""
        seen: dict[str, Bias] = {}
        for bias in self.biases:
            if bias is not None and bias.trainable:
                seen.setdefault(bias.name, bias)
        return tuple(seen.values())


def network_layers(network: Network) -> tuple[Layer, ...]:
    """Every non-input layer as a weight matrix (by target and source unit) and a bias vector."""
    bias_of: dict[str, Bias] = {}
    for bias in network.biases:
        for unit in bias.targets:
            bias_of[unit.name] = bias
    layers = []
    for number in range(1, len(network.layers)):
        units, sources = network.layers[number], network.layers[number - 1]
        by_edge = {  # a tied layer's edges carry its owner's weights
            (target.index, source.index): w
            for w, source, target in network.connections
            if target.layer == number
        }
        weights = tuple(
            tuple(by_edge[(unit.index, source.index)] for source in sources) for unit in units
        )
        biases = tuple(bias_of.get(unit.name) for unit in units)
        layers.append(Layer(number, units, sources, weights, biases))
    return tuple(layers)


# -- one sample as vectors ------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleMatrices:
    """One sample's forward and backward pass as vectors; index l is layer l (0: the inputs)."""

    a: tuple[Vector, ...]  # a[0] = x
    z: tuple[Vector, ...]  # z[0] = ()
    targets: Vector
    loss: float
    #: ∇_{a⁽ˡ⁾}L: the loss's own derivative for the output layer, (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ below it
    upstream: tuple[Vector, ...]
    #: f′(z⁽ˡ⁾) of an elementwise layer (() for a softmax output)
    derivative: tuple[Vector, ...]
    #: ∂a⁽ᴸ⁾/∂z⁽ᴸ⁾ of a softmax output (J[i][j] = ∂o_i/∂z_j), else None
    jacobian: Grid | None
    #: δ⁽ᴸ⁾ as the loss and activation simplify it (o − y for softmax with cross-entropy)
    simplified: Vector | None
    delta: tuple[Vector, ...]
    weight_gradients: tuple[Grid, ...]  # δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ
    bias_gradients: tuple[Vector, ...]  # δ⁽ˡ⁾: the gradient of the bias vector b⁽ˡ⁾


@dataclass(frozen=True)
class BatchMatrices:
    """Several samples as matrices whose column n is sample n, and the reduced gradients."""

    a: tuple[Grid, ...]  # A⁽ˡ⁾; A⁽⁰⁾ = X
    z: tuple[Grid, ...]
    targets: Grid  # Y
    upstream: tuple[Grid, ...]  # G⁽ᴸ⁾ (columns ∇_a L⁽ⁿ⁾) and (W⁽ˡ⁺¹⁾)ᵀΔ⁽ˡ⁺¹⁾ below it
    derivative: tuple[Grid, ...]  # f′(Z⁽ˡ⁾)
    delta: tuple[Grid, ...]  # Δ⁽ˡ⁾
    scale: float  # 1/N for a mean, 1 for a sum
    products: tuple[Grid, ...]  # Δ⁽ˡ⁾(A⁽ˡ⁻¹⁾)ᵀ, before the scale
    weight_gradients: tuple[Grid, ...]  # scale · Δ⁽ˡ⁾(A⁽ˡ⁻¹⁾)ᵀ
    bias_gradients: tuple[Vector, ...]  # scale · Δ⁽ˡ⁾𝟏: the mean (or sum) over the columns
    loss: float


class MatrixForm:
    """The matrix form of one network at its samples and parameters."""

    def __init__(self, evaluation: Evaluation) -> None:
        if evaluation.network.spec.tied_layers:
            # its W⁽ˡ⁾ ← W⁽ˡ⁾ − η·δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ per layer would update one tied matrix twice
            raise SymbpError(
                "the matrix form updates each layer's own W; with tied_layers one matrix's "
                "gradient is the sum over the layers that use it: use --form scalar"
            )
        self.evaluation = evaluation
        self.network = evaluation.network
        self.layers = network_layers(self.network)
        self._functions: dict[sp.Expr, ScalarFunction] = {}
        parameters = {p.symbol: evaluation.values[p.symbol] for p in self.network.parameters}
        for bias in self.network.biases:
            parameters[bias.symbol] = bias.value if not bias.trainable else parameters[bias.symbol]
        self.parameter_values = parameters
        self.samples = tuple(self._sample(x, y) for x, y in self.network.spec.samples)

    # the parameters ---------------------------------------------------------------------------

    def weights(self, layer: Layer) -> Grid:
        return tuple(tuple(self.parameter_values[w.symbol] for w in line) for line in layer.weights)

    def bias_vector(self, layer: Layer) -> Vector:
        return tuple(
            0.0 if bias is None else self.parameter_values[bias.symbol] for bias in layer.biases
        )

    # one sample -------------------------------------------------------------------------------

    def _value(self, expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
        if expr.is_Number:
            return float(expr)
        if expr not in self._functions:
            self._functions[expr] = ScalarFunction(expr)
        return self._functions[expr](values)

    def _sample(self, x: Sequence[float], y: Sequence[float]) -> SampleMatrices:
        network = self.network
        values: dict[sp.Symbol, float] = dict(self.parameter_values)
        values.update({u.a: float(v) for u, v in zip(network.inputs, x, strict=True)})
        values.update({t: float(v) for t, v in zip(network.targets, y, strict=True)})
        a: list[Vector] = [tuple(float(v) for v in x)]
        z: list[Vector] = [()]
        for layer in self.layers:
            product = flat(matmul(self.weights(layer), column(a[-1])))
            pre = tuple(p + b for p, b in zip(product, self.bias_vector(layer), strict=True))
            values.update({u.z: v for u, v in zip(layer.units, pre, strict=True) if u.z})
            post = tuple(self._value(network.definitions[u.a], values) for u in layer.units)
            values.update({u.a: v for u, v in zip(layer.units, post, strict=True)})
            z.append(pre)
            a.append(post)
        loss_expr = network.numeric_definitions.get(network.loss, network.definitions[network.loss])
        loss = self._value(loss_expr, values)

        count = len(self.layers)
        upstream: list[Vector] = [()] * (count + 1)
        derivative: list[Vector] = [()] * (count + 1)
        delta: list[Vector] = [()] * (count + 1)
        outputs = self.layers[-1]
        upstream[count] = tuple(
            self._value(network.local_derivative(network.loss, u.a), values) for u in outputs.units
        )
        jacobian: Grid | None = None
        if outputs.elementwise:
            derivative[count] = self._derivatives(outputs, values)
            delta[count] = hadamard(upstream[count], derivative[count])
        else:
            jacobian = tuple(
                tuple(
                    self._value(network.local_derivative(i.a, j.z), values) for j in outputs.units
                )
                for i in outputs.units
            )
            delta[count] = flat(matmul(transpose(jacobian), column(upstream[count])))
        simplified = self._simplified(values)
        if simplified is not None and not all(math.isfinite(v) for v in delta[count]):
            delta[count] = simplified  # a saturated output: ∂L/∂o is 0/0, o − y is not
        for number in range(count - 1, 0, -1):
            layer, above = self.layers[number - 1], self.layers[number]
            back = matmul(transpose(self.weights(above)), column(delta[number + 1]))
            upstream[number] = flat(back)
            derivative[number] = self._derivatives(layer, values)
            delta[number] = hadamard(upstream[number], derivative[number])
        weight_gradients = tuple(
            matmul(column(delta[number]), row(a[number - 1])) for number in range(1, count + 1)
        )
        return SampleMatrices(
            a=tuple(a),
            z=tuple(z),
            targets=tuple(float(v) for v in y),
            loss=loss,
            upstream=tuple(upstream),
            derivative=tuple(derivative),
            jacobian=jacobian,
            simplified=simplified,
            delta=tuple(delta),
            weight_gradients=((),) + weight_gradients,
            bias_gradients=tuple(delta),
        )

    def _derivatives(self, layer: Layer, values: dict[sp.Symbol, float]) -> Vector:
        """f′(z⁽ˡ⁾): each unit's local derivative ∂a/∂z at this sample."""
        network = self.network
        return tuple(self._value(network.local_derivative(u.a, u.z), values) for u in layer.units)

    def _simplified(self, values: dict[sp.Symbol, float]) -> Vector | None:
        expressions = simplified_output_delta(self.network)
        if expressions is None:
            return None
        return tuple(self._value(expr, values) for expr in expressions)

    # several samples --------------------------------------------------------------------------

    @cached_property
    def batch(self) -> BatchMatrices | None:
        """The samples side by side (None for one sample)."""
        if len(self.samples) < 2:
            return None

        def side_by_side(vectors: Sequence[Vector]) -> Grid:
            return transpose(tuple(vectors))

        samples = self.samples
        layers = range(len(self.layers) + 1)
        a = tuple(side_by_side([s.a[n] for s in samples]) for n in layers)
        z = tuple(side_by_side([s.z[n] for s in samples]) if n else () for n in layers)
        upstream = tuple(
            side_by_side([s.upstream[n] for s in samples]) if n else () for n in layers
        )
        derivative = tuple(
            side_by_side([s.derivative[n] for s in samples]) if n and s0.derivative[n] else ()
            for n, s0 in ((n, samples[0]) for n in layers)
        )
        delta = tuple(side_by_side([s.delta[n] for s in samples]) if n else () for n in layers)
        scale = 1.0 / len(samples) if self.network.spec.reduction == "mean" else 1.0
        products = tuple(matmul(delta[n], transpose(a[n - 1])) if n else () for n in layers)
        weight_gradients = tuple(
            tuple(tuple(scale * v for v in line) for line in grid) for grid in products
        )
        ones = column([1.0] * len(samples))
        bias_gradients = tuple(
            tuple(scale * v for v in flat(matmul(delta[n], ones))) if n else () for n in layers
        )
        losses = [s.loss for s in samples]
        return BatchMatrices(
            a=a,
            z=z,
            targets=side_by_side([s.targets for s in samples]),
            upstream=upstream,
            derivative=derivative,
            delta=delta,
            scale=scale,
            products=products,
            weight_gradients=weight_gradients,
            bias_gradients=bias_gradients,
            loss=math.fsum(losses) * scale,
        )

    # the results ------------------------------------------------------------------------------

    @property
    def loss(self) -> float:
        return self.batch.loss if self.batch is not None else self.samples[0].loss

    def weight_gradients(self, layer: Layer) -> Grid:
        """∂L/∂W⁽ˡ⁾: of the one sample, or reduced over the samples."""
        if self.batch is not None:
            return self.batch.weight_gradients[layer.number]
        return self.samples[0].weight_gradients[layer.number]

    def bias_gradients(self, layer: Layer) -> Vector:
        """∂L/∂b⁽ˡ⁾, the gradient of the bias vector (one entry per unit)."""
        if self.batch is not None:
            return self.batch.bias_gradients[layer.number]
        return self.samples[0].bias_gradients[layer.number]

    @cached_property
    def gradients(self) -> dict[str, float]:
        """∂L/∂p for every parameter, read off the matrices: W⁽ˡ⁾'s entry (j, i) for the weight
        i → j, and for a bias the sum of its units' entries of ∂L/∂b⁽ˡ⁾ (𝟏ᵀδ when shared)."""
        found: dict[str, float] = {}
        for layer in self.layers:
            grid = self.weight_gradients(layer)
            for j, line in enumerate(layer.weights):
                for i, weight in enumerate(line):
                    found[weight.name] = grid[j][i]
            entries = self.bias_gradients(layer)
            for bias in layer.trainable_biases:
                found[bias.name] = math.fsum(
                    v for v, b in zip(entries, layer.biases, strict=True) if b is bias
                )
        return found


def simplified_output_delta(network: Network) -> tuple[sp.Expr, ...] | None:
    """δ⁽ᴸ⁾ where the loss and output activation cancel: o − y (softmax with cross-entropy),
    (o − y)/K (sigmoid with binary cross-entropy); None otherwise."""
    spec = network.spec
    outputs = network.outputs
    if network.objective is not None:  # the objective "output" has no targets to cancel
        return None
    pairs = list(zip(outputs, network.targets, strict=True))
    if not cancels(spec.loss, spec.activations[-1]):
        return None
    if loss_info(spec.loss).mean_over_outputs:
        return tuple((u.a - y) / len(outputs) for u, y in pairs)
    return tuple(u.a - y for u, y in pairs)
