"""The Moodle quiz, read back with a reader of the documented formats written here: Moodle XML
(well-formed, a category, one cloze question per variant with its diagram embedded) and the
Embedded Answers (Cloze) syntax, {weight:TYPE:answer~answer…} with each answer
[=|%percent%]value[:tolerance][#feedback] and \\ escaping } # ~ / " \\. Every sub-question is
NUMERICAL, its right answer is the true value worked in plain Python, its tolerance half a unit
of the asked decimals. (Not imported into a running Moodle: none runs here.)"""

from __future__ import annotations

import base64
import csv
import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from symbp.cli import main

from . import classwork
from .hand_corpus import generate


@dataclass
class Answer:
    percent: float
    value: str
    tolerance: str | None
    feedback: str


@dataclass
class Field:
    weight: int
    kind: str
    answers: list[Answer]


def _split(text: str, separator: str) -> list[str]:
    """Split at separators not escaped with a backslash (escapes kept)."""
    parts, current, escaped = [], "", False
    for char in text:
        if escaped:
            current += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def cloze_fields(question: str) -> list[Field]:
    """Every {…} field of a cloze question text; ValueError for one that does not parse."""
    fields = []
    index = 0
    while True:
        start = question.find("{", index)
        if start < 0:
            return fields
        end, escaped = start + 1, False
        while end < len(question):
            char = question[end]
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "}":
                break
            end += 1
        else:
            raise ValueError(f"unclosed field at {start}")
        body = question[start + 1 : end]
        match = re.fullmatch(r"(\d*):([A-Z_]+):(.*)", body, flags=re.S)
        if match is None:
            raise ValueError(f"not a cloze field: {body[:60]}")
        answers = []
        for item in _split(match.group(3), "~"):
            head, *feedback = _split(item, "#")
            percent_match = re.match(r"^(=|%(-?\d+(?:\.\d+)?)%)", head)
            percent = 0.0
            if percent_match:
                percent = 100.0 if head.startswith("=") else float(percent_match.group(2))
                head = head[percent_match.end() :]
            value, _, tolerance = head.partition(":")
            answers.append(
                Answer(percent, _unescape(value), tolerance or None, _unescape("#".join(feedback)))
            )
        fields.append(Field(int(match.group(1) or 1), match.group(2), answers))
        index = end + 1


def test_the_cloze_reader_reads_the_documented_examples() -> None:
    # from the Moodle documentation of the Embedded Answers (Cloze) question type
    fields = cloze_fields(
        "Enter 23.8: {2:NUMERICAL:=23.8:0.1#Feedback for correct answer 23.8~%50%23.8:2#"
        "Feedback for half credit} and {1:SHORTANSWER:=Berlin\\}#capital~*#Wrong}"
    )
    assert [(f.weight, f.kind) for f in fields] == [(2, "NUMERICAL"), (1, "SHORTANSWER")]
    assert fields[0].answers[1] == Answer(50.0, "23.8", "2", "Feedback for half credit")
    assert fields[1].answers[0].value == "Berlin}"
    with pytest.raises(ValueError):
        cloze_fields("{1:NUMERICAL:=1")


@pytest.fixture(scope="module")
def quiz(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("moodle")
    argv = ["exercise", "--count", "4", "--seed", "8", "--out", str(base / "ex")]
    assert main([*argv, "--moodle", str(base / "quiz.xml")]) == 0
    return base / "ex", base / "quiz.xml"


def test_the_quiz_is_one_category_of_cloze_questions_with_right_answers(
    quiz: tuple[Path, Path],
) -> None:
    folder, path = quiz
    asked = json.loads((folder / "exercise.json").read_text(encoding="utf-8"))["asked"]
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    category, *questions = list(root)
    assert category.get("type") == "category"
    assert (
        category.findtext("category/text") == "$course$/top/symbp: MOOC 8.3 worked example (seed 8)"
    )
    assert [q.get("type") for q in questions] == ["cloze"] * 4
    ids = [q.findtext("idnumber") for q in questions]
    assert ids == ["s001", "s002", "s003", "s004"]
    for question, sid in zip(questions, ids, strict=True):
        assert question.findtext("name/text") == f"MOOC 8.3 worked example [{sid}]"
        text_node = question.find("questiontext")
        assert text_node is not None and text_node.get("format") == "html"
        body = text_node.findtext("text") or ""
        picture = text_node.find("file")
        assert picture is not None and picture.get("encoding") == "base64"
        assert f'src="@@PLUGINFILE@@/{picture.get("name")}"' in body
        assert base64.b64decode(picture.text or "").startswith(b"<svg")
        net = classwork.net_of(folder / sid / "spec.toml", sid)
        truth = generate.work(net, decimals=None)
        for x in net.inputs:
            assert f"{x:g}" in body
        fields = cloze_fields(body)
        assert len(fields) == len(asked)
        for field, key in zip(fields, asked, strict=True):
            assert field.kind == "NUMERICAL"
            right = [a for a in field.answers if a.percent == 100]
            assert len(right) == 1
            assert abs(float(right[0].value) - truth[key]) < 1e-9
            for answer in field.answers:
                assert answer.tolerance == "0.00005"
                float(answer.value)
            for wrong in field.answers[1:]:
                assert wrong.percent == 0 and wrong.feedback
                assert abs(float(wrong.value) - truth[key]) > 0.0002


def test_a_feedback_names_the_mistake_the_number_comes_from(quiz: tuple[Path, Path]) -> None:
    """The value a half-dropped loss gives (worked in plain Python) is answered with feedback
    naming that mistake."""
    folder, path = quiz
    asked = json.loads((folder / "exercise.json").read_text(encoding="utf-8"))["asked"]
    question = ET.parse(path).getroot()[1]
    fields = cloze_fields(question.findtext("questiontext/text") or "")
    net = classwork.net_of(folder / "s001" / "spec.toml", "s001")
    dropped = generate.work(net, frozenset({"half_dropped"}), decimals=None)
    field = fields[asked.index("delta_o1")]
    named = [
        a for a in field.answers if a.percent == 0 and "½ of the loss is dropped" in a.feedback
    ]
    assert len(named) == 1
    assert float(named[0].value) == pytest.approx(dropped["delta_o1"], abs=0.00005)


def test_a_feedback_keeps_the_mistakes_own_letters(quiz: tuple[Path, Path]) -> None:
    """A title is capitalised as a sentence, but "σ′ taken of z" must not become "Σ′": Σ is
    another letter (a sum)."""
    text = quiz[1].read_text(encoding="utf-8")
    assert "#σ′ taken of z instead of a." in text
    assert "Σ′" not in text


# -- read back as Moodle itself reads it: tests/moodle_cloze.py ports its parser -----------


def test_the_port_reads_as_moodle_does() -> None:
    """The parser keeps the backslash of any escape but \\} and \\#: the escaping symbp used to
    write (\\/ and \\" in feedback) shows as stray backslashes."""
    from .moodle_cloze import extract_question, validate_question

    text, subs = extract_question(
        "a {2:NUMERICAL:=23.8:0.1#right \\} now~%50%23.8:2#half \\/ off} b "
        "{1:SHORTANSWER:=Berlin\\}#capital~*#Wrong}"
    )
    assert text == "a {#1} b {#2}"
    assert subs[0].qtype == "numerical" and subs[0].defaultmark == "2"
    assert subs[0].answers == ["23.8", "23.8"] and subs[0].tolerance == ["0.1", "2"]
    assert subs[0].fractions == [1.0, 0.5]
    assert subs[0].feedback == ["right } now", "half \\/ off"]
    assert subs[1].answers == ["Berlin}", "*"]
    assert validate_question(subs) == {}
    _, bad = extract_question("{1:NUMERICAL:%0%1:0.1#no full mark}")
    assert validate_question(bad) == {"sub_1_fraction[0]": "fractionsnomax"}


@pytest.mark.parametrize("text", ["∂L/∂o1 = o1 − y1", 'a "b" ~ c } d # e \\ f \\} g \\# h < & >'])
def test_a_feedback_survives_moodles_parser(text: str) -> None:
    from symbp.formats.moodle import numerical_field

    from .moodle_cloze import extract_question

    _, subs = extract_question(numerical_field(0.5, 4, text, [(0.25, text)]))
    assert [html.unescape(f) for f in subs[0].feedback] == [text, text]


@pytest.mark.parametrize(
    ("spec", "lang"), [(None, "en"), ("cross_entropy.toml", "en"), (None, "zh")]
)
def test_moodle_reads_every_feedback_without_a_stray_backslash(
    tmp_path: Path, spec: str | None, lang: str
) -> None:
    """Every question of a generated quiz, read by the port of Moodle's parser: valid, one
    NUMERICAL sub-question per asked quantity, the right answer the true value (worked in plain
    Python for the MOOC net), the tolerance the precision policy's, and every feedback shown to
    the student exactly as symbp meant it: 0 stray backslashes."""
    from symbp.content.labels import labels

    from .moodle_cloze import extract_question, validate_question

    argv = ["exercise", "--count", "3", "--seed", "4", "--out", str(tmp_path / "ex")]
    if spec is not None:
        argv += ["--spec", str(Path(__file__).resolve().parent.parent / "examples" / spec)]
    assert main([*argv, "--lang", lang, "--moodle", str(tmp_path / "q.xml")]) == 0
    asked = json.loads((tmp_path / "ex" / "exercise.json").read_text(encoding="utf-8"))["asked"]
    key = {
        row["id"]: row
        for row in csv.DictReader(
            (tmp_path / "ex" / "key.csv").read_text(encoding="utf-8").splitlines()
        )
    }
    right_word = labels(lang)["hand_right"]
    feedbacks = backslashes = 0
    for question in list(ET.parse(tmp_path / "q.xml").getroot())[1:]:
        sid = question.findtext("idnumber") or ""
        text, subs = extract_question(question.findtext("questiontext/text") or "")
        assert validate_question(subs) == {}
        assert len(subs) == len(asked) and "{1:NUMERICAL" not in text
        truth = (
            generate.work(classwork.net_of(tmp_path / "ex" / sid / "spec.toml", sid), decimals=None)
            if spec is None
            else None
        )
        for sub, name in zip(subs, asked, strict=True):
            assert sub.qtype == "numerical" and sub.fractions[0] == 1.0
            if truth is not None:
                assert abs(float(sub.answers[0]) - truth[name]) < 1e-9
            assert f"{float(sub.answers[0]):.4f}" == key[sid][name]
            assert set(sub.tolerance) == {"0.00005"}
            shown = [html.unescape(f) for f in sub.feedback]
            assert shown[0] == right_word and all(shown[1:])
            feedbacks += len(shown)
            backslashes += sum(f.count("\\") for f in shown)
    assert feedbacks > 3 * len(asked)
    assert backslashes == 0
