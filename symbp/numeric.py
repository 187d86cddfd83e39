"""Numbers: the forward and backward pass compiled to one numpy function, and finite differences.

The function is generated from the network's small definitions (z, a, L) and the backward
sweep's (δ, ∂L/∂w) as straight-line assignments, printed by sympy's NumPy printer: the same
thing sympy.lambdify does for one expression, done for a sequence of them so that shared
quantities are computed once. Every variable may be a scalar or a numpy array, so one call
evaluates a batch of samples (inputs and targets of shape (n, batch)) or a batch of weight
vectors (weights of shape (n_weights, batch)), which is how finite differences run.

One sample is evaluated on plain Python floats with the same source: that is faster than numpy
for scalars, does the same IEEE operations and libm calls as numpy's scalar arithmetic, and lets
`symbp derive --no-check` start without importing numpy at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from symbp.derive import Backprop, backward_sweep
from symbp.graph import Network

if TYPE_CHECKING:
    import numpy as np

    FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def stable_sigmoid(z: Any) -> Any:
    """σ(z) without overflow for large |z|: exp(−log(1 + e^{−z}))."""
    import numpy as np

    return np.exp(-np.logaddexp(0.0, -z))


def scalar_sigmoid(z: float) -> float:
    """stable_sigmoid for one Python float, bit for bit: numpy's logaddexp(0, −z) with math."""
    if z == 0.0:
        return math.exp(-math.log(2.0))
    if z < 0.0:  # logaddexp(0, −z) = −z + log1p(e^{z})
        return math.exp(-(-z + math.log1p(math.exp(z))))
    return math.exp(-math.log1p(math.exp(-z)))


class _LazyNumpy:
    """Stands for numpy in the one-sample namespace, imported only if the code calls into it."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        return getattr(numpy, name)


class _CodePrinter(NumPyPrinter):
    """Prints expressions with the generated function's variable names."""

    def __init__(self, names: dict[sp.Symbol, str]) -> None:
        super().__init__({"fully_qualified_modules": True, "inline": True})
        self._names = names

    def code(self, expr: sp.Expr) -> str:
        """`expr` as Python; symbols and products of symbols skip the printer's set-up."""
        if isinstance(expr, sp.Symbol):
            return self._names[expr]
        product = self._symbol_product(expr)
        return product if product is not None else str(self.doprint(expr))

    def _symbol_product(self, expr: sp.Basic) -> str | None:
        """w*a or δ*w (the bulk of a wide network) printed directly, else None."""
        if isinstance(expr, sp.Mul) and all(isinstance(f, sp.Symbol) for f in expr.args):
            return "*".join(self._names[factor] for factor in expr.args)
        return None

    def _print_Symbol(self, expr: sp.Symbol) -> str:  # noqa: N802 - sympy's naming
        return self._names[expr]

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:  # noqa: N802
        # sympy's stored order of terms: sorting them for display (as StrPrinter does) costs
        # more than all the rest for wide layers, and the order moves at most the last bits.
        return " + ".join(self._print_term(term) for term in expr.args)

    def _print_term(self, term: sp.Basic) -> str:
        product = self._symbol_product(term)
        return product if product is not None else str(self.parenthesize(term, PRECEDENCE["Add"]))

    def _print_Mul(self, expr: sp.Mul) -> str:  # noqa: N802 - sympy's naming
        product = self._symbol_product(expr)
        return product if product is not None else str(super()._print_Mul(expr))

    def _print_sigmoid(self, expr: sp.Expr) -> str:
        return f"_sigmoid({self._print(expr.args[0])})"


@dataclass(frozen=True)
class Evaluation:
    """Every quantity of the network at one sample: x, y, w, z, a, L, δ and every ∂L/∂w."""

    network: Network
    values: dict[sp.Symbol, float]
    gradients: tuple[float, ...]  # in numbering order

    @property
    def loss(self) -> float:
        return self.values[self.network.loss]

    @property
    def weights(self) -> tuple[float, ...]:
        return tuple(self.values[w.symbol] for w in self.network.weights)

    def gradient(self, weight_name: str) -> float:
        return self.gradients[self.network.weight(weight_name).position]

    def value(self, expr: sp.Expr) -> float:
        """The value of an expression in the network's symbols (a local derivative, a δ form)."""
        return float(expr.xreplace({s: sp.Float(v, 17) for s, v in self.values.items()}))


class CompiledNetwork:
    """The loss, every node value and every gradient, as one generated numpy function."""

    def __init__(self, network: Network, sweep: Backprop | None = None) -> None:
        self.network = network
        sweep = sweep if sweep is not None else backward_sweep(network)
        names: dict[sp.Symbol, str] = {}
        for unit in network.inputs:
            names[unit.a] = f"x[{unit.index}]"
        for k, y in enumerate(network.targets):
            names[y] = f"y[{k}]"
        for weight in network.weights:
            names[weight.symbol] = f"w[{weight.position}]"
        assignments: list[tuple[sp.Symbol, sp.Expr]] = list(network.definitions.items())
        assignments += [(symbol, d.formula) for symbol, d in sweep.deltas.items()]
        #: the symbols whose values come back, in this order, after the loss
        self.node_symbols: tuple[sp.Symbol, ...] = tuple(symbol for symbol, _ in assignments)
        for number, symbol in enumerate(self.node_symbols):
            names[symbol] = f"v{number}"
        printer = _CodePrinter(names)
        lines = ["def forward_backward(x, y, w):"]
        forward_lines = ["def forward(x, y, w):"]
        for symbol, expr in assignments:
            line = f"    {names[symbol]} = {printer.code(expr)}"
            lines.append(line)
            if symbol in network.definitions:
                forward_lines.append(line)
        gradients = ", ".join(printer.code(sweep.gradients[w.name]) for w in network.weights)
        nodes = ", ".join(names[s] for s in self.node_symbols)
        loss_name = names[network.loss]
        lines.append(f"    return {loss_name}, ({gradients},), ({nodes},)")
        forward_lines.append(f"    return {loss_name}")
        self.source = "\n".join(lines + [""] + forward_lines) + "\n"
        # The source is printed from symbols symbp created, never from user text.
        self._code = compile(self.source, "<symbp generated>", "exec")
        scalar: dict[str, Any] = {"numpy": _LazyNumpy(), "_sigmoid": scalar_sigmoid}
        exec(self._code, scalar)  # noqa: S102
        self._scalar_forward_backward = scalar["forward_backward"]
        self._arrays: dict[str, Any] | None = None

    def _array_function(self, name: str) -> Any:
        """The generated function `name` run on numpy arrays (numpy is imported here)."""
        if self._arrays is None:
            import numpy

            arrays: dict[str, Any] = {"numpy": numpy, "_sigmoid": stable_sigmoid}
            exec(self._code, arrays)  # noqa: S102
            self._arrays = arrays
        return self._arrays[name]

    def loss(self, inputs: Any, targets: Any, weights: Any) -> Any:
        """The loss alone (the forward pass)."""
        return self._array_function("forward")(inputs, targets, weights)

    def loss_and_gradients(self, inputs: Any, targets: Any, weights: Any) -> tuple[Any, list[Any]]:
        loss, gradients, _ = self._array_function("forward_backward")(inputs, targets, weights)
        return loss, list(gradients)

    def evaluate(
        self,
        inputs: Sequence[float] | None = None,
        targets: Sequence[float] | None = None,
        weights: Sequence[float] | None = None,
    ) -> Evaluation:
        """Every value at one sample (the spec's own unless given)."""
        spec = self.network.spec
        x = tuple(float(v) for v in (spec.inputs if inputs is None else inputs))
        y = tuple(float(v) for v in (spec.targets if targets is None else targets))
        w = tuple(float(v) for v in (spec.weights if weights is None else weights))
        loss, gradients, nodes = self._scalar_forward_backward(x, y, w)
        values: dict[sp.Symbol, float] = {}
        for unit in self.network.inputs:
            values[unit.a] = float(x[unit.index])
        for k, symbol in enumerate(self.network.targets):
            values[symbol] = float(y[k])
        for weight in self.network.weights:
            values[weight.symbol] = float(w[weight.position])
        for symbol, value in zip(self.node_symbols, nodes, strict=True):
            values[symbol] = float(value)
        values[self.network.loss] = float(loss)
        return Evaluation(
            network=self.network,
            values=values,
            gradients=tuple(float(g) for g in gradients),
        )

    def finite_differences(
        self,
        inputs: Sequence[float] | None = None,
        targets: Sequence[float] | None = None,
        weights: Sequence[float] | None = None,
        step: float = 1e-6,
    ) -> tuple[float, ...]:
        """Central differences (L(w + h) − L(w − h)) / 2h for every weight, in one batched call."""
        import numpy as np

        spec = self.network.spec
        x = np.asarray(spec.inputs if inputs is None else inputs, dtype=np.float64)
        y = np.asarray(spec.targets if targets is None else targets, dtype=np.float64)
        w = np.asarray(spec.weights if weights is None else weights, dtype=np.float64)
        n = len(w)
        batch = np.repeat(w[:, None], 2 * n, axis=1)
        columns = np.arange(n)
        batch[columns, 2 * columns] += step
        batch[columns, 2 * columns + 1] -= step
        losses = np.broadcast_to(self.loss(x, y, batch), (2 * n,))
        return tuple(float(d) for d in (losses[0::2] - losses[1::2]) / (2 * step))


def evaluate(network: Network) -> Evaluation:
    """Every value of the network at its spec's sample and weights."""
    return CompiledNetwork(network).evaluate()


def updated_weights(evaluation: Evaluation, learning_rate: float) -> tuple[float, ...]:
    """One gradient-descent step: w − η · ∂L/∂w for every weight."""
    return tuple(
        w - learning_rate * g for w, g in zip(evaluation.weights, evaluation.gradients, strict=True)
    )
