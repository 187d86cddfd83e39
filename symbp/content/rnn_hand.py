"""What a checked BPTT homework says: a row per number written (as written, the correct value,
the verdict and the mistake's name in words), where each error entered, and a summary."""

from __future__ import annotations

from symbp.content.blocks import Block, Heading, Paragraph, Table, text
from symbp.content.numbers import result_num
from symbp.handcheck.recurrent import RnnHandReport, RnnVerdict

_EN = {
    "title": "Backpropagation through time: homework checked",
    "columns": "quantity|written|correct|verdict",
    "right": "right",
    "carried": "carried from {}",
    "wrong": "wrong",
    "entered": "The error entered at {}: written {}, correct {}.",
    "carried_note": "A number marked carried follows from the student's own earlier wrong "
    "number; it is not a new mistake.",
    "all_right": "Every number is right.",
    "summary": "{} of {} numbers right.",
    "recurrent_path_dropped": "the path back through time is missing: δ_t adds W_hhᵀ δ_(t+1) "
    "from the next step to the step's own output's gradient",
    "output_path_dropped": "the step's own output is missing: ∂L/∂h_t adds W_hyᵀ ∂L/∂o_t to "
    "what comes back from the next step",
    "last_step_only": "a shared weight's gradient is the sum of its terms over every step, not "
    "the last step's term alone",
    "state_step_shifted": "W_hh's term at step t is δ_t h_(t−1)ᵀ, the state it multiplied, not "
    "δ_t h_tᵀ",
    "wrong_local_value": "the activation's derivative is taken at the wrong value (z_t and h_t "
    "exchanged: tanh′(z_t) is 1 − h_t²)",
    "previous_state_dropped": "h_t needs W_hh h_(t−1) as well as W_xh x_t",
    "activation_not_applied": "h_t is f(z_t): the activation is not applied",
    "output_sign_flipped": "the output error's sign is flipped: ∂L/∂y_t is the loss's "
    "derivative (y_t − target for ½(y_t − target)²), not its negative",
}
_ZH = {
    "title": "随时间反向传播：作业检查",
    "columns": "量|所写|正确值|判定",
    "right": "正确",
    "carried": "由 {} 传来",
    "wrong": "错误",
    "entered": "错误从 {} 开始：写的是 {}，正确值是 {}。",
    "carried_note": "标为“传来”的数由学生自己前面的错误数算出，不是新的错误。",
    "all_right": "所有的数都正确。",
    "summary": "{} 个数中 {} 个正确。",
    "recurrent_path_dropped": "缺少沿时间反向的路径：δ_t 除了本步输出的梯度，还要加上下一步传回的 "
    "W_hhᵀ δ_(t+1)",
    "output_path_dropped": "缺少本步输出的路径：∂L/∂h_t 除了下一步传回的梯度，"
    "还要加上 W_hyᵀ ∂L/∂o_t",
    "last_step_only": "共享权重的梯度是它在每一步的项之和，而不只是最后一步的项",
    "state_step_shifted": "W_hh 在第 t 步的项是 δ_t h_(t−1)ᵀ（它所乘的状态），而不是 δ_t h_tᵀ",
    "wrong_local_value": "激活函数的导数在错误的值处计算"
    "（z_t 与 h_t 弄反了：tanh′(z_t) 是 1 − h_t²）",
    "previous_state_dropped": "h_t 除了 W_xh x_t 还需要 W_hh h_(t−1)",
    "activation_not_applied": "h_t 是 f(z_t)：没有作用激活函数",
    "output_sign_flipped": "输出误差的符号反了：∂L/∂y_t 是损失的导数"
    "（½(y_t − 目标)² 的导数是 y_t − 目标），不是它的相反数",
}
WORDS = {"en": _EN, "zh": _ZH}


def words(lang: str) -> dict[str, str]:
    return WORDS[lang]


def vector_text(values: tuple[float, ...]) -> str:
    """A value as a report shows it: a number, or a vector in brackets."""
    shown = [result_num(v).text for v in values]
    return shown[0] if len(shown) == 1 else "(" + ", ".join(shown) + ")"


def verdict_words(verdict: RnnVerdict, lang: str) -> str:
    said = words(lang)
    if verdict.verdict == "carried":
        return said["carried"].format(", ".join(verdict.follows))
    found = said[verdict.verdict]
    if verdict.mistake:
        found += (": " if lang == "en" else "：") + said[verdict.mistake]
    return found


def hand_blocks(report: RnnHandReport, lang: str = "en") -> tuple[Block, ...]:
    """The report as blocks: heading, table, where each error entered, summary."""
    said = words(lang)
    header = tuple(text(w) for w in said["columns"].split("|"))
    rows = tuple(
        (
            text(v.name),
            text(v.written),
            text(vector_text(v.expected)),
            text(verdict_words(v, lang)),
        )
        for v in report.verdicts
    )
    blocks: list[Block] = [Heading(text(said["title"]), 2), Table(header, rows, align="lrrl")]
    for verdict in report.entered:
        blocks.append(
            Paragraph(
                text(
                    said["entered"].format(
                        verdict.name, verdict.written, vector_text(verdict.expected)
                    )
                )  # fmt: skip
            )
        )
    if any(v.verdict == "carried" for v in report.verdicts):
        blocks.append(Paragraph(text(said["carried_note"])))
    right = sum(v.verdict == "right" for v in report.verdicts)
    total = len(report.verdicts)
    counts = (total, right) if lang == "zh" else (right, total)
    summary = said["all_right"] if report.all_right else said["summary"].format(*counts)
    blocks.append(Paragraph(text(summary)))
    return tuple(blocks)
