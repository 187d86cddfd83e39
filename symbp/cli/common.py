"""What every kind's commands share: writing the answer, the exit status, the names and ranges
read from options, the model read from --spec/--expr, a torch worker started before sympy.

Every symbp import happens inside a function: after argv is parsed, so --help and usage errors
load none of symbp.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from symbp.errors import SymbpError

if TYPE_CHECKING:
    from pathlib import Path

    from symbp.api.problem import Problem
    from symbp.classroom.variants import Range
    from symbp.core.circuit import Circuit
    from symbp.core.spec import OptimizerSpec

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


W = TypeVar("W", bound=_Cancellable)


def write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def report_notice(result: object) -> None:
    """A result's notice (how it was checked, when torch was not there to check it) on stderr."""
    from symbp.errors import one_line

    notice = getattr(result, "notice", None)
    if notice:
        sys.stderr.write(f"symbp: {one_line(str(notice))}\n")


def require_torch(wanted: bool) -> None:
    """check and handout compare with torch: without it they stop here (derive falls back to
    central differences instead, and says so)."""
    from symbp.torchcheck.worker import TorchMissingError, torch_installed

    if wanted and not torch_installed():
        raise TorchMissingError()


def exit_status(passed: bool) -> int:
    return EXIT_OK if passed else EXIT_MISMATCH


def report_written(written: Path) -> None:
    """After a .tex handout, which engine compiles it: pdflatex cannot set every script."""
    if written.suffix.lower() == ".tex":
        from symbp.formats.tex_fonts import tex_engine

        engine = tex_engine(written.read_text(encoding="utf-8"))
        sys.stderr.write(f"symbp: wrote {str(written)!r}: compile it with {engine}\n")


def write_script(args: argparse.Namespace, script: str) -> int:
    """export --torch: the script to -o FILE, else to stdout."""
    if args.output is None:
        write(script)
    else:
        from pathlib import Path

        from symbp.files import write_atomic

        write_atomic(Path(args.output), script)
    return EXIT_OK


def comma_names(given: Sequence[str] | None) -> list[str]:
    """--show w1,w5 or --wrt x,y: commas separate names, as repeating the option does."""
    return [name.strip() for text in given or () for name in text.split(",") if name.strip()]


def bracket_names(given: Sequence[str]) -> list[str]:
    """--weight conv1_w[0,0,1,2],W_hh[0,1]: commas outside an entry's brackets separate names."""
    import re

    return [
        name.strip() for text in given for name in re.split(r",(?![^\[]*\])", text) if name.strip()
    ]


def refuse_min_decimals(args: argparse.Namespace, noun: str) -> None:
    """check-hand --min-decimals where the kind's judge has no minimum: refused, not ignored."""
    if args.min_decimals is not None:
        raise SymbpError(
            f"check-hand --min-decimals is for dense networks and expressions, not {noun}"
        )


def span(args: argparse.Namespace, name: str) -> Range | None:
    """An exercise's --inputs/--targets/--weights range, or None for the default."""
    from symbp.classroom.variants import parse_range

    text = getattr(args, name)
    return None if text is None else parse_range(text, f"--{name}")


def optimizer(text: str | None) -> OptimizerSpec | None:
    """--optimizer: a name, or a TOML inline table read as data (never evaluated)."""
    if text is None:
        return None
    import tomllib

    from symbp.core.spec import parse_optimizer

    value: object = text.strip()
    if text.strip().startswith("{"):
        try:
            value = tomllib.loads(f"optimizer = {text}")["optimizer"]
        except tomllib.TOMLDecodeError as error:
            message = " ".join(str(error).split())
            raise SymbpError(f"--optimizer is not a valid TOML table: {message}") from None
    return parse_optimizer(value, "--optimizer")


def problem(args: argparse.Namespace) -> Problem:
    """The dense network of --spec (the built-in example without one)."""
    from symbp.api.problem import problem

    return problem(args.spec)


def expression(args: argparse.Namespace) -> Circuit | None:
    """The expression of --expr/--at, or of a spec holding `expression`; None for a network."""
    if args.expr is not None:
        from symbp.core.circuit import parse_at, read_circuit

        if args.spec is not None:
            raise SymbpError("give either --expr or --spec, not both")
        if args.at is None:
            raise SymbpError("--expr needs its inputs' values: --at x=-2,y=5,z=-4")
        return read_circuit(args.expr, parse_at(args.at))
    if args.spec is None:
        return None
    from symbp.core.circuit import load_circuit_spec

    return load_circuit_spec(args.spec)


@contextlib.contextmanager
def torch_worker(spawn: Callable[[], W | None], wanted: bool) -> Iterator[W | None]:
    """A torch worker started now, so that torch imports while sympy works here; stopped on
    leaving. None when the check is not wanted or torch is not installed."""
    from symbp.torchcheck.worker import torch_installed

    worker = spawn() if wanted and torch_installed() else None
    try:
        yield worker
    finally:
        if worker is not None:
            worker.cancel()
