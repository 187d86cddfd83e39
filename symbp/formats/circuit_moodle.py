"""A class's circuit variants as a Moodle quiz: one cloze question per variant in one category,
as for networks (symbp.formats.moodle, whose fields, escaping and tolerance are reused).

Each asked value or gradient is a NUMERICAL sub-question: the true value with a tolerance of
half a unit of the exercise's minimum of decimals, then, as 0 % answers naming the mistake,
what the catalogue's mistakes of circuit homework give for a gradient (a multiply gate's
gradients not swapped, a fan-out's gradients not added, a local derivative at the wrong value,
a subtraction's sign lost), each from the true gradients of the gates above. Moodle cannot
judge carried rounding or the 1% that check-hand allows for it.
"""

from __future__ import annotations

from html import escape
from xml.sax.saxutils import escape as xml_escape

from symbp.classroom.circuit_variants import CircuitClass, CircuitVariant, quantity_keys
from symbp.content.blocks import Block, Equations, Heading, Math, Paragraph
from symbp.content.circuit import problem_blocks
from symbp.content.labels import labels
from symbp.formats import text_math
from symbp.formats.moodle import MAX_MISTAKE_ANSWERS, PENALTY, numerical_field
from symbp.handcheck.circuit import candidates, use_facts
from symbp.handcheck.precision import moodle_tolerance


def _html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h4>{escape(text_math.inline(block.parts))}</h4>"
    if isinstance(block, Paragraph):
        return f"<p>{escape(text_math.inline(block.parts))}</p>"
    if isinstance(block, Equations):
        rows = "".join(
            f"<li>{escape(text_math.inline((Math(row.chain),)))}</li>" for row in block.rows
        )
        return f"<ul>{rows}</ul>"
    return ""


def mistake_values(variant: CircuitVariant, key: str) -> list[tuple[str, float]]:
    """The catalogue's mistakes' numbers for an asked gradient, with true upstream gradients
    (none for a value)."""
    symbol, gradient = quantity_keys(variant.circuit)[key]
    if not gradient:
        return []
    derivation = variant.derivation
    names = variant.circuit.names
    uses = use_facts(derivation, symbol)
    truth = {names[s]: g for s, g in derivation.gradients.items()}
    upstream = [truth[use.user] for use in uses]
    terms = [u * use.local for u, use in zip(upstream, uses, strict=True)]
    return candidates(uses, upstream, terms)


def _feedback(
    truth: float, found: list[tuple[str, float]], decimals: int, words: dict[str, str]
) -> list[tuple[float, str]]:
    """Mistakes' values far enough from the truth and from each other to be told apart."""
    unit = 10.0**-decimals
    chosen: list[tuple[float, str]] = []
    for mistake, value in found:
        if len(chosen) == MAX_MISTAKE_ANSWERS or not abs(value) < 1e6:
            continue
        if abs(value - truth) <= 2 * unit or any(abs(value - v) <= 2 * unit for v, _ in chosen):
            continue
        chosen.append((round(value, decimals), words[f"mistake_{mistake}"]))
    return chosen


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def circuit_quiz(exercise: CircuitClass, lang: str = "en") -> str:
    """The Moodle XML document of a circuit exercise."""
    words = dict(labels(lang))
    decimals = exercise.settings.minimum_decimals
    moodle_tolerance(decimals)  # the policy's tolerance (numerical_field writes it)
    shown = exercise.base.title or "; ".join(exercise.base.statements)
    name = f"symbp: {shown} (seed {exercise.settings.seed})".replace("/", "//")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<quiz>",
        '  <question type="category">',
        f"    <category><text>{xml_escape(f'$course$/top/{name}')}</text></category>",
        '    <info format="html"><text>'
        + xml_escape(f"{len(exercise.variants)} variants written by symbp exercise")
        + "</text></info>",
        "  </question>",
    ]
    for variant in exercise.variants:
        intro = words["circuit_exercise_intro"].replace(
            "{}", variant.circuit.names[variant.circuit.root], 1
        )
        intro = intro.replace("{}", str(exercise.settings.answer_decimals), 1)
        rows = []
        for key in exercise.asked:
            truth = variant.answers[key]
            mistakes = _feedback(truth, mistake_values(variant, key), decimals, words)
            field = numerical_field(truth, decimals, words["circuit_hand_right"], mistakes)
            rows.append(f"<tr><td>{escape(key)}</td><td>{field}</td></tr>")
        body = (
            f"<p>{escape(intro)}</p>"
            + "".join(_html(b) for b in problem_blocks(variant.derivation, lang))
            + f"<h4>{escape(words['exercise_answers'])}</h4>"
            + f"<table><tr><th>{escape(words['exercise_quantity'])}</th>"
            + f"<th>{escape(words['exercise_answer'])}</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        parts += [
            '  <question type="cloze">',
            f"    <name><text>{xml_escape(variant.circuit.title)}</text></name>",
            '    <questiontext format="html">',
            f"      <text>{_cdata(body)}</text>",
            "    </questiontext>",
            '    <generalfeedback format="html"><text></text></generalfeedback>',
            f"    <penalty>{PENALTY}</penalty>",
            "    <hidden>0</hidden>",
            f"    <idnumber>{xml_escape(variant.student.id)}</idnumber>",
            "  </question>",
        ]
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"
