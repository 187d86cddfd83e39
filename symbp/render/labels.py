"""The words of rich outputs in each language: "{}" marks where inline math goes.

English labels stay ASCII so that an English .tex compiles with plain pdflatex; Chinese ones
are meant for xelatex with ctex, or for HTML and Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from symbp.errors import SymbpError

LANGUAGES = ("en", "zh")

_EN: dict[str, str] = {
    "edge": "{} is the weight on the edge {}: {}.",
    "bias_of": "{} is the bias added to {}; each such z has the derivative {} with respect "
    "to it, so the gradient is the sum of those units' deltas: {}.",
    "bias_fixed": "This bias is fixed: gradient descent does not change it.",
    "chain_rule": "Chain rule: a sum over every path from {} to {} ({} in all)",
    "too_many_paths": "Too many paths to list (more than {}): the delta form below computes "
    "the same sum layer by layer.",
    "local": "Local derivatives (symbol = formula = numbers = value)",
    "products": "Each path is the product of its factors",
    "delta_form": "Delta form (backpropagation, output layer first)",
    "delta_intro": "Backpropagation names {}, the derivative of the loss with respect to a "
    "unit's pre-activation; then {} for a weight from unit i to unit j.",
    "closed_form": "Closed form (inputs, targets and weights only)",
    "sign": "Why the sign",
    "sign_factor": "{} is {}, so {rel}.",
    "same_sign": "{} has the same sign as {}",
    "opposite_sign": "{} has the opposite sign to {}",
    "sign_zero": "{}, so {} is 0 whatever {} is.",
    "sign_local": "{} is {}, so the sign of {} is the sign of {}.",
    "sign_upstream": "{} is {}; its largest term is {}.",
    "sign_result": "So {} is {}: gradient descent {} {}.",
    "positive": "positive",
    "negative": "negative",
    "zero": "zero",
    "raises": "raises",
    "lowers": "lowers",
    "leaves": "leaves",
    "value_update": "Value and update (learning rate {})",
    "check": "Check: torch autograd ({}) gives {}, finite differences give {}: {}.",
    "agrees": "agrees",
    "disagrees": "DISAGREES",
    # handout
    "handout": "Backpropagation, step by step",
    "problem": "1. The problem",
    "problem_intro": "A fully connected network with layers {}, one training sample and the "
    "initial weights below. Every weight's name and value is written on its edge.",
    "problem_intro_samples": "A fully connected network with layers {}, {} training samples "
    "(sample 1 is worked below) and the initial weights below. Every weight's name and value "
    "is written on its edge.",
    "inputs_targets": "Inputs {} and targets {}.",
    "inputs_objective": "Inputs {}; no targets: the objective L is the output {} itself.",
    "activation": "Activation: {}.",
    "loss": "Loss: {}, learning rate {}.",
    "forward": "2. Forward pass",
    "forward_intro": "Each unit sums its weighted inputs, {}, then applies the activation, {}.",
    "layer_hidden": "Hidden layer {}",
    "layer_output": "Output layer",
    "the_loss": "The loss",
    "backward": "3. Backward pass",
    "backward_intro": "Output layer first. Each {} is introduced once and reused by the "
    "layer below: {} for an output unit, {} for a hidden unit, and {} for a weight from "
    "unit i to unit j.",
    "deltas": "Delta terms",
    "samples_note": "There are {} samples: the steps show sample 1. L and every gradient are "
    "the {} over the samples, and the update uses those: {}.",
    "reduction_mean": "mean",
    "reduction_sum": "sum",
    "gradients": "Gradients",
    "update": "4. Update step",
    "update_intro": "One gradient-descent step with learning rate {}: {}.",
    "new_loss": "With the new weights the loss falls from {} to {}.",
    "verification": "5. Verification against torch autograd",
    "verification_intro": "The same network built directly in torch {} ({}), differentiated by "
    "autograd, and central finite differences of the loss.",
    "weight": "weight",
    "symbolic": "symbp",
    "torch": "torch autograd",
    "finite_difference": "finite difference",
    "agrees_column": "agrees",
    "yes": "yes",
    "no": "NO",
    "all_agree": "All values agree within the tolerances.",
    "some_disagree": "Some values DISAGREE: see the table.",
    "diagram": "The network",
}

_ZH: dict[str, str] = {
    "edge": "{} 是边 {} 上的权重：{}。",
    "bias_of": "{} 是加在 {} 上的偏置；这些 z 对它的导数都是 {}，"
    "所以梯度是这些神经元的 δ 之和：{}。",
    "bias_fixed": "该偏置是固定的：梯度下降不改变它。",
    "chain_rule": "链式法则：对从 {} 到 {} 的每条路径求和（共 {} 条）",
    "too_many_paths": "路径太多（超过 {} 条），不逐条列出：下面的 δ 形式逐层计算同一个和。",
    "local": "局部导数（符号 = 公式 = 代入数值 = 结果）",
    "products": "每条路径是其各因子之积",
    "delta_form": "δ 形式（反向传播，从输出层开始）",
    "delta_intro": "反向传播记 {}，即损失对某个神经元净输入的导数；"
    "于是从神经元 i 到 j 的权重有 {}。",
    "closed_form": "闭式表达（只含输入、目标和权重）",
    "sign": "为什么是这个符号",
    "sign_factor": "{} 为{}，所以{rel}。",
    "same_sign": " {} 与 {} 同号",
    "opposite_sign": " {} 与 {} 异号",
    "sign_zero": "{}，所以 {} 为 0，与 {} 无关。",
    "sign_local": "{} 为{}，所以 {} 的符号就是 {} 的符号。",
    "sign_upstream": "{} 为{}；其中绝对值最大的一项是 {}。",
    "sign_result": "所以 {} 为{}：梯度下降会{} {}。",
    "positive": "正",
    "negative": "负",
    "zero": "零",
    "raises": "增大",
    "lowers": "减小",
    "leaves": "不改变",
    "value_update": "结果与更新（学习率 {}）",
    "check": "检验：torch 自动求导（{}）得 {}，有限差分得 {}：{}。",
    "agrees": "一致",
    "disagrees": "不一致",
    "handout": "反向传播逐步推导",
    "problem": "一、问题",
    "problem_intro": "一个全连接网络，各层神经元数为 {}，一个训练样本，初始权重如下。"
    "每条边上标出了权重的名称和数值。",
    "problem_intro_samples": "一个全连接网络，各层神经元数为 {}，{} 个训练样本（下文演算样本 1），"
    "初始权重如下。每条边上标出了权重的名称和数值。",
    "inputs_targets": "输入 {}，目标 {}。",
    "inputs_objective": "输入 {}；没有目标值：目标函数 L 就是输出 {} 本身。",
    "activation": "激活函数：{}。",
    "loss": "损失函数：{}，学习率 {}。",
    "forward": "二、前向传播",
    "forward_intro": "每个神经元先求加权和 {}，再经过激活函数 {}。",
    "layer_hidden": "隐藏层 {}",
    "layer_output": "输出层",
    "the_loss": "损失",
    "backward": "三、反向传播",
    "backward_intro": "从输出层开始。每个 {} 只引入一次，并由下一层重复使用：输出层 {}，隐藏层 {}，"
    "从神经元 i 到 j 的权重 {}。",
    "deltas": "δ 项",
    "samples_note": "共有 {} 个样本：以上步骤展示样本 1。"
    "L 与每个梯度取所有样本的{}，更新使用这些值：{}。",
    "reduction_mean": "平均",
    "reduction_sum": "总和",
    "gradients": "梯度",
    "update": "四、参数更新",
    "update_intro": "学习率为 {} 的一步梯度下降：{}。",
    "new_loss": "更新后损失从 {} 降到 {}。",
    "verification": "五、与 torch 自动求导对照",
    "verification_intro": "在 torch {} 中直接搭建同一网络（{}），用自动求导求梯度，"
    "并与损失的中心有限差分对照。",
    "weight": "权重",
    "symbolic": "symbp",
    "torch": "torch 自动求导",
    "finite_difference": "有限差分",
    "agrees_column": "一致",
    "yes": "是",
    "no": "否",
    "all_agree": "所有数值都在容差内一致。",
    "some_disagree": "有数值不一致：见上表。",
    "diagram": "网络结构",
}

_LABELS = {"en": MappingProxyType(_EN), "zh": MappingProxyType(_ZH)}


def labels(lang: str) -> Mapping[str, str]:
    """The label set of a language (en or zh)."""
    if lang not in _LABELS:
        raise SymbpError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    return _LABELS[lang]
