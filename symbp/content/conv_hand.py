"""What a convolution homework's report says: each grid the student wrote, how many of its
numbers are right, the wrong cells with the right value, and the catalogue's mistake that
reproduces them, in English and Chinese. The judging is handcheck/conv.py's."""

from __future__ import annotations

from symbp.content.blocks import Block, Heading, Items, Paragraph, Table, Text, text
from symbp.handcheck.conv import (
    CARRIED_ERROR,
    RIGHT,
    TOO_FEW_DECIMALS,
    WRONG,
    ConvHandReport,
    Quantity,
)

WORDS = {
    "en": {
        "title": "Convolution homework checked",
        "columns": "grid|right|verdict",
        "right": "right",
        "carried": "carried from your earlier numbers",
        "too_few": "too few decimals: a number without decimals states no rounding",
        "wrong": "wrong",
        "summary": "{} of {} numbers right.",
        "wrong_cells": "Wrong numbers of {}:",
        "cell": "row {}, column {}: you wrote {}, the value is {}",
        "delta_a": "∂L/∂a of filter {} (after the pooling's routing)",
        "delta_z": "δ map of filter {} (∂L/∂z)",
        "grad_w": "∂L/∂W of filter {}, channel {}",
        "grad_b": "∂L/∂b of filter {}",
        "grad_x": "∂L/∂x, channel {}",
        "kernel_not_rotated": "∂L/∂x is δ full-convolved with the kernel rotated 180°: the "
        "kernel was used as it is",
        "pool_to_all": "max pooling hands each window's gradient to its winner alone: it was "
        "given to every input of the window",
        "tie_routed_elsewhere": "a max window with a tie passes its gradient to the first "
        "maximum in reading order, as torch does: it was given to another of the tied maxima",
        "pool_not_divided": "average pooling hands each input 1/size² of the window's "
        "gradient: it was not divided",
        "one_position": "a kernel weight is shared by every position: its gradient sums the "
        "terms of all of them, not one position's",
        "one_position_bias": "a filter's bias is added at every position: its gradient sums "
        "the filter's whole δ map, not one position's δ",
        "kernel_gradient_rotated": "∂L/∂W = x ⋆ δ is a correlation: the grid came out "
        "rotated 180° (a convolution)",
        "activation_derivative_missing": "δ = ∂L/∂a ⊙ f′(z): the activation's derivative "
        "was left out",
        "first_sample_only": "∂L/∂W of L over the samples takes every sample's gradient: "
        "sample 1's alone was written",
        "first_sample_only_bias": "∂L/∂b of L over the samples takes every sample's gradient: "
        "sample 1's alone was written",
        "unwritten": "Not written, so not judged: {}.",
        "summed_samples": "L is the mean over the samples, so is its gradient: the samples' "
        "gradients were summed, not averaged",
        "averaged_samples": "L is the sum over the samples, so is its gradient: the samples' "
        "gradients were averaged, not summed",
        "carried_from": "carried from your {} (the error entered there)",
        "sample": "{}, sample {}",
        "combined": "{}, of L over the samples",
    },
    "zh": {
        "title": "卷积作业检查",
        "columns": "网格|正确数|判定",
        "right": "正确",
        "carried": "由你前面的数值带来的错误",
        "too_few": "小数位数太少：不带小数的数不表示四舍五入",
        "wrong": "错误",
        "summary": "共 {} 个数，{} 个正确。",
        "wrong_cells": "{} 中错误的数：",
        "cell": "第 {} 行第 {} 列：你写的是 {}，正确值是 {}",
        "delta_a": "滤波器 {} 的 ∂L/∂a（池化层分配之后）",
        "delta_z": "滤波器 {} 的 δ 图（∂L/∂z）",
        "grad_w": "滤波器 {}、通道 {} 的 ∂L/∂W",
        "grad_b": "滤波器 {} 的 ∂L/∂b",
        "grad_x": "∂L/∂x，通道 {}",
        "kernel_not_rotated": "∂L/∂x 是 δ 与旋转 180° 的卷积核做全卷积：这里直接用了原卷积核",
        "pool_to_all": "最大池化只把每个窗口的梯度交给窗口中的最大者：这里分给了窗口中的每个输入",
        "tie_routed_elsewhere": "最大池化窗口中有并列最大值时，梯度交给按阅读顺序的第一个最大值（与 "
        "torch 相同）：这里交给了另一个并列的最大值",
        "pool_not_divided": "平均池化把窗口梯度的 1/size² 分给每个输入：这里没有除",
        "one_position": "卷积核的权重被每个位置共享：它的梯度是所有位置之和，而不是一个位置的项",
        "one_position_bias": "滤波器的偏置加在每个位置上：它的梯度是整个 δ 图之和，而不是一个位置的 δ",
        "kernel_gradient_rotated": "∂L/∂W = x ⋆ δ 是互相关：结果被旋转了 180°（做成了卷积）",
        "activation_derivative_missing": "δ = ∂L/∂a ⊙ f′(z)：漏掉了激活函数的导数",
        "first_sample_only": "对所有样本的 L 求 ∂L/∂W 要用每个样本的梯度：这里只写了样本 1 的梯度",
        "first_sample_only_bias": "对所有样本的 L 求 ∂L/∂b 要用每个样本的梯度：这里只写了样本 1 的梯度",
        "unwritten": "未写出，因此未检查：{}。",
        "summed_samples": "L 是各样本损失的平均，梯度也要平均：这里把各样本的梯度相加了",
        "averaged_samples": "L 是各样本损失之和，梯度也要相加：这里把各样本的梯度平均了",
        "carried_from": "由你的 {} 带来的错误（错误出现在那里）",
        "sample": "{}，样本 {}",
        "combined": "{}，对所有样本的 L",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS["zh" if lang == "zh" else "en"]


def quantity_words(quantity: Quantity, lang: str, samples: bool = False) -> str:
    """What a grid is; with `samples` (a several-sample report) whose sample, or L's."""
    all_words = words(lang)
    said = all_words[quantity.kind]
    f, c = quantity.filter + 1, quantity.channel + 1
    if quantity.kind == "grad_w":
        named = said.format(f, c)
    elif quantity.kind == "grad_x":
        named = said.format(c)
    else:
        named = said.format(f)
    if quantity.sample < 0:
        return all_words["combined"].format(named)
    if samples:
        return all_words["sample"].format(named, quantity.sample + 1)
    return named


def _mistake_key(mistake: str, quantity: Quantity) -> str:
    """The words of a mistake for this quantity: one position's term of a bias is its δ."""
    if mistake in ("one_position", "first_sample_only") and quantity.kind == "grad_b":
        return f"{mistake}_bias"
    return mistake


def report_blocks(report: ConvHandReport, lang: str) -> tuple[Block, ...]:
    """The report: a table of the grids, then each wrong grid's wrong cells."""
    said = words(lang)
    header = tuple(text(w) for w in said["columns"].split("|"))
    rows = []
    details: list[Block] = []
    samples = any(c.quantity.sample != 0 for c in report.cells)
    for name, quantity, cells in report.grids():
        right = sum(c.verdict == RIGHT for c in cells)
        verdicts = {c.verdict for c in cells}
        mistakes = sorted({c.mistake for c in cells if c.mistake})
        if verdicts == {RIGHT}:
            verdict = said["right"]
        elif TOO_FEW_DECIMALS in verdicts and not mistakes and WRONG not in verdicts:
            verdict = said["too_few"]
        elif CARRIED_ERROR in verdicts and not mistakes and WRONG not in verdicts:
            origins = tuple(dict.fromkeys(o for c in cells for o in c.origin))
            verdict = (
                said["carried_from"].format(", ".join(origins)) if origins else said["carried"]
            )
        else:
            verdict = said["wrong"] + "".join(
                f": {said[_mistake_key(m, quantity)]}" for m in mistakes
            )
        label = f"{name} — {quantity_words(quantity, lang, samples)}"
        rows.append((text(label), text(f"{right}/{len(cells)}"), text(verdict)))
        wrong = [c for c in cells if c.verdict != RIGHT]
        if wrong and len(cells) > 1:
            details.append(Paragraph(text(said["wrong_cells"].format(name))))
            details.append(
                Items(
                    tuple(
                        (
                            Text(
                                said["cell"].format(
                                    c.row + 1, c.col + 1, c.text, f"{c.expected:.6g}"
                                )
                            ),
                        )
                        for c in wrong
                    )
                )
            )
    right = sum(c.verdict == RIGHT for c in report.cells)
    total = len(report.cells)
    counts = (total, right) if lang == "zh" else (right, total)
    return (
        Heading(text(said["title"]), 2),
        Table(header, tuple(rows), align="lrl"),
        *details,
        *(
            [Paragraph(text(said["unwritten"].format(", ".join(report.unwritten))))]
            if report.unwritten
            else []
        ),
        Paragraph(text(said["summary"].format(*counts))),
    )
