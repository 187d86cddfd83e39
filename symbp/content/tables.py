"""Results that are tables: the check against torch, one gradient step, a training run."""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import Block, Heading, Inlines, Math, Paragraph, Table, Text, sentence
from symbp.content.labels import labels
from symbp.content.names import Names
from symbp.content.numbers import difference, given, result
from symbp.errors import UnknownWeightError
from symbp.graph import Network
from symbp.numeric import Evaluation
from symbp.torch_check import CheckResult
from symbp.train import TrainingRun


def _cell(value: str) -> Inlines:
    return (Text(value),)


def parameter_cell(names: Names | None, name: str) -> Inlines:
    """A parameter's name in a table: written as in the formulas (w⁽¹⁾₂₁), typed in text."""
    if names is None:
        return (Text(name),)
    network = names.network
    # a lookup, not a dictionary of every weight per row: a check table of 20,000 weights
    # spent 80 s building them
    for bias in network.biases:
        if bias.name == name:
            return (Math(names.sym(bias.symbol)),)
    try:
        return (Math(names.sym(network.weight(name).symbol)),)
    except UnknownWeightError:
        return (Text(name),)


def check_blocks(
    check: CheckResult, title: str, lang: str = "en", names: Names | None = None
) -> tuple[Block, ...]:
    """Every parameter's gradient three ways (symbp, torch, finite differences), and the loss."""
    words = labels(lang)
    header = tuple(
        _cell(text)
        for text in (
            words["parameter"],
            words["symbolic"],
            f"{words['torch']} ({check.dtype})",
            words["finite_difference"],
            words["largest_difference"],
            words["verdict"],
        )
    )
    rows = [
        (
            parameter_cell(names, row.name),
            _cell(result(row.symbolic)),
            _cell(result(row.torch)),
            _cell(result(row.finite_difference)),
            _cell(difference(row.largest_difference)),
            _cell(words["ok" if row.passed else "fail"]),
        )
        for row in check.weights
    ]
    rows.append(
        (
            _cell("L"),
            _cell(result(check.loss_symbolic)),
            _cell(result(check.loss_torch)),
            _cell(""),
            _cell(difference(abs(check.loss_symbolic - check.loss_torch))),
            _cell(words["ok" if check.loss_passed else "fail"]),
        )
    )
    failed = sum(not r.passed for r in check.weights) + (not check.loss_passed)
    summary = (
        words["all_agree_short"] if check.passed else words["mismatches"].replace("{}", str(failed))
    )
    return (
        Heading(sentence(words["check_title"], title, check.torch_version), 1),
        Table(header, tuple(rows), align="lrrrrl"),
        Paragraph(_cell(summary)),
    )


def step_blocks(
    evaluation: Evaluation,
    new_parameters: tuple[float, ...],
    new_loss: float,
    learning_rate: float,
    lang: str = "en",
) -> tuple[Block, ...]:
    """One gradient-descent update: the loss before and after, each gradient, each new value."""
    words = labels(lang)
    network: Network = evaluation.network
    loss = E.Sym(E.Name("L", plain="L"))
    header = tuple(
        _cell(text)
        for text in (words["parameter"], words["value"], words["gradient"], words["new_value"])
    )
    names = Names(network)
    rows = [
        (
            (Math(names.sym(p.symbol)),),
            _cell(result(p.value)),
            _cell(result(g)),
            _cell(result(new)),
        )
        for p, g, new in zip(network.parameters, evaluation.gradients, new_parameters, strict=True)
    ]
    eta = E.equals(E.Sym(E.Name("η", plain="η")), E.Num(learning_rate, given(learning_rate)))
    return (
        Heading(sentence(words["step_title"], network.spec.title, eta), 1),
        Paragraph(
            sentence(
                words["loss_before"],
                E.equals(loss, E.Num(evaluation.loss, result(evaluation.loss))),
            )
        ),
        Table(header, tuple(rows), align="lrrr"),
        Paragraph(sentence(words["loss_after"], E.equals(loss, E.Num(new_loss, result(new_loss))))),
    )


def training_blocks(run: TrainingRun, title: str, initial: str = "given") -> tuple[Block, ...]:
    """One row per step: the loss and every parameter before that step's update."""
    count = len(run.steps) - 1
    eta = E.equals(
        E.Sym(E.Name("η", plain="η")), E.Num(run.learning_rate, given(run.learning_rate))
    )
    plural = "s" if count != 1 else ""
    blocks: list[Block] = [
        Heading(
            (Text(f"{title}: {count} gradient-descent step{plural}, learning rate "), Math(eta)), 1
        )
    ]
    if initial != "given":
        blocks.append(Paragraph(_cell(f"Initial weights: {initial}.")))
    header = (_cell("step"), _cell("loss"), *(_cell(name) for name in run.names))
    rows = [
        (
            _cell(str(step.step)),
            _cell(result(step.loss)),
            *(_cell(result(p)) for p in step.parameters),
        )
        for step in run.steps
    ]
    blocks.append(Table(header, tuple(rows), align="r" * len(header)))
    blocks.append(
        Paragraph(
            _cell(
                f"loss {result(run.losses[0])} → {result(run.losses[-1])} "
                f"(row {count} is after the last update)"
            )
        )
    )
    return tuple(blocks)
