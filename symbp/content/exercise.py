"""A class's exercises as documents: each student's worksheet (the problem and a blank per asked
quantity), each answer key (the answers at the asked decimals, then the variant's full handout),
and what `symbp exercise` reports when it has written them.

The worksheet reuses the handout's problem section (diagram, given numbers, activation, loss),
so a student's sheet and the teacher's key describe the network in the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from symbp.classroom.selfcheck import PageWords
from symbp.classroom.variants import ClassVariants, Variant
from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Document,
    Heading,
    Inlines,
    Math,
    Paragraph,
    Table,
    Text,
    sentence,
)
from symbp.content.handout import problem_blocks
from symbp.content.labels import labels, title
from symbp.content.mistakes import mistake_words
from symbp.content.names import Names, constant
from symbp.core.graph import Network
from symbp.core.operations import loss_info
from symbp.handcheck.mistakes import Mistake
from symbp.handcheck.quantities import QuantityTable

#: what a blank to write in looks like in every format (a table cell left empty has no line)
BLANK = "_" * 14


def quantity_node(network: Network, table: QuantityTable, key: str) -> E.Node:
    """An asked quantity's name as mathematics: z_{h1}, h_1, δ_{o1}, ∂L/∂w_1, w_1^+."""
    names = Names(network)
    quantity = table.by_key[key]
    if quantity.kind in ("forward", "loss", "delta", "given"):
        return names.sym(quantity.symbol)
    loss = names.of[network.loss]
    if quantity.kind == "upstream":
        return E.Partial(loss, names.of[network.units[key[len("dL/d") :]].a])
    if quantity.kind == "gradient":
        return names.partial(network.loss, network.parameter(key[len("dL/d") :]).symbol)
    if quantity.kind == "update":
        weight = names.of[network.parameter(key[: -len("_new")]).symbol]
        return E.Sym(E.Name(weight.base, weight.sub, "+", plain=key))
    weight = names.of[network.parameter(key[len("Δ") :]).symbol]
    return E.Sym(E.Name("Δ", weight, plain=key))


def answer_text(value: float, decimals: int) -> str:
    """An answer as the key writes it: fixed decimals (never -0.000: such draws are rejected)."""
    return f"{value:.{decimals}f}"


def worksheet_document(
    variant: Variant, exercise: ClassVariants, network: Network, table: QuantityTable, lang: str
) -> Document:
    """A student's worksheet: the problem with its diagram, the instructions and the blanks."""
    words = labels(lang)
    spec = variant.spec
    heading = title(spec.title, lang)
    decimals = exercise.settings.answer_decimals
    blocks: list[Block] = [Heading((Text(heading),), 1)]
    if variant.student.name:
        blocks.append(Paragraph(sentence(words["exercise_student"], variant.student.name)))
    eta = E.equals(E.Sym(E.Name("η", plain="η")), constant(spec.learning_rate))
    blocks.append(Paragraph(sentence(words["exercise_intro"], eta, str(decimals))))
    blocks += problem_blocks(network, 4, lang)
    blocks.append(Heading(sentence(words["exercise_answers"])))
    rows = tuple(
        ((Math(quantity_node(network, table, key)),), (Text(BLANK),)) for key in exercise.asked
    )
    header = ((Text(words["exercise_quantity"]),), (Text(words["exercise_answer"]),))
    blocks.append(Table(header, rows, align="ll"))
    blocks.append(Paragraph(sentence(words["exercise_submit"], ", ".join(("id", *exercise.asked)))))
    return Document(heading, lang, tuple(blocks))


def answers_blocks(
    variant: Variant, exercise: ClassVariants, network: Network, table: QuantityTable, lang: str
) -> list[Block]:
    """The key's first section: every asked quantity's answer at the asked decimals."""
    words = labels(lang)
    decimals = exercise.settings.answer_decimals
    rows = tuple(
        (
            (Math(quantity_node(network, table, key)),),
            (Text(answer_text(variant.answers[key], decimals)),),
        )
        for key in exercise.asked
    )
    header = ((Text(words["exercise_quantity"]),), (Text(words["exercise_answer"]),))
    return [
        Heading(sentence(words["exercise_key_answers"])),
        Paragraph(sentence(words["exercise_key_intro"], str(decimals))),
        Table(header, rows, align="lr"),
    ]


def key_document(
    variant: Variant,
    exercise: ClassVariants,
    network: Network,
    table: QuantityTable,
    handout: Document,
    lang: str,
) -> Document:
    """A student's answer key: the answers, then the full handout of their variant."""
    words = labels(lang)
    key_title = words["exercise_key_title"].replace("{}", title(variant.spec.title, lang))
    rest = handout.blocks[1:] if handout.blocks and isinstance(handout.blocks[0], Heading) else ()
    blocks: list[Block] = [Heading((Text(key_title),), 1)]
    if variant.student.name:
        blocks.append(Paragraph(sentence(words["exercise_student"], variant.student.name)))
    blocks += answers_blocks(variant, exercise, network, table, lang)
    blocks += rest
    return Document(key_title, lang, tuple(blocks))


def counted(count: int, noun: str) -> str:
    """'1 decimal', '4 decimals': a count with its noun in the singular or the plural."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary_blocks(exercise: ClassVariants, written: Sequence[str]) -> tuple[Block, ...]:
    """What `symbp exercise` says it did: how many variants, what they ask, what was redrawn."""
    settings = exercise.settings
    variants = exercise.variants
    targets = (
        "a class drawn per student"
        if loss_info(exercise.base.loss).class_targets
        else f"targets {settings.targets}"
    )
    lines = [
        f"{counted(len(variants), 'variant')} of {exercise.base.title} (seed {settings.seed}): "
        f"{len(exercise.asked)} quantities asked to "
        f"{counted(settings.answer_decimals, 'decimal')}, given "
        f"numbers at {counted(settings.decimals, 'decimal')} (inputs {settings.inputs}, {targets}, "
        f"weights {settings.weights})."
    ]
    if exercise.rejections:
        reasons = "; ".join(f"{n} with {reason}" for reason, n in exercise.rejections.items())
        lines.append(f"Draws rejected as poor exercises: {reasons}.")
    similar = [v.student.id for v in variants if v.similar_redraws]
    if similar:
        lines.append(
            "Redrawn as too similar to an earlier student's numbers: " + ", ".join(similar) + "."
        )
    lines += [f"Wrote {item}." for item in written]
    return tuple(Paragraph((Text(line),)) for line in lines)


@dataclass(frozen=True)
class SelfCheckPage:
    """A student's self-check page as content: the problem as on the worksheet, and one blank
    per asked quantity (its key and its name as mathematics); the format adds the form."""

    title: str
    lang: str
    blocks: tuple[Block, ...]
    rows: tuple[tuple[str, Math], ...]


def selfcheck_words(exercise_title: str, lang: str, render: Callable[[Inlines], str]) -> PageWords:
    """What a self-check page's script says: the title, its labels, the mistakes' words, their
    formulas printed by `render` (a format's: the page's script shows check-hand's text)."""
    words = labels(lang)

    def said(mistake: Mistake) -> dict[str, str]:
        found = mistake_words(mistake, lang)
        return {
            "title": found.title,
            "sentence": render(found.sentence),
            "wrong": render(found.wrong),
            "right": render(found.right),
        }

    return PageWords(
        title(exercise_title, lang),
        {k: v for k, v in words.items() if k.startswith(("selfcheck_", "hand_"))},
        said,
    )


def selfcheck_page(
    variant: Variant,
    exercise: ClassVariants,
    network: Network,
    table: QuantityTable,
    lang: str,
    mode: str = "full",
) -> SelfCheckPage:
    words = labels(lang)
    spec = variant.spec
    heading = title(spec.title, lang)
    eta = E.equals(E.Sym(E.Name("η", plain="η")), constant(spec.learning_rate))
    blocks: list[Block] = [Heading((Text(heading),), 1)]
    blocks.append(
        Paragraph(sentence(words["exercise_intro"], eta, str(exercise.settings.answer_decimals)))
    )
    intro = "selfcheck_intro_consistency" if mode == "consistency" else "selfcheck_intro"
    blocks.append(Paragraph(sentence(words[intro])))
    blocks += problem_blocks(network, 4, lang)
    blocks.append(Heading(sentence(words["exercise_answers"])))
    rows = tuple((key, Math(quantity_node(network, table, key))) for key in exercise.asked)
    return SelfCheckPage(heading, lang, tuple(blocks), rows)


def quiz_blocks(variant: Variant, exercise: ClassVariants, lang: str) -> tuple[Block, ...]:
    """What a quiz question says before its blanks: the worksheet's instructions and problem."""
    words = labels(lang)
    spec = variant.spec
    network = Network(spec)
    eta = E.equals(E.Sym(E.Name("η", plain="η")), constant(spec.learning_rate))
    decimals = str(exercise.settings.answer_decimals)
    return (
        Paragraph(sentence(words["exercise_intro"], eta, decimals)),
        *problem_blocks(network, 4, lang),
    )
