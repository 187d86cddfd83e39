"""The catalogue of classic backpropagation mistakes, each a deliberately wrong derivation.

A mistake is a change to a Plan, the description of how a variant derivation differs from the
right one: the output error's sign or scale, the activation derivative (everywhere, or in the
hidden or the output layer only), the terms sent back into a hidden unit, the update step (its
sign, the learning rate), or the weight numbering (the values placed by the other convention, or
only the labels swapped). A variant's numbers come from running the backward sweep with the
plan's changes in float64 over the network's own graph: the same δ_j = (Σ_k δ_k·w_jk)·f′(z_j)
the true sweep computes, with the changed pieces swapped in. Forward values are computed once per
network and point, local derivatives once per unit, so that the diagnosis search (every single
mistake, every pair, each with a fitted learning rate) stays fast.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from symbp.graph import Bias, Network, Unit, Weight
from symbp.operations import CROSS_ENTROPY, HALF_SSE, SOFTMAX, TANH, loss_info
from symbp.spec import edge_order, weight_names

from .floats import float_value
from .quantities import QuantityTable

#: the numberings between which a student may confuse weights (their names are the same: w1...)
SWAPPABLE = ("by-source", "by-target")
#: networks with at most this many outputs get one "path dropped" mistake per output
MAX_DROPPED_PATHS = 4


@dataclass(frozen=True)
class Plan:
    """How a variant derivation differs from the right one (the defaults are the right one)."""

    output_error_sign: int = 1  # −1: ∂L/∂o = y − o
    loss_scale: float = 1.0  # 2: ½ dropped; ½: ½ applied twice
    activation_derivative: str = "a"  # "a": a(1−a); "none": missing; "z": z(1−z)
    activation_layers: str = "all"  # where the activation_derivative change applies
    backprop_term: str = "delta_w"  # "delta_w"; "gradient": ∂L/∂w_jk; "updated_w": δ_k·w_jk'
    dropped_output: int | None = None  # index of the output unit whose path is dropped
    update_sign: int = 1  # −1: w + η·g
    learning_rate: float | None = None  # a wrong learning rate
    numbering_swapped: bool = False  # the weights' values placed by the other numbering
    labels_swapped: bool = False  # the right network, its weights labelled by the other numbering
    first_sample_only: bool = False  # several samples: L and ∂L/∂w of sample 1 alone
    error_scale: float = 1.0  # 2: ∂L/∂o = 2(o − y) while L = ½Σ(o − y)² is kept
    tanh_as_sigmoid: bool = False  # tanh′ taken as a(1 − a)
    softmax_sigma_prime: bool = False  # the softmax output's δ = o − y times o(1 − o)
    class_shift: int = 0  # −1: the target class index read 1-based
    biases_forgotten: bool = False  # z computed without the biases
    reduction: str | None = None  # several samples: reduced by the other rule (sum, mean)


@dataclass(frozen=True)
class Mistake:
    """One classic mistake: what it changes, and one sentence with the wrong and right formula."""

    key: str
    title: str
    aspect: str  # two mistakes of the same aspect do not combine
    change: dict[str, Any]
    wrong: str
    right: str
    sentence: str
    #: the title and the sentence in Chinese (the formulas `wrong` and `right` serve both)
    zh: tuple[str, str] = ("", "")

    def apply(self, plan: Plan) -> Plan:
        return replace(plan, **self.change)

    def title_in(self, lang: str) -> str:
        return self.zh[0] if lang == "zh" and self.zh[0] else self.title

    def sentence_in(self, lang: str) -> str:
        return self.zh[1] if lang == "zh" and self.zh[1] else self.sentence


def catalogue(network: Network) -> list[Mistake]:
    """The single mistakes for this network (a wrong learning rate is fitted per variant, by
    learning_rate_mistake). Their formulas are this network's own (its loss's ∂L/∂o, each
    layer's activation derivative), printed as check-hand's reports print formulas."""
    out = network.outputs[0]
    hidden = _first_hidden(network)
    loss = network.spec.loss
    spell = _Speller(network)
    assert out.z is not None
    d_loss = network.local_derivative(network.loss, out.a)
    d_out = network.local_derivative(out.a, out.z)
    # with softmax outputs δ_o is a Jacobian sum: there is no σ′ factor to forget
    softmax = out.activation is not None and not out.activation.elementwise
    error = f"∂L/∂{out.name}"
    mistakes = [
        Mistake(
            "output_error_sign",
            "the output error's sign is flipped",
            "output_sign",
            {"output_error_sign": -1},
            f"{error} = {spell.negated(d_loss)}",
            f"{error} = {spell(d_loss)}",
            f"The output error has the wrong sign: the loss's derivative is {error} = "
            f"{spell(d_loss)}, not its negative.",
            zh=(
                "输出误差的符号反了",
                f"输出误差的符号错了：损失的导数是 {error} = {spell(d_loss)}，不是它的相反数。",
            ),
        ),
    ]
    if not softmax:
        delta_out = f"δ_{out.name}"
        local_out = f"∂{out.name}/∂z_{out.name} = {spell(d_out)}"
        wrong_out = f"{delta_out} = {spell(d_loss)}"
        right_out = f"{delta_out} = {spell.factor(d_loss)}·{spell.factor(d_out)}"
        mistakes += [
            Mistake(
                "missing_sigma_prime",
                "the σ′ factor is missing",
                "activation",
                {"activation_derivative": "none"},
                wrong_out,
                right_out,
                "δ = ∂L/∂z needs the activation's derivative as a factor (here "
                f"{local_out}); without it you computed ∂L/∂a instead.",
                zh=(
                    "漏了 σ′ 因子",
                    f"δ = ∂L/∂z 要乘激活函数的导数（这里 {local_out}）；漏了它，你算的是 ∂L/∂a。",
                ),
            ),
        ]
    if hidden is not None and hidden.z is not None:
        children = list(network.outgoing(hidden))
        deltas = " + ".join(f"δ_{w.target.name}·{w.name}" for w in children)
        d_hidden = network.local_derivative(hidden.a, hidden.z)
        delta_hidden = f"δ_{hidden.name}"
        local_hidden = f"∂{hidden.name}/∂z_{hidden.name} = {spell(d_hidden)}"
        mistakes.append(
            Mistake(
                "missing_sigma_prime_hidden",
                "the σ′ factor is missing in the hidden layer",
                "activation",
                {"activation_derivative": "none", "activation_layers": "hidden"},
                f"{delta_hidden} = {deltas}",
                f"{delta_hidden} = ({deltas})·{spell.factor(d_hidden)}",
                "Every δ = ∂L/∂z needs its unit's activation derivative, the hidden units' too "
                f"(here {local_hidden}); without it a hidden δ is ∂L/∂a.",
                zh=(
                    "隐藏层漏了 σ′ 因子",
                    "每个 δ = ∂L/∂z 都要乘本单元激活函数的导数，隐藏单元也不例外"
                    f"（这里 {local_hidden}）；"
                    "漏了它，隐藏层的 δ 就成了 ∂L/∂a。",
                ),
            )
        )
        if not softmax:
            mistakes.append(
                Mistake(
                    "missing_sigma_prime_output",
                    "the σ′ factor is missing in the output layer",
                    "activation",
                    {"activation_derivative": "none", "activation_layers": "output"},
                    wrong_out,
                    right_out,
                    "Every δ = ∂L/∂z needs its unit's activation derivative, the output units' "
                    f"too (here {local_out}); without it an output δ is ∂L/∂o.",
                    zh=(
                        "输出层漏了 σ′ 因子",
                        "每个 δ = ∂L/∂z 都要乘本单元激活函数的导数，输出单元也不例外"
                        f"（这里 {local_out}）；"
                        "漏了它，输出层的 δ 就成了 ∂L/∂o。",
                    ),
                )
            )
    # f′ written in z instead of a: a mistake only where f′ is written in a (σ, tanh) and, for
    # a softmax output, in the hidden layers alone
    written_in_a = [
        (unit, network.local_derivative(unit.a, unit.z))
        for unit in (hidden, None if softmax else out)
        if unit is not None and unit.z is not None
    ]
    written_in_a = [(u, d) for u, d in written_in_a if u.a in d.free_symbols]
    if written_in_a:
        unit, derivative = written_in_a[-1]  # the output's when it has one, else the hidden's
        assert unit.z is not None
        of_z = derivative.xreplace({unit.a: unit.z})
        local = f"∂{unit.name}/∂z_{unit.name}"
        mistakes.append(
            Mistake(
                "sigma_prime_of_z",
                "σ′ taken of z instead of a",
                "activation",
                {"activation_derivative": "z", "activation_layers": "hidden" if softmax else "all"},
                f"{local} = {spell(of_z)}",
                f"{local} = {spell(derivative)}",
                f"The activation's derivative is written in the activation a ({local} = "
                f"{spell(derivative)}), not in the pre-activation z.",
                zh=(
                    "σ′ 用了 z 而不是 a",
                    f"激活函数的导数用激活值 a 表示（{local} = {spell(derivative)}），"
                    "不是用净输入 z。",
                ),
            )
        )
    if loss_info(loss).halved:
        mistakes += [
            Mistake(
                "half_dropped",
                "the ½ of the loss is dropped",
                "loss_scale",
                {"loss_scale": 2.0},
                f"L = Σ(o − y)², ∂L/∂{out.name} = 2({out.name} − y1)",
                f"L = ½Σ(o − y)², ∂L/∂{out.name} = {out.name} − y1",
                "The loss is L = ½Σ(o − y)²: its ½ cancels the 2 of the square, so ∂L/∂o = "
                "o − y, not 2(o − y).",
                zh=(
                    "丢掉了损失函数的 ½",
                    "损失是 L = ½Σ(o − y)²：½ 与平方求导得到的 2 相消，所以 ∂L/∂o = o − y，"
                    "不是 2(o − y)。",
                ),
            ),
            Mistake(
                "half_doubled",
                "the ½ of the loss is applied twice",
                "loss_scale",
                {"loss_scale": 0.5},
                f"L = ¼Σ(o − y)², ∂L/∂{out.name} = ½({out.name} − y1)",
                f"L = ½Σ(o − y)², ∂L/∂{out.name} = {out.name} − y1",
                "The ½ of L = ½Σ(o − y)² cancels the 2 of the square once, so ∂L/∂o = o − y, "
                "not ½(o − y).",
                zh=(
                    "损失函数的 ½ 用了两次",
                    "L = ½Σ(o − y)² 的 ½ 只与平方的 2 相消一次，所以 ∂L/∂o = o − y，"
                    "不是 ½(o − y)。",
                ),
            ),
        ]
    if hidden is not None:
        mistakes += _hidden_mistakes(network, hidden, spell)
    mistakes.append(
        Mistake(
            "update_sign",
            "the update step has the wrong sign",
            "update_sign",
            {"update_sign": -1},
            "w_new = w + η·∂L/∂w",
            "w_new = w − η·∂L/∂w",
            "Gradient descent moves against the gradient: w_new = w − η·∂L/∂w.",
            zh=("更新的方向反了", "梯度下降沿梯度的反方向移动：w_new = w − η·∂L/∂w。"),
        )
    )
    mistakes += _sample_mistakes(network)
    mistakes += _more_mistakes(network, spell)
    other = _other_numbering(network)
    if other is not None:
        mine = network.spec.numbering
        mistakes += [
            Mistake(
                "numbering",
                f"the weights are numbered {other}",
                "numbering",
                {"numbering_swapped": True},
                _edges_text(network, other),
                _edges_text(network, mine),
                f"This network numbers its weights {mine}; you placed their values {other}.",
                zh=(
                    f"权重按 {other} 方式编号",
                    f"这个网络的权重按 {mine} 方式编号；你按 {other} 方式放置了它们的数值。",
                ),
            ),
            Mistake(
                "labels_swapped",
                f"the weights are labelled {other} (right values, wrong names)",
                "numbering",
                {"labels_swapped": True},
                _edges_text(network, other),
                _edges_text(network, mine),
                f"Your numbers are right, but under the names the {other} numbering gives "
                f"the edges; this network numbers them {mine}.",
                zh=(
                    f"权重按 {other} 方式命名（数值对，名称错）",
                    f"你的数是对的，但用的是 {other} 编号下各条边的名称；"
                    f"这个网络按 {mine} 方式编号。",
                ),
            ),
        ]
    return mistakes


def _hidden_mistakes(network: Network, hidden: Unit, spell: _Speller) -> list[Mistake]:
    children = list(network.outgoing(hidden))
    gradients = " + ".join(f"∂L/∂{w.name}" for w in children)
    deltas = " + ".join(f"δ_{w.target.name}·{w.name}" for w in children)
    assert hidden.z is not None
    local = spell.factor(network.local_derivative(hidden.a, hidden.z))
    mistakes = [
        Mistake(
            "added_gradients",
            "the downstream weights' gradients are added instead of δ·w",
            "backprop_term",
            {"backprop_term": "gradient"},
            f"δ_{hidden.name} = ({gradients})·{local}",
            f"δ_{hidden.name} = ({deltas})·{local}",
            "A hidden unit's error is the sum of the next layer's δ_k times the weights that "
            "carry it (δ_k·w), not the sum of those weights' gradients (δ_k·a).",
            zh=(
                "把下游权重的梯度相加，而不是 δ·w",
                "隐藏单元的误差是下一层各 δ_k 乘以连接它的权重之和（δ_k·w），"
                "不是这些权重的梯度之和（δ_k·a）。",
            ),
        )
    ]
    # a dropped path is a classic of small networks; with many outputs each is a tiny change,
    # and one variant per output would multiply the search
    if 1 < len(network.outputs) <= MAX_DROPPED_PATHS and len(network.layers) == 3:
        for index, unit in enumerate(network.outputs):
            kept = [w for w in children if w.target != unit]
            kept_text = " + ".join(f"δ_{w.target.name}·{w.name}" for w in kept) or "0"
            mistakes.append(
                Mistake(
                    f"dropped_path_{unit.name}",
                    f"the path through {unit.name} is dropped",
                    "dropped_path",
                    {"dropped_output": index},
                    f"δ_{hidden.name} = ({kept_text})·{local}",
                    f"δ_{hidden.name} = ({deltas})·{local}",
                    f"A hidden unit reaches the loss through every output, so its δ sums over "
                    f"all of them; the path through {unit.name} is missing.",
                    zh=(
                        f"漏掉了经过 {unit.name} 的路径",
                        f"隐藏单元经过每个输出到达损失，所以它的 δ 要对所有输出求和；"
                        f"缺了经过 {unit.name} 的路径。",
                    ),
                )
            )
    updated = " + ".join(f"δ_{w.target.name}·{w.name}_new" for w in children)
    mistakes.append(
        Mistake(
            "updated_output_weights",
            "already-updated output weights are used",
            "backprop_term",
            {"backprop_term": "updated_w"},
            f"δ_{hidden.name} = ({updated})·{local}",
            f"δ_{hidden.name} = ({deltas})·{local}",
            "Every gradient is taken at the old weights; the updated output weights are "
            "only for the next step.",
            zh=(
                "用了已经更新过的输出层权重",
                "所有梯度都在旧权重处计算；更新后的输出层权重只用于下一步。",
            ),
        )
    )
    return mistakes


def _more_mistakes(network: Network, spell: _Speller) -> list[Mistake]:
    """Mistakes seen in real hand calculations of particular networks: tanh′ as σ′, the softmax
    error times o(1 − o), a class index read 1-based, forgotten biases, ∂L/∂o doubled with L
    kept right."""
    spec = network.spec
    out = network.outputs[0]
    mistakes: list[Mistake] = []
    if spec.loss == HALF_SSE.name:
        d_loss = network.local_derivative(network.loss, out.a)
        mistakes.append(
            Mistake(
                "error_doubled",
                "∂L/∂o is 2(o − y) while L = ½Σ(o − y)²",
                "loss_scale",
                {"error_scale": 2.0},
                f"∂L/∂{out.name} = 2·{spell.factor(d_loss)}",
                f"∂L/∂{out.name} = {spell(d_loss)}",
                "With L = ½Σ(o − y)² (as you computed it) the ½ cancels the 2 of the square: "
                "∂L/∂o = o − y, not 2(o − y).",
                zh=(
                    "L = ½Σ(o − y)²，却用了 ∂L/∂o = 2(o − y)",
                    "L = ½Σ(o − y)²（你也是这样算的）中的 ½ 与平方求导的 2 相消：∂L/∂o = o − y，"
                    "不是 2(o − y)。",
                ),
            )
        )
    tanh_units = [u for u in network.units.values() if _activation_name(u) == TANH.name]
    if tanh_units:
        unit = tanh_units[0]
        assert unit.z is not None
        local = f"∂{unit.name}/∂z_{unit.name}"
        mistakes.append(
            Mistake(
                "tanh_prime_as_sigmoid",
                "tanh′ taken as a(1 − a), the sigmoid's derivative",
                "activation",
                {"tanh_as_sigmoid": True},
                f"{local} = {spell(unit.a * (1 - unit.a))}",
                f"{local} = {spell(network.local_derivative(unit.a, unit.z))}",
                f"The derivative of tanh is 1 − tanh², so ∂{unit.name}/∂z_{unit.name} = "
                f"1 − {unit.name}²; a(1 − a) is the sigmoid's.",
                zh=(
                    "把 tanh′ 当成了 a(1 − a)（sigmoid 的导数）",
                    f"tanh 的导数是 1 − tanh²，所以 ∂{unit.name}/∂z_{unit.name} = "
                    f"1 − {unit.name}²；a(1 − a) 是 sigmoid 的导数。",
                ),
            )
        )
    if _activation_name(out) == SOFTMAX.name and spec.loss == CROSS_ENTROPY.name:
        target = network.targets[0]
        mistakes.append(
            Mistake(
                "softmax_sigma_prime",
                "the softmax error is multiplied by o(1 − o)",
                "activation",
                {"softmax_sigma_prime": True},
                f"δ_{out.name} = {spell((out.a - target) * out.a * (1 - out.a))}",
                f"δ_{out.name} = {spell(out.a - target)}",
                "With softmax and cross-entropy the output error is already δ = o − y: the "
                "softmax's Jacobian is in it, and there is no σ′ factor to multiply by.",
                zh=(
                    "softmax 的误差又乘了 o(1 − o)",
                    "softmax 与交叉熵合用时输出误差就是 δ = o − y：softmax 的雅可比矩阵已经在其中，"
                    "没有 σ′ 因子要乘。",
                ),
            )
        )
    classes = spec.target_classes
    if spec.loss == CROSS_ENTROPY.name and classes and all(k >= 1 for k in classes):
        mistakes.append(
            Mistake(
                "class_one_based",
                "the target class index is read 1-based",
                "targets",
                {"class_shift": -1},
                f"y = {_one_hot(classes[0] - 1, len(network.outputs))}",
                f"y = {_one_hot(classes[0], len(network.outputs))}",
                f"Class indices start at 0 (as torch's CrossEntropyLoss takes them): class "
                f"{classes[0]} is output {classes[0] + 1}, so y = "
                f"{_one_hot(classes[0], len(network.outputs))}.",
                zh=(
                    "把类别序号当成从 1 开始",
                    f"类别序号从 0 开始（与 torch 的 CrossEntropyLoss 相同）：类别 {classes[0]} "
                    f"是第 {classes[0] + 1} 个输出，所以 y = "
                    f"{_one_hot(classes[0], len(network.outputs))}。",
                ),
            )
        )
    if any(b.value != 0 for b in network.biases):
        bias = next(b for b in network.biases if b.value != 0)
        mistakes.append(
            Mistake(
                "biases_forgotten",
                "the biases are left out of z",
                "biases",
                {"biases_forgotten": True},
                "z = Σ w·a",
                "z = Σ w·a + b",
                f"Every pre-activation includes its unit's bias (here {bias.name} = "
                f"{bias.value:g}): z = Σ w·a + b.",
                zh=(
                    "计算 z 时漏了偏置",
                    f"每个净输入都要加上本单元的偏置（这里 {bias.name} = {bias.value:g}）："
                    "z = Σ w·a + b。",
                ),
            )
        )
    return mistakes


def _activation_name(unit: Unit) -> str:
    return unit.activation.name if unit.activation is not None else ""


def _one_hot(index: int, count: int) -> str:
    return "(" + ", ".join("1" if k == index else "0" for k in range(count)) + ")"


def _sample_mistakes(network: Network) -> list[Mistake]:
    """With several samples: L and ∂L/∂w of sample 1 alone, or reduced by the other rule."""
    count = len(network.spec.samples)
    if count == 1:
        return []
    mean = network.spec.reduction == "mean"
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    terms = " + ".join(f"L⁽{str(n).translate(sup)}⁾" for n in range(1, count + 1))
    if count > 3:
        terms = f"L⁽¹⁾ + … + L⁽{str(count).translate(sup)}⁾"
    right = f"L = ({terms})/{count}" if mean else f"L = {terms}"
    other = "sum" if mean else "mean"
    wrong_other = f"L = {terms}" if mean else f"L = ({terms})/{count}"
    return [
        Mistake(
            "first_sample_only",
            "only sample 1 is used",
            "samples",
            {"first_sample_only": True},
            "L = L⁽¹⁾, ∂L/∂w = ∂L⁽¹⁾/∂w",
            right,
            f"This network learns from {count} samples: L and every ∂L/∂w are the "
            f"{'mean' if mean else 'sum'} over all of them, not sample 1's alone.",
            zh=(
                "只用了第 1 个样本",
                f"这个网络有 {count} 个样本：L 和每个 ∂L/∂w 都是所有样本的"
                f"{'平均' if mean else '总和'}，不只是第 1 个样本的。",
            ),
        ),
        Mistake(
            "summed_samples" if mean else "averaged_samples",
            "the samples are summed instead of averaged"
            if mean
            else "the samples are averaged instead of summed",
            "samples",
            {"reduction": other},
            wrong_other,
            right,
            f"This network's loss is the {'mean' if mean else 'sum'} over its samples "
            f'(reduction = "{network.spec.reduction}"), so L and every ∂L/∂w are '
            f"{f'divided by {count}' if mean else 'not divided by the number of samples'}.",
            zh=(
                "样本求和而不是求平均" if mean else "样本求平均而不是求和",
                f"这个网络的损失是各样本的{'平均' if mean else '总和'}，所以 L 和每个 ∂L/∂w "
                f"{f'都要除以 {count}' if mean else '都不除以样本数'}。",
            ),
        ),
    ]


def learning_rate_mistake(fitted: float, right: float) -> Mistake:
    """A wrong learning rate: the one a student's updates fit, instead of the right one."""
    return Mistake(
        "learning_rate",
        f"learning rate {fitted:g} instead of {right:g}",
        "learning_rate",
        {"learning_rate": fitted},
        f"η = {fitted:g}",
        f"η = {right:g}",
        f"The update uses the learning rate η = {right:g}; your updates fit η = {fitted:g}.",
        zh=(
            f"学习率用了 {fitted:g} 而不是 {right:g}",
            f"更新用的学习率是 η = {right:g}；你的更新符合 η = {fitted:g}。",
        ),
    )


def combinations(mistakes: list[Mistake]) -> list[tuple[Mistake, ...]]:
    """The right derivation (no mistake), every single mistake, then every pair of mistakes of
    different aspects."""
    singles: list[tuple[Mistake, ...]] = [(m,) for m in mistakes]
    pairs: list[tuple[Mistake, ...]] = [
        (a, b) for a, b in itertools.combinations(mistakes, 2) if a.aspect != b.aspect
    ]
    return [(), *singles, *pairs]


def plan_of(mistakes: tuple[Mistake, ...]) -> Plan:
    plan = Plan()
    for mistake in mistakes:
        plan = mistake.apply(plan)
    return plan


@dataclass
class _Forward:
    """One network's forward values at one point (per sample) and its true local derivatives."""

    samples: list[dict[sp.Symbol, float]]
    activation_derivatives: list[dict[tuple[sp.Symbol, sp.Symbol], float]] = field(
        default_factory=list
    )
    of_z: list[dict[tuple[sp.Symbol, sp.Symbol], float]] = field(default_factory=list)
    loss_derivatives: list[dict[sp.Symbol, float]] = field(default_factory=list)


@dataclass(frozen=True)
class _Structure:
    """What the backward sweep of one network (one numbering) walks, looked up once."""

    network: Network
    #: per hidden unit: (child unit, its δ symbol, the weight's symbol) for each outgoing edge
    children: dict[str, list[tuple[Unit, sp.Symbol, sp.Symbol]]]
    #: the other numbering's label of each weight (labels_swapped), and back
    label_of: dict[str, str]
    name_of: dict[str, str]


class Variants:
    """Values of quantities under variant derivations, keyed like the true values.

    Only what the asked-for quantities need is computed: the δs down to the lowest layer they
    reach, the gradients of their weights. A wide network's diagnosis evaluates hundreds of
    variants, each of which would otherwise cost a pass over every weight.
    """

    def __init__(self, table: QuantityTable) -> None:
        self.table = table
        self.network = table.network
        self.rate = table.learning_rate
        self._structures: dict[str, _Structure] = {}
        self._forward: dict[
            tuple[str, tuple[tuple[str, float], ...] | None, int, bool], _Forward
        ] = {}
        self._other = _other_numbering(self.network)

    def values(
        self,
        plan: Plan,
        point: Mapping[str, float] | None = None,
        keys: Collection[str] | None = None,
    ) -> dict[str, float]:
        """The variant's value of each of `keys` (every quantity when None) at the spec's
        samples and weights, or at `point` (inputs, targets and weights by name, one sample)."""
        wanted = [q.key for q in self.table.quantities] if keys is None else list(keys)
        numbering = self.network.spec.numbering
        if plan.numbering_swapped:
            numbering = self._other or numbering
        structure = self._structure(numbering)
        network = structure.network
        forward = self._forward_values(network, numbering, point, plan)
        rate = self.rate if plan.learning_rate is None else plan.learning_rate

        def own_name(label: str) -> str:  # a weight's name in this network, from the student's
            return structure.name_of.get(label, label) if plan.labels_swapped else label

        weights: dict[str, str] = {}  # key -> the weight (this network's name) it is about
        lowest = len(network.layers)
        for key in wanted:
            quantity = self.table.by_key[key]
            name = _weight_of(key, quantity.kind)
            if name is not None:
                weights[key] = own_name(name)
                if quantity.kind != "given":
                    lowest = min(lowest, *(u.layer for u in _targets(network, weights[key])))
            elif quantity.kind in ("upstream", "delta"):
                lowest = min(lowest, network.units[_unit_of(key)].layer)
        per_sample = [
            _backward(structure, plan, rate, forward, index, lowest)
            for index in range(len(forward.samples))
        ]
        first, upstream = per_sample[0]
        out: dict[str, float] = {}
        for key in wanted:
            quantity = self.table.by_key[key]
            kind = quantity.kind
            if kind == "loss":
                losses = [v[network.loss] * plan.loss_scale for v, _ in per_sample]
                out[key] = _reduce_samples(losses, plan, network.spec.reduction)
            elif kind == "sample_loss":
                values, _ = per_sample[_sample_of(key) - 1]
                out[key] = values[network.loss] * plan.loss_scale
            elif kind == "forward":
                out[key] = first[quantity.symbol]
            elif kind == "given":
                if key in weights:
                    out[key] = first[network.parameter(weights[key]).symbol]
                else:
                    out[key] = first.get(quantity.symbol, math.nan)
            elif kind == "upstream":
                out[key] = upstream[network.units[_unit_of(key)].a]
            elif kind == "delta":
                delta = network.units[_unit_of(key)].delta
                out[key] = first[delta] if delta is not None else math.nan
            else:
                weight = network.parameter(weights[key])
                gradients = [_gradient(weight, v) for v, _ in per_sample]
                gradient = _reduce_samples(gradients, plan, network.spec.reduction)
                if kind == "sample_gradient":
                    out[key] = gradients[_sample_of(key) - 1]
                elif kind == "gradient":
                    out[key] = gradient
                elif kind == "update":
                    out[key] = first[weight.symbol] - plan.update_sign * rate * gradient
                else:  # change
                    out[key] = -plan.update_sign * rate * gradient
        return out

    def _structure(self, numbering: str) -> _Structure:
        if numbering not in self._structures:
            network = self.network
            if numbering != network.spec.numbering:
                network = Network(replace(network.spec, numbering=numbering))
            children: dict[str, list[tuple[Unit, sp.Symbol, sp.Symbol]]] = {}
            for weight in network.weights:
                delta = weight.target.delta
                assert delta is not None
                children.setdefault(weight.source.name, []).append(
                    (weight.target, delta, weight.symbol)
                )
            label_of = _labels(network, self._other if network is self.network else None)
            name_of = {label: name for name, label in label_of.items()}
            self._structures[numbering] = _Structure(network, children, label_of, name_of)
        return self._structures[numbering]

    def _forward_values(
        self, network: Network, numbering: str, point: Mapping[str, float] | None, plan: Plan
    ) -> _Forward:
        key = (
            numbering,
            None if point is None else tuple(sorted(point.items())),
            plan.class_shift,
            plan.biases_forgotten,
        )
        if key not in self._forward:
            self._forward[key] = _forward_pass(
                network, point, plan.class_shift, plan.biases_forgotten
            )
        return self._forward[key]


def _weight_of(key: str, kind: str) -> str | None:
    """The weight a quantity's key is about (dL/dw1, dL(2)/dw1, w1_new, Δw1, w1), or None."""
    if kind in ("gradient", "sample_gradient"):
        return key[key.index("/d") + len("/d") :]
    if kind == "update":
        return key[: -len("_new")]
    if kind == "change":
        return key[len("Δ") :]
    if kind == "given" and not key.startswith(("x", "y")):
        return key
    return None


def _targets(network: Network, name: str) -> tuple[Unit, ...]:
    """The units whose δ a parameter's gradient takes: a weight's target, a bias's units."""
    parameter = network.parameter(name)
    return parameter.targets if isinstance(parameter, Bias) else (parameter.target,)


def _gradient(parameter: Weight | Bias, values: Mapping[sp.Symbol, float]) -> float:
    """∂L/∂p from one sample's δs: δ_target·a_source for a weight, Σ δ of its units for a bias."""
    if isinstance(parameter, Bias):
        return math.fsum(values[u.delta] for u in parameter.targets if u.delta is not None)
    assert parameter.target.delta is not None
    return values[parameter.target.delta] * values[parameter.source.a]


def _sample_of(key: str) -> int:
    """The sample a per-sample key is about: L(2) and dL(2)/dw1 are sample 2's."""
    return int(key[key.index("(") + 1 : key.index(")")])


def _reduce_samples(values: list[float], plan: Plan, reduction: str) -> float:
    """The samples' values reduced as the plan does: all of them by the spec's rule (or the
    plan's other rule), or sample 1's alone."""
    if plan.first_sample_only:
        return values[0]
    return _reduce(values, plan.reduction or reduction)


def _unit_of(key: str) -> str:
    """The unit of an upstream (dL/dh1) or δ (delta_h1) key."""
    return key[len("dL/d") :] if key.startswith("dL/d") else key[len("delta_") :]


def _forward_pass(
    network: Network,
    point: Mapping[str, float] | None,
    class_shift: int = 0,
    biases_forgotten: bool = False,
) -> _Forward:
    spec = network.spec
    if point is None:
        samples = list(spec.samples)
        weights = list(spec.weights)
    else:
        # samples 2… are named with their number in a point: x1(2), y1(2)
        suffixes = ["", *(f"({n})" for n in range(2, len(spec.samples) + 1))]
        samples = [
            (
                tuple(point[u.a.name + suffix] for u in network.inputs),
                tuple(point[y.name + suffix] for y in network.targets),
            )
            for suffix in suffixes
            if network.inputs[0].a.name + suffix in point
        ]
        weights = [point[w.name] for w in network.weights]
    result = _Forward(samples=[])
    for inputs, targets in samples:
        if class_shift:  # one-hot targets, their 1 moved
            hot = (targets.index(1.0) + class_shift) % len(targets)
            targets = tuple(float(k == hot) for k in range(len(targets)))
        values: dict[sp.Symbol, float] = {}
        for unit, x in zip(network.inputs, inputs, strict=True):
            values[unit.a] = x
        for symbol, y in zip(network.targets, targets, strict=True):
            values[symbol] = y
        for weight, w in zip(network.weights, weights, strict=True):
            values[weight.symbol] = w
        for bias in network.biases:
            values[bias.symbol] = 0.0 if biases_forgotten else bias.value
        for symbol, definition in network.definitions.items():
            values[symbol] = float_value(
                network.numeric_definitions.get(symbol, definition), values
            )
        result.samples.append(values)
        derivatives: dict[tuple[sp.Symbol, sp.Symbol], float] = {}
        of_z: dict[tuple[sp.Symbol, sp.Symbol], float] = {}
        for units in network.layers[1:]:
            for unit in units:
                assert unit.z is not None
                for activation in network.children[unit.z]:
                    formula = network.local_derivative(activation, unit.z)
                    derivatives[(activation, unit.z)] = float_value(formula, values)
                    z_of = {u.a: u.z for u in units if u.z is not None}
                    of_z[(activation, unit.z)] = float_value(formula.xreplace(z_of), values)
        result.activation_derivatives.append(derivatives)
        result.of_z.append(of_z)
        result.loss_derivatives.append(
            {
                unit.a: float_value(network.local_derivative(network.loss, unit.a), values)
                for unit in network.outputs
            }
        )
    return result


def _backward(
    structure: _Structure, plan: Plan, rate: float, forward: _Forward, index: int, lowest: int
) -> tuple[dict[sp.Symbol, float], dict[sp.Symbol, float]]:
    """One sample's values with the variant's δs from the output layer down to layer `lowest`,
    and its ∂L/∂a by unit activation symbol."""
    network = structure.network
    values = dict(forward.samples[index])
    derivatives = forward.activation_derivatives[index]
    of_z = forward.of_z[index]
    loss_derivatives = forward.loss_derivatives[index]
    upstream: dict[sp.Symbol, float] = {}
    last = len(network.layers) - 1
    for layer in range(last, max(lowest, 1) - 1, -1):
        units = network.layers[layer]
        for unit in units:
            upstream[unit.a] = _upstream(structure, plan, rate, unit, values, loss_derivatives)
        changed = plan.activation_layers == "all" or (
            (plan.activation_layers == "output") == (layer == last)
        )
        for unit in units:
            assert unit.z is not None and unit.delta is not None
            total = 0.0
            for activation in network.children[unit.z]:
                through = network.unit_of_symbol[activation]
                if plan.tanh_as_sigmoid and _activation_name(unit) == TANH.name:
                    a = values[activation]
                    local = a * (1 - a) if through is unit else 0.0
                elif not changed or plan.activation_derivative == "a":
                    local = derivatives[(activation, unit.z)]
                elif plan.activation_derivative == "none":
                    local = 1.0 if through is unit else 0.0
                else:
                    local = of_z[(activation, unit.z)]
                total += upstream[through.a] * local
            if plan.softmax_sigma_prime and layer == last:
                total *= values[unit.a] * (1 - values[unit.a])
            values[unit.delta] = total
    return values, upstream


def _upstream(
    structure: _Structure,
    plan: Plan,
    rate: float,
    unit: Unit,
    values: Mapping[sp.Symbol, float],
    loss_derivatives: Mapping[sp.Symbol, float],
) -> float:
    """∂L/∂a of one unit under the plan: the loss's derivative, or Σ_k of the terms sent back."""
    network = structure.network
    if unit.layer == len(network.layers) - 1:
        scale = plan.loss_scale * plan.error_scale
        return plan.output_error_sign * scale * loss_derivatives[unit.a]
    total = 0.0
    a = values[unit.a]
    output_layer = len(network.layers) - 1
    for child, delta_symbol, weight in structure.children.get(unit.name, ()):
        if child.layer == output_layer and child.index == plan.dropped_output:
            continue
        delta = values[delta_symbol]
        if plan.backprop_term == "gradient":
            total += delta * a
        elif plan.backprop_term == "updated_w":
            total += delta * (values[weight] - rate * delta * a)
        else:
            total += delta * values[weight]
    return total


def _reduce(values: list[float], reduction: str) -> float:
    if len(values) == 1:
        return values[0]
    try:
        total = math.fsum(values)
    except (OverflowError, ValueError):
        total = float(sum(values))
    return total / len(values) if reduction == "mean" else total


def _labels(network: Network, other: str | None) -> dict[str, str]:
    """Each weight's name under the `other` numbering (the same edge's label there)."""
    if other is None:
        return {}
    spec = network.spec
    other_names = dict(
        zip(edge_order(spec.layers, other), weight_names(spec.layers, other), strict=True)
    )
    return {w.name: other_names[edge] for w, edge in zip(network.weights, spec.edges, strict=True)}


class _Speller:
    """A formula of network symbols as check-hand's text prints it (o1·(1 - o1), 1 - h1²), with
    the text printer's own rules for brackets."""

    def __init__(self, network: Network) -> None:
        from symbp.content.names import Names, constant

        self.convert = Names(network).converter(constant)

    def __call__(self, expr: sp.Expr) -> str:
        from symbp.formats.text import math

        return math(self.convert(expr))

    def factor(self, expr: sp.Expr) -> str:
        """As a factor of a product: bracketed where the printer brackets a factor."""
        from symbp.formats.text import PRINTER, math

        node = self.convert(expr)
        return f"({math(node)})" if PRINTER.bracket_factor(node) else math(node)

    def negated(self, expr: sp.Expr) -> str:
        """−expr: a negative formula loses its sign (−y1/o1 → y1/o1), a sum is bracketed."""
        from symbp.content import expr as E
        from symbp.formats.text import math

        node = self.convert(expr)
        if isinstance(node, E.Neg):
            return math(node.arg)
        return f"-({math(node)})" if E.bracket_negated(node) else f"-{math(node)}"


def _first_hidden(network: Network) -> Unit | None:
    return network.layers[-2][0] if len(network.layers) > 2 else None


def _other_numbering(network: Network) -> str | None:
    """The numbering a student may confuse with this network's, when it orders edges otherwise."""
    spec = network.spec
    if spec.numbering not in SWAPPABLE:
        return None
    other = next(n for n in SWAPPABLE if n != spec.numbering)
    return other if edge_order(spec.layers, other) != spec.edges else None


def _edges_text(network: Network, numbering: str) -> str:
    from symbp.graph import unit_name

    n = len(network.spec.layers)
    edges = edge_order(network.spec.layers, numbering)[:3]
    return ", ".join(
        f"w{i + 1}: {unit_name(e.layer - 1, e.source, n)}→{unit_name(e.layer, e.target, n)}"
        for i, e in enumerate(edges)
    )
