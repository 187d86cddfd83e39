"""The commands of a convolutional network (step and train: symbp.cli.fit)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from symbp.cli.common import (
    EXIT_OK,
    bracket_names,
    exit_status,
    refuse_min_decimals,
    report_notice,
    report_written,
    require_torch,
    span,
    write,
    write_script,
)
from symbp.errors import SymbpError


def _names(given: Sequence[str] | None, option: str) -> list[str]:
    """--weight conv1_w[0,0,1,2],conv1_b[0]: commas outside brackets separate names."""
    names = bracket_names(given or ())
    if given and not names:
        raise SymbpError(f"--{option} needs a name, e.g. --{option} conv1_w[0,0,1,2]")
    return names


def derive_or_check(args: argparse.Namespace) -> int:
    """derive or check of a convolutional spec: torch starts in a worker first, then sympy."""
    from symbp.api.conv import derive
    from symbp.core.conv_spec import load_conv_spec

    spec = load_conv_spec(args.spec)
    deriving = args.command == "derive"
    if deriving and args.form != "scalar":
        raise SymbpError("--form matrix is for dense networks; see the tensor form in derive")
    weights = _names(args.weight, "weight") if deriving else []
    wrt = _names(args.wrt, "wrt") if deriving else []
    every = args.all if deriving else False
    if deriving and not (weights or wrt or every):
        raise SymbpError(
            "say which weight: --weight NAME (e.g. --weight conv1_w[0,0,1,2]), --wrt x or --all"
        )
    check = not (deriving and args.no_check)
    pending = None
    require_torch(check and not deriving)  # derive falls back to central differences
    from symbp.torchcheck.worker import torch_installed

    if check and torch_installed():
        from symbp.torchcheck.conv_model import start

        pending = start(spec, args.dtype)  # torch imports while sympy builds the graph
    result = derive(
        spec,
        weights=weights,
        wrt=wrt,
        every=every,
        check=check,
        dtype=args.dtype,
        digits=getattr(args, "digits", 4),
        lang=getattr(args, "lang", "en"),
        pending=pending,
        table=not deriving,
    )
    report_notice(result)
    write(result.render(args.format, paper=getattr(args, "paper", None)))
    return exit_status(result.passed)


def handout(args: argparse.Namespace) -> int:
    from symbp.api.conv_handout import conv_handout

    if (args.show or args.focus or args.compact or args.form != "scalar" or args.sample != 1
            or args.answers):  # fmt: skip
        raise SymbpError(
            "a convolutional handout takes --lang, --digits, --title, --paper and --no-check "
            "(not --answers: it has no questions)"
        )
    result = conv_handout(args.spec, args.lang, args.digits, not args.no_check, args.title,
                          args.paper)  # fmt: skip
    report_written(result.write(args.output))
    return exit_status(result.passed)


def export(args: argparse.Namespace) -> int:
    from symbp.core.conv_spec import load_conv_spec
    from symbp.torchcheck.conv_model import torch_script

    return write_script(args, torch_script(load_conv_spec(args.spec)))


def check_hand(args: argparse.Namespace) -> int:
    """A convolution layer's grids."""
    from symbp.api.conv_hand import check_hand_conv, read_conv_hand_file

    refuse_min_decimals(args, "convolutional networks")
    grids = check_hand_conv(args.spec, read_conv_hand_file(args.file), args.lang)
    write(grids.render(args.format))
    return exit_status(grids.passed)


def exercise(args: argparse.Namespace) -> int:
    from symbp.api.conv_homework import conv_exercises

    if args.ask or args.targets or args.min_decimals:
        raise SymbpError(
            "a convolution exercise takes --count/--roster, --seed, --decimals, "
            "--answer-decimals, --inputs, --weights, --lang, --interactive, --moodle and --out"
        )
    result = conv_exercises(
        args.spec,
        count=args.count,
        roster=args.roster,
        seed=args.seed,
        decimals=args.decimals,
        answer_decimals=args.answer_decimals,
        inputs=span(args, "inputs"),
        weights=span(args, "weights"),
        lang=args.lang,
    ).write(args.out, interactive=args.interactive, moodle=args.moodle)
    write(result.render("text"))
    return EXIT_OK
