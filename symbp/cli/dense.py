"""The commands of a dense network (the built-in example, or a spec of layers)."""

from __future__ import annotations

import argparse

from symbp.cli.common import (
    EXIT_OK,
    comma_names,
    exit_status,
    optimizer,
    problem,
    report_notice,
    report_written,
    write,
    write_script,
)
from symbp.errors import SymbpError


def derive(args: argparse.Namespace) -> int:
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
            names = comma_names(given)
            if not names:
                raise SymbpError(f"--{option} needs a name, e.g. --{option} w1")
            setattr(args, option, names)
    names = args.wrt or args.weight
    if args.wrt and args.form == "matrix":
        raise SymbpError("--wrt derives one unit's ∂L/∂a: use it with --form scalar")
    with problem(args) as network_problem:  # leaving it stops a torch worker still running
        # after the spec is read: a file that cannot be read is the first thing to say
        if not args.all and not names and args.form == "scalar":
            raise SymbpError(
                "say which weight: --weight NAME (e.g. --weight w1), --wrt NAME or --all"
            )
        if not args.no_check:
            # torch starts in a worker while sympy works here
            network_problem.start_check(args.dtype, units=bool(args.wrt))
        if args.form == "scalar":  # derivations too long to print fail before the work
            # here, not at the top: sympy loads after the torch worker has started
            from symbp.core.derive import check_printable
            from symbp.near import resolve

            network = network_problem.network
            every = [w.name for w in network.weights] + [b.name for b in network.biases]
            weights = [resolve(name, every) or name for name in args.weight or every]
            check_printable(network, weights, args.format)
        result = network_problem.derivations(
            names,
            check=not args.no_check,
            dtype=args.dtype,
            digits=args.digits,
            form=args.form,
        )
    report_notice(result)
    for chunk in result.render_chunks(args.format, paper=args.paper):
        write(chunk)
    return exit_status(result.passed)


def check(args: argparse.Namespace) -> int:
    with problem(args) as network_problem:
        network_problem.start_check(args.dtype)
        result = network_problem.check(args.dtype)
    write(result.render(args.format))
    return exit_status(result.passed)


def step(args: argparse.Namespace) -> int:
    write(problem(args).step(args.lr, optimizer(args.optimizer)).render(args.format))
    return EXIT_OK


def train(args: argparse.Namespace) -> int:
    result = problem(args).train(args.steps, args.lr, optimizer=optimizer(args.optimizer))
    if args.plot is not None:
        result.plot(args.plot)
    write(result.render(args.format))
    return EXIT_OK


def handout(args: argparse.Namespace) -> int:
    show = None
    if args.show is not None:
        show = comma_names(args.show)
        if not show:
            raise SymbpError("--show needs parameter names, e.g. --show w1,w5")
    with problem(args) as network_problem:
        if not args.no_check:
            network_problem.start_check()
        result = network_problem.handout(
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
    report_written(result.write(args.output))
    return exit_status(result.passed)


def export(args: argparse.Namespace) -> int:
    from symbp.torchcheck.bridge import torch_script

    return write_script(args, torch_script(problem(args).spec))


def check_hand(args: argparse.Namespace) -> int:
    from symbp.api.problem import check_hand_file

    result = check_hand_file(args.file, args.spec, args.lr, args.lang, args.min_decimals)
    write(result.render(args.format))
    return exit_status(result.passed)
