"""One table of model kinds: which handler runs each command for a dense network, an
expression, a convolutional or a recurrent network.

Every command that reads a spec runs `run_command`: it checks the command's own options that
need no spec (a handout's extension, a plot's suffix), reads the spec once without sympy to
learn its kind (symbp.core.kind), and runs that kind's handler for the command, or refuses in
one line naming what the kind does support. A new kind of model is one row of KINDS.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import NamedTuple

from symbp.cli import circuit, classroom, conv, dense, fit, rnn
from symbp.cli.common import optimizer
from symbp.errors import SymbpError

Handler = Callable[[argparse.Namespace], int]


class Kind(NamedTuple):
    """A kind of model: what a refusal calls it, and its handler for each command it has."""

    noun: str  # "a convolutional network"
    plural: str  # "convolutional networks"
    doc: str  # where its commands are described
    handlers: dict[str, Handler]


KINDS: dict[str, Kind] = {
    "dense": Kind(
        "a dense network",
        "dense networks",
        "README.md",
        {
            "derive": dense.derive,
            "check": dense.check,
            "step": dense.step,
            "train": dense.train,
            "handout": dense.handout,
            "export": dense.export,
            "check-hand": dense.check_hand,
            "exercise": classroom.exercise,
        },
    ),
    "circuit": Kind(
        "an expression",
        "expressions",
        "docs/circuits.md",
        {
            "derive": circuit.derive,
            "handout": circuit.handout,
            "export": circuit.export,
            "check-hand": circuit.check_hand,
            "exercise": classroom.exercise,
        },
    ),
    "conv": Kind(
        "a convolutional network",
        "convolutional networks",
        "docs/conv.md",
        {
            "derive": conv.derive_or_check,
            "check": conv.derive_or_check,
            "step": fit.step,
            "train": fit.train,
            "handout": conv.handout,
            "export": conv.export,
            "check-hand": conv.check_hand,
            "exercise": conv.exercise,
        },
    ),
    "rnn": Kind(
        "a recurrent network",
        "recurrent networks",
        "docs/rnn.md",
        {
            "derive": rnn.derive,
            "check": rnn.check,
            "step": fit.step,
            "train": fit.train,
            "handout": rnn.derive,
            "export": rnn.export,
            "check-hand": rnn.check_hand,
            "exercise": rnn.exercise,
        },
    ),
}


def run_command(args: argparse.Namespace) -> int:
    precheck = _PRECHECKS.get(args.command)
    if precheck is not None:
        precheck(args)
    kind = KINDS[_kind_of(args)]
    handler = kind.handlers.get(args.command)
    if handler is None:
        raise SymbpError(_refusal(args, kind))
    return handler(args)


def _kind_of(args: argparse.Namespace) -> str:
    """The kind of model the command is given: --expr is an expression, else the spec's."""
    if getattr(args, "expr", None) is not None:
        return "circuit"
    if getattr(args, "at", None) is not None:
        raise SymbpError("--at gives an expression's values: use it with --expr")
    if args.spec is None:
        return "dense"  # the built-in example: nothing to read
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.core.kind import spec_kind

    return spec_kind(args.spec)


def _refusal(args: argparse.Namespace, kind: Kind) -> str:
    able = [name for name, other in KINDS.items() if args.command in other.handlers]
    networks = {"dense", "conv", "rnn"} <= set(able)
    who = "networks" if networks else _listed([KINDS[name].plural for name in able])
    return (
        f"{args.spec} holds {kind.noun}: symbp {args.command} is for {who}; {kind.noun} has "
        f"{_listed(list(kind.handlers))} ({kind.doc})"
    )


def _listed(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _check_handout_file(args: argparse.Namespace) -> None:
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.api.problem import handout_format

    handout_format(args.output)  # an unknown extension fails before any work


def _check_plot_file(args: argparse.Namespace) -> None:
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.formats.plot import PLOT_SUFFIXES

    if args.plot is not None and not args.plot.lower().endswith(PLOT_SUFFIXES):
        raise SymbpError(f"--plot file {args.plot!r} must end in .png or .svg")


def _check_optimizer(args: argparse.Namespace) -> None:
    optimizer(args.optimizer)  # a bad table fails before any work


_PRECHECKS: dict[str, Callable[[argparse.Namespace], None]] = {
    "handout": _check_handout_file,
    "train": _check_plot_file,
    "step": _check_optimizer,
}
