"""What a handout works in full and what it gives as table rows: the teacher's choices.

A handout derives some parameters in full (the chain-rule paths, then the gradient as
formula = numbers = value) and gives the others one table row each, in the same steps:
∂L/∂w | δ_j·a_i | numbers | value. Which ones:

- `show` names them (`--show w1,w5`);
- otherwise a small network (at most SHOW_ALL_MAX_WEIGHTS weights) works every gradient and
  every update as an equation, with the paths of one weight per layer, as a first example does;
- a larger network, or a compact handout, derives one weight per layer in full.

A compact handout (`--compact`) also gives every gradient and every update one table row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from symbp.content import expr as E
from symbp.content.blocks import Inlines, Math, Table, Text
from symbp.content.derivation import Worked, sample_loss_name
from symbp.content.numbers import column_nums
from symbp.core.derive import MAX_PATHS, Backprop, DeltaDefinition
from symbp.core.graph import Bias, Network, Unit, Weight
from symbp.core.numeric import updated_weights
from symbp.errors import SymbpError, listed
from symbp.near import did_you_mean

#: per-sample columns of the update table (as the handout's per-sample tables)
MAX_SAMPLE_COLUMNS = 8
#: networks with more weights than this derive one weight per layer in full by default (a
#: [3, 4, 2] net's 20 weights worked one by one make a 6-page handout of near-identical rows)
SHOW_ALL_MAX_WEIGHTS = 12
#: unless asked for (--show), a condensed handout lists at most this many paths of a weight
CONDENSED_PATHS = 8


@dataclass(frozen=True)
class Selection:
    """Which parameters a handout works in full, and whether it is compact."""

    shown: frozenset[str] | None  # None: every parameter is worked as an equation
    compact: bool = False
    #: a large network or a compact handout: beyond one worked unit per layer, the forward
    #: values and the δs are table rows too
    condensed: bool = False
    #: a weight with more chain-rule paths than this has them counted, not listed
    max_paths: int = MAX_PATHS

    def worked(self, name: str) -> bool:
        """Whether this parameter's gradient and update are displayed equations."""
        return not self.compact and (self.shown is None or name in self.shown)

    def paths(self, network: Network, layer: int) -> list[Weight]:
        """The weights of a layer whose chain-rule paths are listed."""
        weights = [w for w in network.weights if w.target.layer == layer]
        if self.shown is None:
            return weights[:1]
        return [w for w in weights if w.name in self.shown]


def select(network: Network, show: Sequence[str] | None, compact: bool = False) -> Selection:
    """The handout's selection from the teacher's choices (see the module's docstring)."""
    condensed = compact or len(network.weights) > SHOW_ALL_MAX_WEIGHTS
    if show is not None:
        known = [p.name for p in network.parameters]
        for name in show:
            if name not in known:
                hint = did_you_mean(name, known)
                raise SymbpError(
                    f"--show: unknown parameter {name!r}{hint}; this network has "
                    f"{listed(tuple(known))}"
                )
        return Selection(frozenset(show), compact, condensed)
    if condensed:
        layers = range(1, len(network.layers))
        first = [next(w for w in network.weights if w.target.layer == n) for n in layers]
        shown = frozenset(w.name for w in first)
        return Selection(shown, compact, condensed, CONDENSED_PATHS)
    return Selection(None, compact, condensed)


def gradient_table(context: Worked, sweep: Backprop, parameters: Sequence[Weight | Bias]) -> Table:
    """One row per parameter p: ∂L/∂p as its δ form (δ_j·a_i, a bias's Σ δ_j) | its value."""
    writer, words = context.writer, context.words
    first = context.first
    p = E.Sym(E.Name("p", plain="p"))
    header: tuple[Inlines, ...] = (
        (Math(p),),
        (Math(E.Partial(writer.names.loss, p.name)),),
        (Text(words["value"]),),
    )
    rows = []
    for parameter in parameters:
        formula = writer.formula(sweep.gradients[parameter.name])
        value = first.gradient(parameter.name)
        rows.append(
            (
                (Math(writer.sym(parameter.symbol)),),
                (Math(formula),),
                (Math(writer.value_num(formula, value)),),
            )
        )
    return Table(header, tuple(rows), align="llr")


def update_table(context: Worked, parameters: Sequence[Weight | Bias]) -> Table:
    """One row per parameter: p | its value | ∂L/∂p | Δp = −η·∂L/∂p | p + Δp, the change shown
    even where it is below the digits of p (without ∂L/∂p when the backward pass's tables give
    it: one sample)."""
    writer, words, network = context.writer, context.words, context.network
    evaluation = context.evaluation
    rate = network.spec.learning_rate
    new_values = dict(
        zip(
            (p.name for p in network.parameters),
            updated_weights(evaluation, rate),
            strict=True,
        )
    )
    p = E.Sym(E.Name("p", plain="p"))
    eta = E.Sym(E.Name("η", plain="η"))
    gradient = E.Partial(context.reduced.loss, p.name)
    delta = E.Sym(E.Name("Δp", plain="Δp"))
    # with one sample the gradient tables of the backward pass hold ∂L/∂p already; with several
    # each sample's ∂L⁽ⁿ⁾/∂p is a column before the reduced one (up to 8 samples)
    with_gradient = context.several
    samples = evaluation.samples[:MAX_SAMPLE_COLUMNS]
    header: tuple[Inlines, ...] = (
        (Math(p),),
        (Text(words["value"]),),
        *((Math(E.Partial(sample_loss_name(n), p.name)),) for n in range(1, len(samples) + 1)),
        *(((Math(gradient),),) if with_gradient else ()),
        (Math(E.equals(delta, E.Neg(E.product(eta, gradient)))),),
        (Math(E.total(p, delta)),),
    )
    digits = writer.digits
    columns = [  # each a column of numbers in one notation (content/numbers.column_nums)
        *(column_nums([s.gradient(q.name) for q in parameters], digits) for s in samples),
        *(
            [column_nums([evaluation.gradient(q.name) for q in parameters], digits)]
            if with_gradient
            else []
        ),
        column_nums([new_values[q.name] - q.value for q in parameters], digits),
        column_nums([new_values[q.name] for q in parameters], digits),
    ]
    rows = [
        (
            (Math(context.reduced.sym(parameter.symbol)),),
            (Math(writer.given(parameter.value)),),
            *((Math(column[index]),) for column in columns),
        )
        for index, parameter in enumerate(parameters)
    ]
    return Table(header, tuple(rows), align="l" + "r" * (len(header) - 1))


def forward_table(context: Worked, units: Sequence[Unit]) -> Table:
    """One row per unit: its z and its activation's value."""
    writer, words = context.writer, context.words
    header: tuple[Inlines, ...] = (
        (Text(words["unit"]),),
        (Math(_generic("z", "j")),),
        (Math(E.equals(_generic("a", "j"), E.Call("f", (_generic("z", "j"),)))),),
    )
    rows = []
    for unit in units:
        assert unit.z is not None
        rows.append(
            (
                (Math(writer.sym(unit.a)),),
                (Math(writer.num(writer.values[unit.z])),),
                (Math(writer.num(writer.values[unit.a])),),
            )
        )
    return Table(header, tuple(rows), align="lrr")


def delta_table(context: Worked, deltas: Sequence[DeltaDefinition]) -> Table:
    """One row per unit: δ_j = ∂L/∂a_j · ∂a_j/∂z_j with the two factors' values."""
    writer, network = context.writer, context.network
    loss = network.loss
    a_j, z_j = E.Name("a", "j", plain="a_j"), E.Name("z", "j", plain="z_j")
    header: tuple[Inlines, ...] = (
        (Math(_generic("δ", "j")),),
        (Math(E.Partial(writer.names.loss, a_j)),),
        (Math(E.Partial(a_j, z_j)),),
        (Text(context.words["value"]),),
    )
    rows = []
    for delta in deltas:
        unit = delta.unit
        assert unit.z is not None
        rows.append(
            (
                (Math(writer.sym(delta.symbol)),),
                (Math(writer.num(writer.partials[(loss, unit.a)])),),
                (Math(writer.num(writer.partials[(unit.a, unit.z)])),),
                (Math(writer.num(writer.values[delta.symbol])),),
            )
        )
    return Table(header, tuple(rows), align="lrrr")


def _generic(base: str, index: str) -> E.Sym:
    return E.Sym(E.Name(base, index, plain=f"{base}_{index}"))


def layer_parameters(network: Network, layer: int) -> list[Weight | Bias]:
    """The weights into a layer, then its trainable biases."""
    found: list[Weight | Bias] = [w for w in network.weights if w.target.layer == layer]
    found += [b for b in network.biases if b.layer == layer and b.trainable]
    return found
