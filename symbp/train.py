"""Training: N gradient-descent updates of every parameter, the loss and parameters per step."""

from __future__ import annotations

import math
from dataclasses import dataclass

from symbp.errors import SymbpError
from symbp.numeric import CompiledNetwork


@dataclass(frozen=True)
class TrainingStep:
    """The state before update `step` (0-based); the last entry is the state after training."""

    step: int
    loss: float
    parameters: tuple[float, ...]  # network.parameters order
    gradients: tuple[float, ...]


@dataclass(frozen=True)
class TrainingRun:
    """Plain gradient descent p ← p − η·∂L/∂p, as torch.optim.SGD without momentum does it."""

    names: tuple[str, ...]
    learning_rate: float
    steps: tuple[TrainingStep, ...]  # steps + 1 entries: before each update, then the end

    @property
    def losses(self) -> tuple[float, ...]:
        return tuple(step.loss for step in self.steps)

    @property
    def final_parameters(self) -> tuple[float, ...]:
        return self.steps[-1].parameters


MAX_STEPS = 10_000


def train(compiled: CompiledNetwork, steps: int, learning_rate: float) -> TrainingRun:
    """`steps` updates from the spec's initial parameters, over all its samples."""
    if not 0 <= steps <= MAX_STEPS:
        raise SymbpError(f"--steps must be from 0 to {MAX_STEPS}, not {steps}")
    if not math.isfinite(learning_rate):
        raise SymbpError(f"--lr must be a finite number, not {learning_rate}")
    network = compiled.network
    parameters = network.spec.parameters
    history = []
    for step in range(steps + 1):
        evaluation = compiled.evaluate(weights=parameters)
        history.append(TrainingStep(step, evaluation.loss, parameters, evaluation.gradients))
        if not math.isfinite(evaluation.loss):
            raise SymbpError(
                f"the loss is no longer finite after {step} steps: lower the learning rate"
            )
        parameters = tuple(
            p - learning_rate * g for p, g in zip(parameters, evaluation.gradients, strict=True)
        )
    return TrainingRun(
        names=tuple(p.name for p in network.parameters),
        learning_rate=learning_rate,
        steps=tuple(history),
    )
