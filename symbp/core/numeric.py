"""Numbers: the forward and backward pass compiled to one numpy function, and finite differences.

The function is generated from the network's small definitions (z, a, L) and the backward
sweep's (δ, ∂L/∂w) as straight-line assignments, printed by sympy's NumPy printer: the same
thing sympy.lambdify does for one expression, done for a sequence of them so that shared
quantities are computed once. Every variable may be a scalar or a numpy array, so one call
evaluates a batch of samples (inputs and targets of shape (n, batch)) or a batch of weight
vectors (weights of shape (n_weights, batch)), which is how finite differences run.

One sample is evaluated on plain Python floats with the same source: that is faster than numpy
for scalars, does the same IEEE operations and libm calls as numpy's scalar arithmetic, and lets
`symbp derive --no-check` start without importing numpy at all. Where plain floats would raise
(an overflow or a division by zero that numpy turns into inf), the numpy path decides.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from symbp.core.derive import Backprop, backward_sweep, unit_gradient_forms
from symbp.core.functions import ALL_ENTRIES, float_namespace
from symbp.core.graph import Network

#: networks up to this many parameters take finite differences on plain floats (one sample)
SCALAR_FD_LIMIT = 64
#: up to this many samples each is evaluated on Python floats; beyond, all in one numpy pass
SCALAR_SAMPLES = 64
#: what plain Python floats raise where numpy returns inf or nan
_FLOAT_ERRORS = (OverflowError, ZeroDivisionError, ValueError)
#: finite differences: numbers held at once per chunk of perturbed weights (64 MB of float64),
#: and at most this many weights per chunk (their rows hold chunk × 2·chunk numbers)
FD_CHUNK_ELEMENTS = 8_000_000
FD_MAX_CHUNK = 1024


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


def stable_logsumexp(*zs: Any) -> Any:
    """log Σ e^{z_m} without overflow: shift by the largest z first (broadcasts like + does)."""
    import numpy as np

    top = functools.reduce(np.maximum, zs)
    return top + np.log(functools.reduce(np.add, [np.exp(z - top) for z in zs]))


class _LazyNumpy:
    """Stands for numpy in the one-sample namespace, imported only if the code calls into it."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        return getattr(numpy, name)


class _CodePrinter(NumPyPrinter):
    """Prints expressions with the generated function's variable names."""

    def __init__(self, names: dict[sp.Symbol, str]) -> None:
        # order "none": factors in sympy's stored order; sorting them for display
        # (as_ordered_factors) sorted every 100-term sum of a wide layer, most of the compile time
        super().__init__({"fully_qualified_modules": True, "inline": True, "order": "none"})
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

    def _print_Float(self, expr: sp.Float) -> str:  # noqa: N802
        return repr(float(expr))  # every bit of the spec's number, not 15 digits

    def _print_relu(self, expr: sp.Expr) -> str:
        return f"numpy.maximum({self._print(expr.args[0])}, 0.0)"

    def _print_leaky_relu(self, expr: sp.Expr) -> str:
        z, slope = (self._print(arg) for arg in expr.args)
        return f"numpy.where(({z}) > 0, {z}, ({slope})*({z}))"

    def _print_Heaviside(self, expr: sp.Expr) -> str:  # noqa: N802
        # Heaviside(z, 0): relu′(0) = 0, as torch
        return f"numpy.heaviside({self._print(expr.args[0])}, {float(expr.args[1])!r})"

    def _print_Max(self, expr: sp.Expr) -> str:  # noqa: N802
        # a hinge loss's max(0, m): numpy.maximum pairwise, on floats and arrays alike
        printed = [self._print(arg) for arg in expr.args]
        found = printed[0]
        for other in printed[1:]:
            found = f"numpy.maximum({found}, {other})"
        return found

    def _print_TableFunctionBase(self, expr: sp.Expr) -> str:  # noqa: N802 - sympy's naming
        # the entry's own float64 form, by name in the namespace (functions.float_namespace)
        arguments = ", ".join(self._print(arg) for arg in expr.args)
        return f"_op_{type(expr).__name__}({arguments})"

    def _print_softplus(self, expr: sp.Expr) -> str:
        return f"numpy.logaddexp(0.0, {self._print(expr.args[0])})"

    def _print_logsumexp(self, expr: sp.Expr) -> str:
        return f"_logsumexp({', '.join(self._print(arg) for arg in expr.args)})"

    def _print_softmax(self, expr: sp.Expr) -> str:
        # e^{z_k − logsumexp(z)}: no overflow, and underflow to 0 only where torch's does
        k, zs = int(expr.args[0]), expr.args[1:]
        normaliser = ", ".join(self._print(z) for z in zs)
        return f"numpy.exp({self._print(zs[k])} - _logsumexp({normaliser}))"


@dataclass(frozen=True)
class Evaluation:
    """Every quantity of the network at one sample: x, y, w, z, a, L, δ and every ∂L/∂w."""

    network: Network
    values: dict[sp.Symbol, float]  # with several samples: the first sample's
    gradients: tuple[float, ...]  # network.parameters order: weights, then trainable biases
    #: with several samples: each sample's own evaluation, and the loss they reduce to
    samples: tuple[Evaluation, ...] = ()
    total_loss: float | None = None
    #: L = Σ_k L_ok: each output's term by name (L_o1, …); over several samples their mean
    #: or sum, so that they still add up to L. Empty for the objective "output".
    loss_terms: dict[str, float] = field(default_factory=dict)
    #: ∂L/∂a for every unit by name: inputs (∂L/∂x1), hidden and output activations. Always
    #: of one sample's own loss: with several samples, sample 1's (each sample has its own).
    unit_gradients: dict[str, float] = field(default_factory=dict)

    @property
    def loss(self) -> float:
        return self.values[self.network.loss] if self.total_loss is None else self.total_loss

    @property
    def weights(self) -> tuple[float, ...]:
        return tuple(self.values[w.symbol] for w in self.network.weights)

    @property
    def parameters(self) -> tuple[float, ...]:
        """The values of network.parameters (weights, then trainable biases)."""
        return tuple(self.values[p.symbol] for p in self.network.parameters)

    def gradient(self, weight_name: str) -> float:
        return self.gradients[self.network.parameter(weight_name).position]

    @property
    def per_sample(self) -> tuple[Evaluation, ...]:
        """Every sample's own evaluation (this one alone for a single sample)."""
        return self.samples or (self,)

    @property
    def named_gradients(self) -> dict[str, float]:
        """∂L/∂p for every parameter by name (weights, then trainable biases)."""
        names = (p.name for p in self.network.parameters)
        return dict(zip(names, self.gradients, strict=True))

    @property
    def forward_values(self) -> dict[str, float]:
        """Every z and a (and L) by name, in forward order: this sample's forward pass."""
        return {symbol.name: self.values[symbol] for symbol in self.network.definitions}

    def value(self, expr: sp.Expr) -> float:
        """The value of an expression in the network's symbols (a local derivative, a δ form);
        nan where it is undefined in float64 (0/0 when an output rounds to 0 or 1)."""
        # only the expression's own symbols: a wide network has tens of thousands of values
        mapping = {s: sp.Float(self.values[s], 17) for s in expr.free_symbols if s in self.values}
        try:
            return float(expr.xreplace(mapping))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            # sympy's arbitrary precision can fail where float64 has an answer (a φ(z) at
            # z = −2·10¹² rewritten to exp and sqrt): evaluate node by node in float64
            return _float_value(expr, self.values)


class CompiledNetwork:
    """The loss, every node value and every gradient, as one generated numpy function."""

    def __init__(self, network: Network, sweep: Backprop | None = None) -> None:
        self.network = network
        sweep = sweep if sweep is not None else backward_sweep(network)
        names: dict[sp.Symbol, str] = {}
        for unit in network.inputs:
            names[unit.a] = f"x[{unit.index}]"
        # dropout: a sample's masks travel after its inputs in x (they differ per sample)
        for number, mask in enumerate(network.masks.values(), start=len(network.inputs)):
            names[mask] = f"x[{number}]"
        for keep, value in network.keep_values.items():
            names[keep] = f"({value!r})"
        for k, y in enumerate(network.targets):
            names[y] = f"y[{k}]"
        for parameter in network.parameters:
            names[parameter.symbol] = f"w[{parameter.position}]"
        for bias in network.biases:
            if not bias.trainable:
                names[bias.symbol] = f"({bias.value!r})"
        assignments: list[tuple[sp.Symbol, sp.Expr]] = [
            (symbol, network.numeric_definitions.get(symbol, definition))
            for symbol, definition in network.definitions.items()
        ]
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
        gradients = ", ".join(printer.code(sweep.gradients[p.name]) for p in network.parameters)
        nodes = ", ".join(names[s] for s in self.node_symbols)
        loss_name = names[network.loss]
        lines.append(f"    return {loss_name}, ({gradients},), ({nodes},)")
        forward_lines.append(f"    return {loss_name}")
        # What a source prints besides: the loss's per-output terms and ∂L/∂a for every
        # unit, from the node values forward_backward returns (so training need not pay).
        self.loss_term_names = tuple(symbol.name for symbol, _ in network.loss_terms)
        unit_forms = unit_gradient_forms(network)
        self.unit_names = tuple(unit_forms)
        extra_lines = ["def extras(x, y, w, nodes):", f"    {nodes}, = nodes"]
        terms = ", ".join(
            printer.code(network.numeric_loss_terms[s]) for s, _ in network.loss_terms
        )
        units = ", ".join(printer.code(form) for form in unit_forms.values())
        extra_lines.append(f"    return ({terms}{',' if terms else ''}), ({units},)")
        self.source = "\n".join(lines + [""] + forward_lines + [""] + extra_lines) + "\n"
        # The source is printed from symbols symbp created, never from user text.
        self._code = compile(self.source, "<symbp generated>", "exec")
        scalar: dict[str, Any] = {
            "numpy": _LazyNumpy(),
            "_sigmoid": scalar_sigmoid,
            "_logsumexp": stable_logsumexp,
            **float_namespace(arrays=False),
        }
        exec(self._code, scalar)  # noqa: S102
        self._scalar_forward_backward = scalar["forward_backward"]
        self._scalar_forward = scalar["forward"]
        self._scalar_extras = scalar["extras"]
        self._arrays: dict[str, Any] | None = None
        self._samples_cache: tuple[Any, Any] | None = None

    def _array_function(self, name: str) -> Any:
        """The generated function `name` run on numpy arrays (numpy is imported here)."""
        if self._arrays is None:
            import numpy

            arrays: dict[str, Any] = {
                "numpy": numpy,
                "_sigmoid": stable_sigmoid,
                "_logsumexp": stable_logsumexp,
                **float_namespace(arrays=True),
            }
            exec(self._code, arrays)  # noqa: S102
            self._arrays = arrays
        return self._arrays[name]

    def loss(self, inputs: Any, targets: Any, weights: Any) -> Any:
        """The loss alone (the forward pass)."""
        import numpy as np

        # overflow to inf is an answer here (the check reports it), not a warning on stderr
        with np.errstate(all="ignore"):
            return self._array_function("forward")(inputs, targets, weights)

    def loss_and_gradients(self, inputs: Any, targets: Any, weights: Any) -> tuple[Any, list[Any]]:
        import numpy as np

        with np.errstate(all="ignore"):
            loss, gradients, _ = self._array_function("forward_backward")(inputs, targets, weights)
        return loss, list(gradients)

    def evaluate(
        self,
        inputs: Sequence[float] | None = None,
        targets: Sequence[float] | None = None,
        weights: Sequence[float] | None = None,
    ) -> Evaluation:
        """Every value at one sample, or at all the spec's samples when no inputs are given.

        `weights` holds every parameter (network.parameters order); the spec's by default.
        With several samples the loss and gradients are their mean or sum (spec.reduction).
        """
        spec = self.network.spec
        w = _floats(spec.parameters if weights is None else weights)
        if inputs is not None or targets is not None or len(spec.samples) == 1:
            x = self.with_masks(_floats(spec.inputs if inputs is None else inputs))
            y = _floats(spec.targets if targets is None else targets)
            return self._evaluate_one(x, y, w)
        if len(spec.samples) > SCALAR_SAMPLES:
            return self._evaluate_batch(w)
        samples = tuple(
            self._evaluate_one(self.with_masks(_floats(x), index), _floats(y), w)
            for index, (x, y) in enumerate(spec.samples)
        )
        reduce = _reducer(spec.reduction)
        gradients = tuple(
            reduce([sample.gradients[i] for sample in samples])
            for i in range(len(samples[0].gradients))
        )
        return Evaluation(
            network=self.network,
            values=samples[0].values,
            gradients=gradients,
            samples=samples,
            total_loss=reduce([sample.loss for sample in samples]),
            loss_terms={
                name: reduce([sample.loss_terms[name] for sample in samples])
                for name in self.loss_term_names
            },
            unit_gradients=samples[0].unit_gradients,
        )

    def _unsigned_dropped(self, values: dict[sp.Symbol, float]) -> None:
        """A dropped unit's a and δ are 0·(…) = ±0: shown as 0, never −0."""
        for name, mask in self.network.masks.items():
            if values.get(mask) == 0:
                unit = self.network.units[name]
                for symbol in (unit.a, unit.delta):
                    if symbol in values:
                        values[symbol] += 0.0

    def with_masks(self, x: Sequence[float], sample: int = 0) -> tuple[float, ...]:
        """A sample's inputs followed by its dropout masks, as the generated code reads x; x
        already holding the masks (longer than the inputs) is kept as it is."""
        x = tuple(x)
        dropout = self.network.spec.dropout
        if dropout is None or len(x) > len(self.network.inputs):
            return x
        return x + dropout.sample_masks(sample)

    def _sample_arrays(self) -> tuple[Any, Any]:
        """The spec's inputs and targets as arrays of shape (n, samples), made once."""
        if self._samples_cache is None:
            import numpy as np

            samples = self.network.spec.samples
            xs = np.asarray(
                [self.with_masks(s[0], index) for index, s in enumerate(samples)],
                dtype=np.float64,
            ).T
            ys = np.asarray([s[1] for s in samples], dtype=np.float64).reshape(len(samples), -1).T
            self._samples_cache = (xs, ys)
        return self._samples_cache

    def _columns(self, values: Sequence[Any]) -> Any:
        """Per-sample results (arrays, or scalars that do not depend on the sample) as one
        (len(values), samples) array."""
        import numpy as np

        count = len(self.network.spec.samples)
        table = np.empty((len(values), count))
        for row, value in enumerate(values):
            table[row] = value
        return table

    def _reduce(self, table: Any) -> Any:
        """Each row's mean or sum over the samples (numpy's pairwise sum)."""
        total = table.sum(axis=1)
        return total / table.shape[1] if self.network.spec.reduction == "mean" else total

    def _evaluate_batch(self, w: tuple[float, ...]) -> Evaluation:
        """evaluate() for many samples: one vectorised pass, then each sample's values."""
        import numpy as np

        network = self.network
        xs, ys = self._sample_arrays()
        weights = np.asarray(w)
        with np.errstate(all="ignore"):  # as the scalar path, inf or nan where it is honest
            loss, gradients, nodes = self._array_function("forward_backward")(xs, ys, weights)
            terms, units = self._array_function("extras")(xs, ys, weights, nodes)
        losses = self._columns([loss])
        gradient_table = self._columns(gradients)
        node_rows = self._columns(nodes).T.tolist()
        term_table = self._columns(terms) if terms else np.empty((0, xs.shape[1]))
        unit_table = self._columns(units) + 0.0  # −0.0 reads 0.0, as in _evaluate_one
        base: dict[sp.Symbol, float] = {p.symbol: w[p.position] for p in network.parameters}
        base |= {b.symbol: b.value for b in network.biases if not b.trainable}
        x_rows, y_rows = xs.T.tolist(), ys.T.tolist()
        gradient_rows, term_rows, unit_rows = (
            gradient_table.T.tolist(),
            term_table.T.tolist(),
            unit_table.T.tolist(),
        )
        samples = []
        for index, loss_value in enumerate(losses[0].tolist()):
            values = dict(base)
            values.update(zip((u.a for u in network.inputs), x_rows[index], strict=False))
            values.update(
                zip(network.masks.values(), x_rows[index][len(network.inputs) :], strict=True)
            )
            values.update(network.keep_values)
            values.update(zip(network.targets, y_rows[index], strict=True))
            values.update(zip(self.node_symbols, node_rows[index], strict=True))
            self._unsigned_dropped(values)
            values[network.loss] = loss_value
            samples.append(
                Evaluation(
                    network=network,
                    values=values,
                    gradients=tuple(gradient_rows[index]),
                    loss_terms=dict(zip(self.loss_term_names, term_rows[index], strict=True)),
                    unit_gradients=dict(zip(self.unit_names, unit_rows[index], strict=True)),
                )
            )
        return Evaluation(
            network=network,
            values=samples[0].values,
            gradients=tuple(self._reduce(gradient_table).tolist()),
            samples=tuple(samples),
            total_loss=float(self._reduce(losses)[0]),
            loss_terms=dict(
                zip(self.loss_term_names, self._reduce(term_table).tolist(), strict=True)
            ),
            unit_gradients=samples[0].unit_gradients,
        )

    def batch_loss_and_gradients(
        self, weights: Sequence[float] | None = None
    ) -> tuple[float, tuple[float, ...]]:
        """The spec's samples' reduced loss and gradients in one numpy call (for training).

        The same generated code as `evaluate`, on arrays of shape (n, samples); no per-sample
        values are kept, so a thousand samples cost one vectorised pass instead of a thousand
        Python ones.
        """
        import numpy as np

        spec = self.network.spec
        w = np.asarray(spec.parameters if weights is None else weights, dtype=np.float64)
        xs, ys = self._sample_arrays()
        loss, gradients, _ = self._array_function("forward_backward")(xs, ys, w)
        return (
            float(self._reduce(self._columns([loss]))[0]),
            tuple(self._reduce(self._columns(gradients)).tolist()),
        )

    def _evaluate_one(
        self, x: tuple[float, ...], y: tuple[float, ...], w: tuple[float, ...]
    ) -> Evaluation:
        try:
            loss, gradients, nodes = self._scalar_forward_backward(x, y, w)
        except _FLOAT_ERRORS:
            import numpy as np

            with np.errstate(all="ignore"):
                loss, gradients, nodes = self._array_function("forward_backward")(
                    np.asarray(x), np.asarray(y), np.asarray(w)
                )
        try:
            terms, unit_gradients = self._scalar_extras(x, y, w, tuple(map(float, nodes)))
        except _FLOAT_ERRORS:
            import numpy as np

            # ∂L/∂o = −y/o is honestly 0/0 when an output rounds to 0: it is reported as nan,
            # as the derivation's text explains, whatever numpy's error settings are
            with np.errstate(all="ignore"):
                terms, unit_gradients = self._array_function("extras")(
                    np.asarray(x), np.asarray(y), np.asarray(w), nodes
                )
        values: dict[sp.Symbol, float] = dict(self.network.keep_values)
        for unit in self.network.inputs:
            values[unit.a] = float(x[unit.index])
        for number, mask in enumerate(
            self.network.masks.values(), start=len(x) - len(self.network.masks)
        ):
            values[mask] = float(x[number])
        for k, symbol in enumerate(self.network.targets):
            values[symbol] = float(y[k])
        for parameter in self.network.parameters:
            values[parameter.symbol] = float(w[parameter.position])
        for bias in self.network.biases:
            if not bias.trainable:
                values[bias.symbol] = bias.value
        for symbol, value in zip(self.node_symbols, nodes, strict=True):
            values[symbol] = float(value)
        self._unsigned_dropped(values)
        values[self.network.loss] = float(loss)
        return Evaluation(
            network=self.network,
            values=values,
            gradients=tuple(float(g) for g in gradients),
            loss_terms=dict(zip(self.loss_term_names, map(float, terms), strict=True)),
            # + 0.0: a gradient of exactly zero reads 0.0, not -0.0 (−y/o with y = 0)
            unit_gradients={
                name: float(value) + 0.0
                for name, value in zip(self.unit_names, unit_gradients, strict=True)
            },
        )

    def finite_differences(
        self,
        inputs: Sequence[float] | None = None,
        targets: Sequence[float] | None = None,
        weights: Sequence[float] | None = None,
        step: float = 1e-6,
    ) -> tuple[float, ...]:
        """Central differences (L(w + h) − L(w − h)) / 2h for every parameter, in batched calls.

        Without inputs, L is the spec's samples' mean or sum, as `evaluate` reduces it.
        Parameters are perturbed a chunk at a time, and only the chunk's own weights are
        arrays (the others stay scalars that broadcast), so memory stays bounded whatever the
        network's size: n weights at once would need n × 2n numbers (6.4 GB at 20,000).
        """
        spec = self.network.spec
        one_sample = inputs is None and targets is None and len(spec.samples) == 1
        if one_sample and len(self.network.parameters) <= SCALAR_FD_LIMIT:
            try:
                return self._scalar_finite_differences(weights, step)
            except _FLOAT_ERRORS:
                pass  # numpy turns an overflow into inf, as the batched call below does
        import numpy as np

        w = [float(v) for v in (spec.parameters if weights is None else weights)]
        n = len(w)
        several = inputs is None and targets is None and len(spec.samples) > 1
        if several:
            # samples along axis 0, perturbed weight vectors along axis 1
            x = self._sample_arrays()[0][:, :, None]
            y = np.asarray([s[1] for s in spec.samples], dtype=np.float64).T[:, :, None]
        else:
            x = np.asarray(self.with_masks(spec.inputs if inputs is None else inputs))
            y = np.asarray(spec.targets if targets is None else targets, dtype=np.float64)
        n_samples = len(spec.samples) if several else 1
        per_column = 2 * n_samples * (len(self.node_symbols) + 1)
        chunk = max(1, min(FD_MAX_CHUNK, FD_CHUNK_ELEMENTS // per_column))
        differences: list[float] = []
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            width = 2 * (stop - start)
            rows: list[Any] = list(w)
            for offset, i in enumerate(range(start, stop)):
                row = np.full(width, w[i])
                row[2 * offset] += step
                row[2 * offset + 1] -= step
                rows[i] = row[None, :] if several else row
            with np.errstate(all="ignore"):
                loss = self.loss(x, y, rows)
                if several:
                    per_sample = np.broadcast_to(loss, (n_samples, width))
                    losses = (
                        per_sample.mean(axis=0) if spec.reduction == "mean" else per_sample.sum(0)
                    )
                else:
                    losses = np.broadcast_to(loss, (width,))
                differences += [float(d) for d in (losses[0::2] - losses[1::2]) / (2 * step)]
        return tuple(differences)

    def _scalar_finite_differences(
        self, weights: Sequence[float] | None, step: float
    ) -> tuple[float, ...]:
        """Central differences of the spec's one sample on plain floats: for a small network
        this is faster than importing numpy, which `symbp derive` otherwise needs only here."""
        spec = self.network.spec
        x, y = self.with_masks(_floats(spec.inputs)), _floats(spec.targets)
        w = list(_floats(spec.parameters if weights is None else weights))
        differences = []
        for index, value in enumerate(w):
            w[index] = value + step
            above = self._scalar_forward(x, y, w)
            w[index] = value - step
            below = self._scalar_forward(x, y, w)
            w[index] = value
            # float(): numpy's tanh, heaviside or where in the generated code return numpy
            # scalars, whose comparisons are numpy booleans that JSON cannot write
            differences.append(float((above - below) / (2 * step)))
        return tuple(differences)


def input_finite_differences(
    compiled: CompiledNetwork, weights: Sequence[float] | None = None, step: float = 1e-6
) -> dict[str, float]:
    """Central differences of sample 1's own loss in each input: ∂L/∂x1, … (one batched call)."""
    import numpy as np

    spec = compiled.network.spec
    w = np.asarray(spec.parameters if weights is None else weights, dtype=np.float64)
    x = np.asarray(compiled.with_masks(spec.samples[0][0]), dtype=np.float64)
    y = np.asarray(spec.samples[0][1], dtype=np.float64)
    n = len(compiled.network.inputs)
    batch = np.repeat(x[:, None], 2 * n, axis=1)
    columns = np.arange(n)
    batch[columns, 2 * columns] += step
    batch[columns, 2 * columns + 1] -= step
    losses = np.broadcast_to(compiled.loss(batch, y[:, None], w), (2 * n,))
    differences = (losses[0::2] - losses[1::2]) / (2 * step)
    return {
        unit.name: float(d) for unit, d in zip(compiled.network.inputs, differences, strict=True)
    }


def _floats(values: Sequence[float] | Sequence[Any]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _sum(values: Sequence[float]) -> float:
    """math.fsum, or plain summation where fsum refuses (inf − inf, an intermediate overflow):
    then the answer is inf or nan, as numpy gives it."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return float(sum(values))


def _reducer(reduction: str) -> Any:
    if reduction == "sum":
        return _sum
    return lambda values: _sum(values) / len(values)


def evaluate(network: Network) -> Evaluation:
    """Every value of the network at its spec's sample and weights."""
    return CompiledNetwork(network).evaluate()


def _float_value(expr: sp.Basic, values: Mapping[sp.Symbol, float]) -> float:
    """An expression's value computed node by node in float64 (nan where it is undefined):
    the compiled network's arithmetic, without sympy's arbitrary precision."""
    try:
        return _float_node(expr, values)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError, KeyError):
        return math.nan


def _float_node(expr: sp.Basic, values: Mapping[sp.Symbol, float]) -> float:
    if isinstance(expr, sp.Symbol):
        return float(values[expr])
    if expr.is_Number:
        return float(expr)
    args = [_float_node(arg, values) for arg in expr.args]
    if isinstance(expr, sp.Add):
        return math.fsum(args)
    if isinstance(expr, sp.Mul):
        return math.prod(args)
    if isinstance(expr, sp.Pow):
        return float(args[0] ** args[1])
    entry = next((e for e in ALL_ENTRIES if e.function is type(expr)), None)
    if entry is not None and entry.evaluate is not None and 1 <= len(args) <= 2:
        # the table's float64 form (what the compiled network runs), not sympy's rewriting
        return float(entry.evaluate(args[0], args[1] if len(args) > 1 else 0.0))
    if isinstance(expr, sp.exp):
        return math.exp(args[0])
    if isinstance(expr, sp.log):
        return math.log(args[0])
    return float(type(expr)(*(sp.Float(arg) for arg in args)))


#: beyond 2^53 float64 no longer holds a change of 1: a derivative written as a sum of such
#: values (silu′ = a + σ(z)·(1 − a) at a = 4·10¹⁸) loses every digit and can come out 0
FLOAT_EXACT_LIMIT = 2.0**53


def unreliable_floats(evaluation: Evaluation, when: str = "") -> str | None:
    """Why this evaluation's float64 gradients cannot be trusted (a value non-finite or past
    2^53, a gradient nan or infinite), naming the quantity; None when they can."""
    from symbp.errors import one_line

    for sample, each in enumerate(evaluation.per_sample, start=1):
        where = f" (sample {sample})" if len(evaluation.per_sample) > 1 else ""
        for name, value in each.forward_values.items():
            if not math.isfinite(value) or abs(value) > FLOAT_EXACT_LIMIT:
                return one_line(
                    f"{name} = {value:.4g}{where}{when} is beyond what float64 computes with "
                    f"(|value| up to 2^53 ≈ 9.0e15): its gradients would be wrong; scale the "
                    "inputs or weights down"
                )
    for name, gradient in evaluation.named_gradients.items():
        if not math.isfinite(gradient):
            return one_line(
                f"∂L/∂{name} = {gradient}{when} in float64 (an overflow): scale the inputs or "
                "weights down"
            )
    return None


def updated_weights(evaluation: Evaluation, learning_rate: float) -> tuple[float, ...]:
    """One gradient-descent step: w − η · ∂L/∂w for every weight."""
    return tuple(
        w - learning_rate * g
        for w, g in zip(evaluation.parameters, evaluation.gradients, strict=True)
    )


class ScalarFunction:
    """One expression of the network's symbols compiled to Python, as CompiledNetwork's code is.

    Called with the values of its symbols; it computes on plain floats like a one-sample
    evaluation, and on numpy scalars (inf and nan instead of an exception) where floats raise.
    """

    def __init__(self, expr: sp.Expr) -> None:
        self.symbols = tuple(sorted(expr.free_symbols, key=sp.default_sort_key))
        names = {symbol: f"v{number}" for number, symbol in enumerate(self.symbols)}
        printer = _CodePrinter(names)
        arguments = ", ".join(names[s] for s in self.symbols)
        # The source is printed from symbols symbp created, never from user text.
        source = f"def function({arguments}):\n    return {printer.code(expr)}\n"
        namespace: dict[str, Any] = {
            "numpy": _LazyNumpy(),
            "_sigmoid": scalar_sigmoid,
            "_logsumexp": stable_logsumexp,
            **float_namespace(arrays=False),
        }
        exec(compile(source, "<symbp generated>", "exec"), namespace)  # noqa: S102
        self._function = namespace["function"]
        self._source = source

    def __call__(self, values: Mapping[sp.Symbol, float]) -> float:
        arguments = [values[symbol] for symbol in self.symbols]
        try:
            return float(self._function(*arguments))
        except _FLOAT_ERRORS:
            import numpy as np

            namespace: dict[str, Any] = {
                "numpy": np,
                "_sigmoid": stable_sigmoid,
                "_logsumexp": stable_logsumexp,
                **float_namespace(arrays=True),
            }
            exec(compile(self._source, "<symbp generated>", "exec"), namespace)  # noqa: S102
            with np.errstate(all="ignore"):
                return float(namespace["function"](*(np.float64(v) for v in arguments)))
