"""The command line: the only place that prints and exits.

Every library error (SymbpError) becomes one line on stderr and exit status 2; argparse's own
usage errors are shortened to one line as well.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, NoReturn

from symbp import __version__
from symbp.errors import SymbpError, one_line

if TYPE_CHECKING:
    from pathlib import Path

    from symbp.api.fit import FitTraining
    from symbp.api.problem import Problem
    from symbp.classroom.variants import Range
    from symbp.core.circuit import Circuit
    from symbp.core.rnn_spec import RnnSpec
    from symbp.core.spec import OptimizerSpec
    from symbp.torchcheck.circuit_model import Worker

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line: the user's text in them (an unknown option,
    a bad value) has its control characters escaped, so it cannot break the line or recolour
    the terminal."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            # every message argparse writes to stderr passes here (error() above included)
            message = one_line(message.rstrip("\n")) + "\n"
        super().exit(status, message)


def _build_parser() -> argparse.ArgumentParser:
    spec_options = _Parser(add_help=False)
    spec_options.add_argument(
        "--spec",
        metavar="FILE",
        help="network description (.toml or .json); default: the MOOC 8.3 example",
    )
    format_options = _Parser(add_help=False)
    format_options.add_argument(
        "--format",
        choices=("text", "json", "latex", "mathml", "markdown", "html"),
        default="text",
        help="output format (default: text)",
    )
    derive_format_options = _Parser(add_help=False)
    derive_format_options.add_argument(
        "--format",
        choices=("text", "latex", "mathml", "markdown", "html", "json"),
        default="text",
        help="output format (default: text)",
    )
    form_options = _Parser(add_help=False)
    form_options.add_argument(
        "--form",
        choices=("scalar", "matrix"),
        default="scalar",
        help="scalar: each weight's chain rule (default); matrix: every layer at once with "
        "matrices and vectors, z = Wa + b, δ = Wᵀδ ⊙ f′(z), ∂L/∂W = δaᵀ",
    )
    dtype_options = _Parser(add_help=False)
    dtype_options.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="precision of the torch autograd check (default: float64)",
    )

    digits_options = _Parser(add_help=False)
    digits_options.add_argument(
        "--digits",
        type=int,
        default=4,
        metavar="N",
        help="significant digits of displayed values, 1 to 15 (default: 4)",
    )
    paper_options = _Parser(add_help=False)
    paper_options.add_argument(
        "--paper",
        choices=("a4", "letter"),
        default="a4",
        help="paper of LaTeX and HTML (print) output (default: a4)",
    )
    expression_options = _Parser(add_help=False)
    expression_options.add_argument(
        "--expr",
        metavar="EXPRESSION",
        help="a computational graph instead of a network: assignments separated by ';' or "
        "newlines, e.g. 'q = x + y; f = q * z' (a spec holding expression = ... does the same)",
    )
    expression_options.add_argument(
        "--at", metavar="VALUES", help="the expression's input values, e.g. x=-2,y=5,z=-4"
    )
    optimizer_options = _Parser(add_help=False)
    optimizer_options.add_argument(
        "--optimizer",
        metavar="SPEC",
        help="optimizer (default: the spec's): sgd, adam, adamw, rmsprop or adagrad with "
        "torch's defaults, or a "
        "table as in a spec, e.g. '{ name = \"sgd\", momentum = 0.9, nesterov = true }'",
    )

    parser = _Parser(
        prog="symbp",
        description="Backpropagation derived symbolically, every chain-rule step shown, "
        "every number checked against torch autograd.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  symbp derive --weight w1\n  symbp check\n  symbp step",
    )
    parser.add_argument("--version", action="version", version=f"symbp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    derive = commands.add_parser(
        "derive",
        parents=[
            spec_options,
            derive_format_options,
            form_options,
            dtype_options,
            digits_options,
            paper_options,
            expression_options,
        ],
        help="derive ∂L/∂w for one weight or all (or ∂L/∂a for a unit), step by step",
        description="Derive ∂L/∂w: the chain-rule paths, each local derivative as "
        "symbol = formula = numbers = value, the δ form, the closed form, the value, "
        "and its agreement with torch autograd.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp derive --weight w1\n  symbp derive --all --format json\n"
        "  symbp derive --weight w5 --spec examples/mooc_8_3.toml --no-check\n"
        "  symbp derive --weight w1 --format latex --digits 6 --paper letter\n"
        "  symbp derive --form matrix --format latex\n"
        "  symbp derive --wrt h1 --spec examples/mazur_2_2_2.toml\n\n"
        "--form matrix derives the whole network at once: it needs no --weight or --all "
        "(--all is accepted) and refuses --weight.",
    )
    which = derive.add_mutually_exclusive_group()
    which.add_argument(
        "--weight", metavar="NAME", action="append", help="weight to derive (repeatable), e.g. w1"
    )
    which.add_argument(
        "--all", action="store_true", help="derive every weight (what --form matrix always does)"
    )
    which.add_argument(
        "--wrt",
        metavar="NAME",
        action="append",
        help="derive ∂L/∂NAME for a unit's value (repeatable): an input x1, a hidden h1 or an "
        "output o1, or any weight or bias",
    )
    derive.add_argument(
        "--no-check", action="store_true", help="skip the torch check (torch is not imported)"
    )
    derive.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the derivation of an expression, a convolutional or a recurrent "
        "network (default: en; JSON stays English); a dense network's is in English (its "
        "handout has --lang)",
    )
    derive.set_defaults(run=_run_command)

    check = commands.add_parser(
        "check",
        parents=[spec_options, format_options, dtype_options],
        help="every gradient against torch autograd and finite differences",
        description="A table of every weight: symbolic value, torch autograd, central finite "
        "difference, largest difference, pass/fail; and the loss. Exit status 1 on any mismatch.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp check\n  symbp check --dtype float32 --format json",
    )
    check.set_defaults(run=_run_command)

    step = commands.add_parser(
        "step",
        parents=[spec_options, format_options, optimizer_options],
        help="one update: plain gradient descent or the spec's optimizer",
        description="One update of every parameter: w ← w − η·∂L/∂w for plain gradient descent "
        "(the loss before and after, every gradient and every updated weight), or by the "
        "spec's (or --optimizer's) SGD with momentum, Adam, AdamW, RMSprop or Adagrad, as "
        "torch.optim does it: "
        "the rule, then every equation of it with each parameter's numbers, and the state "
        "(velocity, m, v) after the update. A convolutional or recurrent network's step is "
        "its train table of one round, checked against torch.optim.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp step\n  symbp step --lr 0.5\n"
        "  symbp step --optimizer adam --lr 0.1 --format latex\n"
        "  symbp step --optimizer '{ name = \"sgd\", momentum = 0.9, nesterov = true }'",
    )
    step.add_argument("--lr", type=float, metavar="ETA", help="learning rate (default: the spec's)")
    step.set_defaults(run=_run_command)

    handout = commands.add_parser(
        "handout",
        parents=[spec_options, digits_options, paper_options, form_options, expression_options],
        help="write a complete derivation handout (.html, .tex or .md)",
        description="Write a self-contained handout: the network diagram, the forward pass, "
        "the backward pass for every weight, the update step and a check against torch "
        "autograd. The format follows the file's extension: .html (MathML, works offline), "
        ".tex (pdflatex for en, xelatex for zh) or .md.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp handout -o handout.html\n"
        "  symbp handout -o handout.tex --lang zh --digits 6\n"
        "  symbp handout -o week3.html --spec net.toml --show w1,w9 --title 'Week 3' "
        "--paper letter\n"
        "  symbp handout -o notes.tex --spec net.toml --compact\n"
        "  symbp handout -o handout.html --form matrix\n"
        "  symbp handout -o handout.html --no-check",
    )
    handout.add_argument("-o", "--output", metavar="FILE", required=True, help="file to write")
    handout.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the prose (default: en)"
    )
    handout.add_argument(
        "--focus",
        metavar="WEIGHT",
        help="the weight whose gradient's sign the handout explains (default: the first "
        "weight shown; not with --form matrix)",
    )
    handout.add_argument(
        "--show",
        metavar="NAMES",
        action="append",
        help="parameters to derive in full, comma-separated (repeatable), e.g. w1,w5; the "
        "others get one table row each (default: all of a network of up to 20 weights, else "
        "the first weight of each layer)",
    )
    handout.add_argument(
        "--sample",
        metavar="N",
        type=int,
        default=1,
        help="with several samples, the one worked step by step (default: 1)",
    )
    handout.add_argument(
        "--compact",
        action="store_true",
        help="every gradient and every update as one table row",
    )
    handout.add_argument(
        "--title", metavar="TEXT", help="the handout's title (default: the spec's)"
    )
    handout.add_argument(
        "--answers",
        choices=("foot", "page", "none"),
        help="the answers to the check-your-understanding questions: foot (default: after the "
        "appendix, on the last page when they fit, upside down in print, blurred on screen), "
        "page (on a page of their own, to tear off) or none (left out)",
    )

    handout.add_argument(
        "--no-check",
        action="store_true",
        help="leave out the check against torch autograd (torch is not imported)",
    )
    handout.set_defaults(run=_run_command)

    check_hand = commands.add_parser(
        "check-hand",
        parents=[spec_options, expression_options],
        help="judge a student's hand calculation and name the mistake",
        description="Judge each number of a hand calculation at the precision it was written "
        "to, point at where the error entered, and name the classic mistake that reproduces "
        "the wrong numbers. FILE is TOML, JSON, or lines of 'name = value' (# comments). "
        "Exit status 0 all right, 1 something wrong, 2 the file could not be read.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp check-hand examples/hand_mooc_8_3.txt\n"
        "  symbp check-hand mine.toml --lr 0.5 --format json\n"
        "  symbp check-hand mine.txt --lang zh",
    )
    check_hand.add_argument("file", metavar="FILE", help="the hand calculation")
    check_hand.add_argument(
        "--format",
        choices=("text", "json", "markdown", "html", "latex"),
        default="text",
        help="output format (default: text)",
    )
    check_hand.add_argument(
        "--lr",
        type=float,
        metavar="ETA",
        help="learning rate (default: the file's, else the spec's)",
    )
    check_hand.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the report (default: en; JSON stays English)",
    )
    check_hand.add_argument(
        "--min-decimals",
        type=int,
        metavar="N",
        help="a number written to fewer decimals is 'too few decimals', not right, unless it "
        "is the exact value (default: any number of decimals)",
    )
    check_hand.set_defaults(run=_run_command)

    _add_classroom_commands(commands, spec_options, paper_options, expression_options)

    train = commands.add_parser(
        "train",
        parents=[spec_options, optimizer_options],
        help="N updates: loss, parameters and the optimizer's state per step",
        description="N updates over all the spec's samples by the spec's (or --optimizer's) "
        "optimizer, plain gradient descent by default, as torch.optim does them: the loss and "
        "every parameter per step as a table, JSON or CSV, with the optimizer's state "
        "(momentum buffer, Adam's m and v) per step, and optionally the loss curve as a picture. "
        "On a convolutional or recurrent network torch.optim replays the first 5 rounds.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp train --steps 100 --lr 0.5\n"
        "  symbp train --steps 50 --format csv --plot loss.svg\n"
        "  symbp train --steps 5 --optimizer adam --lr 0.1",
    )
    train.add_argument("--steps", type=int, metavar="N", help="updates (default: the spec's)")
    train.add_argument(
        "--lr", type=float, metavar="ETA", help="learning rate (default: the spec's)"
    )
    train.add_argument(
        "--format",
        choices=("text", "json", "csv", "markdown", "html", "latex"),
        default="text",
        help="output format (default: text)",
    )
    train.add_argument("--plot", metavar="FILE", help="draw the loss curve to FILE.png or .svg")
    train.set_defaults(run=_run_command)

    export = commands.add_parser(
        "export",
        parents=[spec_options, expression_options],
        help="write a stand-alone torch script that reproduces the numbers",
        description="Write a short stand-alone torch script (float64) that rebuilds the "
        "network weight by weight with symbp's names, runs one step of the spec's optimizer "
        "and prints the loss, every gradient and every updated value: the same numbers symbp "
        "derives, from plain torch.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp export --torch > mooc.py && python mooc.py\n"
        "  symbp export --torch --spec examples/relu.toml -o relu.py",
    )
    export.add_argument(
        "--torch", action="store_true", required=True, help="a torch script (the only kind yet)"
    )
    export.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    export.set_defaults(run=_run_command)
    return parser


def _add_classroom_commands(
    commands: argparse._SubParsersAction[_Parser],
    spec_options: _Parser,
    paper_options: _Parser,
    expression_options: _Parser,
) -> None:
    """symbp exercise and symbp grade: homework for a class."""
    exercise = commands.add_parser(
        "exercise",
        parents=[spec_options, paper_options, expression_options],
        help="a variant of the network per student: worksheets, answer keys, key.csv",
        description="Draw each student's own numbers for the network (inputs, targets and "
        "weights, nice numbers in ranges you set; draws that would make a poor exercise are "
        "redrawn) and write, per student, the spec, a worksheet and an answer key (the full "
        "handout of their variant) in HTML, LaTeX and Markdown, plus the class's key.csv in the "
        "format symbp grade reads. A student's numbers depend only on --seed and their id.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp exercise --count 40 --seed 7 --out week3/\n"
        "  symbp exercise --roster class.csv --seed 7 --out week3/ --interactive "
        "--moodle week3.xml\n"
        "  symbp exercise --count 30 --ask gradient,update --weights=-0.9:0.9 --lang zh\n"
        "  symbp exercise --expr 'q = x + y; f = q * z' --at x=-2,y=5,z=-4 --count 30 "
        "--inputs=-3:3 --interactive\n\n"
        "--ask takes groups (forward, z, a, loss, upstream, delta, gradient, update, change) or "
        "names check-hand reads (dL/dw1, delta_h1, w1_new); default: forward, loss, delta, "
        "gradient, update. For an expression: values, gradients, inputs or names (q, df/dq); "
        "default: every gate's value and every gradient; its inputs are drawn from --inputs "
        "(default -2:2). Write a range that starts with a minus sign with =, as --weights=-1:1.",
    )
    who = exercise.add_mutually_exclusive_group(required=True)
    who.add_argument("--count", type=int, metavar="N", help="N students, numbered s001, s002, …")
    who.add_argument(
        "--roster", metavar="CSV", help="the class list: an id column, optionally a name column"
    )
    exercise.add_argument("--seed", type=int, default=0, help="the draw's seed (default: 0)")
    exercise.add_argument(
        "--ask",
        metavar="LIST",
        action="append",
        help="the blanks, comma-separated groups or names (repeatable; see below)",
    )
    exercise.add_argument(
        "--decimals",
        type=int,
        default=1,
        metavar="N",
        help="decimals of the given numbers, 1 to 3 (default: 1)",
    )
    exercise.add_argument(
        "--answer-decimals",
        type=int,
        default=4,
        metavar="N",
        help="decimals the answers are asked to (default: 4)",
    )
    exercise.add_argument(
        "--min-decimals",
        type=int,
        metavar="N",
        help="the fewest decimals a right number may be written to, in grade, the self-check "
        "page and Moodle's tolerance (default: the answer decimals)",
    )
    for name, default in (("inputs", "0.1:1"), ("targets", "0:1"), ("weights", "-1:1")):
        exercise.add_argument(
            f"--{name}", metavar="LO:HI", help=f"range of the {name} (default: {default})"
        )
    exercise.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the sheets (default: en)"
    )
    exercise.add_argument(
        "--out", metavar="DIR", default="exercises", help="folder to write (default: exercises/)"
    )
    exercise.add_argument(
        "--interactive",
        nargs="?",
        const="full",
        choices=("full", "consistency"),
        metavar="MODE",
        help="also write each student's offline self-check page (selfcheck.html): 'full' "
        "(default) judges every number and names classic mistakes; 'consistency', for graded "
        "work, only checks each number against the student's own earlier numbers",
    )
    exercise.add_argument(
        "--moodle", metavar="FILE.xml", help="also write a Moodle XML quiz of cloze questions"
    )
    exercise.set_defaults(run=_run_command)

    grade = commands.add_parser(
        "grade",
        help="grade a class's submissions CSV against its exercise folder",
        description="Judge every row of SUBMISSIONS.csv (an id column, optionally a name "
        "column, and a column per asked quantity named as check-hand reads them; the format of "
        "the exercise folder's key.csv) exactly as check-hand judges one file, and summarise "
        "the class: the share right per quantity, the most common mistakes, students sharing "
        "identical wrong numbers. Exit status 0 when graded, 2 when a file cannot be used.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp grade submissions.csv --exercises week3/\n"
        "  symbp grade submissions.csv --exercises week3/ --format csv -o grades.csv\n"
        "  symbp grade submissions.csv --exercises week3/ --reports reports/ "
        "--reports-format html",
    )
    grade.add_argument("submissions", metavar="SUBMISSIONS.csv", help="the class's numbers")
    grade.add_argument(
        "--exercises", metavar="DIR", required=True, help="the folder symbp exercise wrote"
    )
    grade.add_argument(
        "--format",
        choices=("text", "html", "markdown", "json", "csv"),
        default="text",
        help="output format (default: text)",
    )
    grade.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    grade.add_argument(
        "--reports", metavar="DIR", help="also write one report per student into DIR"
    )
    grade.add_argument(
        "--lang",
        choices=("en", "zh"),
        help="language of the reports (default: the exercise's; JSON and CSV stay English)",
    )
    grade.add_argument(
        "--reports-format",
        choices=("text", "html", "markdown", "json"),
        default="text",
        help="format of the per-student reports (default: text)",
    )
    grade.add_argument(
        "--min-decimals",
        type=int,
        metavar="N",
        help="the fewest decimals a right number may be written to (default: the exercise's)",
    )
    grade.set_defaults(run=_run_grade)


def _run_grade(args: argparse.Namespace) -> int:
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.api.homework import grade

    if args.output is not None:
        _refuse_output_over_inputs(args.output, args.submissions, args.exercises)
    result = grade(args.submissions, args.exercises, args.lang, args.min_decimals)
    output = result.render(args.format)
    if args.reports is not None:
        result.write_reports(args.reports, args.reports_format)
    if args.output is not None:
        # after argv is parsed: --help and usage errors load none of symbp
        from symbp.files import write_atomic

        write_atomic(args.output, output)
    else:
        _write(output)
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


# --- one table of model kinds ------------------------------------------------------------
#
# Every command that reads a spec runs _run_command: it checks the command's own options that
# need no spec (a handout's extension, a plot's suffix), reads the spec once without sympy to
# learn its kind (symbp.core.kind), and runs that kind's handler for the command, or refuses
# in one line naming what the kind does support. A new kind of model is one row of _KINDS.


def _run_command(args: argparse.Namespace) -> int:
    precheck = _PRECHECKS.get(args.command)
    if precheck is not None:
        precheck(args)
    kind = _KINDS[_kind_of(args)]
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


def _refusal(args: argparse.Namespace, kind: _Kind) -> str:
    able = [name for name, other in _KINDS.items() if args.command in other.handlers]
    networks = {"dense", "conv", "rnn"} <= set(able)
    who = "networks" if networks else _listed([_KINDS[name].plural for name in able])
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
    _optimizer(args.optimizer)  # a bad table fails before any work


_PRECHECKS: dict[str, Callable[[argparse.Namespace], None]] = {
    "handout": _check_handout_file,
    "train": _check_plot_file,
    "step": _check_optimizer,
}


def _problem(args: argparse.Namespace) -> Problem:
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.api.problem import problem

    return problem(args.spec)


def _exit(passed: bool) -> int:
    return EXIT_OK if passed else EXIT_MISMATCH


def _report_written(written: Path) -> None:
    """After a .tex handout, which engine compiles it: pdflatex cannot set every script."""
    if written.suffix.lower() == ".tex":
        from symbp.formats.tex_fonts import tex_engine

        engine = tex_engine(written.read_text(encoding="utf-8"))
        sys.stderr.write(f"symbp: wrote {str(written)!r}: compile it with {engine}\n")


def _comma_names(given: Sequence[str] | None) -> list[str]:
    """--show w1,w5 or --wrt x,y: commas separate names, as repeating the option does."""
    return [name.strip() for text in given or () for name in text.split(",") if name.strip()]


def _span(args: argparse.Namespace, name: str) -> Range | None:
    """An exercise's --inputs/--targets/--weights range, or None for the default."""
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.classroom.variants import parse_range

    text = getattr(args, name)
    return None if text is None else parse_range(text, f"--{name}")


# --- dense networks ------------------------------------------------------------------------


def _derive_dense(args: argparse.Namespace) -> int:
    if args.lang != "en":
        raise SymbpError(
            f"derive --lang {args.lang} is for expressions, convolutional and recurrent "
            f"networks: a dense network's derivation is in English; symbp handout --lang "
            f"{args.lang} writes it in full"
        )
    # --weight w1,w5 as --show w1,w5: commas separate names, as repeating the option does
    for option in ("weight", "wrt"):
        given = getattr(args, option)
        if given is not None:
            names = _comma_names(given)
            if not names:
                raise SymbpError(f"--{option} needs a name, e.g. --{option} w1")
            setattr(args, option, names)
    names = args.wrt or args.weight
    if not args.all and not names and args.form == "scalar":
        raise SymbpError("say which weight: --weight NAME (e.g. --weight w1), --wrt NAME or --all")
    if args.wrt and args.form == "matrix":
        raise SymbpError("--wrt derives one unit's ∂L/∂a: use it with --form scalar")
    with _problem(args) as problem:  # leaving it stops a torch worker still running
        if not args.no_check:
            # torch starts in a worker while sympy works here
            problem.start_check(args.dtype, units=bool(args.wrt))
        if args.form == "scalar":  # derivations too long to print fail before the work
            # here, not at the top: sympy loads after the torch worker has started
            from symbp.core.derive import check_printable
            from symbp.near import resolve

            network = problem.network
            every = [w.name for w in network.weights] + [b.name for b in network.biases]
            weights = [resolve(name, every) or name for name in args.weight or every]
            check_printable(network, weights, args.format)
        result = problem.derivations(
            names,
            check=not args.no_check,
            dtype=args.dtype,
            digits=args.digits,
            form=args.form,
        )
    notice = getattr(result, "notice", None)
    if notice:
        sys.stderr.write(f"symbp: {one_line(str(notice))}\n")
    for chunk in result.render_chunks(args.format, paper=args.paper):
        _write(chunk)
    return _exit(result.passed)


def _check_dense(args: argparse.Namespace) -> int:
    with _problem(args) as problem:
        problem.start_check(args.dtype)
        result = problem.check(args.dtype)
    _write(result.render(args.format))
    return _exit(result.passed)


def _step_dense(args: argparse.Namespace) -> int:
    _write(_problem(args).step(args.lr, _optimizer(args.optimizer)).render(args.format))
    return EXIT_OK


def _train_dense(args: argparse.Namespace) -> int:
    result = _problem(args).train(args.steps, args.lr, optimizer=_optimizer(args.optimizer))
    if args.plot is not None:
        result.plot(args.plot)
    _write(result.render(args.format))
    return EXIT_OK


def _handout_dense(args: argparse.Namespace) -> int:
    show = None
    if args.show is not None:
        show = _comma_names(args.show)
        if not show:
            raise SymbpError("--show needs parameter names, e.g. --show w1,w5")
    with _problem(args) as problem:
        if not args.no_check:
            problem.start_check()
        result = problem.handout(
            lang=args.lang,
            digits=args.digits,
            focus=args.focus,
            check=not args.no_check,
            show=show,
            compact=args.compact,
            title=args.title,
            paper=args.paper,
            form=args.form,
            sample=args.sample,
            answers=args.answers or "foot",
        )
    _report_written(result.write(args.output))
    return _exit(result.passed)


def _export_dense(args: argparse.Namespace) -> int:
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.api.problem import problem
    from symbp.torchcheck.bridge import torch_script

    return _write_script(args, torch_script(problem(args.spec).spec))


def _hand_dense(args: argparse.Namespace) -> int:
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.api.problem import check_hand_file

    result = check_hand_file(args.file, args.spec, args.lr, args.lang, args.min_decimals)
    _write(result.render(args.format))
    return _exit(result.passed)


def _exercise_dense(args: argparse.Namespace) -> int:
    """A network's or an expression's exercise (the API tells them apart)."""
    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.api.homework import exercises

    ask = None if args.ask is None else _comma_names(args.ask)
    circuit = _circuit(args)  # --expr/--at, or a spec holding an expression
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
        inputs=_span(args, "inputs"),
        targets=_span(args, "targets"),
        weights=_span(args, "weights"),
    ).write(args.out, interactive=args.interactive, moodle=args.moodle)
    _write(result.render("text"))
    return EXIT_OK


# --- expressions (circuits) ----------------------------------------------------------------


def _circuit(args: argparse.Namespace) -> Circuit | None:
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


def _the_circuit(args: argparse.Namespace) -> Circuit:
    circuit = _circuit(args)
    assert circuit is not None  # the kind is an expression's
    return circuit


def _derive_circuit(args: argparse.Namespace) -> int:
    from symbp.torchcheck.circuit_model import spawn
    from symbp.torchcheck.worker import torch_installed

    # torch starts importing now, while sympy loads and derives here
    worker: Worker | None = None
    if not args.no_check and torch_installed():
        worker = spawn()
    try:
        return _run_circuit(args, _the_circuit(args), worker)
    finally:
        if worker is not None:
            worker.cancel()


def _run_circuit(args: argparse.Namespace, circuit: Circuit, worker: Worker | None) -> int:
    from symbp.api.circuit import derive

    if args.weight:
        raise SymbpError("an expression has no weights: use --wrt NAME or --all")
    if args.form != "scalar":
        raise SymbpError("--form matrix is for networks; an expression is derived gate by gate")
    result = derive(
        circuit,
        wrt=_comma_names(args.wrt),
        check=not args.no_check,
        dtype=args.dtype,
        lang=args.lang,
        digits=args.digits,
        worker=worker,
    )
    _write(result.render(args.format, paper=args.paper))
    return _exit(result.passed)


def _handout_circuit(args: argparse.Namespace) -> int:
    from symbp.api.circuit import derive

    circuit = _the_circuit(args)
    if args.show or args.focus or args.compact or args.form != "scalar" or args.answers:
        raise SymbpError(
            "--show, --focus, --compact, --form and --answers are for networks' handouts"
        )
    result = derive(circuit, check=not args.no_check, lang=args.lang, digits=args.digits)
    _report_written(result.handout(args.title, args.paper).write(args.output))
    return _exit(result.passed)


def _export_circuit(args: argparse.Namespace) -> int:
    from symbp.torchcheck.circuit_check import torch_script

    return _write_script(args, torch_script(_the_circuit(args)))


def _hand_circuit(args: argparse.Namespace) -> int:
    """Circuit homework: node values and gradients."""
    from symbp.api.circuit import check_hand
    from symbp.handcheck.circuit import read_hand_file

    judged = check_hand(_the_circuit(args), read_hand_file(args.file), args.lang)
    _write(judged.render(args.format))
    return _exit(judged.passed)


# --- convolutional networks ----------------------------------------------------------------


def _conv_names(given: Sequence[str] | None, option: str) -> list[str]:
    """--weight conv1_w[0,0,1,2],conv1_b[0]: commas outside brackets separate names."""
    import re

    names = [
        name.strip()
        for text in given or ()
        for name in re.split(r",(?![^\[]*\])", text)
        if name.strip()
    ]
    if given and not names:
        raise SymbpError(f"--{option} needs a name, e.g. --{option} conv1_w[0,0,1,2]")
    return names


def _run_conv(args: argparse.Namespace) -> int:
    """derive or check of a convolutional spec: torch starts in a worker first, then sympy."""
    from symbp.api.conv import derive
    from symbp.core.conv_spec import load_conv_spec

    spec = load_conv_spec(args.spec)
    deriving = args.command == "derive"
    if deriving and args.form != "scalar":
        raise SymbpError("--form matrix is for dense networks; see the tensor form in derive")
    weights = _conv_names(args.weight, "weight") if deriving else []
    wrt = _conv_names(args.wrt, "wrt") if deriving else []
    every = args.all if deriving else False
    if deriving and not (weights or wrt or every):
        raise SymbpError(
            "say which weight: --weight NAME (e.g. --weight conv1_w[0,0,1,2]), --wrt x or --all"
        )
    check = not (deriving and args.no_check)
    pending = None
    if check:
        from symbp.torchcheck.conv_model import start
        from symbp.torchcheck.worker import TorchMissingError, torch_installed

        if not torch_installed():
            raise TorchMissingError()
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
    _write(result.render(args.format, paper=getattr(args, "paper", None)))
    return _exit(result.passed)


def _handout_conv(args: argparse.Namespace) -> int:
    from symbp.api.conv_handout import conv_handout

    if (args.show or args.focus or args.compact or args.form != "scalar" or args.sample != 1
            or args.answers):  # fmt: skip
        raise SymbpError(
            "a convolutional handout takes --lang, --digits, --title, --paper and --no-check"
        )
    result = conv_handout(args.spec, args.lang, args.digits, not args.no_check, args.title,
                          args.paper)  # fmt: skip
    _report_written(result.write(args.output))
    return _exit(result.passed)


def _export_conv(args: argparse.Namespace) -> int:
    from symbp.core.conv_spec import load_conv_spec
    from symbp.torchcheck.conv_model import torch_script

    return _write_script(args, torch_script(load_conv_spec(args.spec)))


def _hand_conv(args: argparse.Namespace) -> int:
    """A convolution layer's grids."""
    from symbp.api.conv_hand import check_hand_conv, read_conv_hand_file

    grids = check_hand_conv(args.spec, read_conv_hand_file(args.file), args.lang)
    _write(grids.render(args.format))
    return _exit(grids.passed)


def _exercise_conv(args: argparse.Namespace) -> int:
    from symbp.api.conv_homework import conv_exercises

    if args.ask or args.interactive or args.moodle or args.targets or args.min_decimals:
        raise SymbpError(
            "a convolution exercise takes --count/--roster, --seed, --decimals, "
            "--answer-decimals, --inputs, --weights, --lang and --out"
        )
    result = conv_exercises(
        args.spec,
        count=args.count,
        roster=args.roster,
        seed=args.seed,
        decimals=args.decimals,
        answer_decimals=args.answer_decimals,
        inputs=_span(args, "inputs"),
        weights=_span(args, "weights"),
        lang=args.lang,
    ).write(args.out)
    _write(result.render("text"))
    return EXIT_OK


# --- recurrent networks --------------------------------------------------------------------


def _run_rnn(args: argparse.Namespace, only_check: bool = False) -> int:
    """derive, check or handout of a recurrent network: torch starts in a worker first."""
    import math
    import re

    from symbp.core.rnn_spec import load_rnn_spec
    from symbp.torchcheck.worker import torch_installed

    no_check = getattr(args, "no_check", False) and not only_check
    worker = None
    if not no_check and torch_installed():
        from symbp.torchcheck.rnn_model import spawn

        worker = spawn()
    try:
        spec = load_rnn_spec(args.spec)
        assert spec is not None
        if getattr(args, "form", "scalar") != "scalar":
            raise SymbpError("--form matrix is for dense networks; an RNN is derived step by step")
        if getattr(args, "answers", None):
            raise SymbpError("--answers is for dense networks' handouts (an RNN's has none)")
        weights = None
        for option in ("weight", "wrt"):
            given = getattr(args, option, None)
            if given:
                # commas separate names, except inside an entry's brackets: W_hh[0,1]
                names = [n.strip() for text in given for n in re.split(r",(?![^\[]*\])", text)]
                weights = (weights or []) + [n for n in names if n]
        shapes = spec.shapes().values()
        count = sum(math.prod(shape) for shape in shapes)
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
    finally:
        if worker is not None:
            worker.cancel()
    if args.command == "handout":
        _report_written(result.handout(args.title, args.paper).write(args.output))
        return _exit(result.passed)
    _write(result.render(getattr(args, "format", "text"), paper=getattr(args, "paper", None)))
    return _exit(result.passed)


def _check_rnn(args: argparse.Namespace) -> int:
    return _run_rnn(args, only_check=True)


def _export_rnn(args: argparse.Namespace) -> int:
    from symbp.torchcheck.rnn_check import torch_script

    return _write_script(args, torch_script(_rnn_spec(args)))


def _rnn_spec(args: argparse.Namespace) -> RnnSpec:
    from symbp.core.rnn_spec import load_rnn_spec

    spec = load_rnn_spec(args.spec)
    assert spec is not None  # the kind is a recurrent network's
    return spec


def _hand_rnn(args: argparse.Namespace) -> int:
    """A recurrent network's homework."""
    from symbp.api.rnn_hand import check_rnn_hand
    from symbp.handcheck.recurrent import read_hand_file

    judged = check_rnn_hand(_rnn_spec(args), read_hand_file(args.file), args.lang)
    _write(judged.render(args.format))
    return _exit(judged.passed)


def _exercise_rnn(args: argparse.Namespace) -> int:
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
        inputs=_span(args, "inputs"),
        targets=_span(args, "targets"),
        weights=_span(args, "weights"),
    ).write(args.out)
    _write(written.render("text"))
    return EXIT_OK


# --- convolutional and recurrent networks alike -------------------------------------------


def _step_fit(args: argparse.Namespace) -> int:
    """One update of a convolutional or recurrent network: the run's table of one round."""
    if args.format == "mathml":
        raise SymbpError(
            "step --format mathml is for dense networks; a convolutional or recurrent "
            "network's step prints text, json, latex, markdown or html"
        )
    result = _fit(args, 1)
    _write(result.render(args.format))
    return _exit(result.passed)


def _train_fit(args: argparse.Namespace) -> int:
    result = _fit(args, args.steps)
    if args.plot is not None:
        result.plot(args.plot)
    _write(result.render(args.format))
    return _exit(result.passed)


def _fit(args: argparse.Namespace, steps: int | None) -> FitTraining:
    """The run, with torch.optim replaying its first rounds in a worker started before sympy
    loads (without torch installed, the run alone)."""
    from symbp.api.fit import fit, fit_plan, start_check
    from symbp.torchcheck.worker import torch_installed

    plan = fit_plan(args.spec, steps, args.lr, _optimizer(args.optimizer))
    check = torch_installed() and plan.checked_rounds > 0
    return fit(plan, start_check(plan) if check else None)


# --- shared by the kinds -------------------------------------------------------------------


def _optimizer(text: str | None) -> OptimizerSpec | None:
    """--optimizer: a name, or a TOML inline table read as data (never evaluated)."""
    if text is None:
        return None
    import tomllib

    # after argv is parsed: --help and usage errors load none of symbp
    from symbp.core.spec import parse_optimizer

    value: object = text.strip()
    if text.strip().startswith("{"):
        try:
            value = tomllib.loads(f"optimizer = {text}")["optimizer"]
        except tomllib.TOMLDecodeError as error:
            message = " ".join(str(error).split())
            raise SymbpError(f"--optimizer is not a valid TOML table: {message}") from None
    return parse_optimizer(value, "--optimizer")


def _write_script(args: argparse.Namespace, script: str) -> int:
    if args.output is None:
        _write(script)
    else:
        from pathlib import Path

        # after argv is parsed: --help and usage errors load none of symbp
        from symbp.files import write_atomic

        write_atomic(Path(args.output), script)
    return EXIT_OK


class _Kind(NamedTuple):
    """A kind of model: what a refusal calls it, and its handler for each command it has."""

    noun: str  # "a convolutional network"
    plural: str  # "convolutional networks"
    doc: str  # where its commands are described
    handlers: dict[str, Callable[[argparse.Namespace], int]]


_KINDS: dict[str, _Kind] = {
    "dense": _Kind(
        "a dense network",
        "dense networks",
        "README.md",
        {
            "derive": _derive_dense,
            "check": _check_dense,
            "step": _step_dense,
            "train": _train_dense,
            "handout": _handout_dense,
            "export": _export_dense,
            "check-hand": _hand_dense,
            "exercise": _exercise_dense,
        },
    ),
    "circuit": _Kind(
        "an expression",
        "expressions",
        "docs/circuits.md",
        {
            "derive": _derive_circuit,
            "handout": _handout_circuit,
            "export": _export_circuit,
            "check-hand": _hand_circuit,
            "exercise": _exercise_dense,
        },
    ),
    "conv": _Kind(
        "a convolutional network",
        "convolutional networks",
        "docs/conv.md",
        {
            "derive": _run_conv,
            "check": _run_conv,
            "step": _step_fit,
            "train": _train_fit,
            "handout": _handout_conv,
            "export": _export_conv,
            "check-hand": _hand_conv,
            "exercise": _exercise_conv,
        },
    ),
    "rnn": _Kind(
        "a recurrent network",
        "recurrent networks",
        "docs/rnn.md",
        {
            "derive": _run_rnn,
            "check": _check_rnn,
            "step": _step_fit,
            "train": _train_fit,
            "handout": _run_rnn,
            "export": _export_rnn,
            "check-hand": _hand_rnn,
            "exercise": _exercise_rnn,
        },
    ),
}


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


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
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        with warnings.catch_warnings():
            # numpy's overflow/invalid warnings: the result is judged (and refused with one
            # line) by symbp itself, so their multi-line text only garbles stderr
            warnings.simplefilter("ignore", RuntimeWarning)
            return int(args.run(args))
    except SymbpError as error:
        sys.stderr.write(f"symbp: error: {one_line(str(error))}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
