"""The commands of a recurrent network (step and train: symbp.cli.fit)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from symbp.cli.common import (
    EXIT_OK,
    bracket_names,
    exit_status,
    refuse_min_decimals,
    report_notice,
    report_written,
    require_torch,
    span,
    torch_worker,
    write,
    write_script,
)
from symbp.errors import SymbpError

if TYPE_CHECKING:
    from symbp.core.rnn_spec import RnnSpec


def _spec(args: argparse.Namespace) -> RnnSpec:
    from symbp.core.rnn_spec import load_rnn_spec

    spec = load_rnn_spec(args.spec)
    assert spec is not None  # the kind is a recurrent network's
    return spec


def derive(args: argparse.Namespace, only_check: bool = False) -> int:
    """derive, check or handout of a recurrent network: torch starts in a worker first."""
    import math

    from symbp.torchcheck.rnn_model import spawn

    no_check = getattr(args, "no_check", False) and not only_check
    with torch_worker(spawn, wanted=not no_check) as worker:
        spec = _spec(args)
        require_torch(not no_check and args.command != "derive")  # derive: central differences
        if getattr(args, "form", "scalar") != "scalar":
            raise SymbpError("--form matrix is for dense networks; an RNN is derived step by step")
        if getattr(args, "answers", None):
            raise SymbpError("--answers is for dense networks' handouts (an RNN's has none)")
        weights = None
        for option in ("weight", "wrt"):
            given = getattr(args, option, None)
            if given:
                weights = (weights or []) + bracket_names(given)
        count = sum(math.prod(shape) for shape in spec.shapes().values())
        if args.command == "derive" and weights is None and not args.all and count > 16:
            raise SymbpError(
                f"this network has {count} weights and biases: say which to derive, "
                "--weight W_hh (a matrix) or --weight W_hh[0,1], or --all"
            )
        from symbp.api.rnn import derive

        result = derive(
            spec,
            weights=weights,
            check=not no_check,
            dtype=getattr(args, "dtype", "float64"),
            lang=getattr(args, "lang", "en"),
            digits=getattr(args, "digits", 4),
            worker=worker,
            only_check=only_check,
        )
    if args.command == "handout":
        report_written(result.handout(args.title, args.paper).write(args.output))
        return exit_status(result.passed)
    report_notice(result)
    write(result.render(getattr(args, "format", "text"), paper=getattr(args, "paper", None)))
    return exit_status(result.passed)


def check(args: argparse.Namespace) -> int:
    return derive(args, only_check=True)


def export(args: argparse.Namespace) -> int:
    from symbp.torchcheck.rnn_check import torch_script

    return write_script(args, torch_script(_spec(args)))


def check_hand(args: argparse.Namespace) -> int:
    """A recurrent network's homework."""
    from symbp.api.rnn_hand import check_rnn_hand
    from symbp.handcheck.recurrent import read_hand_file

    refuse_min_decimals(args, "recurrent networks")
    judged = check_rnn_hand(_spec(args), read_hand_file(args.file), args.lang)
    write(judged.render(args.format))
    return exit_status(judged.passed)


def exercise(args: argparse.Namespace) -> int:
    """A BPTT exercise."""
    from symbp.api.rnn_exercise import rnn_exercises

    if args.ask is not None or args.interactive or args.moodle:
        raise SymbpError("--ask, --interactive and --moodle are for dense networks' exercises")
    written = rnn_exercises(
        args.spec,
        count=args.count,
        roster=args.roster,
        seed=args.seed,
        decimals=args.decimals,
        answer_decimals=args.answer_decimals,
        lang=args.lang,
        paper=args.paper,
        inputs=span(args, "inputs"),
        targets=span(args, "targets"),
        weights=span(args, "weights"),
    ).write(args.out)
    write(written.render("text"))
    return EXIT_OK
