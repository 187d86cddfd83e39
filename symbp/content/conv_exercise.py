"""What a convolution exercise says: each student's worksheet (the network, their image and
parameters as grids, what to compute and how to write it for check-hand) and the teacher's key
(the answers in check-hand's own format, so that `symbp check-hand key.txt --spec problem.toml`
judges it all right)."""

from __future__ import annotations

from symbp.classroom.conv_selfcheck import asked_cells
from symbp.classroom.conv_variants import ConvVariant
from symbp.content.blocks import (
    Block,
    Document,
    GridFigure,
    GridPanel,
    Heading,
    Items,
    Math,
    Paragraph,
    Table,
    text,
)
from symbp.content.conv_hand import words as hand_words
from symbp.content.exercise import SelfCheckPage
from symbp.content.expr import Name, Sym
from symbp.content.labels import labels
from symbp.content.numbers import given
from symbp.core.conv_spec import ConvLayer, ConvSpec, DenseLayer, PoolLayer
from symbp.handcheck.conv import MISTAKES

WORDS = {
    "en": {
        "title": "Convolution exercise",
        "intro": "Your own numbers for this network (shapes are channels × height × width):",
        "input": "your image x",
        "kernel": "kernel of filter {}",
        "kernel_channel": "kernel of filter {}, channel {}",
        "parameters": "The biases and the dense layer's weights:",
        "biases": "The biases:",
        "dense_matrix": "{} ({}×{}): row k holds unit k's weights; column m is the m-th input",
        "flatten_order": ", the {}×{}×{} maps flattened in (channel c, row i, column j) order: "
        "m = (c − 1)·{} + (i − 1)·{} + j",
        "dense_order": ", the previous dense layer's unit m",
        "columns": "parameter|values",
        "targets": "Targets: {}.",
        "task": "Compute, to {} decimals, for the first convolution layer: the δ map of each "
        "filter (δ = ∂L/∂z){}, each kernel's gradient ∂L/∂W, each bias's gradient ∂L/∂b and "
        "the input's gradient ∂L/∂x. Write each grid under its name, one row a line:",
        "after_pool": ", the gradient after the pooling layer (∂L/∂a)",
        "check": "Then check your numbers: symbp check-hand answers.txt --spec problem.toml",
        "layer_input": "input: {}",
        "layer_conv": "convolution: {} filter(s) {}×{}, stride {}, padding {}, {}: {}",
        "layer_pool": "{} pooling {}×{}, stride {}: {}",
        "layer_dense": "dense: {} unit(s), {}",
        "layer_loss": "loss: {}",
        "selfcheck_intro": "Type your numbers into the blanks, one cell of a grid each (row, "
        "column counted from 1), and press the button: each is judged as symbp check-hand "
        "judges convolution homework (right at the precision you wrote it to, or within 1%); "
        "a grid typed in full is judged as a grid, so a kernel's or the input's gradient worked "
        "from your own wrong δ map is called carried, and a classic mistake that gives your "
        "numbers is named. This page works offline; nothing you type leaves it.",
    },
    "zh": {
        "title": "卷积练习",
        "intro": "这个网络中属于你的数值（形状为 通道 × 高 × 宽）：",
        "input": "你的图像 x",
        "kernel": "滤波器 {} 的卷积核",
        "kernel_channel": "滤波器 {}、通道 {} 的卷积核",
        "parameters": "偏置与全连接层的权重：",
        "biases": "偏置：",
        "dense_matrix": "{}（{}×{}）：第 k 行是单元 k 的权重；第 m 列对应第 m 个输入",
        "flatten_order": "，即 {}×{}×{} 的特征图按（通道 c、行 i、列 j）的顺序展平："
        "m = (c − 1)·{} + (i − 1)·{} + j",
        "dense_order": "，即前一全连接层的单元 m",
        "columns": "参数|数值",
        "targets": "目标值：{}。",
        "task": "对第一个卷积层计算（保留 {} 位小数）：每个滤波器的 δ 图（δ = ∂L/∂z）{}、每个卷积核的梯度 "
        "∂L/∂W、每个偏置的梯度 ∂L/∂b 以及输入的梯度 ∂L/∂x。把每个网格写在它的名字下面，每行一行：",
        "after_pool": "、池化层之后的梯度（∂L/∂a）",
        "check": "然后检查你的答案：symbp check-hand answers.txt --spec problem.toml",
        "layer_input": "输入：{}",
        "layer_conv": "卷积：{} 个 {}×{} 滤波器，步长 {}，填充 {}，{}：{}",
        "layer_pool": "{} 池化 {}×{}，步长 {}：{}",
        "layer_dense": "全连接：{} 个单元，{}",
        "layer_loss": "损失：{}",
        "selfcheck_intro": "在空格中填入你的数，每个空格是网格的一个单元（行、列从 1 数起），然后按下按钮："
        "每个数都按 symbp check-hand 判断卷积作业的方式判断（按你所写的精度正确，或误差在 1% 以内）；"
        "一个网格全部填写时按整个网格判断，由你自己错误的 δ 图算出的卷积核梯度或输入梯度称为传递的错误，"
        "与你的数相符的典型错误会被指出。本页离线工作，你输入的内容不会离开本页。",
    },
}


def _words(lang: str) -> dict[str, str]:
    return WORDS["zh" if lang == "zh" else "en"]


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


def _grid_names(variant: ConvVariant) -> list[tuple[str, str, object]]:
    """(name as check-hand reads it, kind, the grid or number) in the order a key lists them."""
    layer = variant.layer
    several = layer.filters > 1
    channels = layer.channels
    found: list[tuple[str, str, object]] = []
    for f in range(layer.filters):
        index = str(f + 1) if several else ""
        if layer.pool is not None:
            found.append((f"dL/da{index}", "grid", layer.delta_a[f]))
        found.append((f"delta{index}", "grid", layer.delta_z[f]))
        for c in range(channels):
            suffix = f"{f + 1}_{c + 1}" if channels > 1 else index
            found.append((f"dL/dW{suffix}", "grid", layer.grad_kernels[f, c]))
        found.append((f"dL/db{index}", "number", float(layer.grad_bias[f])))
    for c in range(channels):
        found.append((f"dL/dX{c + 1 if channels > 1 else ''}", "grid", layer.grad_input[c]))
    return found


def key_text(variant: ConvVariant, answer_decimals: int) -> str:
    """The answers in check-hand's format, rounded to the asked decimals."""

    def shown(value: float) -> str:
        return f"{value + 0.0:.{answer_decimals}f}"

    lines = [f"# key of {variant.student.id}: the first convolution layer"]
    for name, kind, item in _grid_names(variant):
        if kind == "number":
            lines.append(f"{name} = {shown(float(item))}")  # type: ignore[arg-type]
            continue
        lines.append(f"{name} =")
        for row in item:  # type: ignore[attr-defined]
            lines.append("  ".join(shown(float(v)) for v in row))
    return "\n".join(lines) + "\n"


def worksheet_document(
    variant: ConvVariant, lang: str, answer_decimals: int, title: str = ""
) -> Document:
    words = _words(lang)
    spec = variant.spec
    layer = variant.layer
    items = [text(words["layer_input"].format(_shape(spec.input_shape)))]
    for entry in spec.layers:
        if isinstance(entry, ConvLayer):
            items.append(text(words["layer_conv"].format(
                entry.filters, entry.kernel, entry.kernel, entry.stride, entry.padding,
                entry.activation, _shape(entry.out_shape))))  # fmt: skip
        elif isinstance(entry, PoolLayer):
            items.append(text(words["layer_pool"].format(
                entry.kind, entry.size, entry.size, entry.stride, _shape(entry.out_shape))))  # fmt: skip
        elif isinstance(entry, DenseLayer):
            items.append(text(words["layer_dense"].format(entry.outputs, entry.activation)))
    items.append(text(words["layer_loss"].format(spec.loss)))
    panels = []
    for c in range(layer.channels):
        grid = layer.x[c]
        title_c = words["input"] + (f" ({c + 1})" if layer.channels > 1 else "")
        panels.append(_panel(title_c, grid))
    for f in range(layer.filters):
        for c in range(layer.channels):
            name = (words["kernel_channel"].format(f + 1, c + 1) if layer.channels > 1
                    else words["kernel"].format(f + 1))  # fmt: skip
            panels.append(_panel(name, layer.kernels[f, c]))
    rows = []
    matrices: list[Block] = []
    dense_weights = {f"{d.name}_w": d for d in spec.layers if isinstance(d, DenseLayer)}
    for key, values in spec.parameters:
        if key.startswith(spec.layers[0].name + "_w"):
            continue
        if key in dense_weights:  # a matrix with its shape and the order of its columns
            matrices += _dense_matrix(spec, dense_weights[key], values, words)
            continue
        rows.append((text(key), text(", ".join(given(v) for v in values))))
    heading = words["parameters"] if matrices else words["biases"]
    parameters: list[Block] = [Paragraph(text(heading))] if rows or matrices else []
    if rows:
        header = tuple(text(w) for w in words["columns"].split("|"))
        parameters.append(Table(header, tuple(rows), align="ll"))
    parameters += matrices
    names = tuple(text(f"{name} = …") for name, _, _ in _grid_names(variant))
    pooled = words["after_pool"] if layer.pool is not None else ""
    blocks: list[Block] = [
        Heading(text(title or f"{words['title']} — {variant.student.id}"), 2),
        Paragraph(text(words["intro"])),
        Items(tuple(items)),
        GridFigure(tuple(panels)),
        *parameters,
        Paragraph(text(words["targets"].format(", ".join(given(v) for v in spec.targets[0])))),
        Paragraph(text(words["task"].format(answer_decimals, pooled))),
        Items(names),
        Paragraph(text(words["check"]), "note"),
    ]
    return Document(title or words["title"], lang, tuple(blocks))


def _dense_matrix(
    spec: ConvSpec, dense: DenseLayer, values: tuple[float, ...], words: dict[str, str]
) -> list[Block]:
    """A dense layer's weights as the matrix they are, [outputs][inputs], with what its columns
    are: the flattened maps in (c, i, j) order, or the previous dense layer's units."""
    outputs, inputs = dense.weight_shape
    shape = _flattened_shape(spec, dense)
    said = words["dense_matrix"].format(dense.name + "_w", outputs, inputs)
    if shape is not None:
        channels, height, width = shape
        said += words["flatten_order"].format(channels, height, width, height * width, width)
    else:
        said += words["dense_order"]
    matrix = [values[k * inputs : (k + 1) * inputs] for k in range(outputs)]
    return [
        Paragraph(text(said + ":")),
        GridFigure((_panel(f"{dense.name}_w", matrix),)),
    ]


def _flattened_shape(spec: ConvSpec, dense: DenseLayer) -> tuple[int, int, int] | None:
    """The C×H×W maps a dense layer reads flattened, or None when it reads a dense layer."""
    shape: tuple[int, int, int] | None = spec.input_shape
    for layer in spec.layers:
        if layer is dense:
            return shape
        if isinstance(layer, ConvLayer | PoolLayer):
            shape = layer.out_shape
        elif isinstance(layer, DenseLayer):
            shape = None
    return shape


def _panel(title: str, grid: object) -> GridPanel:
    values = tuple(tuple(float(v) for v in row) for row in grid)  # type: ignore[attr-defined]
    return GridPanel(title, values, tuple(tuple(given(v) for v in row) for row in values))


# -- the self-check page ---------------------------------------------------------------------------


def cell_math(key: str) -> Math:
    """A blank's name as mathematics: delta1[1,2] as δ1[1,2], dL/dW1[3,1] as ∂L/∂W1[3,1]."""
    shown = key.replace("dL/d", "∂L/∂").replace("delta", "δ")
    return Math(Sym(Name(shown, plain=key)))


def selfcheck_page(variant: ConvVariant, lang: str, answer_decimals: int) -> SelfCheckPage:
    """A student's self-check page as content: the worksheet's problem and a blank per cell of
    every grid it asks for (the format adds the form)."""
    document = worksheet_document(variant, lang, answer_decimals)
    check_line = _words(lang)["check"]
    blocks = tuple(
        b for b in document.blocks if not (isinstance(b, Paragraph) and b.parts == text(check_line))
    )
    blocks += (Paragraph(text(_words(lang)["selfcheck_intro"])),)
    rows = tuple((cell.key, cell_math(cell.key)) for cell, _ in asked_cells(variant.layer))
    return SelfCheckPage(document.title, lang, blocks, rows)


def page_labels(lang: str) -> dict[str, str]:
    """The words the convolution self-check page's script says."""
    general = labels(lang)
    said = {k: v for k, v in general.items() if k.startswith("selfcheck_")}
    hand = hand_words(lang)
    said |= {
        "conv_right": hand["right"],
        "conv_carried": hand["carried"],
        "conv_too_few": hand["too_few"],
        "conv_wrong": hand["wrong"],
        "conv_summary": hand["summary"],
    }
    mistakes = (*MISTAKES, "one_position_bias")
    return said | {f"mistake_{m}": hand[m] for m in mistakes}
