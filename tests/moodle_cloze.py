"""A Python port of how Moodle reads an Embedded Answers (Cloze) question: the regular
expressions and the extraction and validation of question/type/multianswer/questiontype.php
(qtype_multianswer_extract_question and qtype_multianswer_validate_question, Moodle 4.x), written
here from that source. Only what a NUMERICAL sub-question needs is kept beyond the regexes.

Differences forced by Python's re: PCRE's variable-width look-behind (?<!\\\\|&|&amp;) is three
fixed-width ones in a row, which is the same condition; PHP's html_entity_decode(ENT_QUOTES,
'UTF-8') is html.unescape (which knows more named entities; symbp writes only numeric ones and
&amp;, which both decode alike).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

# ANSWER_ALTERNATIVE regexes, as questiontype.php defines them
FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
ALT_FRACTION, ALT_PERCENTILE, ALT_ANSWER, ALT_FEEDBACK = 1, 2, 3, 5

NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = f"^({NUMBER})(:{NUMBER})?$"
NUMERICAL_CORRECT_ANSWER, NUMERICAL_ABS_ERROR_MARGIN = 1, 6

TYPES = (
    "(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
    "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
    "(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
    "(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)"
)
START = r"\{([0-9]*):(" + TYPES + "):"
QUESTION = START + "(" + ALTERNATIVE + "(~" + ALTERNATIVE + r")*)\}"
NORM, TYPE_NUMERICAL, TYPE_SHORTANSWER, ALTERNATIVES = 1, 3, 7, 16


@dataclass
class SubQuestion:
    """A wrapped question as the extraction leaves it (the fields a NUMERICAL one has)."""

    qtype: str
    defaultmark: str
    answers: list[str] = field(default_factory=list)
    fractions: list[float] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)  # stored as HTML
    tolerance: list[str] = field(default_factory=list)


def extract_question(text: str) -> tuple[str, list[SubQuestion]]:
    """qtype_multianswer_extract_question: the question text with each field replaced by {#n},
    and the sub-questions in order."""
    questions: list[SubQuestion] = []
    position = 1
    while (match := re.search(QUESTION, text, re.S)) is not None:
        norm = match.group(NORM)
        if match.group(TYPE_NUMERICAL):
            qtype = "numerical"
        elif match.group(TYPE_SHORTANSWER):
            qtype = "shortanswer"
        else:
            qtype = "other"
        wrapped = SubQuestion(qtype, norm if norm else "1")
        remaining = match.group(ALTERNATIVES)
        while (alt := re.search("~?" + ALTERNATIVE, remaining, re.S)) is not None:
            if alt.group(ALT_FRACTION) == "=":
                wrapped.fractions.append(1.0)
            elif alt.group(ALT_PERCENTILE):
                wrapped.fractions.append(0.01 * float(alt.group(ALT_PERCENTILE).replace(",", ".")))
            else:
                wrapped.fractions.append(0.0)
            if alt.group(ALT_FEEDBACK) is not None:
                feedback = html.unescape(alt.group(ALT_FEEDBACK))
                wrapped.feedback.append(feedback.replace("\\}", "}").replace("\\#", "#"))
            else:
                wrapped.feedback.append("")
            number = (
                re.search(NUMERICAL_ALTERNATIVE, alt.group(ALT_ANSWER), re.S)
                if qtype == "numerical"
                else None
            )
            if number is not None:
                wrapped.answers.append(number.group(NUMERICAL_CORRECT_ANSWER))
                margin = number.group(NUMERICAL_ABS_ERROR_MARGIN)
                wrapped.tolerance.append(margin if margin is not None else "0")
            else:
                answer = html.unescape(alt.group(ALT_ANSWER))
                wrapped.answers.append(answer.replace("\\}", "}").replace("\\#", "#"))
            remaining = remaining.split(alt.group(0), 1)[1]
        questions.append(wrapped)
        text = text.replace(match.group(0), f"{{#{position}}}", 1)
        position += 1
    return text, questions


def _is_valid_number(text: str) -> bool:
    """qtype_numerical::is_valid_number, for the numbers a cloze answer holds."""
    number = r"[-+]?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
    return re.fullmatch(number, text) is not None


def validate_question(questions: list[SubQuestion]) -> dict[str, str]:
    """qtype_multianswer_validate_question: errors by form field (empty: valid)."""
    errors: dict[str, str] = {}
    if not questions:
        return {"questiontext": "questionsmissing"}
    for sub, question in enumerate(questions, start=1):
        prefix = f"sub_{sub}_"
        count, maxgrade = 0, False
        for key, answer in enumerate(question.answers):
            trimmed = answer.strip()
            if trimmed == "":
                continue
            count += 1
            if question.qtype == "numerical" and not (_is_valid_number(trimmed) or trimmed == "*"):
                errors[f"{prefix}answer[{key}]"] = "answermustbenumberorstar"
            if question.fractions[key] == 1:
                maxgrade = True
        if count == 0:
            errors[f"{prefix}answer[0]"] = "notenoughanswers"
        if not maxgrade:
            errors[f"{prefix}fraction[0]"] = "fractionsnomax"
    return errors
