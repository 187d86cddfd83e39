"""The command line: the only place that prints and exits.

Every library error (SymbpError) becomes one line on stderr and exit status 2; argparse's own
usage errors are shortened to one line as well.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from symbp import __version__
from symbp.errors import SymbpError

if TYPE_CHECKING:
    from symbp.numeric import Evaluation
    from symbp.spec import NetworkSpec
    from symbp.torch_worker import Pending

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
        parents=[spec_options, format_options],
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
        parents=[spec_options],
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
    return parser


def _load(path: str | None) -> NetworkSpec:
    from symbp.spec import default_spec, load_spec

    return default_spec() if path is None else load_spec(path)


def _start_torch(spec: NetworkSpec, dtype: str) -> Pending | None:
    """The torch side of the check, started now in a worker (None when torch is missing)."""
    from symbp.torch_worker import TorchMissingError, start_torch_check

    try:
        return start_torch_check(spec, dtype)
    except TorchMissingError:
        return None


def _run_derive(args: argparse.Namespace) -> int:
    if not args.all and not args.weight:
        raise SymbpError("say which weight: --weight NAME (e.g. --weight w1) or --all")
    spec = _load(args.spec)
    pending = None if args.no_check else _start_torch(spec, args.dtype)
    with pending or contextlib.nullcontext():
        return _derive(args, spec, pending)


def _derive(args: argparse.Namespace, spec: NetworkSpec, pending: Pending | None) -> int:
    from symbp.derive import backward_sweep, derive, derive_bias
    from symbp.graph import Network
    from symbp.numeric import CompiledNetwork

    network = Network(spec)
    bias_names = {b.name for b in network.biases}
    if args.all:
        names = [w.name for w in network.weights] + [b.name for b in network.biases]
    else:
        names = args.weight
    for name in names:
        if name not in bias_names:
            network.weight(name)  # unknown names fail before any work
    sweep = backward_sweep(network)
    compiled = CompiledNetwork(network, sweep)
    evaluation = compiled.evaluate()
    derivations = tuple(
        derive(network, name, sweep=sweep) for name in names if name not in bias_names
    )
    biases = tuple(derive_bias(network, name, sweep=sweep) for name in names if name in bias_names)
    _import_renderer(args.format)  # all the work but the check's, before waiting for torch
    check = None
    fd_agrees = True
    if pending is not None:
        from symbp.torch_check import check as torch_check

        finite_differences = compiled.finite_differences()
        check = torch_check(evaluation, finite_differences, args.dtype, pending.result())
    elif not args.no_check:
        fd_agrees = _finite_differences_only(evaluation, compiled.finite_differences(), names)
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
    if check is not None:
        return EXIT_OK if check.passed else EXIT_MISMATCH
    return EXIT_OK if fd_agrees else EXIT_MISMATCH


def _import_renderer(fmt: str) -> None:
    """Load the modules that will print the output (while torch still starts elsewhere)."""
    if fmt in ("latex", "mathml", "markdown", "html"):
        import symbp.render.html
        import symbp.render.latex
        import symbp.render.markdown
        import symbp.render.rich  # noqa: F401

        if fmt in ("mathml", "html"):
            import latex2mathml.converter  # noqa: F401
    elif fmt == "json":
        import symbp.render.json  # noqa: F401
    else:
        import symbp.render.text  # noqa: F401


def _finite_differences_only(
    evaluation: Evaluation, finite_differences: Sequence[float], names: Sequence[str]
) -> bool:
    """Without torch: compare the derived gradients with finite differences, say so on stderr."""
    from symbp.torch_check import finite_difference_agrees
    from symbp.torch_worker import INSTALL_HINT

    parameter_names = [parameter.name for parameter in evaluation.network.parameters]
    gradients = dict(zip(parameter_names, evaluation.gradients, strict=True))
    by_fd = dict(zip(parameter_names, finite_differences, strict=True))
    checked = [name for name in names if name in by_fd]  # a fixed bias has no gradient step
    if not checked:
        return True
    largest = max(abs(gradients[name] - by_fd[name]) for name in checked)
    agrees = all(
        finite_difference_agrees(gradients[name], by_fd[name], evaluation.loss) for name in checked
    )
    verdict = "agree" if agrees else "DISAGREE"
    sys.stderr.write(
        f"symbp: torch is not installed: checked by central finite differences only, which "
        f"{verdict} (largest |difference| {largest:.1e}); for the torch check: {INSTALL_HINT}\n"
    )
    return agrees


def _run_check(args: argparse.Namespace) -> int:
    from symbp.torch_worker import start_torch_check

    spec = _load(args.spec)
    with start_torch_check(spec, args.dtype) as pending:
        from symbp.graph import Network
        from symbp.numeric import CompiledNetwork
        from symbp.torch_check import check as torch_check

        network = Network(spec)
        compiled = CompiledNetwork(network)
        evaluation = compiled.evaluate()
        finite_differences = compiled.finite_differences()
        result = torch_check(evaluation, finite_differences, args.dtype, pending.result())
    if args.format == "json":
        from symbp.render import json as render_json

        _write(render_json.render_check(result, network.spec.title))
    else:
        from symbp.render import text as render_text

        _write(render_text.render_check(result, network.spec.title))
    return EXIT_OK if result.passed else EXIT_MISMATCH


def _run_step(args: argparse.Namespace) -> int:
    import math

    from symbp.graph import Network
    from symbp.numeric import CompiledNetwork, updated_weights

    network = Network(_load(args.spec))
    rate = network.spec.learning_rate if args.lr is None else args.lr
    if not math.isfinite(rate):
        raise SymbpError(f"--lr must be a finite number, not {rate}")
    compiled = CompiledNetwork(network)
    evaluation = compiled.evaluate()
    new_weights = updated_weights(evaluation, rate)
    new_loss = compiled.evaluate(weights=new_weights).loss
    if args.format == "json":
        from symbp.render import json as render_json

        _write(render_json.render_step(evaluation, new_weights, new_loss, rate))
    else:
        from symbp.render import text as render_text

        _write(render_text.render_step(evaluation, new_weights, new_loss, rate, network.spec.title))
    return EXIT_OK


def _run_handout(args: argparse.Namespace) -> int:
    from symbp.torch_worker import start_torch_check

    if not 1 <= args.digits <= 15:
        raise SymbpError(f"--digits must be between 1 and 15, not {args.digits}")
    spec = _load(args.spec)
    with start_torch_check(spec) as pending:
        from symbp.files import write_atomic
        from symbp.render.handout import (
            compute_handout,
            handout_document,
            handout_format,
            render_handout,
        )

        fmt = handout_format(args.output)
        _import_renderer(fmt)  # while torch still starts elsewhere
        data = compute_handout(spec, pending)
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
    run = train(CompiledNetwork(network), steps, rate)
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


def run() -> NoReturn:
    """The `symbp` command: main(), then exit at once.

    A normal exit would tear down every object sympy and its caches made, a tenth of a second
    spent after the answer is printed; the output is flushed and the files are written, so
    there is nothing left to clean up.
    """
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(status)


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
