"""No answer key in a student's self-check page: no true value of any quantity the page judges
(the asked ones and every step they are computed from) appears in the page at 3 or more
decimals in any spelling: another number of decimals, scientific notation, without its leading
zero, negated, percent-encoded, as a JSON or HTML escape. The page's sealed values open only with
the exercise's arithmetic (the local formulas worked from the given numbers)."""

from __future__ import annotations

import html
import json
import math
import re
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

import pytest

from symbp.api.homework import exercises
from symbp.classroom import sealing

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: (spec, students, seed): the MOOC net, softmax + cross-entropy, ReLU, Mazur's (biases)
CLASSES = (
    (None, 4, 3),
    (EXAMPLES / "cross_entropy.toml", 3, 21),
    (EXAMPLES / "relu.toml", 3, 5),
    (EXAMPLES / "mazur_2_2_2.toml", 2, 8),
)
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def spellings(page: str) -> list[str]:
    """The page as written, and as the ways a number may hide in it decode."""
    unjson = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
    return [page, html.unescape(page), urllib.parse.unquote(page), unjson]


def decimals_of(token: str) -> int:
    mantissa, _, exponent = token.lower().partition("e")
    fraction = mantissa.partition(".")[2]
    return len(fraction) - (int(exponent) if exponent else 0)


def leaks(page: str, values: dict[str, float]) -> list[str]:
    """Each number in the page (in any of its spellings) that is a key value written to 3 or
    more decimals: the value, up to sign, rounds to it at the number's own decimals."""
    found = []
    tokens = {t for text in spellings(page) for t in NUMBER.findall(text)}
    for token in sorted(tokens):
        places = decimals_of(token)
        if places < 3 or not re.search(r"[1-9]", token.lower().partition("e")[0]):
            continue
        written = abs(float(Decimal(token)))
        half = 0.5 * 10.0**-places
        for key, value in values.items():
            if math.isfinite(value) and abs(written - abs(value)) <= half * (1 + 1e-9):
                found.append(f"{key} = {value!r} as {token!r}")
    return found


def pages_and_keys() -> list[tuple[str, str, dict[str, float], dict[str, float]]]:
    """(student, page, key values, the values the local formulas give from the givens)."""
    from symbp.classroom.selfcheck import _chain_values, _closure

    out = []
    for spec, count, seed in CLASSES:
        homework = exercises(None if spec is None else str(spec), count=count, seed=seed)
        judge = homework.judge
        fixed = judge.spec.parameters[len(judge.spec.weights) :]
        for variant in homework.variants:
            s = variant.spec
            truth = judge.table.values(
                judge.compiled.evaluate(s.inputs, s.targets, s.weights + fixed)
            )
            closure = _closure(judge, homework.exercise.asked)
            kinds = {q.key: q.kind for q in judge.table.quantities}
            key = {k: v for k, v in truth.items() if k in closure and kinds[k] != "given"}
            chain = _chain_values(judge, closure, truth)
            out.append((variant.student.id, homework.selfcheck_page(variant), key, chain))
    return out


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, str, dict[str, float], dict[str, float]]]:
    return pages_and_keys()


def test_no_page_holds_a_key_value_in_any_spelling(
    pages: list[tuple[str, str, dict[str, float], dict[str, float]]],
) -> None:
    assert len(pages) == 12
    checked = 0
    for student, page, key, _ in pages:
        assert len(key) >= 20
        assert leaks(page, key) == [], student
        checked += len(key)
    assert checked >= 300


@pytest.mark.parametrize(
    "spelling",
    [
        "{:.3f}",  # fewer decimals
        "{:.6f}",  # more
        "{:.4e}",  # scientific
        "{:.5E}",
        "-{:.4f}",  # negated
    ],
)
def test_the_scanner_finds_a_planted_key_value(
    pages: list[tuple[str, str, dict[str, float], dict[str, float]]], spelling: str
) -> None:
    """The scan is not blind: each spelling of a key value, planted in a page, is found."""
    _, page, key, _ = pages[0]
    name, value = next((k, v) for k, v in key.items() if abs(v) > 0.01)
    planted = spelling.format(abs(value))
    for text in (planted, planted.replace("0.", ".", 1), urllib.parse.quote(planted, safe="")):
        encoded = text.replace(".", "%2E") if "%" in text else text
        assert leaks(page.replace("</body>", f"{encoded}</body>"), {name: value}), text
    escaped = json.dumps(planted).replace(".", "\\u002e")
    assert leaks(page + escaped, {name: value})


def test_the_seal_opens_with_the_exercise_arithmetic_only(
    pages: list[tuple[str, str, dict[str, float], dict[str, float]]],
) -> None:
    """What the page seals is the key and the catalogue: it opens with the values the page's
    local formulas give from its given numbers (worked here in plain Python, selfcheck_seal.py),
    and not with one of them slightly off."""
    from .selfcheck_seal import open_seal, page_data

    for student, page, key, chain in pages:
        opened = open_seal(page)
        assert set(opened) == {"truth", "mistakes", "combinations"}, student
        assert {k: opened["truth"][k] for k in key} == key
        data = page_data(page)
        seal = data["catalogue"]
        order = [q["key"] for q in data["quantities"] if q["kind"] != "given"]
        wrong = dict(chain, **{order[-1]: chain[order[-1]] + 1e-4})
        secret = sealing.password(wrong[k] for k in order)
        salt = bytes.fromhex(seal["salt"])
        assert sealing.unseal(seal["sealed"], secret, salt, seal["iterations"]) is None


def test_what_opening_a_seal_costs() -> None:
    """PBKDF2 with the page's iterations: a tenth of a second or so per try, here in Python."""
    start = time.perf_counter()
    sealing.derive_key("x", b"0123456789abcdef")
    elapsed = time.perf_counter() - start
    assert 0.005 < elapsed < 2.0
