"""The argument parser: every command, its options and its help; nothing of symbp is loaded
here beyond the version, so --help and usage errors start at once."""

from __future__ import annotations

import argparse
from typing import NoReturn

from symbp import __version__
from symbp.cli.common import EXIT_BAD_INPUT
from symbp.errors import one_line
from symbp.near import did_you_mean


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line: the user's text in them (an unknown option,
    a bad value) has its control characters escaped, so it cannot break the line or recolour
    the terminal."""

    def error(self, message: str) -> NoReturn:
        unknown = message.removeprefix("unrecognized arguments: ")
        if unknown != message:  # --weigth: the option meant, as argparse of Python 3.14 says
            options = [word.split("=")[0] for word in unknown.split() if word.startswith("--")]
            message += next(
                (said for said in (did_you_mean(o, self._options()) for o in options) if said), ""
            )
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def _options(self) -> list[str]:
        """Every long option of this parser and of its commands."""
        found = set(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for command in action.choices.values():
                    found |= set(command._option_string_actions)
        return sorted(option for option in found if option.startswith("--"))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            # every message argparse writes to stderr passes here (error() above included)
            message = one_line(message.rstrip("\n")) + "\n"
        super().exit(status, message)


def _shared(*flags: str, **settings: object) -> _Parser:
    """A parent parser holding one option that several commands take, defined once."""
    options = _Parser(add_help=False)
    options.add_argument(*flags, **settings)  # type: ignore[arg-type]
    return options


def build_parser() -> argparse.ArgumentParser:
    """symbp's parser; `args.command` names the command given (None: none)."""
    spec_options = _shared(
        "--spec",
        metavar="FILE",
        help="network description (.toml or .json); default: the MOOC 8.3 example",
    )
    format_options = _shared(
        "--format",
        choices=("text", "json", "latex", "mathml", "markdown", "html"),
        default="text",
        help="output format (default: text)",
    )
    derive_format_options = _shared(
        "--format",
        choices=("text", "latex", "mathml", "markdown", "html", "json"),
        default="text",
        help="output format (default: text)",
    )
    form_options = _shared(
        "--form",
        choices=("scalar", "matrix"),
        default="scalar",
        help="scalar: each weight's chain rule (default); matrix: every layer at once with "
        "matrices and vectors, z = Wa + b, δ = Wᵀδ ⊙ f′(z), ∂L/∂W = δaᵀ",
    )
    dtype_options = _shared(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="precision of the torch autograd check (default: float64)",
    )

    digits_options = _shared(
        "--digits",
        type=int,
        default=4,
        metavar="N",
        help="significant digits of displayed values, 1 to 15 (default: 4)",
    )
    paper_options = _shared(
        "--paper",
        choices=("a4", "letter"),
        default="a4",
        help="paper of LaTeX and HTML (print) output (default: a4)",
    )
    expression_options = _shared(
        "--expr",
        metavar="EXPRESSION",
        help="a computational graph instead of a network: assignments separated by ';' or "
        "newlines, e.g. 'q = x + y; f = q * z' (a spec holding expression = ... does the same)",
    )
    expression_options.add_argument(
        "--at", metavar="VALUES", help="the expression's input values, e.g. x=-2,y=5,z=-4"
    )
    optimizer_options = _shared(
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

    commands.add_parser(
        "check",
        parents=[spec_options, format_options, dtype_options],
        help="every gradient against torch autograd and finite differences",
        description="A table of every weight: symbolic value, torch autograd, central finite "
        "difference, largest difference, pass/fail; and the loss. Exit status 1 on any mismatch.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp check\n  symbp check --dtype float32 --format json",
    )

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
