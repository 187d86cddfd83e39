"""The sample a derivation works: its names (its loss written L⁽¹⁾ when there are several
samples), its values, and the values of the Leibniz symbols it shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from symbp.content import expr as E
from symbp.content.labels import labels
from symbp.content.names import Names
from symbp.content.writer import Writer
from symbp.core.derive import (
    ChainPath,
    DeltaDefinition,
    LocalDerivative,
)
from symbp.core.graph import Network
from symbp.core.numeric import Evaluation


@dataclass(frozen=True)
class Worked:
    """Names and values of the sample a derivation works, and of the reduced loss."""

    writer: Writer  # the worked sample's values; its loss written L⁽ⁿ⁾ when there are several
    reduced: Names  # the loss as L, for the reduced gradient and the update
    evaluation: Evaluation  # over all samples
    lang: str
    number: int = 1  # the worked sample, 1-based

    @property
    def network(self) -> Network:
        return self.writer.network

    @property
    def several(self) -> bool:
        return bool(self.evaluation.samples)

    @property
    def first(self) -> Evaluation:
        """The worked sample's evaluation (sample `number`; the only one when there is one)."""
        if not self.evaluation.samples:
            return self.evaluation
        return self.evaluation.samples[self.number - 1]

    @property
    def words(self) -> Mapping[str, str]:
        return labels(self.lang)


def sample_loss_name(number: int | str) -> E.Name:
    sup = str(number).translate(str.maketrans("0123456789n", "⁰¹²³⁴⁵⁶⁷⁸⁹ⁿ"))
    return E.Name("L", sup=f"({number})", plain=f"L⁽{sup}⁾")


def worked(evaluation: Evaluation, digits: int, lang: str, *, sample: int = 1) -> Worked:
    """The context of a derivation: sample `sample` (1-based) when there are several (its loss
    L⁽ⁿ⁾)."""
    network = evaluation.network
    reduced = Names(network)
    several = bool(evaluation.samples)
    names = Names(network, loss=sample_loss_name(sample)) if several else reduced
    first = evaluation.samples[sample - 1] if several else evaluation
    writer = Writer(names, first.values, digits)
    return Worked(writer, reduced, evaluation, lang, sample if several else 1)


def shown_factors(network: Network, path: ChainPath) -> tuple[LocalDerivative, ...]:
    """A path's factors as written: under the objective "output" the loss is the output
    itself, so its factor ∂L/∂o_k = 1 is left out (∂o1/∂w is a product of the rest)."""
    if network.objective is None:
        return path.factors
    return tuple(f for f in path.factors if f.of != network.loss)


def add_partials(writer: Writer, factors: Sequence[LocalDerivative], first: Evaluation) -> None:
    for factor in factors:
        key = (factor.of, factor.wrt)
        if key not in writer.partials:
            writer.partials[key] = first.value(factor.formula)


def add_delta_partials(
    writer: Writer, deltas: Sequence[DeltaDefinition], first: Evaluation
) -> None:
    """Values of ∂L/∂a, ∂a/∂z and ∂L/∂z (δ) for the δ rows' Leibniz symbols."""
    loss = writer.network.loss
    for delta in deltas:
        unit = delta.unit
        assert unit.z is not None
        writer.partials[(loss, unit.z)] = first.values[delta.symbol]
        for route in delta.routes or ():
            add_partials(writer, (route.local,), first)
            writer.partials.setdefault((loss, route.unit.a), first.value(route.upstream_formula))
        add_partials(writer, (delta.activation_derivative,), first)
        writer.partials.setdefault((loss, unit.a), first.value(delta.upstream_formula))


# -- pieces shared with the handout ------------------------------------------------------------
