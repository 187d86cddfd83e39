"""Results that are tables: the check against torch, one gradient step, a training run."""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import Block, Heading, Inlines, Math, Paragraph, Table, Text, sentence
from symbp.content.labels import labels, title
from symbp.content.names import Names
from symbp.content.numbers import difference, given, result
from symbp.content.optimizer import state_symbol
from symbp.core.graph import Network
from symbp.core.numeric import Evaluation
from symbp.core.train import TrainingRun
from symbp.errors import UnknownWeightError
from symbp.torchcheck.results import CheckResult


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
            _cell(words[("ok_kink" if row.kink else "ok") if row.passed else "fail"]),
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
        *kink_notes(check, lang),
        Paragraph(_cell(summary)),
    )


def kink_notes(check: CheckResult, lang: str = "en") -> tuple[Paragraph, ...]:
    """One note per unit at a kink whose central differences were not compared."""
    words = labels(lang)
    by_unit: dict[str, list[str]] = {}
    for row in check.weights:
        if row.kink and row.passed:
            by_unit.setdefault(row.kink, []).append(row.name)
    return tuple(
        Paragraph(sentence(words["fd_at_kink"], unit, ", ".join(names)))
        for unit, names in by_unit.items()
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
        Heading(sentence(words["step_title"], title(network.spec.title, lang), eta), 1),
        Paragraph(
            sentence(
                words["loss_before"],
                E.equals(loss, E.Num(evaluation.loss, result(evaluation.loss))),
            )
        ),
        Table(header, tuple(rows), align="lrrr"),
        Paragraph(sentence(words["loss_after"], E.equals(loss, E.Num(new_loss, result(new_loss))))),
    )


def training_blocks(
    run: TrainingRun, title: str, initial: str = "given", lang: str = "en"
) -> tuple[Block, ...]:
    """One row per step: the loss and every parameter before that step's update; then, for an
    optimizer with state (momentum, Adam's moments), that state per step in a table of its own."""
    words = labels(lang)
    count = len(run.steps) - 1
    eta = E.equals(
        E.Sym(E.Name("η", plain="η")), E.Num(run.learning_rate, given(run.learning_rate))
    )
    rule = run.rule
    one = "_one" if count == 1 else ""
    if rule is None or rule.optimizer.is_plain_sgd:
        heading = sentence(words["training_title_plain" + one], title, str(count), eta)
    else:
        heading = sentence(words["training_title" + one], title, str(count), rule.description, eta)
    blocks: list[Block] = [Heading(heading, 1)]
    if initial != "given":
        blocks.append(Paragraph(sentence(words["initial_weights_train"], initial)))
    header = (_cell(words["step"]), _cell(words["loss_column"]), *(_cell(n) for n in run.names))
    rows = [
        (
            _cell(str(step.step)),
            _cell(result(step.loss)),
            *(_cell(result(p)) for p in step.parameters),
        )
        for step in run.steps
    ]
    blocks.append(Table(header, tuple(rows), align="r" * len(header)))
    for variable in rule.state if rule is not None else ():
        state_header = (_cell(words["step"]), *(_cell(n) for n in run.names))
        state_rows = []
        for step in run.steps:
            values = step.state.buffer(variable.key)
            cells = (
                tuple(_cell("") for _ in run.names)
                if values is None
                else tuple(_cell(result(v)) for v in values)
            )
            state_rows.append((_cell(str(step.step)), *cells))
        symbol = state_symbol(variable.current)
        blocks.append(Paragraph(sentence(words["training_state"], symbol)))
        blocks.append(Table(state_header, tuple(state_rows), align="r" * len(state_header)))
    blocks.append(
        Paragraph(
            sentence(
                words["training_end"],
                result(run.losses[0]),
                result(run.losses[-1]),
                str(count),
            )
        )
    )
    return tuple(blocks)
