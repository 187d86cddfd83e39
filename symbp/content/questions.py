"""Check-your-understanding questions at the end of a handout, with their answers after them.

Each question needs a step the handout does not print: an update with another learning rate, a
gradient with an input set to 0, which gradients a flipped input turns over, which way a
gradient moves with a larger target. Their answers are computed here from the handout's own
numbers (the tests recompute each with torch); the handout's body never states them. They go
at the very end, after the appendix, placed as the teacher chooses (ANSWER_PLACEMENTS): "foot"
sets them as one paragraph of kind "answers", which LaTeX prints upside down and HTML blurs on
screen (prints upside down), on the last page when they fit; "page" on a page of their own (to
tear off); "none" leaves them out. A count of chain-rule paths is not asked:
the backward pass lists one weight's paths in every layer, which gives every count away.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import Block, Heading, Inline, Inlines, Paragraph, Text, sentence
from symbp.content.worked import Worked
from symbp.core.derive import Backprop
from symbp.core.graph import Weight
from symbp.core.operations import HALF_SSE, MSE_MEAN

WORDS = {
    "en": {
        "heading": "{}. Check your understanding",
        "answers_heading": "Answers to the questions of section {}",
        "answers_aside": " (upside down)",
        "every_sample": " (in every sample)",
        "rate_q": "With learning rate {} instead of {}, what would {} be after the update?",
        "rate_a": "{}.",
        "zero_q": "If {} were 0{}, what would {} be?",
        "zero_a": "0: {}, whatever the δ.",
        "flip_q": "If {} had the opposite sign{} and every δ stayed as it is, which gradients "
        "of the first layer would change sign?",
        "flip_a": "{}: the weights leaving {} whose gradient is not 0 ({}); no other gradient "
        "involves {}.",
        "flip_a_none": "None: every weight out of {} has a gradient of 0.",
        "flip_a_many": "The {} weights leaving {} whose gradient is not 0, {} to {} ({}); no "
        "other gradient involves {}.",
        "target_q": "If {} were larger{}, would {} increase or decrease?",
        "target_a": "{}: {}, {} holds {}; {} changes by {} per unit of {}.",
        "increase": "Increase",
        "decrease": "Decrease",
        "same": "Neither",
    },
    "zh": {
        "heading": "{}、自测题",
        "answers_heading": "第{}节自测题的答案",
        "answers_aside": "（倒置印刷）",
        "every_sample": "（每个样本都如此）",
        "rate_q": "若学习率取 {} 而不是 {}，更新后 {} 是多少？",
        "rate_a": "{}。",
        "zero_q": "若 {} 为 0{}，{} 是多少？",
        "zero_a": "0：{}，与 δ 无关。",
        "flip_q": "若 {} 变号{}而每个 δ 保持不变，第一层哪些梯度会变号？",
        "flip_a": "{}（从 {} 出发、梯度非 0 的权重，{}；其余与 {} 无关）。",
        "flip_a_none": "没有：从 {} 出发的权重梯度都为 0。",
        "flip_a_many": "从 {1} 出发、梯度非 0 的 {0} 个权重，{2} 至 {3}（{4}；其余与 {5} 无关）。",
        "target_q": "若 {} 变大{}，{} 会增大还是减小？",
        "target_a": "{}：{}，{} 含 {}；{} 每增加 1，{} 变化 {}。",
        "increase": "增大",
        "decrease": "减小",
        "same": "不变",
    },
}

#: where a handout's answers go: after the appendix on the last page, set so that they are not
#: read at a glance (the default); on a page of their own; left out
ANSWER_PLACEMENTS = ("foot", "page", "none")

#: the most weights an answer names one by one
MAX_LISTED = 6

NUMERALS = {"en": {5: "5", 6: "6"}, "zh": {5: "五", 6: "六"}}


@dataclass(frozen=True)
class Question:
    """A question, its answer, and the answer as data (for a test to recompute): a count, a
    value, the names of the weights that change sign, or increase/decrease/same."""

    kind: str  # paths, rate, zero, flip, target
    question: Inlines
    answer: Inlines
    value: float | int | str | tuple[str, ...]
    #: what the question is about: the weight, and the input or target it changes
    weight: str = ""
    about: str = ""
    #: the rate question's other learning rate
    rate: float = 0.0


def _words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def questions(context: Worked, sweep: Backprop, focus: str) -> list[Question]:
    """The questions that apply to this network, in a fixed order."""
    found = [
        _rate(context, focus),
        _zero(context),
        _flip(context),
        _target(context, focus),
    ]
    return [q for q in found if q is not None]


def question_blocks(
    context: Worked, sweep: Backprop, focus: str, number: int, answers: str = "foot"
) -> tuple[list[Block], list[Block]]:
    """The questions as section `number` of the handout, and their answers, which go at the
    very end, placed as `answers` (one of ANSWER_PLACEMENTS) says: a student does not read them
    with the questions."""
    said = _words(context.lang)
    asked = questions(context, sweep, focus)
    if not asked:
        return [], []
    numeral = NUMERALS.get(context.lang, NUMERALS["en"]).get(number, str(number))
    # each list one paragraph, as short as it reads
    answered = _numbered("A", [q.answer for q in asked], context.lang)
    heading = sentence(said["answers_heading"], numeral)
    if answers == "none":
        shown: list[Block] = []
    elif answers == "page":
        shown = [Heading(heading, new_page=True), Paragraph(answered)]
    else:  # a rotated or blurred box: kept small, one paragraph
        aside = (Text(said["answers_aside"]),)
        shown = [Heading(heading, aside=aside), Paragraph(answered, kind="answers")]
    return [
        Heading(sentence(said["heading"], numeral)),
        Paragraph(_numbered("Q", [q.question for q in asked], context.lang)),
    ], shown


def _numbered(letter: str, items: list[Inlines], lang: str) -> Inlines:
    """Q1. … Q2. … run on in one paragraph (Chinese puts no space after its full stop)."""
    parts: list[Inline] = []
    for n, item in enumerate(items, 1):
        gap = " " if n > 1 and lang != "zh" else ""
        parts += [Text(f"{gap}{letter}{n}. "), *item]
    return tuple(parts)


def _every(context: Worked) -> str:
    return _words(context.lang)["every_sample"] if context.several else ""


def _rate(context: Worked, focus: str) -> Question | None:
    """The focus weight updated with another learning rate (plain gradient descent)."""
    network = context.network
    spec = network.spec
    if not spec.optimizer.is_plain_sgd:
        return None
    said = _words(context.lang)
    writer = context.writer
    rate = 0.01 if spec.learning_rate == 0.1 else 0.1
    # the focus weight, or the first whose update shows at the handout's digits (a gradient of
    # 0 would make the answer the weight's own printed value)
    candidates = [network.weight(focus), *network.weights]
    moved = [
        w
        for w in candidates
        if writer.num(w.value - rate * context.evaluation.gradient(w.name)).text
        != writer.given(w.value).text
        and writer.num(w.value - rate * context.evaluation.gradient(w.name)).text
        != writer.num(w.value).text
    ]
    if not moved:
        return None
    weight = moved[0]
    gradient = context.evaluation.gradient(weight.name)
    new = weight.value - rate * gradient
    step = E.Chain(
        context.reduced.sym(weight.symbol),
        (
            E.Step(
                "←",
                E.total(
                    writer.given(weight.value),
                    E.Neg(E.Mul((writer.given(rate), writer.num(gradient)))),
                ),
            ),
            E.Step("=", writer.num(new)),
        ),
    )
    question = sentence(
        said["rate_q"],
        writer.given(rate),
        writer.given(spec.learning_rate),
        context.reduced.sym(weight.symbol),
    )
    return Question("rate", question, sentence(said["rate_a"], step), new, weight.name, rate=rate)


def _first_nonzero_input(context: Worked, *, last: bool = False) -> int | None:
    samples = context.network.spec.samples
    indices = range(len(context.network.inputs))
    for k in reversed(indices) if last else indices:
        if any(x[k] != 0 for x, _ in samples):
            return k
    return None


def _out_of(context: Worked, k: int) -> list[Weight]:
    unit = context.network.inputs[k]
    return [w for w in context.network.weights if w.source.name == unit.name]


def _zero(context: Worked) -> Question | None:
    """A weight out of an input that is set to 0: its gradient δ·x is 0."""
    network = context.network
    if network.penalty is not None or len(network.layers) < 2:
        return None
    k = _first_nonzero_input(context)
    if k is None:
        return None
    weights = [w for w in _out_of(context, k) if w.uses == 1]
    if not weights:
        return None
    weight = weights[-1]
    said = _words(context.lang)
    writer = context.writer
    x = writer.sym(network.inputs[k].a)
    gradient = context.reduced.partial(network.loss, weight.symbol)
    delta = writer.sym(weight.target.delta) if weight.target.delta is not None else None
    # the worked sample's own gradient (with several samples L is their mean or sum of these)
    own = writer.partial(network.loss, weight.symbol)
    rule = E.equals(own, E.product(delta, x)) if delta is not None else gradient
    question = sentence(said["zero_q"], x, _every(context), gradient)
    return Question(
        "zero", question, sentence(said["zero_a"], rule), 0.0, weight.name, network.inputs[k].name
    )


def _flip(context: Worked) -> Question | None:
    """An input flipped with the δs held: the first layer's weights out of it turn over."""
    network = context.network
    if network.penalty is not None:
        return None
    k = _first_nonzero_input(context, last=True)
    if k is None:
        return None
    said = _words(context.lang)
    writer = context.writer
    x = writer.sym(network.inputs[k].a)
    out = [w for w in _out_of(context, k) if w.uses == 1]
    turning = [w for w in out if context.evaluation.gradient(w.name) != 0]
    question = sentence(said["flip_q"], x, _every(context))
    names = tuple(w.name for w in turning)
    if not turning:
        answer = sentence(said["flip_a_none"], x)
    else:
        rule = E.equals(
            E.Partial(E.Name("L", plain="L"), E.Name("w", plain="w")),
            E.product(E.Sym(E.Name("δ", plain="δ")), x),
        )
        shown = [context.reduced.sym(w.symbol) for w in turning]
        if len(shown) <= MAX_LISTED:
            answer = sentence(said["flip_a"], _listing(shown), x, rule, x)
        else:  # a long list of names in one formula would run off the line
            answer = _many(said["flip_a_many"], str(len(shown)), x, shown[0], shown[-1], rule, x)
    return Question("flip", question, answer, names, "", network.inputs[k].name)


def _many(template: str, *fills: str | E.Node | E.Chain) -> Inlines:
    """sentence() with the fills placed by their index ({0}, {1}, …) where the template
    numbers them (a language whose word order differs), else in order."""
    if "{0}" not in template:
        return sentence(template, *fills)
    pieces = re.split(r"\{(\d)\}", template)
    ordered = [fills[int(index)] for index in pieces[1::2]]
    return sentence("{}".join(pieces[0::2]), *ordered)


def _listing(items: Sequence[E.Node]) -> E.Node | E.Chain:
    head, *rest = items
    if not rest:
        return head
    return E.Chain(head, tuple(E.Step(",", item) for item in rest))


def _target(context: Worked, focus: str) -> Question | None:
    """A larger target moves an output weight's gradient one way: −f′(z)·a per unit of y."""
    network = context.network
    spec = network.spec
    if network.objective is not None or spec.loss not in (HALF_SSE.name, MSE_MEAN.name):
        return None
    last = len(network.layers) - 1
    activation = network.layers[last][0].activation
    if activation is None or not activation.elementwise or network.penalty is not None:
        return None
    chosen = network.weight(focus)
    if chosen.target.layer != last or chosen.uses != 1:
        candidates = [w for w in network.weights if w.target.layer == last and w.uses == 1]
        if not candidates:
            return None
        chosen = candidates[0]
    output = chosen.target
    j = network.outputs.index(output)
    z, a = sp.Symbol("z"), sp.Symbol("a")
    derivative = activation.derivative(z, a)
    assert output.z is not None
    # ∂(∂L/∂w)/∂y_j = −c · mean or sum over samples of f′(z_j)·a_i, c = 1 (½ Σ) or 2/K (mean)
    scale = 1.0 if spec.loss == HALF_SSE.name else 2.0 / len(network.outputs)
    samples = context.evaluation.per_sample
    terms = [
        float(derivative.subs({z: s.values[output.z], a: s.values[output.a]}))
        * s.values[chosen.source.a]
        for s in samples
    ]
    total = sum(terms) / (len(samples) if context.several and spec.reduction == "mean" else 1)
    slope = -scale * total
    said = _words(context.lang)
    direction = "increase" if slope > 0 else "decrease" if slope < 0 else "same"
    writer = context.writer
    y = writer.sym(network.targets[j])
    gradient = context.reduced.partial(network.loss, chosen.symbol)
    difference = E.total(writer.sym(output.a), E.Neg(y))
    assert output.delta is not None
    delta = writer.sym(output.delta)
    rule = E.equals(
        writer.partial(network.loss, chosen.symbol),
        E.product(delta, writer.sym(chosen.source.a)),
    )
    slope_num = writer.num(slope)
    answer = (
        sentence(said["target_a"], said[direction], rule, delta, difference, y, gradient, slope_num)
        if context.lang == "zh"
        else sentence(
            said["target_a"], said[direction], rule, delta, difference, gradient, slope_num, y
        )
    )
    question = sentence(said["target_q"], y, _every(context), gradient)
    return Question("target", question, answer, direction, chosen.name, network.targets[j].name)
