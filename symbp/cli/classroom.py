"""symbp exercise (of a dense network or an expression) and symbp grade: homework for a class."""

from __future__ import annotations

import argparse
import os

from symbp.cli.common import EXIT_OK, comma_names, expression, span, write
from symbp.errors import SymbpError


def exercise(args: argparse.Namespace) -> int:
    """A network's or an expression's exercise (the API tells them apart)."""
    from symbp.api.homework import exercises

    ask = None if args.ask is None else comma_names(args.ask)
    circuit = expression(args)  # --expr/--at, or a spec holding an expression
    result = exercises(
        circuit if circuit is not None else args.spec,
        count=args.count,
        roster=args.roster,
        seed=args.seed,
        ask=ask,
        decimals=args.decimals,
        answer_decimals=args.answer_decimals,
        min_decimals=args.min_decimals,
        lang=args.lang,
        paper=args.paper,
        inputs=span(args, "inputs"),
        targets=span(args, "targets"),
        weights=span(args, "weights"),
    ).write(args.out, interactive=args.interactive, moodle=args.moodle)
    write(result.render("text"))
    return EXIT_OK


def grade(args: argparse.Namespace) -> int:
    from symbp.api.homework import grade

    if args.output is not None:
        _refuse_output_over_inputs(args.output, args.submissions, args.exercises)
    result = grade(args.submissions, args.exercises, args.lang, args.min_decimals)
    output = result.render(args.format)
    if args.reports is not None:
        result.write_reports(args.reports, args.reports_format)
    if args.output is not None:
        from symbp.files import write_atomic

        write_atomic(args.output, output)
    else:
        write(output)
    return EXIT_OK


def _refuse_output_over_inputs(output: str, submissions: str, exercises: str) -> None:
    """grade -o must not replace what it reads: the submissions file, or anything inside
    the exercise folder (its manifest, key or a student's variant); symlinks are followed."""
    target = os.path.realpath(output)
    if target == os.path.realpath(submissions):
        raise SymbpError(f"-o {output!r} is the submissions file: write the grades elsewhere")
    folder = os.path.realpath(exercises)
    if target == folder or target.startswith(folder.rstrip(os.sep) + os.sep):
        raise SymbpError(
            f"-o {output!r} is inside the exercise folder {exercises!r}: write the grades elsewhere"
        )
