"""What a student's BPTT worksheet and the teacher's key say: the network and its rules, the
student's own numbers, what to compute and how to write it; the key lists every answer."""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import Block, Equations, Heading, Items, Paragraph, Row, Table, text
from symbp.content.numbers import given_num
from symbp.core.rnn import derive_rnn
from symbp.core.rnn_spec import RnnSpec

_WORDS = {
    "en": {
        "given": "Your numbers",
        "asked": "Compute, to {} decimals",
        "forward": "the forward pass: {}, and the loss L",
        "deltas": "the δ recursion back through time: {} (δ_t = ∂L/∂z_t)",
        "weights": "each shared weight's gradient, summed over the steps: {}",
        "how": "Write one line per number in a text file, as students write them on paper: "
        "h1 = 0.4621; a vector h1 = [0.4621, -0.2913]; a matrix row by row, "
        "dL/dW_hh = [[0.0123, -0.0456], [0.0789, 0.0012]]. Check it with "
        "symbp check-hand FILE --spec spec.toml (your folder's spec).",
        "key": "Key",
        "columns": "quantity|answer",
    },
    "zh": {
        "given": "你的数据",
        "asked": "计算下列各量，保留 {} 位小数",
        "forward": "前向传播：{}，以及损失 L",
        "deltas": "沿时间反向的 δ 递推：{}（δ_t = ∂L/∂z_t）",
        "weights": "每个共享权重的梯度（对各步求和）：{}",
        "how": "在文本文件中每行写一个数，像在纸上那样：h1 = 0.4621；向量 h1 = [0.4621, -0.2913]；"
        "矩阵按行写，dL/dW_hh = [[0.0123, -0.0456], [0.0789, 0.0012]]。"
        "用 symbp check-hand 文件 --spec spec.toml（你文件夹里的 spec）检查。",
        "key": "答案",
        "columns": "量|答案",
    },
}


def words(lang: str) -> dict[str, str]:
    return _WORDS[lang]


def key_name(key: str) -> str:
    """An asked quantity as check-hand reads it: h1, L, delta2, dL/dW_hh."""
    if key.startswith("dz"):
        return "delta" + key[2:]
    if key.startswith("dW_") or key.startswith("db_"):
        return "dL/" + key
    return key


def answer_text(values: tuple[float, ...], shape: tuple[int, ...], decimals: int) -> str:
    """An answer as the worksheet asks it written: a number, a vector, a matrix row by row."""
    shown = [f"{v:.{decimals}f}" for v in values]
    if len(shown) == 1:
        return shown[0]
    if len(shape) == 2:
        columns = shape[1]
        rows = [shown[r * columns : (r + 1) * columns] for r in range(shape[0])]
        return "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"
    return "[" + ", ".join(shown) + "]"


def _matrix(rows: tuple[tuple[float, ...], ...], decimals: int) -> E.Node:
    if len(rows) == 1 and len(rows[0]) == 1:
        return given_num(rows[0][0], decimals)
    return E.Matrix(tuple(tuple(given_num(v, decimals) for v in row) for row in rows))


def _name(base: str, sub: str) -> E.Sym:
    return E.Sym(E.Name(base, sub, plain=f"{base}_{sub}"))


def given_rows(spec: RnnSpec, decimals: int) -> tuple[Row, ...]:
    """The student's numbers: the weights, biases, h₀, each step's input and target."""
    rows = []
    for name in ("W_xh", "W_hh", "W_hy"):
        base, _, sub = name.partition("_")
        rows.append(Row(E.equals(_name(base, sub), _matrix(spec.weight(name), decimals))))
    for name, row in spec.biases:
        base, _, sub = name.partition("_")
        rows.append(Row(E.equals(_name(base, sub), _matrix((row,), decimals))))
    rows.append(Row(E.equals(_name("h", "0"), _matrix((spec.initial_states[0],), decimals))))
    for t, x in enumerate(spec.sequences[0], start=1):
        rows.append(Row(E.equals(_name("x", str(t)), _matrix((x,), decimals))))
    for t, y in zip(spec.target_step_indices, spec.targets[0], strict=True):
        rows.append(Row(E.equals(_name("y", str(t)), _matrix((y,), decimals))))
    return tuple(rows)


def worksheet_blocks(
    spec: RnnSpec, asked: tuple[str, ...], decimals: int, answer_decimals: int, lang: str
) -> tuple[Block, ...]:
    """A student's worksheet: the network's rules, their numbers, what to compute."""
    from symbp.content.rnn import _Writer

    said = words(lang)
    intro = _Writer(derive_rnn(spec), lang, answer_decimals).intro()
    steps = spec.n_steps
    states = ", ".join(f"h{t}" for t in range(1, steps + 1))
    deltas = ", ".join(f"delta{t}" for t in range(steps, 0, -1))
    weights = ", ".join(key_name(k) for k in asked if k.startswith("dW_"))
    return (
        Heading(text(spec.title), 2),
        *intro,
        Heading(text(said["given"]), 3),
        Equations(given_rows(spec, decimals)),
        Heading(text(said["asked"].format(answer_decimals)), 3),
        Items(
            (
                text(said["forward"].format(states)),
                text(said["deltas"].format(deltas)),
                text(said["weights"].format(weights)),
            )
        ),
        Paragraph(text(said["how"])),
    )


def key_blocks(
    title: str,
    answers: tuple[tuple[str, tuple[float, ...]], ...],
    shapes: dict[str, tuple[int, ...]],
    answer_decimals: int,
    lang: str,
) -> tuple[Block, ...]:
    said = words(lang)
    header = tuple(text(w) for w in said["columns"].split("|"))
    rows = tuple(
        (text(key_name(key)), text(answer_text(values, shapes[key], answer_decimals)))
        for key, values in answers
    )
    return (Heading(text(f"{said['key']}: {title}"), 2), Table(header, rows, align="lr"))
