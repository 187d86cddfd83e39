"""The words of a recurrent network's derivation, in each language ("{}" marks where math or a
number goes). Kept beside the other labels (symbp.content.labels), which they extend."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from symbp.content.labels import labels

_EN: dict[str, str] = {
    "rnn_title": "Backpropagation through time",
    "rnn_model": "The network (torch's nn.RNN with a linear head): {} steps; sizes: {} in, {} "
    "hidden, {} out; the cell's activation is {}, the output's {}; the loss is {}, {} over {}.",
    "rnn_sum": "summed",
    "rnn_mean": "averaged",
    "rnn_targets_all": "every step's output and target",
    "rnn_targets_last": "the last step's output and target",
    "rnn_sequences": "There are {} sequences of equal length; the steps below work sequence 1 "
    "(the gradients are over all of them).",
    "rnn_names": "Steps count from 1 (h at step 0 is the initial state); unit and weight indices "
    "count from 0, as torch indexes its tensors.",
    "rnn_rules": "The rules, at every step t",
    "rnn_unrolled": "The unrolled graph",
    "rnn_unrolled_intro": "Unrolled through time the network is one graph: every step has its "
    "own z, h and output nodes, but the weights are the same leaves at every step, each used "
    "once per step.",
    "rnn_columns": "t|x_t|z_t|h_t|o_t|y_t",
    "rnn_forward": "Forward pass (symbol = formula = numbers = value)",
    "rnn_backward": "Backward pass: the δ recursion through time",
    "rnn_backward_intro": "δ at step t is ∂L/∂z at step t. h at step t reaches L through its "
    "own output and through z at step t + 1, so its gradient has two parts, and "
    "backpropagation runs from the last step to the first.",
    "rnn_output_delta": "The output at step {}: {}",
    "rnn_step_delta": "Step {}",
    "rnn_last_step": "At the last step there is no step after it: only the output's part.",
    "rnn_shared": "Each shared weight's gradient: a sum over the steps",
    "rnn_shared_intro": "A weight is one leaf of the graph used at every step, so its gradient "
    "is the sum over its uses of (that step's δ times the value the weight multiplies). The sweep "
    "adds these terms by itself.",
    "rnn_paths": "{} is used at {} steps (as is every other entry); {} paths through "
    "time lead from it to L (through every later h), and the δ recursion has already summed "
    "each step's.",
    "rnn_paths_output": "{} is used at {} steps (as is every other entry); {} paths "
    "lead from it to L, one through each step's own output, none through a later h.",
    "rnn_same_terms": "{}'s terms are {}'s, entry by entry (the same δ_t times 1: both are "
    "added to z_t), so its gradient is the same:",
    "rnn_terms_columns": "step|upstream|local|term",
    "rnn_bias_intro": "A bias's local derivative is 1 at every step, so its terms are the δs of "
    "the node it is added to, and its gradient is their sum: a column below.",
    "rnn_bias_shared": "{} and {}, both added to {}, share {} and so a column.",
    "rnn_bias_step": "step",
    "rnn_bias_sum": "sum = gradient",
    "rnn_path_list": "The same sum path by path: each path from {} through time to L is the "
    "product of its local derivatives, and the paths add up to the gradient.",
    "rnn_gradients": "Every parameter's gradient",
    "rnn_gradient_columns": "parameter|∂L/∂parameter",
    "rnn_vanishing": "Vanishing and exploding gradients",
    "rnn_vanishing_intro": "The gradient reaching h at an early step from a later one is "
    "multiplied, once per step in between, by {}: the factor of one step back.",
    "rnn_factor_scalar": "With one hidden unit each factor is a number; their product over the "
    "steps is how much of the gradient at the last step reaches the first:",
    "rnn_factor_matrix": "With {} hidden units each factor is a matrix; its size is its largest "
    "singular value (the most it stretches a vector), and the product's is the most a "
    "gradient can grow or shrink going back from the last step to the first.",
    "rnn_factor_columns": "step|factor|product back to the last step",
    "rnn_factor_columns_seq": "sequence|step|factor|product back to the last step",
    "rnn_factor_first_sequence": "The factors above are sequence 1's; the table lists every "
    "sequence's.",
    "rnn_factor_sequence": "Sequence {}: ",
    "rnn_and": ", ",
    "rnn_step_one": "step {}",
    "rnn_step_many": "steps {}",
    "rnn_factor_all_small": "Every factor is below 1 in size ({}): each shrinks the gradient "
    "going back. ",
    "rnn_factor_all_large": "Every factor is 1 or more in size ({}): each can grow the gradient "
    "going back. ",
    "rnn_factor_mixed": "At {} the factor is below 1 in size ({}) and shrinks the gradient going "
    "back; at {} it is 1 or more in size ({}) and can grow it. ",
    "rnn_product_small": "Their product is {} (size {}, below 1): less of the gradient at the "
    "last step reaches the first, and a long run of such factors makes it vanish.",
    "rnn_product_large": "Their product is {} (size {}, 1 or more): none of the gradient at the "
    "last step is lost on the way to the first, and a long run of such factors makes it explode.",
    "rnn_product_norm_small": "The product's size is {}, below 1: the gradient reaching the "
    "first step is smaller than at the last, and a long run of such factors makes it vanish.",
    "rnn_product_norm_large": "The product's size is {}, 1 or more: the gradient reaching the "
    "first step can be as large as at the last or larger, and a long run of such factors can "
    "make it explode.",
    "rnn_factor_one_step": "One step: there is no step back, so no factor.",
    "rnn_check": "Check ({})",
    "rnn_check_columns": "parameter|symbp|nn.RNN|torch loop|central differences",
    "rnn_check_no_rnn": "nn.RNN offers tanh and relu only: the cell's {} is checked by the plain "
    "torch loop alone.",
    "rnn_check_kink": "A pre-activation sits at relu's kink: central differences are not "
    "compared there.",
    "rnn_check_ok": "Every gradient agrees with torch and with central differences",
    "rnn_check_bad": "Some gradient does not agree with torch or with central differences",
    "rnn_loss_row": "L",
}

_ZH: dict[str, str] = {
    "rnn_title": "随时间反向传播",
    "rnn_model": "网络（torch 的 nn.RNN 加一个线性输出层）：{} 个时间步，{} 个输入，{} 个隐藏单元，"
    "{} 个输出；循环单元的激活函数为 {}，输出层的为 {}；损失函数为 {}，{}（对{}）。",
    "rnn_sum": "求和",
    "rnn_mean": "求平均",
    "rnn_targets_all": "每一步的输出与目标",
    "rnn_targets_last": "最后一步的输出与目标",
    "rnn_sequences": "共有 {} 个等长序列；下面的步骤演算序列 1（梯度是对全部序列的）。",
    "rnn_names": "时间步从 1 开始计数（第 0 步的 h 是初始状态）；"
    "单元和权重的下标从 0 开始，与 torch 张量的下标一致。",
    "rnn_rules": "每个时间步 t 的规则",
    "rnn_unrolled": "按时间展开的计算图",
    "rnn_unrolled_intro": "按时间展开后，网络是一张计算图：每个时间步有自己的 z、h 和输出节点，"
    "但权重在每一步都是同一个叶节点，每步使用一次。",
    "rnn_columns": "t|x_t|z_t|h_t|o_t|y_t",
    "rnn_forward": "前向传播（符号 = 公式 = 代入数值 = 结果）",
    "rnn_backward": "反向传播：随时间的 δ 递推",
    "rnn_backward_intro": "第 t 步的 δ 是 ∂L/∂z（第 t 步）。第 t 步的 h 通过本步的输出和第 t + 1 "
    "步的 z 两条路到达 L，所以它的梯度有两部分，反向传播从最后一步算到第一步。",
    "rnn_output_delta": "第 {} 步的输出：{}",
    "rnn_step_delta": "第 {} 步",
    "rnn_last_step": "最后一步之后没有下一步：只有输出这一部分。",
    "rnn_shared": "共享权重的梯度：对各时间步求和",
    "rnn_shared_intro": "一个权重是计算图中的一个叶节点，在每个时间步都被使用，"
    "所以它的梯度是各次使用的（该步的 δ 乘以权重所乘的值）之和。反向扫描自动把这些项加起来。",
    "rnn_paths": "{} 在 {} 个时间步被使用（其他元素也一样）；从它到 L 共有 {} "
    "条随时间的路径（经过之后的每个 h），δ 递推已经把每一步的路径求和。",
    "rnn_paths_output": "{} 在 {} 个时间步被使用（其他元素也一样）；从它到 L 共有 {} "
    "条路径，每条经过该步自己的输出，不经过之后的 h。",
    "rnn_same_terms": "{} 的各项与 {} 的逐个相同（同样是 δ_t 乘以 1：两者都加到 z_t 上），"
    "所以梯度也相同：",
    "rnn_terms_columns": "时间步|上游梯度|局部导数|项",
    "rnn_bias_intro": "偏置在每一步的局部导数都是 1，所以它的各项就是它所加到的节点的 δ，"
    "梯度是这些项之和：即下表的一列。",
    "rnn_bias_shared": "{} 和 {} 都加到 {} 上，项同为 {}，所以共用一列。",
    "rnn_bias_step": "时间步",
    "rnn_bias_sum": "和 = 梯度",
    "rnn_path_list": "逐条路径写出同一个和：从 {} 随时间到 L 的每条路径是其局部导数之积，"
    "各路径之和就是梯度。",
    "rnn_gradients": "每个参数的梯度",
    "rnn_gradient_columns": "参数|∂L/∂参数",
    "rnn_vanishing": "梯度消失与梯度爆炸",
    "rnn_vanishing_intro": "从后面的时间步传回前面某一步 h 的梯度，"
    "每经过一步都要乘以 {}：回退一步的因子。",
    "rnn_factor_scalar": "只有一个隐藏单元时，每个因子是一个数；它们各步的乘积就是最后一步的梯度"
    "传到第一步时剩下的倍数：",
    "rnn_factor_matrix": "有 {} 个隐藏单元时，每个因子是一个矩阵；"
    "它的大小取最大奇异值（它最多把向量拉长多少），"
    "乘积的大小就是梯度从最后一步传回第一步时最多放大或缩小的倍数。",
    "rnn_factor_columns": "时间步|因子|回到最后一步的乘积",
    "rnn_factor_columns_seq": "序列|时间步|因子|回到最后一步的乘积",
    "rnn_factor_first_sequence": "上面的因子属于序列 1；表中列出每个序列的因子。",
    "rnn_factor_sequence": "序列 {}：",
    "rnn_and": "、",
    "rnn_step_one": "第 {} 步",
    "rnn_step_many": "第 {} 步",
    "rnn_factor_all_small": "每个因子的大小都小于 1（{}）：每个都使回传的梯度变小。",
    "rnn_factor_all_large": "每个因子的大小都不小于 1（{}）：每个都可能使回传的梯度变大。",
    "rnn_factor_mixed": "{}的因子大小小于 1（{}），使回传的梯度变小；"
    "{}的因子大小不小于 1（{}），可能使它变大。",
    "rnn_product_small": "它们的乘积为 {}（大小 {}，小于 1）：最后一步的梯度传到第一步时变小，"
    "许多这样的因子连乘会使梯度消失。",
    "rnn_product_large": "它们的乘积为 {}（大小 {}，不小于 1）：最后一步的梯度传到第一步时"
    "不会变小，许多这样的因子连乘会使梯度爆炸。",
    "rnn_product_norm_small": "乘积的大小为 {}，小于 1：传到第一步的梯度比最后一步的小，"
    "许多这样的因子连乘会使梯度消失。",
    "rnn_product_norm_large": "乘积的大小为 {}，不小于 1：传到第一步的梯度可能不比最后一步的小，"
    "许多这样的因子连乘可能使梯度爆炸。",
    "rnn_factor_one_step": "只有一步：没有回退的步，也就没有因子。",
    "rnn_check": "检验（{}）",
    "rnn_check_columns": "参数|symbp|nn.RNN|torch 循环|中心差分",
    "rnn_check_no_rnn": "nn.RNN 只提供 tanh 和 relu：循环单元的 {} 只由普通的 torch 循环检验。",
    "rnn_check_kink": "有一个预激活值正好在 relu 的折点上：那里不比较中心差分。",
    "rnn_check_ok": "每个梯度都与 torch 和中心差分一致",
    "rnn_check_bad": "有梯度与 torch 或中心差分不一致",
    "rnn_loss_row": "L",
}

_WORDS = {"en": MappingProxyType(_EN), "zh": MappingProxyType(_ZH)}


def rnn_labels(lang: str) -> Mapping[str, str]:
    """The labels of `lang` with the recurrent network's words added."""
    base = labels(lang)  # an unknown language fails here, with the known ones named
    return MappingProxyType({**base, **_WORDS[lang]})
