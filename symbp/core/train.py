"""Training: N optimizer updates of every parameter, the loss, parameters and state per step."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from symbp.core.numeric import CompiledNetwork, unreliable_floats
from symbp.core.optim import (
    OptimizerState,
    OptimizerStep,
    UpdateRule,
    apply,
    initial_state,
    update_rule,
)
from symbp.core.spec import OptimizerSpec
from symbp.errors import SymbpError


@dataclass(frozen=True)
class TrainingStep:
    """The state before update `step` (0-based); the last entry is the state after training.

    `state` is the optimizer's (momentum buffer, Adam's moments) before this update, that is
    after the previous one.
    """

    step: int
    loss: float
    parameters: tuple[float, ...]  # network.parameters order
    gradients: tuple[float, ...]
    state: OptimizerState = OptimizerState()


@dataclass(frozen=True)
class TrainingRun:
    """Updates by an optimizer (plain gradient descent p ← p − η·∂L/∂p by default), as
    torch.optim does them."""

    names: tuple[str, ...]
    learning_rate: float
    steps: tuple[TrainingStep, ...]  # steps + 1 entries: before each update, then the end
    rule: UpdateRule | None = None  # None: plain SGD (runs made before optimizers existed)

    @property
    def losses(self) -> tuple[float, ...]:
        return tuple(step.loss for step in self.steps)

    @property
    def final_parameters(self) -> tuple[float, ...]:
        return self.steps[-1].parameters

    @property
    def state_keys(self) -> tuple[str, ...]:
        """The optimizer's state per parameter (b; m, v; vmax), in the rule's order."""
        return tuple(v.key for v in self.rule.state) if self.rule is not None else ()

    def update(self, step: int) -> OptimizerStep:
        """Update `step` (0-based) in full: every equation's numbers for every parameter.

        Recomputed from the stored parameters, gradients and state, so a long run keeps only
        what its table needs; the numbers are the same ones the run used.
        """
        if not 0 <= step < len(self.steps) - 1:
            raise SymbpError(f"this run has updates 0 to {len(self.steps) - 2}, not {step}")
        rule = self.rule or update_rule(OptimizerSpec(), self.learning_rate)
        before = self.steps[step]
        return apply(rule, self.names, before.parameters, before.gradients, before.state)


MAX_STEPS = 10_000


def train(
    compiled: CompiledNetwork,
    steps: int,
    learning_rate: float,
    optimizer: OptimizerSpec | None = None,
) -> TrainingRun:
    """`steps` updates from the spec's initial parameters, over all its samples.

    The optimizer is the spec's unless one is given. With several samples each round's loss
    and gradients come from one vectorised pass over all of them.
    """
    network = compiled.network
    spec = network.spec
    several = len(spec.samples) > 1
    first = True

    def loss_and_gradients(parameters: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
        nonlocal first
        if several:
            return compiled.batch_loss_and_gradients(parameters)
        evaluation = compiled.evaluate(weights=parameters)
        if first and (problem := unreliable_floats(evaluation)) is not None:
            raise SymbpError(problem)
        first = False
        return evaluation.loss, evaluation.gradients

    names = tuple(p.name for p in network.parameters)
    chosen = optimizer if optimizer is not None else spec.optimizer
    return run_updates(names, spec.parameters, loss_and_gradients, steps, learning_rate, chosen)


def run_updates(
    names: tuple[str, ...],
    parameters: tuple[float, ...],
    loss_and_gradients: Callable[[tuple[float, ...]], tuple[float, tuple[float, ...]]],
    steps: int,
    learning_rate: float,
    optimizer: OptimizerSpec,
) -> TrainingRun:
    """`steps` updates of `parameters` by an optimizer, as torch.optim does them: any model
    whose loss and gradients at given parameters are known (a dense, convolutional or
    recurrent network) trains here alike."""
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(f"steps must be a whole number, not {type(steps).__name__}")
    if not 0 <= steps <= MAX_STEPS:
        raise SymbpError(f"--steps must be from 0 to {MAX_STEPS}, not {steps}")
    if not math.isfinite(learning_rate):
        raise SymbpError(f"--lr must be a finite number, not {learning_rate}")
    rule = update_rule(optimizer, learning_rate)
    state = initial_state(rule, len(parameters))
    history = []
    for step in range(steps + 1):
        loss, gradients = loss_and_gradients(parameters)
        history.append(TrainingStep(step, loss, parameters, gradients, state))
        if not math.isfinite(loss):
            raise SymbpError(
                f"the loss is no longer finite after {step} steps: lower the learning rate"
            )
        if not all(math.isfinite(g) for g in gradients):
            raise SymbpError(
                f"a gradient is no longer finite after {step} steps (a float64 overflow): "
                "lower the learning rate or scale the inputs or weights down"
            )
        if step < steps:
            update = apply(rule, names, parameters, gradients, state)
            parameters, state = update.new_parameters, update.state_after
    return TrainingRun(names=names, learning_rate=learning_rate, steps=tuple(history), rule=rule)
