"""The words of a convolutional network's derivation, in each language ("{}" marks where math
or a word goes), kept beside the other labels' module so that each feature's words are one
place to translate."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from symbp.errors import SymbpError

_EN: dict[str, str] = {
    "title": "Convolutional network: {}",
    "network": "The network, layer by layer (shapes are [channels, height, width]):",
    "input": "input {}",
    "conv": "{}: conv, {} filter(s) {}×{}, stride {}, padding {}, activation {} → {}",
    "pool": "{}: {} pooling {}×{}, stride {} → {}",
    "flatten": "{}: flatten → {} values",
    "dense": "{}: dense, {} unit(s), activation {}",
    "loss": "Loss: {} ({}), over {}.",
    "samples_one": "one sample",
    "samples_many": "{} samples, L the {} of their losses",
    "mean": "mean",
    "sum": "sum",
    "weight_heading": "The gradient of {}",
    "shared": "{} is a kernel weight of filter {} of {}: the same weight is used at every "
    "output position of that filter. At position (i, j) it multiplies {}. The backward sweep "
    "gives a shared weight the sum over its uses, one term per position it touched: {} "
    "position(s) here{}.",
    "padding_skipped": " (positions where it falls on the padding contribute 0 and are left out)",
    "one_use": "{} is used once, so its gradient is one term: {}.",
    "uses": "{} is used in {} places, so its gradient is the sum of {} terms.",
    "general": "In general:",
    "terms": "Each term: δ at the position × the value the weight multiplies there "
    "(formula = numbers = value):",
    "position": "(i, j) = ({}, {})",
    "sample_position": "sample {}, (i, j) = ({}, {})",
    "through": "through {}",
    "more_terms": "… and {} more terms (every term is in the JSON output), summing to {}.",
    "total": "Sum of the terms:",
    "delta_map": "δ map of filter {} of {} (∂L/∂z at each output position, rows i, columns j){}:",
    "input_map": "The values {} the kernel slides over (channel {}, rows and columns as "
    "indexed){}:",
    "sample_one": ", sample 1",
    "delta_heading": "Where each δ comes from",
    "delta_rule": "Each δ is ∂L/∂a at the same position times the activation's derivative, e.g. "
    "at the position whose δ is largest:",
    "max_routing": "{} is max pooling: each window's gradient goes to its first maximum in "
    "row-major order (as torch routes ties); the window's other entries get 0. Winners, "
    "sample 1{}:",
    "avg_routing": "{} is average pooling: each entry of a window gets the window's gradient "
    "÷ {} (its size²).",
    "routing_columns": "pooled value|window's winner|its value|gradient passed",
    "more_windows": " (the first {} of {} windows)",
    "tensor_heading": "Tensor form",
    "shapes": "Shapes: X (the layer's input) {}, W {}, δ {}, padding {}, stride {}.",
    "tensor_weight": "∂L/∂W[f, c] = X[c] ⋆ δ[f]: the valid cross-correlation of the (padded) "
    "input channel with the filter's δ map{}, a {}×{} grid; ∂L/∂b[f] = Σ δ[f].",
    "dilated": " (δ dilated by the stride: {} zero(s) between its entries)",
    "tensor_input": "∂L/∂X[c] = Σ_f δ[f] full-convolved with W[f, c] rotated by 180°{}, "
    "a {}×{} grid (the padding's border cut off).",
    "kernel_grid": "∂L/∂W for filter {}, channel {} (rows u, columns v):",
    "tensor_agrees": "Computing X[c] ⋆ δ[f] from the two grids above gives the same {}×{} "
    "numbers (largest difference {}).",
    "input_heading": "The gradient with respect to the input",
    "input_grid": "∂L/∂x for channel {} of sample 1 (rows i, columns j):",
    "input_delta": "δ[f] for filter {} (rows i, columns j):",
    "input_rotated": "rot180(W[f, c]) for filter {}, channel {}: the kernel rotated 180°:",
    "input_agrees": "Computing Σ_f δ[f] ∗full rot180(W[f, c]) from the grids gives the same "
    "numbers (largest difference {}).",
    "node_heading": "The gradient of {}",
    "all_heading": "Every parameter's gradient",
    "all_columns": "parameter|value|∂L/∂p",
    "check_heading": "Check: torch autograd ({}) and central differences",
    "check_columns": "quantity|symbp|torch|Δ|central difference|Δ",
    "check_summary": "All {} parameter gradients and {} input gradients agree with torch "
    "autograd within {}·max(1, |g|) (largest Δ {}); central differences of torch's forward "
    "pass for {} parameter(s) agree within {}·max(1, |g|) (largest Δ {}).",
    "check_kinks": " {} central difference(s) straddle a kink (a relu at 0, a tie in a max) and "
    "are not counted.",
    "check_rounding": " * FD not applicable for {}: the step (1e-6·max(1, |p|)) is below the "
    "resolution of the loss (|L| = {}), so the central difference is rounding; symbp equals "
    "torch autograd there.",
    "not_applicable": "n/a*",
    "verdict_ok": "Every gradient agrees",
    "verdict_bad": "Some gradients DISAGREE",
}

_ZH: dict[str, str] = {
    "title": "卷积网络：{}",
    "network": "网络逐层如下（形状为 [通道, 高, 宽]）：",
    "input": "输入 {}",
    "conv": "{}：卷积，{} 个 {}×{} 卷积核，步幅 {}，填充 {}，激活函数 {} → {}",
    "pool": "{}：{} 池化 {}×{}，步幅 {} → {}",
    "flatten": "{}：展平 → {} 个值",
    "dense": "{}：全连接，{} 个单元，激活函数 {}",
    "loss": "损失：{}（{}），{}。",
    "samples_one": "一个样本",
    "samples_many": "{} 个样本，L 取其损失的{}",
    "mean": "平均",
    "sum": "总和",
    "weight_heading": "{} 的梯度",
    "shared": "{} 是 {} 的第 {} 个卷积核中的权重：该卷积核在每个输出位置都使用同一个权重。"
    "在位置 (i, j) 它乘以 {}。反向传播对共享权重在它的各次使用上求和，每个用到它的位置一项："
    "这里共 {} 个位置{}。",
    "padding_skipped": "（落在填充上的位置贡献为 0，已略去）",
    "one_use": "{} 只被使用一次，所以它的梯度只有一项：{}。",
    "uses": "{} 被使用 {} 次，所以它的梯度是 {} 项之和。",
    "general": "一般形式：",
    "terms": "每一项：该位置的 δ × 权重在该位置所乘的值（公式 = 代入数值 = 结果）：",
    "position": "(i, j) = ({}, {})",
    "sample_position": "样本 {}，(i, j) = ({}, {})",
    "through": "经由 {}",
    "more_terms": "……另有 {} 项（每一项都在 JSON 输出中），合计 {}。",
    "total": "各项之和：",
    "delta_map": "第 {} 个卷积核（{}）的 δ 图（每个输出位置的 ∂L/∂z，行 i，列 j）{}：",
    "input_map": "卷积核滑过的值 {}（通道 {}，行列按下标）{}：",
    "sample_one": "，样本 1",
    "delta_heading": "每个 δ 从何而来",
    "delta_rule": "每个 δ 等于同一位置的 ∂L/∂a 乘以激活函数的导数，例如 δ 最大的位置：",
    "max_routing": "{} 是最大池化：每个窗口的梯度只传给按行优先顺序的第一个最大值（与 torch 处理"
    "并列的方式相同），窗口中其他元素得到 0。样本 1 的胜出者{}：",
    "avg_routing": "{} 是平均池化：窗口中每个元素得到窗口梯度的 1/{}（窗口大小的平方）。",
    "routing_columns": "池化值|窗口的胜出者|其值|传回的梯度",
    "more_windows": "（前 {} 个，共 {} 个窗口）",
    "tensor_heading": "张量形式",
    "shapes": "形状：X（该层的输入）{}，W {}，δ {}，填充 {}，步幅 {}。",
    "tensor_weight": "∂L/∂W[f, c] = X[c] ⋆ δ[f]：（填充后的）输入通道与该卷积核的 δ 图做有效"
    "互相关{}，得到 {}×{} 的网格；∂L/∂b[f] = Σ δ[f]。",
    "dilated": "（δ 按步幅膨胀：元素之间插入 {} 个零）",
    "tensor_input": "∂L/∂X[c] = Σ_f δ[f] 与旋转 180° 的 W[f, c] 做完全卷积{}，得到 {}×{} 的网格"
    "（去掉填充的边框）。",
    "kernel_grid": "第 {} 个卷积核、通道 {} 的 ∂L/∂W（行 u，列 v）：",
    "tensor_agrees": "由上面两个网格计算 X[c] ⋆ δ[f] 得到相同的 {}×{} 个数（最大差 {}）。",
    "input_heading": "对输入的梯度",
    "input_grid": "样本 1 通道 {} 的 ∂L/∂x（行 i，列 j）：",
    "input_delta": "滤波器 {} 的 δ[f]（行 i，列 j）：",
    "input_rotated": "滤波器 {}、通道 {} 的 rot180(W[f, c])：旋转 180° 的卷积核：",
    "input_agrees": "由网格计算 Σ_f δ[f] ∗full rot180(W[f, c]) 得到相同的数（最大差 {}）。",
    "node_heading": "{} 的梯度",
    "all_heading": "每个参数的梯度",
    "all_columns": "参数|值|∂L/∂p",
    "check_heading": "检验：torch 自动求导（{}）和中心差分",
    "check_columns": "量|symbp|torch|Δ|中心差分|Δ",
    "check_summary": "全部 {} 个参数梯度和 {} 个输入梯度与 torch 自动求导一致，误差在 "
    "{}·max(1, |g|) 以内（最大 Δ {}）；对 {} 个参数用 torch 前向计算的中心差分一致，误差在 "
    "{}·max(1, |g|) 以内（最大 Δ {}）。",
    "check_kinks": "有 {} 个中心差分跨过折点（relu 在 0 处、max 中的并列），不计入。",
    "check_rounding": " * 有限差分不适用于 {}：步长（1e-6·max(1, |p|)）小于损失的分辨率"
    "（|L| = {}），中心差分只是舍入误差；这些梯度与 torch 自动求导相同。",
    "not_applicable": "不适用*",
    "verdict_ok": "所有梯度一致",
    "verdict_bad": "有梯度不一致",
}

_LABELS = {"en": MappingProxyType(_EN), "zh": MappingProxyType(_ZH)}


def conv_words(lang: str) -> Mapping[str, str]:
    """The words of a convolutional derivation in a language (en or zh)."""
    if lang not in _LABELS:
        raise SymbpError(f"unknown language {lang!r} (known: {', '.join(_LABELS)})")
    return _LABELS[lang]
