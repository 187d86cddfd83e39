"""The unrolled network drawn with its numbers: h_0, then per step x_t, h_t and (at a step with
a target) o_t, each box with its value and ∂L/∂ of it, the shared weights naming the arrows.
Drawn for the first sequence; a long sequence's first steps and its last, the steps left out
between them as one dashed arrow (the prose says which)."""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Paragraph,
    UnrolledCell,
    UnrolledDiagram,
    UnrolledStep,
    sentence,
)
from symbp.content.numbers import computed_num, given_num
from symbp.core.rnn import RnnDerivation
from symbp.core.rnn_spec import W_HH, W_HY, W_XH

#: the most steps drawn: six columns of a 3-unit net print at 6.9 pt across an A4 page and are
#: turned to run up it; five stay upright at 8 pt (not every net's: see formats' tikz_scale)
MAX_DRAWN_STEPS = 5

_WORDS = {
    "en": {
        "caption": "The network unrolled through time: beside each box its value above (green) "
        "and the gradient of {} with respect to it below (red); a vector's units one per line. "
        "The same {}, {} and {} act at every step.",
        "left_out": "Of the {steps} steps, {first} to {last} are left out (the dashed arrow "
        "stands for them); the last step, with its output, is drawn.",
        "left_out_one": "Of the {steps} steps, step {first} is left out (the dashed arrow "
        "stands for it); the last step, with its output, is drawn.",
        "sequence": "The first sequence is drawn.",
        "columns": "node|from|value|gradient",
    },
    "zh": {
        "caption": "按时间展开的网络：每个方框旁，上方是它的值（绿色），"
        "下方是 {} 对它的梯度（红色）；向量的各分量每行一个。每一步使用同样的 {}、{} 和 {}。",
        "left_out": "{steps} 步中省略了第 {first} 到第 {last} 步（虚线箭头代表它们）；"
        "画出了最后一步及其输出。",
        "left_out_one": "{steps} 步中省略了第 {first} 步（虚线箭头代表它）；"
        "画出了最后一步及其输出。",
        "sequence": "画的是第一个序列。",
        "columns": "节点|来自|值|梯度",
    },
}


def _weight(name: str) -> E.Name:
    base, _, sub = name.partition("_")
    return E.Name(base, sub, plain=name)


def drawn_steps(n_steps: int) -> tuple[int, ...]:
    """The steps drawn: all, or a long sequence's first ones and its last (whose output a
    target at the last step only needs), MAX_DRAWN_STEPS in all."""
    if n_steps <= MAX_DRAWN_STEPS:
        return tuple(range(1, n_steps + 1))
    return (*range(1, MAX_DRAWN_STEPS), n_steps)


def unrolled_figure(derivation: RnnDerivation, lang: str = "en", digits: int = 4) -> list[Block]:
    """A paragraph saying how to read the figure, and the figure."""
    words = _WORDS[lang]
    model, spec = derivation.model, derivation.spec

    def cell(kind: str, t: int, symbols: Sequence[sp.Symbol], given: bool) -> UnrolledCell:
        values = tuple(
            (given_num if given else computed_num)(derivation.value(s), digits).text
            for s in symbols
        )
        gradients = tuple(computed_num(derivation.gradient(s), digits).text for s in symbols)
        return UnrolledCell(E.Name(kind, str(t), plain=f"{kind}_{t}"), values, gradients)

    shown = drawn_steps(spec.n_steps)
    steps = []
    for t in shown:
        output = cell("o", t, model.o[0][t], False) if t in model.o[0] else None
        steps.append(
            UnrolledStep(
                cell("x", t, model.x[0][t], True), cell("h", t, model.h[0][t], False), output
            )  # fmt: skip
        )
    weights = (_weight(W_XH), _weight(W_HH), _weight(W_HY))
    caption = sentence(
        words["caption"],
        E.Sym(E.Name("L", plain="L")),
        *(E.Sym(w) for w in weights),
    )
    gap = next((i for i in range(1, len(shown)) if shown[i] > shown[i - 1] + 1), 0)
    if gap:
        first, last = shown[gap - 1] + 1, shown[gap] - 1
        key = "left_out_one" if first == last else "left_out"
        left_out = words[key].format(first=first, last=last, steps=spec.n_steps)
        caption = (*caption, *sentence(" " + left_out))
    if spec.n_sequences > 1:
        caption = (*caption, *sentence(" " + words["sequence"]))
    figure = UnrolledDiagram(
        cell("h", 0, model.h[0][0], True),
        tuple(steps),
        weights,
        tuple(words["columns"].split("|")),
        gap,
    )
    return [Paragraph(caption), figure]
