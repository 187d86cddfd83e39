"""The command line: the only place that prints and exits.

Every library error (SymbpError) becomes one line on stderr and exit status 2; argparse's own
usage errors are shortened to one line as well.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from symbp import __version__
from symbp.errors import SymbpError

if TYPE_CHECKING:
    from symbp.graph import Network
    from symbp.spec import NetworkSpec, OptimizerSpec

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _build_parser() -> argparse.ArgumentParser:
    spec_options = _Parser(add_help=False)
    spec_options.add_argument(
        "--spec",
        metavar="FILE",
        help="network description (.toml or .json); default: the MOOC 8.3 example",
    )
    format_options = _Parser(add_help=False)
    format_options.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    derive_format_options = _Parser(add_help=False)
    derive_format_options.add_argument(
        "--format",
        choices=("text", "latex", "mathml", "markdown", "html", "json"),
        default="text",
        help="output format (default: text)",
    )
    dtype_options = _Parser(add_help=False)
    dtype_options.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="precision of the torch autograd check (default: float64)",
    )

    optimizer_options = _Parser(add_help=False)
    optimizer_options.add_argument(
        "--optimizer",
        metavar="SPEC",
        help="optimizer (default: the spec's): sgd, adam or adamw with torch's defaults, or a "
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
        parents=[spec_options, derive_format_options, dtype_options],
        help="derive ∂L/∂w for one weight or all, step by step",
        description="Derive ∂L/∂w: the chain-rule paths, each local derivative as "
        "symbol = formula = numbers = value, the δ form, the closed form, the value, "
        "and its agreement with torch autograd.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp derive --weight w1\n  symbp derive --all --format json\n"
        "  symbp derive --weight w5 --spec examples/mooc_8_3.toml --no-check",
    )
    which = derive.add_mutually_exclusive_group()
    which.add_argument(
        "--weight", metavar="NAME", action="append", help="weight to derive (repeatable), e.g. w1"
    )
    which.add_argument("--all", action="store_true", help="derive every weight")
    which.add_argument(
        "--wrt",
        metavar="NAME",
        action="append",
        help="derive ∂L/∂NAME for a unit's value (repeatable): an input x1, a hidden h1 or an "
        "output o1 (text or json), or any weight or bias",
    )
    derive.add_argument(
        "--no-check", action="store_true", help="skip the torch check (torch is not imported)"
    )
    derive.set_defaults(run=_run_derive)

    check = commands.add_parser(
        "check",
        parents=[spec_options, format_options, dtype_options],
        help="every gradient against torch autograd and finite differences",
        description="A table of every weight: symbolic value, torch autograd, central finite "
        "difference, largest difference, pass/fail; and the loss. Exit status 1 on any mismatch.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp check\n  symbp check --dtype float32 --format json",
    )
    check.set_defaults(run=_run_check)

    step = commands.add_parser(
        "step",
        parents=[spec_options, format_options, optimizer_options],
        help="one gradient-descent update",
        description="One gradient-descent step w ← w − η·∂L/∂w: the loss before and after, "
        "every gradient and every updated weight.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp step\n  symbp step --lr 0.5",
    )
    step.add_argument("--lr", type=float, metavar="ETA", help="learning rate (default: the spec's)")
    step.set_defaults(run=_run_step)

    handout = commands.add_parser(
        "handout",
        parents=[spec_options],
        help="write a complete derivation handout (.html, .tex or .md)",
        description="Write a self-contained handout: the network diagram, the forward pass, "
        "the backward pass for every weight, the update step and a check against torch "
        "autograd. The format follows the file's extension: .html (MathML, works offline), "
        ".tex (pdflatex for en, xelatex for zh) or .md.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp handout -o handout.html\n"
        "  symbp handout -o handout.tex --lang zh --digits 6",
    )
    handout.add_argument("-o", "--output", metavar="FILE", required=True, help="file to write")
    handout.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the prose (default: en)"
    )
    handout.add_argument(
        "--digits",
        type=int,
        default=4,
        metavar="N",
        help="significant digits of displayed values, 1 to 15 (default: 4)",
    )
    handout.set_defaults(run=_run_handout)

    check_hand = commands.add_parser(
        "check-hand",
        parents=[spec_options],
        help="judge a student's hand calculation and name the mistake",
        description="Judge each number of a hand calculation at the precision it was written "
        "to, point at where the error entered, and name the classic mistake that reproduces "
        "the wrong numbers. FILE is TOML, JSON, or lines of 'name = value' (# comments). "
        "Exit status 0 all right, 1 something wrong, 2 the file could not be read.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp check-hand examples/hand_mooc_8_3.txt\n"
        "  symbp check-hand mine.toml --lr 0.5 --format json",
    )
    check_hand.add_argument("file", metavar="FILE", help="the hand calculation")
    check_hand.add_argument(
        "--format",
        choices=("text", "json", "markdown", "html"),
        default="text",
        help="output format (default: text)",
    )
    check_hand.add_argument(
        "--lr",
        type=float,
        metavar="ETA",
        help="learning rate (default: the file's, else the spec's)",
    )
    check_hand.set_defaults(run=_run_check_hand)

    train = commands.add_parser(
        "train",
        parents=[spec_options, optimizer_options],
        help="N gradient-descent updates: loss and parameters per step",
        description="Plain gradient descent (torch.optim.SGD without momentum) for N steps "
        "over all the spec's samples: the loss and every parameter per step as a table, JSON "
        "or CSV, and optionally the loss curve as a picture.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  symbp train --steps 100 --lr 0.5\n"
        "  symbp train --steps 50 --format csv --plot loss.svg",
    )
    train.add_argument("--steps", type=int, metavar="N", help="updates (default: the spec's)")
    train.add_argument(
        "--lr", type=float, metavar="ETA", help="learning rate (default: the spec's)"
    )
    train.add_argument(
        "--format", choices=("text", "json", "csv"), default="text", help="output format"
    )
    train.add_argument("--plot", metavar="FILE", help="draw the loss curve to FILE.png or .svg")
    train.set_defaults(run=_run_train)

    export = commands.add_parser(
        "export",
        parents=[spec_options],
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
    export.set_defaults(run=_run_export)
    return parser


def _load(path: str | None) -> NetworkSpec:
    from symbp.spec import default_spec, load_spec

    return default_spec() if path is None else load_spec(path)


def _run_derive(args: argparse.Namespace) -> int:
    from symbp.derive import backward_sweep, derive, derive_bias
    from symbp.graph import Network
    from symbp.numeric import CompiledNetwork

    if not args.all and not args.weight and not args.wrt:
        raise SymbpError("say which weight: --weight NAME (e.g. --weight w1) or --all")
    network = Network(_load(args.spec))
    bias_names = {b.name for b in network.biases}
    if args.all:
        names = [w.name for w in network.weights] + [b.name for b in network.biases]
    elif args.wrt:
        for name in args.wrt:
            _check_wrt_name(network, name)  # unknown names fail before any work
        units = [name for name in args.wrt if name in network.units]
        names = [name for name in args.wrt if name not in network.units]
        if units:
            if args.format not in ("text", "json"):
                raise SymbpError(
                    f"derive --wrt {units[0]} prints text or json for now, not {args.format}"
                )
            return _derive_units(network, args, units, names)
    else:
        names = args.weight
    for name in names:
        if name not in bias_names:
            network.weight(name)  # unknown names fail before any work
    sweep = backward_sweep(network)
    compiled = CompiledNetwork(network, sweep)
    evaluation = compiled.evaluate()
    check = None
    if not args.no_check:
        from symbp.torch_check import check as torch_check

        check = torch_check(evaluation, compiled.finite_differences(), args.dtype)
    derivations = tuple(
        derive(network, name, sweep=sweep) for name in names if name not in bias_names
    )
    biases = tuple(derive_bias(network, name, sweep=sweep) for name in names if name in bias_names)
    if args.format in ("latex", "mathml", "markdown", "html"):
        from symbp.render.rich import render_derivations

        derivation_of = {d.weight.name: d for d in derivations} | {b.bias.name: b for b in biases}
        ordered = tuple(derivation_of[name] for name in names)
        _write(render_derivations(ordered, evaluation, check, args.format))
    elif args.format == "json":
        from symbp.render import json as render_json

        _write(render_json.render_derivations(derivations, evaluation, check, biases))
    else:
        from symbp.render import text as render_text

        by_name = {
            d.weight.name: render_text.render_derivation(d, evaluation, check) for d in derivations
        }
        by_name |= {
            d.bias.name: render_text.render_bias_derivation(d, evaluation, check) for d in biases
        }
        _write("\n".join(by_name[name] for name in names))
    return EXIT_OK if check is None or check.passed else EXIT_MISMATCH


def _check_wrt_name(network: Network, name: str) -> None:
    """--wrt takes a unit, a weight or a bias: name them all when it is none of these."""
    from symbp.errors import UnknownWeightError

    known = (
        tuple(network.units)
        + tuple(w.name for w in network.weights)
        + tuple(b.name for b in network.biases)
    )
    if name not in known:
        raise UnknownWeightError(name, known)


def _derive_units(
    network: Network, args: argparse.Namespace, units: list[str], parameters: list[str]
) -> int:
    """derive --wrt: ∂L/∂a for units, and ∂L/∂p for any weights or biases named with them."""
    from symbp.api import Problem, UnitGradient
    from symbp.derive import derive, derive_bias
    from symbp.render import json as render_json
    from symbp.render import text as render_text
    from symbp.render import values

    problem = Problem(network.spec)
    network, evaluation = problem.network, problem.evaluation
    check = unit_checks = None
    if not args.no_check:
        from symbp.numeric import input_finite_differences
        from symbp.torch_check import check as torch_check
        from symbp.torch_check import check_units

        fd = input_finite_differences(problem.compiled)
        unit_checks = check_units(evaluation, fd, args.dtype)
        if parameters:
            check = torch_check(evaluation, problem.compiled.finite_differences(), args.dtype)
    derived = {
        name: UnitGradient(problem.derive_unit(name).derivation, evaluation, unit_checks)
        for name in units
    }
    bias_names = {b.name for b in network.biases}
    weights = {
        name: derive(network, name, sweep=problem.sweep)
        for name in parameters
        if name not in bias_names
    }
    biases = {
        name: derive_bias(network, name, sweep=problem.sweep)
        for name in parameters
        if name in bias_names
    }
    if args.format == "json":
        documents = tuple(
            values.unit_derivation_document(item.derivation, evaluation, item.check)
            for item in derived.values()
        )
        _write(
            render_json.render_derivations(
                tuple(weights.values()), evaluation, check, tuple(biases.values()), documents
            )
        )
    else:
        texts = {name: item.render("text") for name, item in derived.items()}
        texts |= {
            name: render_text.render_derivation(d, evaluation, check) for name, d in weights.items()
        }
        texts |= {
            name: render_text.render_bias_derivation(d, evaluation, check)
            for name, d in biases.items()
        }
        _write("\n".join(texts[name] for name in args.wrt))
    passed = (unit_checks is None or all(c.passed for c in unit_checks)) and (
        check is None or check.passed
    )
    return EXIT_OK if passed else EXIT_MISMATCH


def _optimizer(text: str | None) -> OptimizerSpec | None:
    """--optimizer: a name, or a TOML inline table read as data (never evaluated)."""
    if text is None:
        return None
    import tomllib

    from symbp.spec import parse_optimizer

    value: object = text.strip()
    if text.strip().startswith("{"):
        try:
            value = tomllib.loads(f"optimizer = {text}")["optimizer"]
        except tomllib.TOMLDecodeError as error:
            message = " ".join(str(error).split())
            raise SymbpError(f"--optimizer is not a valid TOML table: {message}") from None
    return parse_optimizer(value, "--optimizer")


def _run_export(args: argparse.Namespace) -> int:
    from symbp.torch_bridge import torch_script

    script = torch_script(_load(args.spec))
    if args.output is None:
        _write(script)
    else:
        from pathlib import Path

        from symbp.files import write_atomic

        write_atomic(Path(args.output), script)
    return EXIT_OK


def _run_check(args: argparse.Namespace) -> int:
    from symbp.graph import Network
    from symbp.numeric import CompiledNetwork
    from symbp.torch_check import check as torch_check

    network = Network(_load(args.spec))
    compiled = CompiledNetwork(network)
    result = torch_check(compiled.evaluate(), compiled.finite_differences(), args.dtype)
    if args.format == "json":
        from symbp.render import json as render_json

        _write(render_json.render_check(result, network.spec.title))
    else:
        from symbp.render import text as render_text

        _write(render_text.render_check(result, network.spec.title))
    return EXIT_OK if result.passed else EXIT_MISMATCH


def _run_step(args: argparse.Namespace) -> int:
    import math

    from symbp.api import Problem

    optimizer = _optimizer(args.optimizer)
    problem = Problem(_load(args.spec))
    rate = problem.spec.learning_rate if args.lr is None else args.lr
    if not math.isfinite(rate):
        raise SymbpError(f"--lr must be a finite number, not {rate}")
    _write(problem.step(rate, optimizer).render(args.format))
    return EXIT_OK


def _run_handout(args: argparse.Namespace) -> int:
    from symbp.files import write_atomic
    from symbp.render.handout import (
        compute_handout,
        handout_document,
        handout_format,
        render_handout,
    )

    fmt = handout_format(args.output)
    if not 1 <= args.digits <= 15:
        raise SymbpError(f"--digits must be between 1 and 15, not {args.digits}")
    data = compute_handout(_load(args.spec))
    document = handout_document(
        data.sweep, data.evaluation, data.check, data.new_loss, args.digits, args.lang
    )
    write_atomic(args.output, render_handout(document, fmt))
    return EXIT_OK if data.check.passed else EXIT_MISMATCH


def _run_check_hand(args: argparse.Namespace) -> int:
    from symbp.handcheck import check_hand_file

    report = check_hand_file(args.file, args.spec, args.lr)
    if args.format == "json":
        from symbp.render import hand_json

        _write(hand_json.render_hand_report(report))
    elif args.format in ("markdown", "html"):
        from symbp.render import hand_blocks

        _write(hand_blocks.render_hand_report(report, args.format))
    else:
        from symbp.render import hand_text

        _write(hand_text.render_hand_report(report))
    return EXIT_OK if report.all_right else EXIT_MISMATCH


def _run_train(args: argparse.Namespace) -> int:
    from symbp.graph import Network
    from symbp.numeric import CompiledNetwork
    from symbp.render import training
    from symbp.train import train

    network = Network(_load(args.spec))
    spec = network.spec
    if args.plot is not None and not args.plot.lower().endswith(training.PLOT_SUFFIXES):
        raise SymbpError(f"--plot file {args.plot!r} must end in .png or .svg")
    steps = spec.steps if args.steps is None else args.steps
    rate = spec.learning_rate if args.lr is None else args.lr
    run = train(CompiledNetwork(network), steps, rate, _optimizer(args.optimizer))
    if args.plot is not None:
        training.plot_loss_curve(run, spec.title, args.plot)
    if args.format == "json":
        _write(training.render_json(run, spec.title))
    elif args.format == "csv":
        _write(training.render_csv(run))
    else:
        _write(training.render_text(run, spec.title, spec.weight_init))
    return EXIT_OK


def _write(text: str) -> None:
    sys.stdout.write(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.run(args))
    except SymbpError as error:
        sys.stderr.write(f"symbp: error: {error}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
