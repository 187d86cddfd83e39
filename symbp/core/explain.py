"""Why a gradient has its sign: the factors of its δ form, with their values.

A gradient ∂L/∂w (w: i → j) is δ_j · a_i, and δ_j is (Σ upstream terms) · f′(z_j). Its sign
is therefore the product of three signs, and for a hidden unit the upstream sum is usually
decided by one dominant term. This is the question the MOOC 8.3 blog post ended on (why are
the w1 and w3 gradients negative?), answered as data; renderers phrase it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sympy as sp

from symbp.core.derive import DeltaDefinition, Derivation, UpstreamTerm
from symbp.core.graph import Network, Unit
from symbp.core.numeric import Evaluation
from symbp.core.operations import activation_info


@dataclass(frozen=True)
class TermValue:
    term: UpstreamTerm
    value: float


@dataclass(frozen=True)
class SignExplanation:
    """The pieces that decide the sign of ∂L/∂w = δ_j · a_i."""

    gradient: float
    source_value: float  # a_i: the input or activation the weight multiplies
    delta: DeltaDefinition  # δ_j
    delta_value: float
    activation_derivative_value: float  # f′(z_j)
    upstream: tuple[TermValue, ...]  # the terms of ∂L/∂a_j
    upstream_value: float
    output_value: float | None = None  # a_j and y_j when j is an output unit
    target_value: float | None = None

    @property
    def dominant(self) -> TermValue:
        """The upstream term of largest magnitude (the first of equals)."""
        return max(self.upstream, key=lambda t: abs(t.value))


def explain_sign(derivation: Derivation, evaluation: Evaluation) -> SignExplanation:
    network = derivation.network
    delta = next(d for d in derivation.deltas if d.unit == derivation.weight.target)
    # an output with a target to compare it with (the objective "output" has none)
    is_output = delta.unit in network.outputs and bool(network.targets)
    upstream = tuple(TermValue(t, evaluation.value(t.formula)) for t in delta.upstream)
    return SignExplanation(
        gradient=evaluation.gradient(derivation.weight.name),
        source_value=evaluation.values[derivation.weight.source.a],
        delta=delta,
        delta_value=evaluation.values[delta.symbol],
        activation_derivative_value=evaluation.value(delta.activation_derivative.formula),
        upstream=upstream,
        upstream_value=sum(t.value for t in upstream),
        output_value=evaluation.values[delta.unit.a] if is_output else None,
        target_value=(evaluation.values[network.targets[delta.unit.index]] if is_output else None),
    )


@dataclass(frozen=True)
class DerivationNote:
    """Something about a derivation's numbers that a reader should be told.

    kind "kink": the unit's activation is relu or leaky_relu and its z is exactly 0, where the
    derivative is a convention (torch's: relu′(0) = 0, leaky_relu′(0) = slope).
    kind "dead": a relu unit with z < 0: relu′ = 0, so its δ is 0 and no weight into it learns.
    kind "zero-symmetry": every weight starts at 0, so this hidden unit's δ is exactly 0.
    """

    kind: str
    unit_name: str
    z_name: str = ""


def unit_notes(
    network: Network, units: Iterable[Unit], values: Mapping[sp.Symbol, float]
) -> tuple[DerivationNote, ...]:
    """The kinks and dead relu units among `units`, in their order."""
    notes = []
    for unit in units:
        activation = unit.activation
        if activation is None or unit.z is None:
            continue
        z = values[unit.z]
        info = activation_info(activation.name)
        if info.kink and z == 0:
            notes.append(DerivationNote("kink", unit.name, unit.z.name))
        elif info.dead_below_zero and z < 0:
            notes.append(DerivationNote("dead", unit.name, unit.z.name))
    return tuple(notes)


def symmetry_note(network: Network, unit: Unit) -> DerivationNote | None:
    """The zero-initialisation note for a hidden unit, when every weight starts at 0."""
    if unit.layer in (0, len(network.layers) - 1):
        return None
    if all(w.value == 0 for w in network.weights):
        return DerivationNote("zero-symmetry", unit.name)
    return None


def derivation_notes(derivation: Derivation, evaluation: Evaluation) -> tuple[DerivationNote, ...]:
    """The notes of one weight's derivation: kinks and dead units on its way, symmetry."""
    network = derivation.network
    notes = list(unit_notes(network, (d.unit for d in derivation.deltas), evaluation.values))
    symmetry = symmetry_note(network, derivation.weight.target)
    if symmetry is not None:
        notes.append(symmetry)
    return tuple(notes)
