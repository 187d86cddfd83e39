"""step and train for a convolutional or recurrent network: the spec's optimizer (or one
given) on every parameter, as torch.optim does it, checked against torch.optim itself; the
result is the dense run's Training with the check's line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from symbp import arguments
from symbp.api.results import Training
from symbp.core.spec import MAX_STEPS, OptimizerSpec, check_learning_rate, parse_optimizer
from symbp.errors import SymbpError

if TYPE_CHECKING:
    from symbp.content.blocks import Block
    from symbp.core.conv_spec import ConvSpec
    from symbp.core.rnn_spec import RnnSpec
    from symbp.torchcheck.fit_check import Pending

#: the rounds torch.optim replays (all of a shorter run)
CHECKED_ROUNDS = 5
#: a parameter agrees with torch's within this share of its size (at least 1)
TOLERANCE = 1e-9


class FitPlan(NamedTuple):
    """What a run will do, read without sympy (so torch's worker can start first)."""

    spec: ConvSpec | RnnSpec
    optimizer: OptimizerSpec
    learning_rate: float
    steps: int

    @property
    def checked_rounds(self) -> int:
        return min(self.steps, CHECKED_ROUNDS)


def fit_plan(
    path: str | Path,
    steps: int | None = None,
    learning_rate: float | None = None,
    optimizer: OptimizerSpec | str | dict[str, object] | None = None,
) -> FitPlan:
    """The spec of a convolutional or recurrent network's file, and its run's settings: the
    spec's optimizer, learning_rate and steps unless given."""
    from symbp.core.conv_spec import is_conv_data, load_conv_spec
    from symbp.core.rnn_spec import load_rnn_spec, read_spec_data
    from symbp.core.training_keys import read_training_keys

    arguments.keyword_table(optimizer, "optimizer")
    data = read_spec_data(path)
    spec = None if data is None else (load_conv_spec if is_conv_data(data) else load_rnn_spec)(path)
    if data is None or spec is None:
        raise SymbpError(f"{path}: not a convolutional or recurrent network's spec")
    keys = read_training_keys(data, str(path))
    if optimizer is None:
        chosen = keys.optimizer
    else:
        chosen = optimizer if isinstance(optimizer, OptimizerSpec) else parse_optimizer(optimizer)
    given = keys.learning_rate if learning_rate is None else learning_rate
    rate = check_learning_rate(given, "the learning rate (--lr)")
    count = keys.steps if steps is None else arguments.whole(steps, "steps")
    if not 0 <= count <= MAX_STEPS:
        raise SymbpError(f"--steps must be from 0 to {MAX_STEPS}, not {count}")
    return FitPlan(spec, chosen, rate, count)


@dataclass(frozen=True, repr=False)
class FitTraining(Training):
    """A convolutional or recurrent network's run, with torch.optim's replay of its first
    rounds (None: not checked)."""

    torch_rounds: tuple[tuple[float, ...], ...] | None = None

    @property
    def largest_difference(self) -> float:
        if not self.torch_rounds:
            return 0.0
        ours = [step.parameters for step in self.run.steps]
        return max(
            abs(a - b)
            for mine, theirs in zip(ours, self.torch_rounds, strict=False)
            for a, b in zip(mine, theirs, strict=True)
        )

    @property
    def passed(self) -> bool:
        if not self.torch_rounds:
            return True
        ours = [step.parameters for step in self.run.steps]
        return all(
            abs(a - b) <= TOLERANCE * max(1.0, abs(b))
            for mine, theirs in zip(ours, self.torch_rounds, strict=False)
            for a, b in zip(mine, theirs, strict=True)
        )

    def blocks(self) -> tuple[Block, ...]:
        if self.torch_rounds is None:
            return super().blocks()
        from symbp.content.fit_check import fit_check_blocks

        rounds = len(self.torch_rounds) - 1
        check = fit_check_blocks(rounds, self.largest_difference, self.passed)
        return (*super().blocks(), *check)

    def to_json(self) -> str:
        if self.torch_rounds is None:
            return super().to_json()
        from symbp.formats.json import dump

        document = json.loads(super().to_json())
        document["torch_check"] = {
            "rounds": len(self.torch_rounds) - 1,
            "largest_difference": self.largest_difference,
            "tolerance": TOLERANCE,
            "passed": self.passed,
        }
        return dump(document)


def start_check(plan: FitPlan) -> Pending:
    """torch.optim's replay of the run's first rounds, started in a worker at once."""
    from symbp.torchcheck.fit_check import start

    return start(plan.spec, plan.optimizer, plan.learning_rate, plan.checked_rounds)


def fit(plan: FitPlan, pending: Pending | None = None) -> FitTraining:
    """The run, and torch's replay's answer when a check was started."""
    from symbp.core.fit import fit as run_updates

    try:
        run = run_updates(plan.spec, plan.steps, plan.learning_rate, plan.optimizer)
        replay = None if pending is None else pending.result()
    finally:
        if pending is not None:
            pending.cancel()
    weight_init = getattr(plan.spec, "weight_init", "given")
    rounds = None if replay is None else tuple(tuple(row) for row in replay)
    return FitTraining(run, plan.spec.title, weight_init, rounds)


def fit_spec(
    path: str | Path,
    steps: int | None = None,
    learning_rate: float | None = None,
    optimizer: OptimizerSpec | str | dict[str, object] | None = None,
    *,
    check: bool = False,
) -> FitTraining:
    """`steps` updates (the spec's `steps` by default) of a convolutional or recurrent
    network's spec file; with `check`, torch.optim replays the first rounds."""
    plan = fit_plan(path, steps, learning_rate, optimizer)
    return fit(plan, start_check(plan) if check else None)
