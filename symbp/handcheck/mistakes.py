"""The catalogue of classic backpropagation mistakes, each a deliberately wrong derivation.

A mistake is a change to a Plan, the description of how a variant derivation differs from the
right one. Most changes rewrite the symbolic backward sweep (the output error's sign or scale,
the activation derivative, the terms sent back into a hidden unit) and the variant's numbers come
from compiling the rewritten sweep, exactly as the true numbers do; the others change the
network (another weight numbering) or the update step (its sign, the learning rate).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from symbp.derive import Backprop, DeltaDefinition, LocalDerivative, UpstreamTerm, backward_sweep
from symbp.graph import Network, Unit
from symbp.numeric import CompiledNetwork
from symbp.spec import NUMBERINGS

from .quantities import QuantityTable


@dataclass(frozen=True)
class Plan:
    """How a variant derivation differs from the right one (the defaults are the right one)."""

    output_error_sign: int = 1  # −1: ∂L/∂o = y − o
    loss_scale: sp.Rational = field(default_factory=lambda: sp.Integer(1))  # 2: ½ dropped
    activation_derivative: str = "a"  # "a": a(1−a); "none": missing; "z": z(1−z)
    backprop_term: str = "delta_w"  # "delta_w"; "gradient": ∂L/∂w_jk; "updated_w": δ_k·w_jk'
    dropped_output: int | None = None  # index of the output unit whose path is dropped
    update_sign: int = 1  # −1: w + η·g
    learning_rate: float | None = None  # a wrong learning rate
    numbering_swapped: bool = False  # the other weight-numbering convention


@dataclass(frozen=True)
class Mistake:
    """One classic mistake: what it changes, and one sentence with the wrong and right formula."""

    key: str
    title: str
    aspect: str  # two mistakes of the same aspect do not combine
    change: dict[str, Any]
    wrong: str
    right: str
    sentence: str

    def apply(self, plan: Plan) -> Plan:
        return replace(plan, **self.change)


def catalogue(network: Network, learning_rate: float, fitted_rate: float | None) -> list[Mistake]:
    """The single mistakes for this network; `fitted_rate` is the learning rate the student's
    updates suggest, when it differs from the right one."""
    out = network.outputs[0]
    hidden = _first_hidden(network)
    mistakes = [
        Mistake(
            "output_error_sign",
            "the output error's sign is flipped",
            "output_sign",
            {"output_error_sign": -1},
            f"∂L/∂{out.name} = y1 − {out.name}",
            f"∂L/∂{out.name} = {out.name} − y1",
            "The output error has the wrong sign: for L = ½Σ(o − y)² the derivative is o − y, "
            "not y − o.",
        ),
        Mistake(
            "missing_sigma_prime",
            "the σ′ factor is missing",
            "activation",
            {"activation_derivative": "none"},
            f"δ_{out.name} = ({out.name} − y1)",
            f"δ_{out.name} = ({out.name} − y1)·{out.name}(1 − {out.name})",
            "δ = ∂L/∂z needs the activation's derivative σ′(z) = a(1 − a) as a factor; "
            "without it you computed ∂L/∂a instead.",
        ),
        Mistake(
            "sigma_prime_of_z",
            "σ′ taken of z instead of a",
            "activation",
            {"activation_derivative": "z"},
            f"σ′ = z_{out.name}(1 − z_{out.name})",
            f"σ′ = {out.name}(1 − {out.name})",
            "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a) uses the activation a, not the pre-activation z.",
        ),
        Mistake(
            "half_dropped",
            "the ½ of the loss is dropped",
            "loss_scale",
            {"loss_scale": sp.Integer(2)},
            f"L = Σ(o − y)², ∂L/∂{out.name} = 2({out.name} − y1)",
            f"L = ½Σ(o − y)², ∂L/∂{out.name} = {out.name} − y1",
            "The loss is L = ½Σ(o − y)²: its ½ cancels the 2 of the square, so ∂L/∂o = o − y, "
            "not 2(o − y).",
        ),
        Mistake(
            "half_doubled",
            "the ½ of the loss is applied twice",
            "loss_scale",
            {"loss_scale": sp.Rational(1, 2)},
            f"L = ¼Σ(o − y)², ∂L/∂{out.name} = ½({out.name} − y1)",
            f"L = ½Σ(o − y)², ∂L/∂{out.name} = {out.name} − y1",
            "The ½ of L = ½Σ(o − y)² cancels the 2 of the square once, so ∂L/∂o = o − y, "
            "not ½(o − y).",
        ),
    ]
    if hidden is not None:
        children = list(network.outgoing(hidden))
        gradients = " + ".join(f"∂L/∂{w.name}" for w in children)
        deltas = " + ".join(f"δ_{w.target.name}·{w.name}" for w in children)
        local = f"{hidden.name}(1 − {hidden.name})"
        mistakes.append(
            Mistake(
                "added_gradients",
                "the downstream weights' gradients are added instead of δ·w",
                "backprop_term",
                {"backprop_term": "gradient"},
                f"δ_{hidden.name} = ({gradients})·{local}",
                f"δ_{hidden.name} = ({deltas})·{local}",
                "A hidden unit's error is the sum of the next layer's δ_k times the weights that "
                "carry it (δ_k·w), not the sum of those weights' gradients (δ_k·a).",
            )
        )
        for index, unit in enumerate(network.outputs):
            kept = [w for w in children if w.target != unit]
            kept_text = " + ".join(f"δ_{w.target.name}·{w.name}" for w in kept) or "0"
            mistakes.append(
                Mistake(
                    f"dropped_path_{unit.name}",
                    f"the path through {unit.name} is dropped",
                    "dropped_path",
                    {"dropped_output": index},
                    f"δ_{hidden.name} = ({kept_text})·{local}",
                    f"δ_{hidden.name} = ({deltas})·{local}",
                    f"A hidden unit reaches the loss through every output, so its δ sums over "
                    f"all of them; the path through {unit.name} is missing.",
                )
            )
        updated = " + ".join(f"δ_{w.target.name}·{w.name}_new" for w in children)
        mistakes.append(
            Mistake(
                "updated_output_weights",
                "already-updated output weights are used",
                "backprop_term",
                {"backprop_term": "updated_w"},
                f"δ_{hidden.name} = ({updated})·{local}",
                f"δ_{hidden.name} = ({deltas})·{local}",
                "Every gradient is taken at the old weights; the updated output weights are "
                "only for the next step.",
            )
        )
    mistakes.append(
        Mistake(
            "update_sign",
            "the update step has the wrong sign",
            "update_sign",
            {"update_sign": -1},
            "w_new = w + η·∂L/∂w",
            "w_new = w − η·∂L/∂w",
            "Gradient descent moves against the gradient: w_new = w − η·∂L/∂w.",
        )
    )
    other = [n for n in NUMBERINGS if n != network.spec.numbering][0]
    if _numbering_matters(network, other):
        mistakes.append(
            Mistake(
                "numbering",
                f"the weights are numbered {other}",
                "numbering",
                {"numbering_swapped": True},
                _edges_text(network, other),
                _edges_text(network, network.spec.numbering),
                f"This network numbers its weights {network.spec.numbering}; you placed them "
                f"{other}.",
            )
        )
    if fitted_rate is not None:
        mistakes.append(
            Mistake(
                "learning_rate",
                f"learning rate {fitted_rate:g} instead of {learning_rate:g}",
                "learning_rate",
                {"learning_rate": fitted_rate},
                f"η = {fitted_rate:g}",
                f"η = {learning_rate:g}",
                f"The update uses the learning rate η = {learning_rate:g}; your updates fit "
                f"η = {fitted_rate:g}.",
            )
        )
    return mistakes


def combinations(mistakes: list[Mistake]) -> list[tuple[Mistake, ...]]:
    """Every single mistake, then every pair of mistakes of different aspects."""
    singles: list[tuple[Mistake, ...]] = [(m,) for m in mistakes]
    pairs: list[tuple[Mistake, ...]] = [
        (a, b)
        for a, b in itertools.combinations(mistakes, 2)
        if a.aspect != b.aspect and "learning_rate" not in (a.aspect, b.aspect)
    ]
    return singles + pairs


def plan_of(mistakes: tuple[Mistake, ...]) -> Plan:
    plan = Plan()
    for mistake in mistakes:
        plan = mistake.apply(plan)
    return plan


def variant_values(
    network: Network, plan: Plan, learning_rate: float, point: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Every quantity's value under a variant derivation, keyed like the true values, at the
    spec's sample and weights or at `point` (inputs, targets and weights by name)."""
    if plan.numbering_swapped:
        other = [n for n in NUMBERINGS if n != network.spec.numbering][0]
        network = Network(replace(network.spec, numbering=other))
    sweep = mutated_sweep(network, backward_sweep(network), plan, learning_rate)
    compiled = CompiledNetwork(network, sweep)
    if point is None:
        evaluation = compiled.evaluate()
    else:
        evaluation = compiled.evaluate(
            inputs=[point[u.a.name] for u in network.inputs],
            targets=[point[y.name] for y in network.targets],
            weights=[point[w.name] for w in network.weights],
        )
    rate = learning_rate if plan.learning_rate is None else plan.learning_rate
    table = QuantityTable(network, sweep, rate)
    values = table.values(evaluation, rate, float(plan.update_sign))
    values["L"] *= float(plan.loss_scale)
    return values


def mutated_sweep(network: Network, sweep: Backprop, plan: Plan, learning_rate: float) -> Backprop:
    """The backward sweep with the plan's changes to δ; the gradients stay δ_j·a_i."""
    deltas: dict[sp.Symbol, DeltaDefinition] = {}
    for symbol, definition in sweep.deltas.items():
        unit = definition.unit
        terms = []
        for term in definition.upstream:
            if term.child == network.loss:
                scale = plan.output_error_sign * plan.loss_scale
                terms.append(UpstreamTerm(term.child, scale * term.formula))
                continue
            changed = _hidden_term(network, unit, term, plan, learning_rate)
            if changed is not None:
                terms.append(changed)
        local = definition.activation_derivative
        if plan.activation_derivative == "none":
            formula: sp.Expr = sp.Integer(1)
        elif plan.activation_derivative == "z":
            assert unit.z is not None
            formula = local.formula.xreplace({unit.a: unit.z})
        else:
            formula = local.formula
        deltas[symbol] = DeltaDefinition(
            unit=unit,
            upstream=tuple(terms),
            activation_derivative=LocalDerivative(local.of, local.wrt, formula),
        )
    return Backprop(network=network, deltas=deltas, gradients=sweep.gradients)


def _hidden_term(
    network: Network, unit: Unit, term: UpstreamTerm, plan: Plan, learning_rate: float
) -> UpstreamTerm | None:
    child = network.unit_of_symbol[term.child]
    weight = next(w for w in network.outgoing(unit) if w.target == child)
    if child in network.outputs and child.index == plan.dropped_output:
        return None
    assert child.delta is not None
    if plan.backprop_term == "gradient":
        return UpstreamTerm(term.child, child.delta * unit.a)
    if plan.backprop_term == "updated_w":
        new_weight = weight.symbol - sp.Float(learning_rate) * child.delta * unit.a
        return UpstreamTerm(term.child, child.delta * new_weight)
    return term


def _first_hidden(network: Network) -> Unit | None:
    return network.layers[-2][0] if len(network.layers) > 2 else None


def _numbering_matters(network: Network, other: str) -> bool:
    from symbp.spec import edge_order

    return edge_order(network.spec.layers, other) != network.spec.edges


def _edges_text(network: Network, numbering: str) -> str:
    from symbp.graph import unit_name
    from symbp.spec import edge_order

    n = len(network.spec.layers)
    edges = edge_order(network.spec.layers, numbering)[:3]
    return ", ".join(
        f"w{i + 1}: {unit_name(e.layer - 1, e.source, n)}→{unit_name(e.layer, e.target, n)}"
        for i, e in enumerate(edges)
    )
