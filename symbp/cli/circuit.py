"""The commands of an expression (a circuit of gates): --expr/--at, or a spec holding one."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from symbp.cli.common import (
    comma_names,
    exit_status,
    expression,
    report_notice,
    report_written,
    require_torch,
    torch_worker,
    write,
    write_script,
)
from symbp.errors import SymbpError

if TYPE_CHECKING:
    from symbp.core.circuit import Circuit


def _the_circuit(args: argparse.Namespace) -> Circuit:
    circuit = expression(args)
    assert circuit is not None  # the kind is an expression's
    return circuit


def derive(args: argparse.Namespace) -> int:
    from symbp.api.circuit import derive
    from symbp.torchcheck.circuit_model import spawn

    with torch_worker(spawn, wanted=not args.no_check) as worker:
        circuit = _the_circuit(args)
        if args.weight:
            raise SymbpError("an expression has no weights: use --wrt NAME or --all")
        if args.form != "scalar":
            raise SymbpError("--form matrix is for networks; an expression is derived gate by gate")
        result = derive(
            circuit,
            wrt=comma_names(args.wrt),
            check=not args.no_check,
            dtype=args.dtype,
            lang=args.lang,
            digits=args.digits,
            worker=worker,
        )
    report_notice(result)
    write(result.render(args.format, paper=args.paper))
    return exit_status(result.passed)


def handout(args: argparse.Namespace) -> int:
    from symbp.api.circuit import derive

    circuit = _the_circuit(args)
    if args.show or args.focus or args.compact or args.form != "scalar" or args.answers:
        raise SymbpError(
            "--show, --focus, --compact, --form and --answers are for networks' handouts"
        )
    require_torch(not args.no_check)
    result = derive(circuit, check=not args.no_check, lang=args.lang, digits=args.digits)
    report_written(result.handout(args.title, args.paper).write(args.output))
    return exit_status(result.passed)


def export(args: argparse.Namespace) -> int:
    from symbp.torchcheck.circuit_check import torch_script

    return write_script(args, torch_script(_the_circuit(args)))


def check_hand(args: argparse.Namespace) -> int:
    """Circuit homework: node values and gradients."""
    from symbp.api.circuit import check_hand
    from symbp.handcheck.circuit import read_hand_file

    judged = check_hand(_the_circuit(args), read_hand_file(args.file), args.lang, args.min_decimals)
    write(judged.render(args.format))
    return exit_status(judged.passed)
