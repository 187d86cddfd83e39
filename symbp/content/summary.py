"""The end of a handout for students: every gradient and update in one table at the handout's
precision (what a student compares a hand calculation with), then the check-your-understanding
questions (content/questions.py), an appendix with the 10-digit comparison against torch
autograd and finite differences (for the teacher, not the student), and last the questions'
answers, placed as the teacher chooses.

A condensed handout (a course-sized network) already has a table row for every parameter it
does not work in full, in its update section: it gets no second table of the same numbers.
"""

from __future__ import annotations

from dataclasses import replace

from symbp.content import expr as E
from symbp.content.blocks import Block, Heading, Inlines, Math, Paragraph, Table, Text, sentence
from symbp.content.derivation import first_update
from symbp.content.numbers import column_nums, hidden_changes
from symbp.content.questions import question_blocks
from symbp.content.worked import Worked
from symbp.core.derive import Backprop

WORDS = {
    "en": {
        "summary": "5. Every gradient and update",
        "summary_intro": "At {} significant digits, to compare a hand calculation with.",
        "summary_check": "Torch autograd agrees (10 digits in the appendix).",
        "parameter": "parameter",
        "value": "value",
        "new": "after the update",
        "appendix": "Appendix: verification against torch autograd",
        "gap": " ",
    },
    "zh": {
        "summary": "五、全部梯度与更新",
        "summary_intro": "{} 位有效数字，供与手算结果对照。",
        "summary_check": "torch 自动求导结果一致（10 位数字见附录）。",
        "parameter": "参数",
        "value": "数值",
        "new": "更新后",
        "appendix": "附录：与 torch 自动求导对照",
        "gap": "",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def summary_blocks(context: Worked, *, condensed: bool, checked: bool) -> list[Block]:
    """The table of every gradient and update (unless the update section has one, or works
    every update as an equation: `condensed`), and a sentence pointing at the appendix when
    torch checked the numbers."""
    said = words(context.lang)
    writer, network = context.writer, context.network
    evaluation = context.evaluation
    blocks: list[Block] = []
    if not condensed and network.spec.steps == 1:  # several steps: each has its own table
        new_values = first_update(evaluation).new_parameters
        p = E.Sym(E.Name("p", plain="p"))
        parameters = network.parameters
        # a column of changes Δp when some update is below the digits shown (old = new there)
        changed = hidden_changes([q.value for q in parameters], new_values, writer.digits)
        header: tuple[Inlines, ...] = (
            (Math(p),),
            (Text(said["value"]),),
            (Math(E.Partial(context.reduced.loss, p.name)),),
            *(((Math(E.Sym(E.Name("Δp", plain="Δp"))),),) if changed else ()),
            (Text(said["new"]),),
        )
        gradients = column_nums([evaluation.gradient(q.name) for q in parameters], writer.digits)
        changes = column_nums(
            [new - q.value for q, new in zip(parameters, new_values, strict=True)], writer.digits
        )
        news = column_nums(list(new_values), writer.digits)
        rows = [
            (
                (Math(context.reduced.sym(parameter.symbol)),),
                (Math(writer.given(parameter.value)),),
                (Math(gradient),),
                *(((Math(change),),) if changed else ()),
                (Math(new),),
            )
            for parameter, gradient, change, new in zip(
                parameters, gradients, changes, news, strict=True
            )
        ]
        blocks += [
            Heading(sentence(said["summary"])),
            Paragraph(
                sentence(said["summary_intro"], str(writer.digits))
                + ((Text(said["gap"]), *sentence(said["summary_check"])) if checked else ()),
                kind="lead",
            ),
            Table(header, tuple(rows), align="l" + "r" * (len(header) - 1)),
        ]
    return blocks


def appendix(blocks: list[Block], lang: str, *, passed: bool = False) -> list[Block]:
    """The verification section as the handout's appendix: its heading renamed, and its
    closing verdict left out when it passed (section 5 has said so)."""
    said = words(lang)
    renamed = [
        replace(block, parts=(Text(said["appendix"]),))
        if isinstance(block, Heading) and index == 0
        else block
        for index, block in enumerate(blocks)
    ]
    if passed and renamed and isinstance(renamed[-1], Paragraph):
        renamed = renamed[:-1]
    return renamed


def closing_blocks(
    context: Worked,
    sweep: Backprop,
    focus: str,
    verification: list[Block],
    condensed: bool,
    passed: bool = False,
    answers: str = "foot",
) -> list[Block]:
    """What follows the update: the table of every gradient and update, the questions with
    their answers, and the verification (if any) as an appendix; `passed`: torch agreed (the
    table then says so); `answers` places the answers (questions.ANSWER_PLACEMENTS)."""
    blocks = summary_blocks(context, condensed=condensed, checked=passed)
    summarised = bool(blocks)
    number = 6 if summarised else 5
    asked, answered = question_blocks(context, sweep, focus, number, answers)
    blocks += asked
    return blocks + appendix(verification, context.lang, passed=passed and summarised) + answered
