"""A recurrent network unrolled through time into the general graph, and its derivation.

Public interface (what displays, the API and the checks build on):

    model = build_rnn(spec)              # RnnModel: the unrolled graph (symbp.core.opgraph)
    derivation = derive_rnn(spec)        # RnnDerivation: the sweep and every number
    derivation.loss                      # L
    derivation.value(symbol)             # any node's value (x, h, z, u, o, y, a parameter)
    derivation.gradient(symbol)          # ∂L/∂node for any node but a target
    derivation.parameter_gradients       # {"W_hh[0,0]": ∂L/∂W_hh[0,0], …} in parameter order
    derivation.step_terms(symbol)        # a shared weight's gradient, one StepTerm per use
    model.parameter("W_hh[0,0]")         # a parameter's symbol by name (near misses refused)
    model.symbol("h_2[0]")               # any node's symbol by its plain name
    model.x/h/z/u/o/y[s][t]              # per sequence s (from 0) and step t: the units' symbols
    model.places[symbol]                 # Place(kind, sequence, step, unit, column)
    model.names[symbol], model.named     # plain names; each node's gradient symbol (δ …)
    model.local(of, wrt)                 # a local derivative as textbooks write it (1 − h²)

The graph has one parameter leaf per weight entry, used at every step; the backward sweep sums
its uses by itself, so ∂L/∂W_hh[j,k] = Σ_t δ_t[j]·h_{t−1}[k] comes out of the one rule of
backpropagation with each step's term kept. Nodes per sequence and step t = 1..T:

    z_t[j] = Σ_i W_xh[j,i]·x_t[i] + b_ih[j] + Σ_k W_hh[j,k]·h_{t−1}[k] + b_hh[j]
    h_t[j] = f(z_t[j])
    u_t[k] = Σ_j W_hy[k,j]·h_t[j] + b_y[k]         (at the steps with a target)
    o_t[k] = g(u_t[k])                             (softmax: g of the whole row)
    L      = Σ over (sequence, targeted step) of the loss of (o_t, y_t)   (or their mean)

Names: steps count from 1 (h_0 is the initial state); unit and weight indices from 0, as torch
indexes its tensors: W_hh[0,1] is torch's weight_hh_l0[0, 1]. With several sequences every node
name starts with its sequence, "s2.h_1[0]". The gradients' symbols (`RnnModel.named`) are
δ_t[j] = ∂L/∂z_t[j], δo_t[k] = ∂L/∂u_t[k], and ∂L/∂h_t[j], ∂L/∂o_t[k].

Numbers come from the derivation itself: every node's definition is printed once as
straight-line float64 code (as symbp.core.numeric does for dense networks) and run, and every
gradient is the sweep's terms evaluated, upstream gradient × local derivative at those values,
summed in the sweep's order. Central differences run the same forward code on numpy arrays,
every parameter perturbed at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import sympy as sp

from symbp.core.functions import Activation, Loss, activation, float_namespace, loss
from symbp.core.numeric import (
    _CodePrinter,
    _float_value,
    stable_logsumexp,
    stable_sigmoid,
)
from symbp.core.opgraph import CONSTANT, INPUT, PARAMETER, Graph, Node, Sweep, product, sweep
from symbp.core.rnn_spec import (
    B_HH,
    B_IH,
    B_Y,
    W_HH,
    W_HY,
    W_XH,
    RnnSpec,
)
from symbp.errors import SymbpError
from symbp.near import closest, resolve

__all__ = [
    "AFFINE",
    "Place",
    "RnnDerivation",
    "RnnModel",
    "StepTerm",
    "build_rnn",
    "derive_rnn",
    "fast_code",
]

#: the op of a node that sums products and a bias (z, u): its local derivatives are read off
AFFINE = "affine"
#: the op of the loss node
LOSS = "loss"
#: central differences' step (relative steps would not help: values are of order 1)
STEP = 1e-6


class Place(NamedTuple):
    """What a node stands for: kind (x, h, z, u, o, y, L, or a parameter's matrix name),
    sequence (0-based), step (1-based; 0 for h_0), unit (a unit's index; a parameter's row)
    and column (a parameter's, -1 otherwise)."""

    kind: str
    sequence: int = 0
    step: int = 0
    unit: int = 0
    column: int = -1


class StepTerm(NamedTuple):
    """One use of a node in the sweep: through `user` (at `step` of `sequence`), upstream
    gradient × local derivative = term."""

    sequence: int
    step: int
    user: sp.Symbol
    local: sp.Expr  # ∂user/∂node, in the nodes' symbols
    upstream: float  # ∂L/∂user
    local_value: float
    value: float


@dataclass
class RnnModel:
    """The unrolled graph of an RnnSpec, with each node's place and plain name."""

    spec: RnnSpec
    #: every node's plain name ("h_1[0]", "W_hh[0,0]", "s2.z_3[1]"), and what it stands for
    names: dict[sp.Symbol, str]
    places: dict[sp.Symbol, Place]
    #: the parameters in order (W_xh, W_hh, W_hy row by row, then the biases), by plain name
    parameters: dict[str, sp.Symbol]
    #: every leaf's value (parameters, inputs, initial states, targets)
    leaf_values: dict[sp.Symbol, float]
    #: each operation node's gradient symbol (δ_t[j] for z_t[j], ∂L/∂h_t[j] for h_t[j], …)
    named: dict[sp.Symbol, sp.Symbol]
    #: per sequence, the nodes by step: x[s][t][i] (t from 1), h[s][t][j] (t from 0), z[s][t][j]
    x: list[dict[int, tuple[sp.Symbol, ...]]]
    h: list[dict[int, tuple[sp.Symbol, ...]]]
    z: list[dict[int, tuple[sp.Symbol, ...]]]
    #: at the targeted steps only: u (output pre-activations), o (outputs), y (targets)
    u: list[dict[int, tuple[sp.Symbol, ...]]]
    o: list[dict[int, tuple[sp.Symbol, ...]]]
    y: list[dict[int, tuple[sp.Symbol, ...]]]
    loss: sp.Symbol
    #: the loss written with the output pre-activations (log σ(u), log softmax(u)) for numbers
    numeric_loss: sp.Expr
    cell: Activation
    head: Activation
    objective: Loss
    _coefficients: dict[sp.Symbol, dict[sp.Symbol, sp.Expr]] = field(default_factory=dict)
    _locals: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = field(default_factory=dict)
    #: the graph, made with this model's local derivatives (set by build_rnn)
    graph: Graph = field(init=False)

    @property
    def root(self) -> sp.Symbol:
        return self.loss

    def symbol(self, name: str) -> sp.Symbol:
        """A node's symbol by its plain name (any node; a parameter's near misses resolved
        by case); a SymbpError naming the nearest otherwise."""
        by_name = self._by_name
        found = by_name.get(name) or by_name.get(_canonical(name))
        if found is not None:
            return found
        known = resolve(_canonical(name), by_name)
        if known is not None:
            return by_name[known]
        matrices = dict.fromkeys(self.places[s].kind for s in self.parameters.values())
        near = closest(_canonical(name), [*matrices, *self.parameters, *by_name])
        hint = f"; did you mean {near!r}?" if near is not None else ""
        raise SymbpError(
            f"no node or weight {name!r} in this network (weights are written "
            f"W_xh[j,i], W_hh[j,k], W_hy[k,j], biases b_ih[j]; nodes h_t[j], z_t[j], o_t[k]){hint}"
        )

    def parameter(self, name: str) -> sp.Symbol:
        """A parameter's symbol by name: `W_hh[0,1]` (also W_hh[0][1], w_hh[0, 1])."""
        symbol = self.symbol(name)
        if self.graph.nodes[symbol].op != PARAMETER:
            raise SymbpError(f"{name!r} is a node of the network, not a weight or bias")
        return symbol

    def matrix_name(self, name: str) -> str | None:
        """A whole weight matrix's or bias's name as written in any case (w_hh, W_HH: W_hh),
        or None when `name` names none."""
        kinds = dict.fromkeys(self.places[s].kind for s in self.parameters.values())
        return next((kind for kind in kinds if kind.lower() == name.lower()), None)

    def matrix(self, name: str) -> tuple[sp.Symbol, ...]:
        """Every entry of a weight matrix or bias vector (W_hh, b_ih; in any case), row by
        row."""
        kind = self.matrix_name(name)
        found = tuple(s for s in self.parameters.values() if self.places[s].kind == kind)
        if not found:
            known = sorted({self.places[s].kind for s in self.parameters.values()})
            near = closest(name, known)
            hint = f"; did you mean {near!r}?" if near is not None else ""
            raise SymbpError(f"no parameter {name!r} (known: {', '.join(known)}){hint}")
        return found

    @cached_property
    def _by_name(self) -> dict[str, sp.Symbol]:
        return {name: symbol for symbol, name in self.names.items()}

    def local(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        """∂of/∂wrt through `of`'s definition, in the form displays write it: a coefficient
        for z and u, f′ as textbooks write it (1 − h² for tanh), the loss's own ∂L/∂o."""
        key = (of, wrt)
        found = self._locals.get(key)
        if found is None:
            found = self._locals[key] = self._local(of, wrt)
        return found

    def _local(self, of: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        coefficients = self._coefficients.get(of)
        if coefficients is not None:
            return coefficients[wrt]
        place = self.places[of]
        if place.kind == "h":
            return self.cell.derivative(wrt, of)
        if place.kind == "o":
            if self.head.elementwise:
                return self.head.derivative(wrt, of)
            assert self.head.jacobian is not None
            row = self.o[place.sequence][place.step]
            column = self.places[wrt].unit
            return self.head.jacobian(place.unit, column, row)
        if of == self.loss:
            where = self.places[wrt]
            row = self.o[where.sequence][where.step]
            targets = self.y[where.sequence].get(where.step, ())
            derivative = self.objective.derivative
            if derivative is None:
                found = sp.diff(self.objective.apply(row, targets), wrt)
            else:
                found = derivative(where.unit, row, targets)
            return found * self._scale if self._scale != 1 else found
        node = self.graph.nodes[of]
        assert node.definition is not None
        return sp.diff(node.definition, wrt)

    @property
    def _scale(self) -> sp.Expr:
        if self.spec.reduction == "mean":
            return sp.Rational(1, self.spec.n_sequences * len(self.spec.target_step_indices))
        return sp.S.One


def _canonical(name: str) -> str:
    """W_hh[0][1] and W_hh[0, 1] as W_hh[0,1]."""
    text = "".join(name.split())
    return text.replace("][", ",")


def build_rnn(spec: RnnSpec) -> RnnModel:
    """The unrolled graph: one leaf per parameter, per input, per initial state and target;
    z, h, u, o nodes per step and sequence; the loss."""
    builder = _Builder(spec)
    return builder.model()


class _Builder:
    def __init__(self, spec: RnnSpec) -> None:
        self.spec = spec
        self.nodes: list[Node] = []
        self.names: dict[sp.Symbol, str] = {}
        self.places: dict[sp.Symbol, Place] = {}
        self.values: dict[sp.Symbol, float] = {}
        self.named: dict[sp.Symbol, sp.Symbol] = {}
        self.coefficients: dict[sp.Symbol, dict[sp.Symbol, sp.Expr]] = {}
        self.prefix = (lambda s: f"s{s + 1}.") if spec.n_sequences > 1 else (lambda s: "")

    def symbol(self, name: str, place: Place) -> sp.Symbol:
        symbol = sp.Symbol(name, real=True)
        self.names[symbol] = name
        self.places[symbol] = place
        return symbol

    def leaf(self, name: str, place: Place, kind: str, value: float) -> sp.Symbol:
        symbol = self.symbol(name, place)
        self.nodes.append(Node(symbol, kind))
        self.values[symbol] = value
        return symbol

    def op(
        self, name: str, place: Place, op: str, inputs: Sequence[sp.Symbol], definition: sp.Expr
    ) -> sp.Symbol:
        symbol = self.symbol(name, place)
        self.nodes.append(Node(symbol, op, tuple(dict.fromkeys(inputs)), definition))
        return symbol

    def gradient_symbol(self, of: sp.Symbol, name: str) -> None:
        self.named[of] = sp.Symbol(name, real=True)

    def affine(
        self,
        name: str,
        place: Place,
        pairs: Sequence[tuple[sp.Symbol, sp.Symbol]],
        biases: Sequence[sp.Symbol],
    ) -> sp.Symbol:
        """Σ weight·value + biases, with its local derivatives read off as it is built."""
        terms = [product(weight, value) for weight, value in pairs] + list(biases)
        inputs: list[sp.Symbol] = []
        coefficients: dict[sp.Symbol, sp.Expr] = {}
        for weight, value in pairs:
            inputs += [weight, value]
            coefficients[weight] = value
            coefficients[value] = weight
        for bias in biases:
            inputs.append(bias)
            coefficients[bias] = sp.S.One
        # unevaluated: the terms are distinct already, and flattening 20,000 sums is most
        # of the building's time (displays order terms themselves)
        total = sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
        symbol = self.op(name, place, AFFINE, inputs, total)
        self.coefficients[symbol] = coefficients
        return symbol

    def parameters(self) -> dict[str, sp.Symbol]:
        spec = self.spec
        found: dict[str, sp.Symbol] = {}
        for matrix in (W_XH, W_HH, W_HY):
            for r, row in enumerate(spec.weight(matrix)):
                for c, value in enumerate(row):
                    name = f"{matrix}[{r},{c}]"
                    found[name] = self.leaf(name, Place(matrix, 0, 0, r, c), PARAMETER, value)
        for bias, values in spec.biases:
            for r, value in enumerate(values):
                name = f"{bias}[{r}]"
                found[name] = self.leaf(name, Place(bias, 0, 0, r), PARAMETER, value)
        return found

    def model(self) -> RnnModel:
        spec = self.spec
        parameters = self.parameters()

        def weight(matrix: str, r: int, c: int) -> sp.Symbol:
            return parameters[f"{matrix}[{r},{c}]"]

        def bias(name: str, r: int) -> list[sp.Symbol]:
            return [parameters[f"{name}[{r}]"]] if spec.bias(name) is not None else []

        cell = activation(spec.cell_activation, spec.activation_parameter(spec.cell_activation))
        head_name = spec.output_activation
        head = activation(head_name, spec.activation_parameter(head_name))
        objective = loss(spec.loss, spec.loss_parameter)
        targeted = spec.target_step_indices
        xs: list[dict[int, tuple[sp.Symbol, ...]]] = []
        hs: list[dict[int, tuple[sp.Symbol, ...]]] = []
        zs: list[dict[int, tuple[sp.Symbol, ...]]] = []
        us: list[dict[int, tuple[sp.Symbol, ...]]] = []
        os: list[dict[int, tuple[sp.Symbol, ...]]] = []
        ys: list[dict[int, tuple[sp.Symbol, ...]]] = []
        for s, sequence in enumerate(spec.sequences):
            at = self.prefix(s)
            xs.append(
                {
                    t: tuple(
                        self.leaf(f"{at}x_{t}[{i}]", Place("x", s, t, i), INPUT, value)
                        for i, value in enumerate(row)
                    )
                    for t, row in enumerate(sequence, start=1)
                }
            )
            initial = tuple(
                self.leaf(f"{at}h_0[{j}]", Place("h", s, 0, j), INPUT, value)
                for j, value in enumerate(spec.initial_states[s])
            )
            hs.append({0: initial})
            ys.append({})
            if spec.has_targets:
                for t, row in zip(targeted, spec.targets[s], strict=True):
                    ys[s][t] = tuple(
                        self.leaf(f"{at}y_{t}[{k}]", Place("y", s, t, k), CONSTANT, value)
                        for k, value in enumerate(row)
                    )
            zs.append({})
            us.append({})
            os.append({})
        for s in range(spec.n_sequences):
            at = self.prefix(s)
            for t in range(1, spec.n_steps + 1):
                z_row, h_row = [], []
                for j in range(spec.n_hidden):
                    pairs = [(weight(W_XH, j, i), xs[s][t][i]) for i in range(spec.n_inputs)]
                    pairs += [(weight(W_HH, j, k), hs[s][t - 1][k]) for k in range(spec.n_hidden)]
                    biases = bias(B_IH, j) + bias(B_HH, j)
                    z = self.affine(f"{at}z_{t}[{j}]", Place("z", s, t, j), pairs, biases)
                    self.gradient_symbol(z, f"{at}δ_{t}[{j}]")
                    z_row.append(z)
                for j, z in enumerate(z_row):
                    h = self.op(
                        f"{at}h_{t}[{j}]", Place("h", s, t, j), cell.name, [z], cell.apply(z)
                    )
                    self.gradient_symbol(h, f"{at}∂L/∂h_{t}[{j}]")
                    h_row.append(h)
                zs[s][t], hs[s][t] = tuple(z_row), tuple(h_row)
                if t not in targeted:
                    continue
                u_row = []
                for k in range(spec.n_outputs):
                    pairs = [(weight(W_HY, k, j), h_row[j]) for j in range(spec.n_hidden)]
                    u = self.affine(f"{at}u_{t}[{k}]", Place("u", s, t, k), pairs, bias(B_Y, k))
                    self.gradient_symbol(u, f"{at}δo_{t}[{k}]")
                    u_row.append(u)
                us[s][t] = tuple(u_row)
                if head.elementwise:
                    forms = [head.apply(u) for u in u_row]
                else:
                    assert head.apply_layer is not None
                    forms = list(head.apply_layer(u_row))
                o_row = []
                for k, form in enumerate(forms):
                    inputs = [u_row[k]] if head.elementwise else u_row
                    o = self.op(f"{at}o_{t}[{k}]", Place("o", s, t, k), head.name, inputs, form)
                    self.gradient_symbol(o, f"{at}∂L/∂o_{t}[{k}]")
                    o_row.append(o)
                os[s][t] = tuple(o_row)
        terms: list[sp.Expr] = []
        numeric_terms: list[sp.Expr] = []
        outputs: list[sp.Symbol] = []
        for s in range(spec.n_sequences):
            for t in targeted:
                row, targets = os[s][t], ys[s].get(t, ())
                outputs += row
                terms.append(objective.apply(row, targets))
                if objective.logit_form is not None and objective.logit_activation == head.name:
                    numeric_terms.append(objective.logit_form(us[s][t], targets))
                else:
                    numeric_terms.append(terms[-1])
        scale = (
            sp.Rational(1, len(terms)) if spec.reduction == "mean" and len(terms) > 1 else sp.S.One
        )
        definition = scale * sp.Add(*terms)
        root = self.op("L", Place("L"), LOSS, outputs, definition)
        model = RnnModel(
            spec=spec,
            names=self.names,
            places=self.places,
            parameters=parameters,
            leaf_values=self.values,
            named=self.named,
            x=xs,
            h=hs,
            z=zs,
            u=us,
            o=os,
            y=ys,
            loss=root,
            numeric_loss=scale * sp.Add(*numeric_terms),
            cell=cell,
            head=head,
            objective=objective,
            _coefficients=self.coefficients,
        )
        model.graph = Graph(self.nodes, root, local=model.local)
        return model


# -- numbers -----------------------------------------------------------------------------------


def fast_code(expr: sp.Basic, names: dict[sp.Symbol, str], printer: Any = None) -> str:
    """Python for sums, products and integer powers of symbols and numbers, written directly
    (sympy's printer takes most of the compile time for a long sequence); anything else (a
    function: tanh, σ, softmax) through `printer`, or str() without one."""
    if isinstance(expr, sp.Symbol):
        return names[expr]
    if isinstance(expr, sp.Integer):
        return f"{int(expr)}.0" if printer is not None else str(int(expr))
    if isinstance(expr, sp.Rational):
        return f"({expr.p}/{expr.q})"
    if isinstance(expr, sp.Float):
        return repr(float(expr))
    if isinstance(expr, sp.Add):
        return "(" + " + ".join(fast_code(a, names, printer) for a in expr.args) + ")"
    if isinstance(expr, sp.Mul):
        return "*".join(fast_code(a, names, printer) for a in expr.args)
    if isinstance(expr, sp.Pow) and isinstance(expr.exp, sp.Integer):
        return f"({fast_code(expr.base, names, printer)})**{int(expr.exp)}"
    if printer is not None:
        return str(printer.code(expr))
    return str(expr)


class _Compiled:
    """The model's forward pass (every node's definition) as generated float64 code, run on
    Python floats or on numpy arrays (central differences: every parameter perturbed at once)."""

    def __init__(self, model: RnnModel) -> None:
        graph = model.graph
        names: dict[sp.Symbol, str] = {}
        self.leaves = tuple(s for s, node in graph.nodes.items() if node.is_leaf)
        for position, symbol in enumerate(self.leaves):
            names[symbol] = f"a{position}"
        self.operations = tuple(s for s, node in graph.nodes.items() if not node.is_leaf)
        for number, symbol in enumerate(self.operations):
            names[symbol] = f"v{number}"
        printer = _CodePrinter(names)
        lines = ["def forward(leaf):", f"    {', '.join(names[s] for s in self.leaves)}, = leaf"]
        for symbol in self.operations:
            definition = graph.nodes[symbol].definition
            if symbol == model.loss:
                definition = model.numeric_loss
            assert definition is not None
            lines.append(f"    {names[symbol]} = {fast_code(definition, names, printer)}")
        lines.append(f"    return ({', '.join(names[s] for s in self.operations)},)")
        # printed from symbols symbp made (names like a3, v12), never from user text
        self._code = compile("\n".join(lines) + "\n", "<symbp rnn>", "exec")
        import numpy

        self._namespace: dict[str, Any] = {
            "numpy": numpy,
            "_sigmoid": stable_sigmoid,
            "_logsumexp": stable_logsumexp,
            **float_namespace(arrays=True),
        }
        exec(self._code, self._namespace)  # noqa: S102

    def forward(self, leaf: list[Any]) -> tuple[Any, ...]:
        """Every operation node's value (the loss last) from the leaves' values."""
        import numpy as np

        with np.errstate(all="ignore"):
            found: tuple[Any, ...] = self._namespace["forward"](leaf)
        return found


def _backward(
    model: RnnModel, swept: Sweep, values: dict[sp.Symbol, float]
) -> dict[sp.Symbol, float]:
    """Every gradient's number: the sweep's terms, upstream gradient × local derivative, each
    local derivative evaluated at the forward pass's values, summed in the sweep's order."""
    gradients: dict[sp.Symbol, float] = {model.loss: 1.0}
    evaluated: dict[sp.Expr, float] = {}
    for symbol, gradient in swept.gradients.items():
        if symbol == model.loss:
            continue
        total = 0.0
        for use in gradient.uses:
            local = use.local
            if isinstance(local, sp.Symbol):
                number = values[local]
            elif local.is_Number:
                number = float(local)
            else:
                found = evaluated.get(local)
                if found is None:
                    found = evaluated[local] = _float_value(local, values)
                number = found
            total += gradients[use.user] * number
        gradients[symbol] = total
    return gradients


@dataclass
class RnnDerivation:
    """The sweep over the unrolled graph and every number: node values, gradients, each
    shared weight's terms by step, central differences."""

    model: RnnModel
    sweep: Sweep
    values: dict[sp.Symbol, float]
    gradients: dict[sp.Symbol, float]
    _compiled: _Compiled

    @property
    def spec(self) -> RnnSpec:
        return self.model.spec

    @property
    def loss(self) -> float:
        return self.values[self.model.loss]

    def value(self, symbol: sp.Symbol) -> float:
        return self.values[symbol]

    def gradient(self, symbol: sp.Symbol) -> float:
        found = self.gradients.get(symbol)
        if found is None:
            raise SymbpError(f"{self.model.names.get(symbol, symbol)} has no gradient (a target)")
        return found

    def gradient_value(self, gradient_symbol: sp.Symbol) -> float:
        """The value of a gradient's symbol (δ_t[j], ∂L/∂h_t[j], …)."""
        return self.gradients[self._of_gradient[gradient_symbol]]

    @cached_property
    def _of_gradient(self) -> dict[sp.Symbol, sp.Symbol]:
        return {named: node for node, named in self.model.named.items()}

    @property
    def parameter_gradients(self) -> dict[str, float]:
        """∂L/∂p for every parameter, by plain name, in parameter order."""
        return {name: self.gradients[s] for name, s in self.model.parameters.items()}

    def local_value(self, local: sp.Expr) -> float:
        """A local derivative's number at the forward pass's values."""
        return _float_value(local, self.values)

    def step_terms(self, symbol: sp.Symbol) -> tuple[StepTerm, ...]:
        """∂L/∂node as the sweep wrote it: one term per use, in step order (a shared weight's
        sum over steps and sequences, an h's two routes, …)."""
        terms = []
        for use in self.sweep.gradient(symbol).uses:
            place = self.model.places[use.user]
            upstream = self.gradients[use.user]
            local_value = self.local_value(use.local)
            terms.append(
                StepTerm(
                    place.sequence,
                    place.step,
                    use.user,
                    use.local,
                    upstream,
                    local_value,
                    upstream * local_value + 0.0,  # + 0.0: a zero term is 0, not −0
                )
            )
        return tuple(terms)

    def central_differences(self, step: float = STEP) -> dict[str, float]:
        """(L(p + h) − L(p − h)) / 2h for every parameter, through the forward code alone,
        all parameters perturbed at once on numpy arrays."""
        import numpy as np

        model = self.model
        compiled = self._compiled
        parameters = list(model.parameters.values())
        count = len(parameters)
        leaf: list[Any] = [model.leaf_values[s] for s in compiled.leaves]
        position = {s: p for p, s in enumerate(compiled.leaves)}
        for number, symbol in enumerate(parameters):
            shifted = np.full(2 * count, model.leaf_values[symbol])
            shifted[2 * number] += step
            shifted[2 * number + 1] -= step
            leaf[position[symbol]] = shifted
        losses = np.asarray(compiled.forward(leaf)[-1], dtype=float)
        if losses.shape != (2 * count,):  # a loss not depending on any parameter
            losses = np.broadcast_to(losses, (2 * count,))
        return {
            name: float((losses[2 * n] - losses[2 * n + 1]) / (2 * step))
            for n, name in enumerate(model.parameters)
        }


def rnn_evaluator(
    model: RnnModel,
) -> Callable[[Mapping[str, float]], tuple[float, dict[str, float]]]:
    """The loss and ∂L/∂p of every parameter (by plain name) at given parameter values, from
    one sweep and one compiled forward pass: what an optimizer's rounds need."""
    import numpy as np

    swept = sweep(model.graph, named=model.named, unevaluated_sums=True)
    compiled = _Compiled(model)

    def loss_and_gradients(parameters: Mapping[str, float]) -> tuple[float, dict[str, float]]:
        leaf_values = dict(model.leaf_values)
        for name, value in parameters.items():
            leaf_values[model.parameters[name]] = value
        node_values = compiled.forward([np.float64(leaf_values[s]) for s in compiled.leaves])
        values = dict(leaf_values)
        for symbol, value in zip(compiled.operations, node_values, strict=True):
            values[symbol] = float(value)
        gradients = _backward(model, swept, values)
        by_name = {name: gradients[s] for name, s in model.parameters.items()}
        return values[model.loss], by_name

    return loss_and_gradients


def derive_rnn(spec: RnnSpec | RnnModel) -> RnnDerivation:
    """The backward sweep over the unrolled graph, and every number from it."""
    model = spec if isinstance(spec, RnnModel) else build_rnn(spec)
    swept = sweep(model.graph, named=model.named, unevaluated_sums=True)
    compiled = _Compiled(model)
    import numpy as np

    # numpy scalars: an overflow becomes inf (refused below with one line), not an exception
    node_values = compiled.forward([np.float64(model.leaf_values[s]) for s in compiled.leaves])
    values = dict(model.leaf_values)
    for symbol, value in zip(compiled.operations, node_values, strict=True):
        values[symbol] = float(value)
    gradients = _backward(model, swept, values)
    bad = [
        model.names[s] for s in (model.loss, *gradients) if not math.isfinite(values.get(s, 0.0))
    ]
    bad += [model.names[s] for s, v in gradients.items() if not math.isfinite(v)]
    if bad:
        raise SymbpError(_overflow_message(model, values, gradients, bad[0]))
    return RnnDerivation(model, swept, values, gradients, compiled)


def _overflow_message(
    model: RnnModel,
    values: dict[sp.Symbol, float],
    gradients: dict[sp.Symbol, float],
    first: str,
) -> str:
    """What is refused, precisely: a loss that is finite (worked from u, as torch's log-softmax
    works it) while ∂L/∂o is not, at an output saturated to 0 or 1 in float64; else an
    overflow."""
    loss = values.get(model.loss, math.nan)
    saturated = [
        o
        for sequence in model.o
        for outputs in sequence.values()
        for o in outputs
        if values.get(o) in (0.0, 1.0) and not math.isfinite(gradients.get(o, 0.0))
    ]
    if math.isfinite(loss) and saturated:
        name = model.names[saturated[0]]
        return (
            f"the output {name} is {values[saturated[0]]:g} in float64 (saturated), so the "
            f"loss's derivative through it, ∂L/∂{name}, is not a finite number, though "
            f"L = {loss:.10g} is (worked from u in log space, as torch's losses on logits work "
            "it): symbp derives L through every output and refuses; smaller weights or inputs"
        )
    return (
        f"the network's numbers overflow float64 (first at {first}): smaller weights or "
        "inputs, or fewer steps"
    )
