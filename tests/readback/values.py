"""The exact value of every named quantity a handout or derivation can show, keyed by spelling.

Values come from symbp's evaluation (compiled numpy, itself checked against torch elsewhere) and
from the graph's local derivatives evaluated at those values, never from printed text. With
several samples the worked steps are sample 1's: x, y, z, a, δ and every local derivative take
sample 1's values, L⁽ⁿ⁾ and ∂L⁽ⁿ⁾/∂p are sample n's, and plain L and ∂L/∂p are the reduced ones
(the mean or sum that the update uses).

Names are identities, not math: each quantity's spelling in LaTeX and in text is taken from
symbp's naming (`Names`, `latex.name`, `text.name`); a Leibniz symbol ∂A/∂B is spelled
"∂A/∂B" from the spellings of A and B, as the readers spell it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symbp.api.problem import Problem
from symbp.content.derivation import sample_loss_name
from symbp.content.expr import Name
from symbp.content.handout import loss_term_name
from symbp.content.names import Names
from symbp.content.optimizer import BASES, HYPERPARAMETERS, round_name, state_name
from symbp.core import optim
from symbp.core.graph import Network
from symbp.core.numeric import Evaluation
from symbp.formats import latex_math, text_math


@dataclass(frozen=True)
class ValueTables:
    latex: dict[str, float]
    text: dict[str, float]


def _evaluated(expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
    return float(sp.sympify(expr).xreplace({s: sp.Float(v, 30) for s, v in values.items()}))


def _local_pairs(network: Network) -> list[tuple[sp.Symbol, sp.Symbol]]:
    """Every (of, wrt) whose ∂of/∂wrt a chain rule can show: one edge of the graph each."""
    pairs: list[tuple[sp.Symbol, sp.Symbol]] = []
    for layer in network.layers[1:]:
        for unit in layer:
            assert unit.z is not None
            pairs += [(unit.z, w.symbol) for w in network.incoming(unit)]
            pairs += [(unit.z, w.source.a) for w in network.incoming(unit)]
            pairs += [(unit.z, b.symbol) for b in network.biases if unit in b.targets]
            pairs += [(unit.a, other.z) for other in layer if other.z is not None]
    pairs += [(network.loss, unit.a) for unit in network.outputs]
    return pairs


def value_tables(problem: Problem) -> ValueTables:
    network = problem.network
    evaluation = problem.evaluation
    several = bool(evaluation.samples)
    samples: tuple[Evaluation, ...] = evaluation.samples if several else (evaluation,)
    first = samples[0]
    reduced = Names(network)
    # the loss of the worked sample: L⁽¹⁾ with several samples, else L
    worked = Names(network, loss=sample_loss_name(1)) if several else reduced

    tables = ValueTables({}, {})
    spellers: list[tuple[dict[str, float], Callable[[Name], str]]] = [
        (tables.latex, latex_math.name),
        (tables.text, text_math.name),
    ]

    def put(name: Name, value: float) -> None:
        for table, spell in spellers:
            table[spell(name)] = value

    def put_partial(of: Name, wrt: Name, value: float) -> None:
        for table, spell in spellers:
            table[f"∂{spell(of)}/∂{spell(wrt)}"] = value

    for symbol, name in worked.of.items():
        if symbol != network.loss and symbol in first.values:
            put(name, first.values[symbol])
    put(reduced.of[network.loss], evaluation.loss)
    put(Name("η", plain="η"), problem.spec.learning_rate)

    # local derivatives, ∂L/∂a (the upstream sum of a δ) and ∂L/∂z = δ, at the worked sample
    for of, wrt in _local_pairs(network):
        value = _evaluated(network.local_derivative(of, wrt), first.values)
        put_partial(worked.of[of], worked.of[wrt], value)
    loss = worked.of[network.loss]
    for delta in problem.sweep.deltas.values():
        unit = delta.unit
        assert unit.z is not None
        put_partial(loss, worked.of[unit.z], first.values[delta.symbol])
        put_partial(loss, worked.of[unit.a], _evaluated(delta.upstream_formula, first.values))
        for route in delta.routes:
            put_partial(
                loss, worked.of[route.unit.a], _evaluated(route.upstream_formula, first.values)
            )

    # ∂L/∂a of every unit, inputs too (derive --wrt), at the worked sample
    for unit_name, value in first.unit_gradients.items():
        put_partial(loss, worked.of[network.units[unit_name].a], value)

    # the loss terms L_o1, …: sample 1's own with one sample, else the reduced ones
    terms = evaluation.loss_terms if several else first.loss_terms
    for symbol, _ in network.loss_terms:
        put(loss_term_name(network, symbol), terms[symbol.name])

    # the optimizer's first update: its hyperparameters and every parameter's state
    update = problem.step().update
    if update is not None:
        for symbol, name in HYPERPARAMETERS.items():
            if symbol in update.rule.hyperparameters:
                put(name, update.rule.hyperparameters[symbol])
        put(HYPERPARAMETERS[optim.T], float(update.round))
        for parameter in network.parameters:
            numbers = update.parameter(parameter.name)
            own = reduced.of[parameter.symbol]
            for symbol, value in numbers.values.items():
                if symbol in BASES:
                    put(state_name(symbol, own, update.round), value)

    # a spec's later updates (steps > 1, the handout works each): p⁽ᵗ⁾ and g⁽ᵗ⁾ of a parameter,
    # and its state at update t, from symbp's training run (itself checked against torch.optim)
    if problem.spec.steps > 1:
        from symbp.core.numeric import CompiledNetwork
        from symbp.core.train import train

        run = train(
            CompiledNetwork(network, problem.sweep), problem.spec.steps, problem.spec.learning_rate
        )
        for step in range(1, problem.spec.steps):
            later = run.update(step)
            for parameter in network.parameters:
                numbers = later.parameter(parameter.name)
                own = reduced.of[parameter.symbol]
                put(round_name("p", own, later.round - 1), numbers.value_before)
                put(round_name("p", own, later.round), numbers.value_after)
                put(round_name("g", own, later.round), numbers.gradient)
                for symbol, value in numbers.values.items():
                    if symbol in BASES:
                        put(state_name(symbol, own, later.round), value)

    # the gradients: reduced under L, each sample's under L⁽ⁿ⁾
    parameters = network.parameters
    for parameter, gradient in zip(parameters, evaluation.gradients, strict=True):
        put_partial(reduced.of[network.loss], reduced.of[parameter.symbol], gradient)
    if several:
        for number, sample in enumerate(samples, start=1):
            names = Names(network, loss=sample_loss_name(number))
            put(names.of[network.loss], sample.loss)
            for parameter, gradient in zip(parameters, sample.gradients, strict=True):
                put_partial(names.of[network.loss], names.of[parameter.symbol], gradient)
    return tables
