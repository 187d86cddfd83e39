"""The command line: the only place that prints and exits.

Every library error (SymbpError) becomes one line on stderr and exit status 2; argparse's own
usage errors are shortened to one line as well. The parts:

    parser      every command's options and help (loads nothing of symbp)
    kinds       the table of model kinds: each command's handler per kind, or a refusal
    dense, circuit, conv, rnn, fit, classroom
                the handlers: one API call each, then the answer written
    common      what the handlers share: writing, exit status, names, a torch worker
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from symbp.cli.common import EXIT_BAD_INPUT, EXIT_MISMATCH, EXIT_OK
from symbp.cli.parser import build_parser
from symbp.errors import SymbpError, one_line

__all__ = ["EXIT_BAD_INPUT", "EXIT_MISMATCH", "EXIT_OK", "build_parser", "main", "run"]


def run() -> NoReturn:
    """The `symbp` command: main(), then exit at once.

    A normal exit would tear down every object sympy and its caches made, a tenth of a second
    spent after the answer is printed; the output is flushed and the files are written, so
    there is nothing left to clean up.
    """
    status = main()
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    # the handlers load after argv is parsed: --help and usage errors load none of them
    from symbp.cli.classroom import grade
    from symbp.cli.kinds import run_command

    handler = grade if args.command == "grade" else run_command
    try:
        with warnings.catch_warnings():
            # numpy's overflow/invalid warnings: the result is judged (and refused with one
            # line) by symbp itself, so their multi-line text only garbles stderr
            warnings.simplefilter("ignore", RuntimeWarning)
            return int(handler(args))
    except SymbpError as error:
        said = getattr(error, "command_line", str(error))  # the option, not the argument
        sys.stderr.write(f"symbp: error: {one_line(said)}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
