"""The training keys of a convolutional or recurrent spec: optimizer, learning_rate, steps.

Read as the dense reader reads them (symbp.core.spec): the optimizer a name or a table with
torch.optim's defaults and validity rules, the learning rate by default the optimizer's usual
one, steps a whole number from 0 to MAX_STEPS (default 1). Plain data, no sympy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from symbp.core.operations import SGD, optimizer_info
from symbp.core.spec import MAX_STEPS, OptimizerSpec, check_learning_rate, parse_optimizer
from symbp.errors import SpecError

#: the keys, for a reader's list of known keys
TRAINING_KEYS = ("optimizer", "learning_rate", "steps")


class TrainingKeys(NamedTuple):
    optimizer: OptimizerSpec
    learning_rate: float
    steps: int


def read_training_keys(data: Mapping[str, Any], source: str) -> TrainingKeys:
    """The spec's optimizer, learning rate and steps; one SpecError naming a bad one."""
    optimizer = parse_optimizer(data.get("optimizer", SGD.name), f"{source}: optimizer")
    rate = data.get("learning_rate", optimizer_info(optimizer.name).default_learning_rate)
    learning_rate = check_learning_rate(rate, f"{source}: learning_rate")
    steps = data.get("steps", 1)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise SpecError(f"{source}: steps must be a whole number from 0 to {MAX_STEPS}")
    return TrainingKeys(optimizer, learning_rate, steps)
