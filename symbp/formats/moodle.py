"""A class's variants as a Moodle quiz: Moodle XML, one cloze (embedded answers) question per
variant, all in one category, so that a quiz's "random question from this category" gives each
student a variant of their own.

Each asked quantity is a NUMERICAL sub-question, {1:NUMERICAL:=value:tolerance#feedback~…}: the
true value, with a tolerance of half a unit of the exercise's minimum of decimals (the precision
policy of symbp/handcheck/precision.py, which grade and the self-check page share: a number of
that many decimals is accepted exactly when the true value rounds to it), then, as 0 % answers
with feedback, the values of the catalogue's classic mistakes for this variant that differ
from the truth, each naming its mistake. Moodle cannot judge carried rounding: a number off
only by rounding carried from the student's own earlier numbers is marked wrong there (symbp
grade and the self-check page judge it right to the stated precision).

The question text is plain HTML (maths as text, which every Moodle filter set shows), with the
network's diagram as an SVG file embedded in the question (@@PLUGINFILE@@), as Moodle XML
embeds images. Written from the documentation of the formats (Moodle XML, Embedded Answers
(Cloze) question type); it has not been imported into a running Moodle here.
"""

from __future__ import annotations

import base64
from html import escape
from xml.sax.saxutils import escape as xml_escape

from symbp.classroom.selfcheck import single_mistake_values
from symbp.classroom.variants import ClassVariants
from symbp.content.blocks import Block, Diagram, Heading, Items, Paragraph, Table
from symbp.content.exercise import quiz_blocks
from symbp.content.labels import labels
from symbp.content.mistakes import MistakeWords, mistake_words
from symbp.formats import text_math
from symbp.formats.diagram import svg
from symbp.handcheck.judge import HandJudge
from symbp.handcheck.precision import moodle_tolerance

#: a numeric answer's most feedback answers (wrong values that name a mistake)
MAX_MISTAKE_ANSWERS = 4
#: Moodle's default penalty for each wrong try, as its own export writes it
PENALTY = "0.3333333"


def cloze_feedback(text: str) -> str:
    """Plain text as a cloze answer's feedback, written for what Moodle's multianswer parser
    does with it (question/type/multianswer/questiontype.php, qtype_multianswer_extract_question):
    the feedback runs to the first ~ or } without a backslash before it; the parser then decodes
    HTML entities once, turns only \\} and \\# back into } and #, and stores the result as HTML.

    So the text is first made HTML (& < > " ' escaped, a backslash as &#92; so that no \\} or
    \\# can appear), then every & of that HTML is written &amp; (undone by the one decoding),
    and ~ and } as &#126; and &#125; (which end nothing and decode to themselves). A
    backslash-escape is never used: the parser keeps the backslash of any but \\} and \\#."""
    stored = escape(text, quote=True).replace("\\", "&#92;")
    return stored.replace("&", "&amp;").replace("~", "&#126;").replace("}", "&#125;")


def numerical_field(
    value: float, decimals: int, right: str, mistakes: list[tuple[float, str]]
) -> str:
    """One NUMERICAL sub-question: the true value with a tolerance of half a unit of `decimals`
    (the exercise's minimum: precision.py, rule 5), then each mistake's value (0 %) with its
    feedback."""
    tolerance = moodle_tolerance(decimals)
    answers = [f"={value:.10f}:{tolerance}#{cloze_feedback(right)}"]
    for wrong, feedback in mistakes:
        answers.append(f"%0%{wrong:.{decimals}f}:{tolerance}#{cloze_feedback(feedback)}")
    return "{1:NUMERICAL:" + "~".join(answers) + "}"


def _mistake_answers(
    truth: float, candidates: list[tuple[str, float]], decimals: int
) -> list[tuple[float, str]]:
    """Mistakes' values far enough from the truth and from each other to be told apart."""
    unit = 10.0**-decimals
    chosen: list[tuple[float, str]] = []
    for title, value in candidates:
        if len(chosen) == MAX_MISTAKE_ANSWERS or not abs(value) < 1e6:
            continue
        if abs(value - truth) <= 2 * unit or any(abs(value - v) <= 2 * unit for v, _ in chosen):
            continue
        chosen.append((round(value, decimals), title))
    return chosen


def _html(block: Block, diagram: str) -> str:
    """A problem block as plain HTML (maths as text)."""
    if isinstance(block, Heading):
        return f"<h4>{escape(text_math.inline(block.parts))}</h4>"
    if isinstance(block, Paragraph):
        return f"<p>{escape(text_math.inline(block.parts))}</p>"
    if isinstance(block, Items):
        items = "".join(f"<li>{escape(text_math.inline(parts))}</li>" for parts in block.items)
        return f"<ul>{items}</ul>"
    if isinstance(block, Diagram):
        source = f"@@PLUGINFILE@@/{diagram}"
        return f'<p><img src="{source}" alt="the network" style="max-width:100%"></p>'
    if isinstance(block, Table):
        head = "".join(f"<th>{escape(text_math.inline(cell))}</th>" for cell in block.header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(text_math.inline(cell))}</td>" for cell in row) + "</tr>"
            for row in block.rows
        )
        return f"<table><tr>{head}</tr>{rows}</table>"
    return ""


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _said(words: MistakeWords, lang: str) -> str:
    """A mistake's feedback: its title as a sentence, then the explanation."""
    title, sentence = words.title, text_math.inline(words.sentence)
    if lang == "zh":
        return f"{title}。{sentence}"
    first = title[:1].upper() if title[:1].isascii() else title[:1]  # σ′ must not become Σ′
    return f"{first}{title[1:]}. {sentence}"


def quiz(exercise: ClassVariants, judge: HandJudge, lang: str = "en") -> str:
    """The Moodle XML document."""
    words = labels(lang)
    decimals = exercise.settings.minimum_decimals
    table = judge.table
    # a / in a category's name is written // (a single / starts a subcategory)
    name = f"symbp: {exercise.base.title} (seed {exercise.settings.seed})".replace("/", "//")
    category = f"$course$/top/{name}"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<quiz>",
        '  <question type="category">',
        f"    <category><text>{xml_escape(category)}</text></category>",
        '    <info format="html"><text>'
        + xml_escape(f"{len(exercise.variants)} variants written by symbp exercise")
        + "</text></info>",
        "  </question>",
    ]
    for variant in exercise.variants:
        picture = f"diagram-{variant.student.id}.svg"
        blocks = quiz_blocks(variant, exercise, lang)
        drawn = next(b for b in blocks if isinstance(b, Diagram))
        mistakes = single_mistake_values(judge, variant, exercise.asked)
        rows = []
        for key in exercise.asked:
            truth = variant.answers[key]
            candidates = [
                (_said(mistake_words(m, lang), lang), values[key]) for m, values in mistakes
            ]
            field = numerical_field(
                truth,
                decimals,
                words["hand_right"],
                _mistake_answers(truth, candidates, decimals),
            )
            rows.append(f"<tr><td>{escape(table.by_key[key].display)}</td><td>{field}</td></tr>")
        body = (
            "".join(_html(b, picture) for b in blocks)
            + f"<h4>{escape(words['exercise_answers'])}</h4>"
            + f"<table><tr><th>{escape(words['exercise_quantity'])}</th>"
            + f"<th>{escape(words['exercise_answer'])}</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        encoded = base64.b64encode(svg(drawn).encode("utf-8")).decode("ascii")
        parts += [
            '  <question type="cloze">',
            f"    <name><text>{xml_escape(variant.spec.title)}</text></name>",
            '    <questiontext format="html">',
            f"      <text>{_cdata(body)}</text>",
            f'      <file name="{xml_escape(picture)}" path="/" encoding="base64">{encoded}</file>',
            "    </questiontext>",
            '    <generalfeedback format="html"><text></text></generalfeedback>',
            f"    <penalty>{PENALTY}</penalty>",
            "    <hidden>0</hidden>",
            f"    <idnumber>{xml_escape(variant.student.id)}</idnumber>",
            "  </question>",
        ]
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"
