"""A class's circuit exercises as documents: each student's worksheet (the gates, their input
values, a blank per asked value or gradient), each answer key (the answers, then the variant's
whole derivation), the self-check page's content, and what `symbp exercise` reports.
"""

from __future__ import annotations

from collections.abc import Sequence

from symbp.classroom.circuit_variants import CircuitClass, CircuitVariant, quantity_keys
from symbp.content.blocks import Block, Document, Heading, Math, Paragraph, Table, Text, sentence
from symbp.content.circuit import circuit_blocks, objective_math, problem_blocks, quantity_math
from symbp.content.exercise import BLANK, SelfCheckPage, answer_text, counted
from symbp.content.labels import labels, title
from symbp.handcheck.circuit import MISTAKES


def quantity_node(variant: CircuitVariant, key: str) -> Math:
    symbol, gradient = quantity_keys(variant.circuit)[key]
    return Math(quantity_math(variant.derivation, symbol, gradient))


def _head(variant: CircuitVariant, exercise: CircuitClass, lang: str, intro: str) -> list[Block]:
    words = labels(lang)
    heading = title(variant.circuit.title, lang)
    blocks: list[Block] = [Heading((Text(heading),), 1)]
    if variant.student.name:
        blocks.append(Paragraph(sentence(words["exercise_student"], variant.student.name)))
    decimals = str(exercise.settings.answer_decimals)
    if intro == "circuit_exercise_intro":
        objective = objective_math(variant.derivation)
        blocks.append(Paragraph(sentence(words[intro], objective, decimals)))
    else:
        blocks.append(Paragraph(sentence(words[intro])))
    return blocks


def worksheet_document(variant: CircuitVariant, exercise: CircuitClass, lang: str) -> Document:
    """A student's worksheet: the gates and the input values, the instructions and blanks."""
    words = labels(lang)
    blocks = _head(variant, exercise, lang, "circuit_exercise_intro")
    blocks += problem_blocks(variant.derivation, lang)
    blocks.append(Heading(sentence(words["exercise_answers"])))
    rows = tuple(((quantity_node(variant, key),), (Text(BLANK),)) for key in exercise.asked)
    header = ((Text(words["exercise_quantity"]),), (Text(words["exercise_answer"]),))
    blocks.append(Table(header, rows, align="ll"))
    blocks.append(Paragraph(sentence(words["exercise_submit"], ", ".join(("id", *exercise.asked)))))
    return Document(title(variant.circuit.title, lang), lang, tuple(blocks))


def key_document(variant: CircuitVariant, exercise: CircuitClass, lang: str) -> Document:
    """A student's answer key: every asked answer, then the variant's whole derivation."""
    words = labels(lang)
    key_title = words["exercise_key_title"].replace("{}", title(variant.circuit.title, lang))
    decimals = exercise.settings.answer_decimals
    blocks: list[Block] = [Heading((Text(key_title),), 1)]
    if variant.student.name:
        blocks.append(Paragraph(sentence(words["exercise_student"], variant.student.name)))
    rows = tuple(
        ((quantity_node(variant, key),), (Text(answer_text(variant.answers[key], decimals)),))
        for key in exercise.asked
    )
    header = ((Text(words["exercise_quantity"]),), (Text(words["exercise_answer"]),))
    blocks += [
        Heading(sentence(words["exercise_key_answers"])),
        Paragraph(sentence(words["circuit_exercise_key_intro"], str(decimals))),
        Table(header, rows, align="lr"),
    ]
    blocks += circuit_blocks(variant.derivation, lang, 4, None, (), words["circuit_title"])
    return Document(key_title, lang, tuple(blocks))


def selfcheck_page(variant: CircuitVariant, exercise: CircuitClass, lang: str) -> SelfCheckPage:
    """A student's self-check page as content: the worksheet's problem and a blank per asked
    quantity (the format adds the form)."""
    words = labels(lang)
    blocks = _head(variant, exercise, lang, "circuit_exercise_intro")
    blocks.append(Paragraph(sentence(words["circuit_selfcheck_intro"])))
    blocks += problem_blocks(variant.derivation, lang)
    blocks.append(Heading(sentence(words["exercise_answers"])))
    rows = tuple((key, quantity_node(variant, key)) for key in exercise.asked)
    return SelfCheckPage(title(variant.circuit.title, lang), lang, tuple(blocks), rows)


def page_labels(lang: str) -> dict[str, str]:
    """The words the circuit self-check page's script says."""
    words = labels(lang)
    said = {
        k: v
        for k, v in words.items()
        if k.startswith(("selfcheck_", "circuit_hand_")) and not k.startswith("selfcheck_intro")
    }
    said["hand_too_few_decimals"] = words["hand_too_few_decimals"]
    return said | {f"mistake_{m}": words[f"mistake_{m}"] for m in MISTAKES}


def summary_blocks(exercise: CircuitClass, written: Sequence[str]) -> tuple[Block, ...]:
    """What `symbp exercise` says it did for a circuit."""
    settings = exercise.settings
    base = exercise.base
    shown = base.title or "; ".join(base.statements)
    lines = [
        f"{counted(len(exercise.variants), 'variant')} of {shown} (seed {settings.seed}): "
        f"{len(exercise.asked)} quantities asked to "
        f"{counted(settings.answer_decimals, 'decimal')}, input "
        f"values at {counted(settings.decimals, 'decimal')} in {settings.inputs}."
    ]
    if exercise.rejections:
        reasons = "; ".join(f"{n} with {reason}" for reason, n in exercise.rejections.items())
        lines.append(f"Draws rejected as poor exercises: {reasons}.")
    lines += [f"Wrote {item}." for item in written]
    return tuple(Paragraph((Text(line),)) for line in lines)
