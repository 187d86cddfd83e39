"""The "Why the sign" section concludes on the quantity its factors make.

Every sentence of the section that asserts a sign ("… = v is negative", "Sample 2: … ,
positive", "So ∂L/∂w = … is positive") is read back from the Markdown handout. The sign it
asserts must be the sign of the product of the factors the text shows for that quantity,
computed here from the printed numbers: the factors in the sentence itself ((δ)(a), or a mean of
the samples' contributions), or, for a conclusion that shows none, the factors the paragraphs
before it argued from. Each concluded sign is also compared with torch's gradient (of that
sample, or of the reduced loss).

The old reasoning (before this test) argued from sample 1's factors and concluded on the mean:
on the 2-sample [4, 5, 5, 3] net with --focus w24 its factors h1 = 0.5395 > 0, ∂h/∂z = 0.2498 > 0,
∂L⁽¹⁾/∂h = −0.01652 < 0 multiply to a negative number while it concluded "∂L/∂w24 =
0.0003258200 is positive"; test_two_sample_course_net fails on it (run this file with
PYTHONPATH naming a checkout of that code).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pytest

import symbp
from symbp.core.spec import NetworkSpec, load_spec

from .conftest import require_module

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SPECS = sorted(EXAMPLES.glob("*.toml"))

NUMBER = r"-?\d+(?:\.\d+)?(?:\s*\\times\s*10\^\{-?\d+\})?"
SIGN_WORDS = ("positive", "negative", "zero")

TWO_SAMPLE_COURSE_NET = """
title = "A 4-5-5-3 network, 2 samples"
layers = [4, 5, 5, 3]
activation = "sigmoid"
loss = "half_sse"
learning_rate = 0.5
inputs = [[0.5, -0.3, 0.8, 0.1], [0.2, 0.7, -0.4, 0.9]]
targets = [[0.2, 0.9, 0.4], [0.8, 0.1, 0.3]]
reduction = "mean"
weights = { random = "uniform", seed = 2026 }
"""

XOR_SUM = """
title = "XOR, summed"
layers = [2, 2, 1]
activation = ["tanh", "sigmoid"]
loss = "half_sse"
learning_rate = 0.5
inputs = [[0, 0], [0, 1], [1, 0], [1, 1]]
targets = [[0], [1], [1], [0]]
reduction = "sum"
weights = [0.3, -0.2, 0.4, 0.1, 0.5, -0.6]
"""

SOFTMAX_SAMPLES = """
title = "softmax, 3 samples"
layers = [2, 3, 3]
activation = ["relu", "softmax"]
loss = "cross_entropy"
learning_rate = 0.5
inputs = [[0.5, -0.3], [0.9, 0.2], [-0.4, 0.7]]
targets = [2, 0, 1]
weights = { random = "uniform", seed = 11 }
"""


def number(text: str) -> float:
    mantissa, _, exponent = text.partition("\\times")
    value = float(mantissa.replace(" ", ""))
    if exponent:
        value *= 10.0 ** int(re.search(r"\{(-?\d+)\}", exponent).group(1))  # type: ignore[union-attr]
    return value


def sign_of(value: float) -> str:
    return "positive" if value > 0 else "negative" if value < 0 else "zero"


def sign_section(markdown: str) -> list[str]:
    section = markdown.split("### Why the sign", 1)[1].split("\n#", 1)[0]
    return [p.strip() for p in section.split("\n\n")[1:] if p.strip()]


def factor_value(chain: str) -> float | None:
    """The value the factors of a chain make, computed from its printed numbers: the product
    in "(δ) × a", the mean (or sum) in "\\frac{c1 + c2}{N}" or "c1 + c2"; None without factors."""
    for piece in chain.split(" = ")[1:]:
        piece = piece.replace("\\left(", "(").replace("\\right)", ")")
        product = re.fullmatch(rf"\(?({NUMBER})\)?\s*\\times\s*\(?({NUMBER})\)?", piece.strip())
        if product:
            return number(product.group(1)) * number(product.group(2))
        fraction = re.fullmatch(r"\\frac\{(.*)\}\{(\d+)\}", piece.strip())
        if fraction:
            terms = re.findall(rf"\(?({NUMBER})\)?", fraction.group(1))
            return sum(number(t) for t in terms) / int(fraction.group(2))
        if "\\partial" not in piece and "+" in piece:
            terms = re.findall(rf"\(?({NUMBER})\)?", piece)
            return sum(number(t) for t in terms)
    return None


def read_claims(markdown: str) -> list[tuple[str, float | None, str]]:
    """(left-hand side, value its own factors make or None, asserted sign) of every sentence
    of the sign section that concludes on a gradient. The reasoning paragraphs (∂L/∂w = δ a,
    then each factor "= v is positive") argue about one quantity: the conclusion on that
    quantity also gets a claim "(reasoned)" with the product of the values they argued from."""
    claims: list[tuple[str, float | None, str]] = []
    argued: list[float] = []  # the factor values the reasoning paragraphs state with a sign
    reasoned = None  # the quantity the reasoning is about: the lhs of "∂L/∂w = δ a."
    for paragraph in sign_section(markdown):
        conclusion = re.match(r"(?:So|Sample \d+:) \$(.*?)\$,? (?:is )?(\w+)", paragraph)
        if conclusion and conclusion.group(2) in SIGN_WORDS:
            chain, asserted = conclusion.group(1), conclusion.group(2)
            lhs = chain.split(" = ")[0]
            if lhs == reasoned and argued:
                claims.append((lhs + " (reasoned)", math.prod(argued), asserted))
                argued = []
            claims.append((lhs, factor_value(chain), asserted))
            continue
        # "∂L/∂w = δ a." on its own, or named in the sentence on a factor's sign ("so ∂L/∂w = δ a
        # has the same sign as δ")
        product = re.fullmatch(r"\$([^$]*?) = \\delta_\{.*\$\.", paragraph) or re.search(
            r"so \$([^$]*?) = \\delta_\{[^$]*\$", paragraph
        )
        if product and reasoned is None:
            reasoned = product.group(1)
        for value, _word in re.findall(rf"= ({NUMBER})\$? is (positive|negative|zero)", paragraph):
            argued.append(number(value))
        if re.search(r"= 0\$?, so .* is 0 whatever", paragraph):
            argued.append(0.0)
    if argued:  # the reasoning's own quantity is never concluded on
        claims.append((f"{reasoned} (reasoned, never concluded)", None, "none"))
    return claims


def torch_gradients(spec: NetworkSpec) -> dict[str, float]:
    from symbp.torchcheck.check import torch_loss_and_gradients

    _, gradients, _ = torch_loss_and_gradients(spec)
    names = [p.name for p in symbp.problem(spec).network.parameters]
    return dict(zip(names, gradients, strict=True))


def check_sign_section(spec: NetworkSpec, markdown: str, focus: str) -> None:
    claims = read_claims(markdown)
    assert claims, "the sign section asserts no sign"
    samples = spec.samples
    for lhs, own, asserted in claims:
        assert own is not None, f"{lhs} is concluded on without any factor shown"
        assert sign_of(own) == asserted, f"{lhs}: the factors shown make {own}, text: {asserted}"
        per_sample = re.search(r"L\^\{\((\d+)\)\}", lhs)
        if per_sample and len(samples) > 1:
            x, y = samples[int(per_sample.group(1)) - 1]
            one = replace(spec, inputs=x, targets=y, all_samples=(), target_classes=None)
            if spec.target_classes is not None:
                one = replace(one, targets=y)
            reference = torch_gradients(one)
        else:
            reference = torch_gradients(spec)
        if focus in reference:
            assert sign_of(reference[focus]) == asserted or abs(reference[focus]) < 1e-12, lhs


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_every_example(spec_path: Path) -> None:
    require_module("torch")
    spec = load_spec(spec_path)
    markdown = symbp.problem(spec).handout(check=False).render("markdown")
    if "### Why the sign" not in markdown:
        pytest.skip("no sign section")
    check_sign_section(spec, markdown, symbp.problem(spec).network.weights[0].name)


@pytest.mark.parametrize(
    ("text", "focuses"),
    [
        (TWO_SAMPLE_COURSE_NET, ("w24", "w1", "w50")),
        (XOR_SUM, ("w1", "w3", "w5")),
        (XOR_SUM.replace('"sum"', '"mean"'), ("w1", "w6")),
        (SOFTMAX_SAMPLES, ("w2", "w9")),
    ],
    ids=("two_sample_course_net", "xor_sum", "xor_mean", "softmax_samples"),
)
def test_multi_sample_nets(tmp_path: Path, text: str, focuses: tuple[str, ...]) -> None:
    require_module("torch")
    path = tmp_path / "net.toml"
    path.write_text(text, encoding="utf-8")
    spec = load_spec(path)
    problem = symbp.problem(spec)
    for focus in focuses:
        for sample in (1, len(spec.samples)):  # --sample N: the worked sample's reasoning
            markdown = problem.handout(check=False, focus=focus, sample=sample).render("markdown")
            check_sign_section(spec, markdown, focus)


def test_two_sample_course_net(tmp_path: Path) -> None:
    # the reproducer of issue 26 item 1: sample 1's factors are negative, the mean positive
    require_module("torch")
    path = tmp_path / "net.toml"
    path.write_text(TWO_SAMPLE_COURSE_NET, encoding="utf-8")
    spec = load_spec(path)
    markdown = symbp.problem(spec).handout(check=False, focus="w24").render("markdown")
    claims = read_claims(markdown)
    asserted = [(lhs.endswith("(reasoned)"), sign) for lhs, _, sign in claims]
    assert asserted == [
        (True, "negative"),
        (False, "negative"),
        (False, "positive"),
        (False, "positive"),
    ]
    check_sign_section(spec, markdown, "w24")
