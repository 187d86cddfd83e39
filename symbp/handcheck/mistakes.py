"""The catalogue of classic backpropagation mistakes, each a deliberately wrong derivation.

A mistake is a change to a Plan, the description of how a variant derivation differs from the
right one: the output error's sign or scale, the activation derivative (everywhere, or in the
hidden or the output layer only), the terms sent back into a hidden unit, the update step (its
sign, the learning rate), or the weight numbering (the values placed by the other convention, or
only the labels swapped). A variant's numbers come from running the backward sweep with the
plan's changes in float64 over the network's own graph: the same δ_j = (Σ_k δ_k·w_jk)·f′(z_j)
the true sweep computes, with the changed pieces swapped in. Forward values are computed once per
network and point, local derivatives once per unit, so that the diagnosis search (every single
mistake, every pair, each with a fitted learning rate) stays fast.

What a reader is told of each mistake (its title, sentence and formulas) is content's:
content/mistakes.py, beside every other word.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from symbp.core.graph import Bias, Network, Unit, Weight
from symbp.core.operations import CROSS_ENTROPY, SOFTMAX, TANH, loss_info
from symbp.core.spec import edge_order, weight_names

from .floats import float_value
from .quantities import QuantityTable

#: the numberings between which a student may confuse weights (their names are the same: w1...)
SWAPPABLE = ("by-source", "by-target")
#: networks with at most this many outputs get one "path dropped" mistake per output
MAX_DROPPED_PATHS = 4


@dataclass(frozen=True)
class Plan:
    """How a variant derivation differs from the right one (the defaults are the right one)."""

    output_error_sign: int = 1  # −1: ∂L/∂o = y − o
    loss_scale: float = 1.0  # 2: ½ dropped; ½: ½ applied twice
    activation_derivative: str = "a"  # "a": a(1−a); "none": missing; "z": z(1−z)
    activation_layers: str = "all"  # where the activation_derivative change applies
    backprop_term: str = "delta_w"  # "delta_w"; "gradient": ∂L/∂w_jk; "updated_w": δ_k·w_jk'
    dropped_output: int | None = None  # index of the output unit whose path is dropped
    update_sign: int = 1  # −1: w + η·g
    learning_rate: float | None = None  # a wrong learning rate
    numbering_swapped: bool = False  # the weights' values placed by the other numbering
    labels_swapped: bool = False  # the right network, its weights labelled by the other numbering
    first_sample_only: bool = False  # several samples: L and ∂L/∂w of sample 1 alone
    error_scale: float = 1.0  # 2: ∂L/∂o = 2(o − y) while L = ½Σ(o − y)² is kept
    tanh_as_sigmoid: bool = False  # tanh′ taken as a(1 − a)
    softmax_sigma_prime: bool = False  # the softmax output's δ = o − y times o(1 − o)
    class_shift: int = 0  # −1: the target class index read 1-based
    biases_forgotten: bool = False  # z computed without the biases
    reduction: str | None = None  # several samples: reduced by the other rule (sum, mean)
    dropout_unscaled: bool = False  # dropout: the kept units not divided by keep_prob
    penalty_forgotten: bool = False  # L2: ∂R/∂w = λw left out of the gradients (L keeps R)


@dataclass(frozen=True)
class Mistake:
    """One classic mistake: the change it makes to a derivation. Its words (title, sentence,
    the wrong and the right formula) are content's: content/mistakes.py, from the key, the
    network and what `about` names."""

    key: str
    aspect: str  # two mistakes of the same aspect do not combine
    change: dict[str, Any]
    network: Network = field(repr=False, compare=False)
    #: what the words name beyond the network: the unit concerned, the right learning rate
    about: dict[str, Any] = field(default_factory=dict)

    def apply(self, plan: Plan) -> Plan:
        return replace(plan, **self.change)


def catalogue(network: Network) -> list[Mistake]:
    """The single mistakes for this network (a wrong learning rate is fitted per variant, by
    learning_rate_mistake): those its loss, activations, layers and numbering allow."""
    out = network.outputs[0]
    hidden = _first_hidden(network)
    assert out.z is not None
    # with softmax outputs δ_o is a Jacobian sum: there is no σ′ factor to forget
    softmax = out.activation is not None and not out.activation.elementwise

    def mistake(key: str, aspect: str, change: dict[str, Any], **about: Any) -> Mistake:
        return Mistake(key, aspect, change, network, about)

    mistakes = [mistake("output_error_sign", "output_sign", {"output_error_sign": -1})]
    if not softmax:
        mistakes.append(
            mistake("missing_sigma_prime", "activation", {"activation_derivative": "none"})
        )
    if hidden is not None and hidden.z is not None:
        mistakes.append(
            mistake(
                "missing_sigma_prime_hidden",
                "activation",
                {"activation_derivative": "none", "activation_layers": "hidden"},
            )
        )
        if not softmax:
            mistakes.append(
                mistake(
                    "missing_sigma_prime_output",
                    "activation",
                    {"activation_derivative": "none", "activation_layers": "output"},
                )
            )
    # f′ written in z instead of a: a mistake only where f′ is written in a (σ, tanh) and, for
    # a softmax output, in the hidden layers alone
    written_in_a = [
        unit
        for unit in (hidden, None if softmax else out)
        if unit is not None
        and unit.z is not None
        and unit.a in network.local_derivative(unit.a, unit.z).free_symbols
    ]
    if written_in_a:
        unit = written_in_a[-1]  # the output's when it has one, else the hidden's
        mistakes.append(
            mistake(
                "sigma_prime_of_z",
                "activation",
                {"activation_derivative": "z", "activation_layers": "hidden" if softmax else "all"},
                unit=unit.name,
            )
        )
    if loss_info(network.spec.loss).halved:
        mistakes += [
            mistake("half_dropped", "loss_scale", {"loss_scale": 2.0}),
            mistake("half_doubled", "loss_scale", {"loss_scale": 0.5}),
        ]
    if hidden is not None:
        mistakes.append(mistake("added_gradients", "backprop_term", {"backprop_term": "gradient"}))
        # a dropped path is a classic of small networks; with many outputs each is a tiny
        # change, and one variant per output would multiply the search
        if 1 < len(network.outputs) <= MAX_DROPPED_PATHS and len(network.layers) == 3:
            for index, unit in enumerate(network.outputs):
                mistakes.append(
                    mistake(
                        f"dropped_path_{unit.name}",
                        "dropped_path",
                        {"dropped_output": index},
                        unit=unit.name,
                    )
                )
        mistakes.append(
            mistake("updated_output_weights", "backprop_term", {"backprop_term": "updated_w"})
        )
    mistakes.append(mistake("update_sign", "update_sign", {"update_sign": -1}))
    mistakes += _sample_mistakes(network)
    mistakes += _more_mistakes(network)
    other = other_numbering(network)
    if other is not None:
        mistakes += [
            mistake("numbering", "numbering", {"numbering_swapped": True}, other=other),
            mistake("labels_swapped", "numbering", {"labels_swapped": True}, other=other),
        ]
    return mistakes


def _more_mistakes(network: Network) -> list[Mistake]:
    """Mistakes seen in real hand calculations of particular networks: tanh′ as σ′, the softmax
    error times o(1 − o), a class index read 1-based, forgotten biases, ∂L/∂o doubled with L
    kept right."""
    spec = network.spec
    out = network.outputs[0]
    mistakes: list[Mistake] = []
    if spec.dropout is not None:  # a = m·f(z), the 1/p of inverted dropout left out
        mistakes.append(Mistake("dropout_unscaled", "dropout", {"dropout_unscaled": True}, network))
    if network.penalty is not None:  # ∂L/∂w = δ·a alone: the penalty's λw forgotten
        mistakes.append(
            Mistake("penalty_forgotten", "penalty", {"penalty_forgotten": True}, network)
        )
    if loss_info(spec.loss).halved:
        mistakes.append(Mistake("error_doubled", "loss_scale", {"error_scale": 2.0}, network))
    tanh_units = [u for u in network.units.values() if _activation_name(u) == TANH.name]
    if tanh_units:
        mistakes.append(
            Mistake(
                "tanh_prime_as_sigmoid",
                "activation",
                {"tanh_as_sigmoid": True},
                network,
                {"unit": tanh_units[0].name},
            )
        )
    if _activation_name(out) == SOFTMAX.name and spec.loss == CROSS_ENTROPY.name:
        mistakes.append(
            Mistake("softmax_sigma_prime", "activation", {"softmax_sigma_prime": True}, network)
        )
    classes = spec.target_classes
    if spec.loss == CROSS_ENTROPY.name and classes and all(k >= 1 for k in classes):
        mistakes.append(Mistake("class_one_based", "targets", {"class_shift": -1}, network))
    biased = [b for b in network.biases if b.value != 0]
    if biased:
        mistakes.append(
            Mistake(
                "biases_forgotten",
                "biases",
                {"biases_forgotten": True},
                network,
                {"bias": biased[0].name, "value": biased[0].value},
            )
        )
    return mistakes


def _activation_name(unit: Unit) -> str:
    return unit.activation.name if unit.activation is not None else ""


def _sample_mistakes(network: Network) -> list[Mistake]:
    """With several samples: L and ∂L/∂w of sample 1 alone, or reduced by the other rule."""
    if len(network.spec.samples) == 1:
        return []
    mean = network.spec.reduction == "mean"
    return [
        Mistake("first_sample_only", "samples", {"first_sample_only": True}, network),
        Mistake(
            "summed_samples" if mean else "averaged_samples",
            "samples",
            {"reduction": "sum" if mean else "mean"},
            network,
        ),
    ]


def learning_rate_mistake(network: Network, fitted: float, right: float) -> Mistake:
    """A wrong learning rate: the one a student's updates fit, instead of the right one."""
    return Mistake(
        "learning_rate", "learning_rate", {"learning_rate": fitted}, network, {"right": right}
    )


def combinations(mistakes: list[Mistake]) -> list[tuple[Mistake, ...]]:
    """The right derivation (no mistake), every single mistake, then every pair of mistakes of
    different aspects."""
    singles: list[tuple[Mistake, ...]] = [(m,) for m in mistakes]
    pairs: list[tuple[Mistake, ...]] = [
        (a, b) for a, b in itertools.combinations(mistakes, 2) if a.aspect != b.aspect
    ]
    return [(), *singles, *pairs]


def plan_of(mistakes: tuple[Mistake, ...]) -> Plan:
    plan = Plan()
    for mistake in mistakes:
        plan = mistake.apply(plan)
    return plan


@dataclass
class _Forward:
    """One network's forward values at one point (per sample) and its true local derivatives."""

    samples: list[dict[sp.Symbol, float]]
    activation_derivatives: list[dict[tuple[sp.Symbol, sp.Symbol], float]] = field(
        default_factory=list
    )
    of_z: list[dict[tuple[sp.Symbol, sp.Symbol], float]] = field(default_factory=list)
    loss_derivatives: list[dict[sp.Symbol, float]] = field(default_factory=list)


@dataclass(frozen=True)
class _Structure:
    """What the backward sweep of one network (one numbering) walks, looked up once."""

    network: Network
    #: per hidden unit: (child unit, its δ symbol, the weight's symbol) for each outgoing edge
    children: dict[str, list[tuple[Unit, sp.Symbol, sp.Symbol]]]
    #: the other numbering's label of each weight (labels_swapped), and back
    label_of: dict[str, str]
    name_of: dict[str, str]


class Variants:
    """Values of quantities under variant derivations, keyed like the true values.

    Only what the asked-for quantities need is computed: the δs down to the lowest layer they
    reach, the gradients of their weights. A wide network's diagnosis evaluates hundreds of
    variants, each of which would otherwise cost a pass over every weight.
    """

    def __init__(self, table: QuantityTable) -> None:
        self.table = table
        self.network = table.network
        self.rate = table.learning_rate
        self._structures: dict[str, _Structure] = {}
        self._forward: dict[
            tuple[str, tuple[tuple[str, float], ...] | None, int, bool, bool], _Forward
        ] = {}
        self._other = other_numbering(self.network)

    def values(
        self,
        plan: Plan,
        point: Mapping[str, float] | None = None,
        keys: Collection[str] | None = None,
    ) -> dict[str, float]:
        """The variant's value of each of `keys` (every quantity when None) at the spec's
        samples and weights, or at `point` (inputs, targets and weights by name, one sample)."""
        wanted = [q.key for q in self.table.quantities] if keys is None else list(keys)
        numbering = self.network.spec.numbering
        if plan.numbering_swapped:
            numbering = self._other or numbering
        structure = self._structure(numbering)
        network = structure.network
        forward = self._forward_values(network, numbering, point, plan)
        rate = self.rate if plan.learning_rate is None else plan.learning_rate

        def own_name(label: str) -> str:  # a weight's name in this network, from the student's
            return structure.name_of.get(label, label) if plan.labels_swapped else label

        weights: dict[str, str] = {}  # key -> the weight (this network's name) it is about
        lowest = len(network.layers)
        for key in wanted:
            quantity = self.table.by_key[key]
            name = _weight_of(key, quantity.kind)
            if name is not None:
                weights[key] = own_name(name)
                if quantity.kind != "given":
                    lowest = min(lowest, *(u.layer for u in _targets(network, weights[key])))
            elif quantity.kind in ("upstream", "delta"):
                lowest = min(lowest, network.units[_unit_of(key)].layer)
        per_sample = [
            _backward(structure, plan, rate, forward, index, lowest)
            for index in range(len(forward.samples))
        ]
        first, upstream = per_sample[0]
        out: dict[str, float] = {}
        for key in wanted:
            quantity = self.table.by_key[key]
            kind = quantity.kind
            if kind == "loss":
                losses = [v[network.loss] * plan.loss_scale for v, _ in per_sample]
                out[key] = _reduce_samples(losses, plan, network.spec.reduction)
            elif kind == "sample_loss":
                values, _ = per_sample[_sample_of(key) - 1]
                out[key] = values[network.loss] * plan.loss_scale
            elif kind == "forward":
                out[key] = first[quantity.symbol]
            elif kind == "sample_forward":
                symbol, n = self.table.sample_forward[key]
                out[key] = per_sample[n - 1][0].get(symbol, math.nan)
            elif kind == "given":
                if key in weights:
                    out[key] = first[network.parameter(weights[key]).symbol]
                else:
                    out[key] = first.get(quantity.symbol, math.nan)
            elif kind == "upstream":
                out[key] = upstream[network.units[_unit_of(key)].a]
            elif kind == "delta":
                delta = network.units[_unit_of(key)].delta
                out[key] = first[delta] if delta is not None else math.nan
            else:
                weight = network.parameter(weights[key])
                gradients = [_gradient(weight, v) for v, _ in per_sample]
                if not plan.penalty_forgotten:  # ∂R/∂p: R is a term of each sample's L
                    gradients = [
                        g + _penalty_gradient(network, weight, v)
                        for g, (v, _) in zip(gradients, per_sample, strict=True)
                    ]
                gradient = _reduce_samples(gradients, plan, network.spec.reduction)
                if kind == "sample_gradient":
                    out[key] = gradients[_sample_of(key) - 1]
                elif kind == "gradient":
                    out[key] = gradient
                elif kind == "update":
                    out[key] = first[weight.symbol] - plan.update_sign * rate * gradient
                else:  # change
                    out[key] = -plan.update_sign * rate * gradient
        return out

    def _structure(self, numbering: str) -> _Structure:
        if numbering not in self._structures:
            network = self.network
            if numbering != network.spec.numbering:
                network = Network(replace(network.spec, numbering=numbering))
            children: dict[str, list[tuple[Unit, sp.Symbol, sp.Symbol]]] = {}
            for weight in network.weights:
                delta = weight.target.delta
                assert delta is not None
                children.setdefault(weight.source.name, []).append(
                    (weight.target, delta, weight.symbol)
                )
            label_of = _labels(network, self._other if network is self.network else None)
            name_of = {label: name for name, label in label_of.items()}
            self._structures[numbering] = _Structure(network, children, label_of, name_of)
        return self._structures[numbering]

    def _forward_values(
        self, network: Network, numbering: str, point: Mapping[str, float] | None, plan: Plan
    ) -> _Forward:
        key = (
            numbering,
            None if point is None else tuple(sorted(point.items())),
            plan.class_shift,
            plan.biases_forgotten,
            plan.dropout_unscaled,
        )
        if key not in self._forward:
            self._forward[key] = _forward_pass(
                network, point, plan.class_shift, plan.biases_forgotten, plan.dropout_unscaled
            )
        return self._forward[key]


def _weight_of(key: str, kind: str) -> str | None:
    """The weight a quantity's key is about (dL/dw1, dL(2)/dw1, w1_new, Δw1, w1), or None."""
    if kind in ("gradient", "sample_gradient"):
        return key[key.index("/d") + len("/d") :]
    if kind == "update":
        return key[: -len("_new")]
    if kind == "change":
        return key[len("Δ") :]
    if kind == "given" and not key.startswith(("x", "y")):
        return key
    return None


def _targets(network: Network, name: str) -> tuple[Unit, ...]:
    """The units whose δ a parameter's gradient takes: a weight's target, a bias's units."""
    parameter = network.parameter(name)
    return parameter.targets if isinstance(parameter, Bias) else (parameter.target,)


def _gradient(parameter: Weight | Bias, values: Mapping[sp.Symbol, float]) -> float:
    """∂L/∂p from one sample's δs: δ_target·a_source for a weight, Σ δ of its units for a bias."""
    if isinstance(parameter, Bias):
        return math.fsum(values[u.delta] for u in parameter.targets if u.delta is not None)
    assert parameter.target.delta is not None
    return values[parameter.target.delta] * values[parameter.source.a]


def _penalty_gradient(
    network: Network, parameter: Weight | Bias, values: Mapping[sp.Symbol, float]
) -> float:
    """∂R/∂p of the L2 penalty R = ½λΣw² (λw; 2λw for "full"; 0 for a parameter R leaves
    out, or without a penalty): δ·a is the data loss's part alone."""
    if network.penalty is None:
        return 0.0
    definition = network.definitions[network.penalty]
    if parameter.symbol not in definition.free_symbols:
        return 0.0
    return float_value(sp.diff(definition, parameter.symbol), values)


def _sample_of(key: str) -> int:
    """The sample a per-sample key is about: L(2) and dL(2)/dw1 are sample 2's."""
    return int(key[key.index("(") + 1 : key.index(")")])


def _reduce_samples(values: list[float], plan: Plan, reduction: str) -> float:
    """The samples' values reduced as the plan does: all of them by the spec's rule (or the
    plan's other rule), or sample 1's alone."""
    if plan.first_sample_only:
        return values[0]
    return _reduce(values, plan.reduction or reduction)


def _unit_of(key: str) -> str:
    """The unit of an upstream (dL/dh1) or δ (delta_h1) key."""
    return key[len("dL/d") :] if key.startswith("dL/d") else key[len("delta_") :]


def _forward_pass(
    network: Network,
    point: Mapping[str, float] | None,
    class_shift: int = 0,
    biases_forgotten: bool = False,
    dropout_unscaled: bool = False,
) -> _Forward:
    spec = network.spec
    if point is None:
        samples = list(spec.samples)
        weights = list(spec.weights)
    else:
        # samples 2… are named with their number in a point: x1(2), y1(2)
        suffixes = ["", *(f"({n})" for n in range(2, len(spec.samples) + 1))]
        samples = [
            (
                tuple(point[u.a.name + suffix] for u in network.inputs),
                tuple(point[y.name + suffix] for y in network.targets),
            )
            for suffix in suffixes
            if network.inputs[0].a.name + suffix in point
        ]
        weights = [point[w.name] for w in network.weights]
    result = _Forward(samples=[])
    dropout = network.spec.dropout
    for number, (inputs, targets) in enumerate(samples):
        if class_shift:  # one-hot targets, their 1 moved
            hot = (targets.index(1.0) + class_shift) % len(targets)
            targets = tuple(float(k == hot) for k in range(len(targets)))
        values: dict[sp.Symbol, float] = {}
        for unit, x in zip(network.inputs, inputs, strict=True):
            values[unit.a] = x
        for symbol, y in zip(network.targets, targets, strict=True):
            values[symbol] = y
        for weight, w in zip(network.weights, weights, strict=True):
            values[weight.symbol] = w
        for bias in network.biases:
            values[bias.symbol] = 0.0 if biases_forgotten else bias.value
        # dropout: p and the sample's masks are given (p = 1: the 1/p left out)
        values |= {p: 1.0 if dropout_unscaled else keep for p, keep in network.keep_values.items()}
        if dropout is not None:
            masks = dropout.sample_masks(number)
            values |= dict(zip(network.masks.values(), masks, strict=True))
        for symbol, definition in network.definitions.items():
            values[symbol] = float_value(
                network.numeric_definitions.get(symbol, definition), values
            )
        result.samples.append(values)
        derivatives: dict[tuple[sp.Symbol, sp.Symbol], float] = {}
        of_z: dict[tuple[sp.Symbol, sp.Symbol], float] = {}
        for units in network.layers[1:]:
            for unit in units:
                assert unit.z is not None
                for activation in network.children[unit.z]:
                    formula = network.local_derivative(activation, unit.z)
                    derivatives[(activation, unit.z)] = float_value(formula, values)
                    z_of = {u.a: u.z for u in units if u.z is not None}
                    of_z[(activation, unit.z)] = float_value(formula.xreplace(z_of), values)
        result.activation_derivatives.append(derivatives)
        result.of_z.append(of_z)
        result.loss_derivatives.append(
            {
                unit.a: float_value(network.local_derivative(network.loss, unit.a), values)
                for unit in network.outputs
            }
        )
    return result


def _backward(
    structure: _Structure, plan: Plan, rate: float, forward: _Forward, index: int, lowest: int
) -> tuple[dict[sp.Symbol, float], dict[sp.Symbol, float]]:
    """One sample's values with the variant's δs from the output layer down to layer `lowest`,
    and its ∂L/∂a by unit activation symbol."""
    network = structure.network
    values = dict(forward.samples[index])
    derivatives = forward.activation_derivatives[index]
    of_z = forward.of_z[index]
    loss_derivatives = forward.loss_derivatives[index]
    upstream: dict[sp.Symbol, float] = {}
    last = len(network.layers) - 1
    for layer in range(last, max(lowest, 1) - 1, -1):
        units = network.layers[layer]
        for unit in units:
            upstream[unit.a] = _upstream(structure, plan, rate, unit, values, loss_derivatives)
        changed = plan.activation_layers == "all" or (
            (plan.activation_layers == "output") == (layer == last)
        )
        for unit in units:
            assert unit.z is not None and unit.delta is not None
            total = 0.0
            for activation in network.children[unit.z]:
                through = network.unit_of_symbol[activation]
                if plan.tanh_as_sigmoid and _activation_name(unit) == TANH.name:
                    a = values[activation]
                    local = a * (1 - a) if through is unit else 0.0
                elif not changed or plan.activation_derivative == "a":
                    local = derivatives[(activation, unit.z)]
                elif plan.activation_derivative == "none":
                    local = 1.0 if through is unit else 0.0
                else:
                    local = of_z[(activation, unit.z)]
                total += upstream[through.a] * local
            if plan.softmax_sigma_prime and layer == last:
                total *= values[unit.a] * (1 - values[unit.a])
            values[unit.delta] = total
    return values, upstream


def _upstream(
    structure: _Structure,
    plan: Plan,
    rate: float,
    unit: Unit,
    values: Mapping[sp.Symbol, float],
    loss_derivatives: Mapping[sp.Symbol, float],
) -> float:
    """∂L/∂a of one unit under the plan: the loss's derivative, or Σ_k of the terms sent back."""
    network = structure.network
    if unit.layer == len(network.layers) - 1:
        scale = plan.loss_scale * plan.error_scale
        return plan.output_error_sign * scale * loss_derivatives[unit.a]
    total = 0.0
    a = values[unit.a]
    output_layer = len(network.layers) - 1
    for child, delta_symbol, weight in structure.children.get(unit.name, ()):
        if child.layer == output_layer and child.index == plan.dropped_output:
            continue
        delta = values[delta_symbol]
        if plan.backprop_term == "gradient":
            total += delta * a
        elif plan.backprop_term == "updated_w":
            total += delta * (values[weight] - rate * delta * a)
        else:
            total += delta * values[weight]
    return total


def _reduce(values: list[float], reduction: str) -> float:
    if len(values) == 1:
        return values[0]
    try:
        total = math.fsum(values)
    except (OverflowError, ValueError):
        total = float(sum(values))
    return total / len(values) if reduction == "mean" else total


def _labels(network: Network, other: str | None) -> dict[str, str]:
    """Each weight's name under the `other` numbering (the same edge's label there)."""
    if other is None:
        return {}
    spec = network.spec
    other_names = dict(
        zip(edge_order(spec.layers, other), weight_names(spec.layers, other), strict=True)
    )
    return {w.name: other_names[edge] for w, edge in zip(network.weights, spec.edges, strict=True)}


def _first_hidden(network: Network) -> Unit | None:
    return network.layers[-2][0] if len(network.layers) > 2 else None


def other_numbering(network: Network) -> str | None:
    """The numbering a student may confuse with this network's, when it orders edges otherwise."""
    spec = network.spec
    if spec.numbering not in SWAPPABLE:
        return None
    other = next(n for n in SWAPPABLE if n != spec.numbering)
    return other if edge_order(spec.layers, other) != spec.edges else None
