"""The words of a convolutional network's handout, in English and Chinese (each `{}` is filled
with a name, a number or a formula by content/conv_handout.py)."""

from __future__ import annotations

WORDS = {
    "en": {
        "title": "Backpropagation through a convolutional network",
        "layers": "The network, layer by layer (shapes are channels × height × width):",
        "input": "input {}: {}",
        "conv": "{}: {} filter(s) {}×{}, stride {}, padding {}, activation {}: {}",
        "pool": "{}: {} pooling {}×{}, stride {}: {}",
        "flatten": "flatten: {} values in channel, row, column order",
        "dense": "{}: {} unit(s), activation {}",
        "loss": "loss: {}",
        "names": "Names: x the input, w and b the kernels and biases, z the convolution's output, "
        "a its activation, p the pooled map; in the dense layer v and c are the weights and "
        "biases, s the weighted sums and o the outputs; indices count from 1 (filter, row, "
        "column); δ is ∂L/∂z.",
        "forward": "Forward pass",
        "window": "The kernel of filter {} slides over the input; at each position the products "
        "of the window with the kernel are added, with the bias:",
        "window_figure": "The window that makes {} (framed) and the kernel:",
        "maps": "Every position and filter (the activation is applied cell by cell; the pooling "
        "windows are dashed, each max window's winner framed in green):",
        "dense_forward": "The dense layer and the loss:",
        "loss_forward": "The loss:",
        "backward": "Backward pass",
        "output_deltas": "From the loss back to the pooled map: each pooled value feeds every "
        "unit of the dense layer, so its gradient adds their terms:",
        "loss_deltas": "From the loss back to the map that feeds it: each value's gradient is "
        "the loss's derivative with respect to it:",
        "max_routing": "Max pooling passes each window's gradient to its winner alone (the first "
        "largest input in reading order, as torch breaks ties); every other input of the window "
        "gets 0:",
        "avg_routing": "Average pooling hands each input of a window its share: the window's "
        "gradient divided by {}:",
        "delta_maps": "The δ map of each filter: δ = ∂L/∂a ⊙ f′(z), cell by cell",
        "delta_nonzero": "The cells where δ is not 0:",
        "delta_zero": "All other cells of the δ maps are 0.",
        "more_rows": "… and {} more rows of the same form: their values are in the grids.",
        "kernel_sum": "A kernel weight is used at every position of its filter, so its gradient "
        "is the sum over every position it touched of δ there times the input under the weight:",
        "kernel_zero_terms": "The other {} positions have δ = 0 and add nothing.",
        "kernel_rows": "The other weights of filter 1 the same way (the terms where δ is not 0; the "
        "other filters' weights are the same sums, their values in the grids below):",
        "kernel_summary": "The layer has {} kernel weights; their gradients are in the grids "
        "below, each the same sum over positions.",
        "kernel_grids": "The kernels' gradients ∂L/∂W:",
        "bias": "A filter's bias is added at every position: its gradient is the sum of the "
        "filter's δ map:",
        "input_gradient": "Each input value is under several windows: its gradient sums δ × "
        "the kernel weight that touched it, over every window that covered it:",
        "input_grid": "The gradient of the input, ∂L/∂x:",
        "tensor": "The tensor form, with every shape",
        "tensor_w": "∂L/∂W ({}) = X ⋆ δ: the valid cross-correlation of each input channel "
        "X ({}){} with each δ map ({}){}:",
        "tensor_x": "∂L/∂X ({}) = δ full-convolved with the kernel rotated 180°: δ{} padded "
        "by k − 1 = {} on every side and cross-correlated with rot180(W){}:",
        "padded": ", padded by p = {} zero(s) on every side,",
        "dilated_w": ", dilated by the stride s = {} ({} zero(s) inserted between neighbouring "
        "entries)",
        "dilated_x": " dilated by the stride s = {} ({} zero(s) inserted between neighbouring "
        "entries),",
        "cropped": ", then the padding's border p = {} cut off",
        "uncovered": " (the input's last rows or columns that no window reached get 0)",
        "outside": " (x = 0 outside the image: the padding)",
        "tensor_b": "∂L/∂b ({}) = the sum of each δ map:",
        "rule_w": "∂L/∂w[f,c,u,v] = Σ over i, j of δ[f,i,j] · x[c, {}, {}]{}",
        "rule_x": "∂L/∂x[c,m,n] = Σ over f, i, j of δ[f,i,j] · w[f, c, {}, {}] (the weights "
        "that fall inside the kernel)",
        "rule_b": "∂L/∂b[f] = Σ over i, j of δ[f,i,j]",
        "results": "Every gradient",
        "check": "Checked against torch",
        "check_columns": "quantity|values|largest difference from torch",
        "check_ok": "symbp and torch agree to within 1e-10.",
        "check_bad": "symbp and torch DISAGREE.",
        "weights_kind": "kernel weights and biases",
        "input_kind": "the input",
        "dense_kind": "dense weights and biases",
        "loss_kind": "the loss L",
        "grid_input": "input x, channel {}",
        "grid_kernel": "kernel w, filter {}",
        "grid_kernel_channel": "kernel w, filter {}, channel {}",
        "grid_z": "z, filter {}",
        "grid_a": "a, filter {}",
        "grid_p": "p, filter {}",
        "grid_dp": "∂L/∂p, filter {}",
        "grid_da": "∂L/∂a, filter {}",
        "grid_delta": "δ, filter {}",
        "grid_dw": "∂L/∂w, filter {}",
        "grid_dw_channel": "∂L/∂w, filter {}, channel {}",
        "grid_dx": "∂L/∂x, channel {}",
        "text_words": "scale|[ ] window|* winner",
    },
    "zh": {
        "title": "卷积网络的反向传播",
        "layers": "网络的各层（形状为 通道 × 高 × 宽）：",
        "input": "输入 {}：{}",
        "conv": "{}：{} 个 {}×{} 滤波器，步长 {}，填充 {}，激活函数 {}：{}",
        "pool": "{}：{} 池化 {}×{}，步长 {}：{}",
        "flatten": "展平：{} 个值，按通道、行、列的顺序",
        "dense": "{}：{} 个单元，激活函数 {}",
        "loss": "损失：{}",
        "names": "记号：x 为输入，w 和 b 为卷积核与偏置，z 为卷积的输出，a 为其激活值，p 为池化后的图；"
        "全连接层中 v 和 c 为权重与偏置，s 为加权和，o 为输出；下标从 1 开始（滤波器、行、列）；"
        "δ 即 ∂L/∂z。",
        "forward": "前向传播",
        "window": "滤波器 {} 的卷积核在输入上滑动；在每个位置，窗口与卷积核对应相乘再求和，并加上偏置：",
        "window_figure": "产生 {} 的窗口（框出）与卷积核：",
        "maps": "所有位置与滤波器（激活函数逐格作用；池化窗口为虚线，每个最大池化窗口的最大者以绿框标出）：",
        "dense_forward": "全连接层与损失：",
        "loss_forward": "损失：",
        "backward": "反向传播",
        "output_deltas": "从损失回到池化后的图：每个池化值连到全连接层的每个单元，所以它的梯度是各项之和：",
        "loss_deltas": "从损失回到直接送入损失的图：每个值的梯度就是损失对它的导数：",
        "max_routing": "最大池化只把每个窗口的梯度传给窗口中的最大者（按阅读顺序的第一个最大值，与 torch "
        "的处理相同）；窗口中其他输入得到 0：",
        "avg_routing": "平均池化把窗口的梯度平均分给每个输入：除以 {}：",
        "delta_maps": "每个滤波器的 δ 图：δ = ∂L/∂a ⊙ f′(z)，逐格计算",
        "delta_nonzero": "δ 不为 0 的格：",
        "delta_zero": "δ 图的其余格都是 0。",
        "more_rows": "……另有 {} 行形式相同：它们的数值见网格。",
        "kernel_sum": "卷积核的一个权重在该滤波器的每个位置都被使用，所以它的梯度是它经过的所有位置上"
        "（该处的 δ × 该权重下的输入）之和：",
        "kernel_zero_terms": "其余 {} 个位置的 δ = 0，不贡献任何项。",
        "kernel_rows": "滤波器 1 的其他权重同理（只列出 δ 不为 0 的项；其他滤波器的权重是同样的和，数值见下面的网格）：",
        "kernel_summary": "该层有 {} 个卷积核权重；它们的梯度见下面的网格，每个都是同样的对位置求和。",
        "kernel_grids": "卷积核的梯度 ∂L/∂W：",
        "bias": "滤波器的偏置在每个位置都被加上：它的梯度是该滤波器 δ 图之和：",
        "input_gradient": "每个输入值位于若干窗口之下：它的梯度是覆盖它的每个窗口中 δ × 碰到它的卷积核权重之和：",
        "input_grid": "输入的梯度 ∂L/∂x：",
        "tensor": "张量形式与各自的形状",
        "tensor_w": "∂L/∂W（{}）= X ⋆ δ：每个输入通道 X（{}）{}与每个 δ 图（{}）{}的有效互相关：",
        "tensor_x": "∂L/∂X（{}）= δ 与旋转 180° 的卷积核做全卷积：δ{}每边填充 k − 1 = {}，"
        "再与 rot180(W) 做互相关{}：",
        "padded": "（每边补 p = {} 圈零）",
        "dilated_w": "（按步长 s = {} 膨胀：相邻元素之间插入 {} 个零）",
        "dilated_x": "先按步长 s = {} 膨胀（相邻元素之间插入 {} 个零），再",
        "cropped": "，然后去掉填充的边 p = {}",
        "uncovered": "（没有窗口到达的输入末行或末列得到 0）",
        "outside": "（图像之外 x = 0：即填充）",
        "tensor_b": "∂L/∂b（{}）= 每个 δ 图之和：",
        "rule_w": "∂L/∂w[f,c,u,v] = 对 i、j 求和 δ[f,i,j] · x[c, {}, {}]{}",
        "rule_x": "∂L/∂x[c,m,n] = 对 f、i、j 求和 δ[f,i,j] · w[f, c, {}, {}]（只取落在卷积核内的权重）",
        "rule_b": "∂L/∂b[f] = 对 i、j 求和 δ[f,i,j]",
        "results": "所有梯度",
        "check": "与 torch 核对",
        "check_columns": "量|个数|与 torch 的最大差",
        "check_ok": "symbp 与 torch 的结果相差不超过 1e-10。",
        "check_bad": "symbp 与 torch 的结果不一致。",
        "weights_kind": "卷积核权重与偏置",
        "input_kind": "输入",
        "dense_kind": "全连接层权重与偏置",
        "loss_kind": "损失 L",
        "grid_input": "输入 x，通道 {}",
        "grid_kernel": "卷积核 w，滤波器 {}",
        "grid_kernel_channel": "卷积核 w，滤波器 {}，通道 {}",
        "grid_z": "z，滤波器 {}",
        "grid_a": "a，滤波器 {}",
        "grid_p": "p，滤波器 {}",
        "grid_dp": "∂L/∂p，滤波器 {}",
        "grid_da": "∂L/∂a，滤波器 {}",
        "grid_delta": "δ，滤波器 {}",
        "grid_dw": "∂L/∂w，滤波器 {}",
        "grid_dw_channel": "∂L/∂w，滤波器 {}，通道 {}",
        "grid_dx": "∂L/∂x，通道 {}",
        "text_words": "范围|[ ] 窗口|* 最大者",
    },
}


def conv_words(lang: str) -> dict[str, str]:
    return WORDS["zh" if lang == "zh" else "en"]
