"""step and train of a convolutional or recurrent network: the run's table, with torch.optim
replaying its first rounds."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from symbp.cli.common import exit_status, optimizer, write
from symbp.errors import SymbpError

if TYPE_CHECKING:
    from symbp.api.fit import FitTraining


def step(args: argparse.Namespace) -> int:
    """One update: the run's table of one round."""
    if args.format == "mathml":
        raise SymbpError(
            "step --format mathml is for dense networks; a convolutional or recurrent "
            "network's step prints text, json, latex, markdown or html"
        )
    result = _fit(args, 1)
    write(result.render(args.format))
    return exit_status(result.passed)


def train(args: argparse.Namespace) -> int:
    result = _fit(args, args.steps)
    if args.plot is not None:
        result.plot(args.plot)
    write(result.render(args.format))
    return exit_status(result.passed)


def _fit(args: argparse.Namespace, steps: int | None) -> FitTraining:
    """The run, with torch.optim replaying its first rounds in a worker started before sympy
    loads (without torch installed, the run alone)."""
    from symbp.api.fit import fit, fit_plan, start_check
    from symbp.torchcheck.worker import torch_installed

    plan = fit_plan(args.spec, steps, args.lr, optimizer(args.optimizer))
    check = torch_installed() and plan.checked_rounds > 0
    return fit(plan, start_check(plan) if check else None)
