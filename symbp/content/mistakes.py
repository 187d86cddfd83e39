"""The words of the mistake catalogue: each classic mistake's title, its sentence, and the wrong
and the right formula, in English and Chinese, beside every other word symbp says.

Which mistakes a network allows and what each changes is handcheck's (handcheck/mistakes.py);
what a reader is told of them is decided here. The formulas are the network's own (its loss's
∂L/∂o, each layer's activation derivative), given as display trees (Math marked `plain`: set as
check-hand's reports write formulas, o1·(1 - o1)) for the formats to print.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import Inline, Inlines, Math, Text
from symbp.content.names import Names, constant
from symbp.core.graph import Network, Unit
from symbp.core.operations import loss_info
from symbp.core.spec import edge_order, unit_name
from symbp.handcheck.mistakes import Mistake


@dataclass(frozen=True)
class MistakeWords:
    """What a report says of one mistake: prose with the network's formulas as plain Math
    (a format prints them, text_math.inline as check-hand's text)."""

    title: str
    sentence: Inlines
    wrong: Inlines  # the formula as the student wrote it
    right: Inlines  # the formula as it should be


@dataclass(frozen=True)
class _Said:
    """A mistake's words in both languages (the formulas serve both), each formula a
    placeholder of the speller's."""

    title: str
    sentence: str
    wrong: str
    right: str
    zh: tuple[str, str]

    def words(self, lang: str, spell: _Speller) -> MistakeWords:
        title, said = self.zh if lang == "zh" else (self.title, self.sentence)
        return MistakeWords(
            title, spell.parts(said), spell.parts(self.wrong), spell.parts(self.right)
        )


def mistake_words(mistake: Mistake, lang: str = "en") -> MistakeWords:
    """The title, sentence and formulas of `mistake` in `lang` (en or zh)."""
    key = mistake.key
    said = _dropped_path if key.startswith("dropped_path_") else _SAYINGS[key]
    spell = _Speller(mistake.network)
    return said(mistake, spell).words(lang, spell)


#: where a formula stands in a saying's string until it becomes a Math part
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")


class _Speller:
    """A formula of network symbols, held as a display tree while the sayings are written as
    strings: each formula stands as a placeholder that `parts` turns into a plain Math part
    (o1·(1 - o1), 1 - h1²), bracketed by the display tree's own rules."""

    def __init__(self, network: Network) -> None:
        self.convert = Names(network).converter(constant)
        self.formulas: list[E.Node] = []

    def _hold(self, node: E.Node) -> str:
        self.formulas.append(node)
        return f"\x00{len(self.formulas) - 1}\x00"

    def __call__(self, expr: sp.Expr) -> str:
        return self._hold(self.convert(expr))

    def factor(self, expr: sp.Expr) -> str:
        """As a factor of a product: bracketed where a product brackets its factor."""
        node = self.convert(expr)
        return (
            f"({self._hold(node)})"
            if E.bracket_factor(node) or isinstance(node, E.Frac)
            else self._hold(node)
        )

    def negated(self, expr: sp.Expr) -> str:
        """−expr: a negative formula loses its sign (−y1/o1 → y1/o1), a sum is bracketed."""
        node = self.convert(expr)
        if isinstance(node, E.Neg):
            return self._hold(node.arg)
        return f"-({self._hold(node)})" if E.bracket_negated(node) else f"-{self._hold(node)}"

    def parts(self, said: str) -> Inlines:
        """A saying as prose and plain Math parts."""
        pieces = _PLACEHOLDER.split(said)
        found: list[Inline] = []
        for position, piece in enumerate(pieces):
            if position % 2:
                found.append(Math(self.formulas[int(piece)], plain=True))
            elif piece:
                found.append(Text(piece))
        return tuple(found)


def _output(network: Network) -> tuple[Unit, sp.Expr, sp.Expr]:
    """The first output unit, ∂L/∂o and ∂o/∂z_o."""
    out = network.outputs[0]
    assert out.z is not None
    d_loss = network.local_derivative(network.loss, out.a)
    if loss_info(network.spec.loss).shows_sample_class:  # hinge: sample 1's class written in
        one_hot = network.spec.samples[0][1]
        d_loss = d_loss.xreplace(
            {y: sp.Integer(round(v)) for y, v in zip(network.targets, one_hot, strict=True)}
        )
    return out, d_loss, network.local_derivative(out.a, out.z)


def _hidden(network: Network) -> Unit:
    """The unit whose δ the hidden-layer mistakes are about: the last hidden layer's first."""
    hidden = network.layers[-2][0]
    assert hidden.z is not None
    return hidden


def _output_error_sign(mistake: Mistake, spell: _Speller) -> _Said:
    out, d_loss, _ = _output(mistake.network)
    error = f"∂L/∂{out.name}"
    return _Said(
        "the output error's sign is flipped",
        f"The output error has the wrong sign: the loss's derivative is {error} = "
        f"{spell(d_loss)}, not its negative.",
        f"{error} = {spell.negated(d_loss)}",
        f"{error} = {spell(d_loss)}",
        zh=(
            "输出误差的符号反了",
            f"输出误差的符号错了：损失的导数是 {error} = {spell(d_loss)}，不是它的相反数。",
        ),
    )


def _output_delta(network: Network, spell: _Speller) -> tuple[str, str, str]:
    """∂o/∂z_o = …, and the output δ without and with its activation derivative."""
    out, d_loss, d_out = _output(network)
    delta_out = f"δ_{out.name}"
    local_out = f"∂{out.name}/∂z_{out.name} = {spell(d_out)}"
    wrong_out = f"{delta_out} = {spell(d_loss)}"
    right_out = f"{delta_out} = {spell.factor(d_loss)}·{spell.factor(d_out)}"
    return local_out, wrong_out, right_out


def _missing_sigma_prime(mistake: Mistake, spell: _Speller) -> _Said:
    local_out, wrong_out, right_out = _output_delta(mistake.network, spell)
    return _Said(
        "the σ′ factor is missing",
        "δ = ∂L/∂z needs the activation's derivative as a factor (here "
        f"{local_out}); without it you computed ∂L/∂a instead.",
        wrong_out,
        right_out,
        zh=(
            "漏了 σ′ 因子",
            f"δ = ∂L/∂z 要乘激活函数的导数（这里 {local_out}）；漏了它，你算的是 ∂L/∂a。",
        ),
    )


def _missing_sigma_prime_hidden(mistake: Mistake, spell: _Speller) -> _Said:
    network = mistake.network
    hidden = _hidden(network)
    assert hidden.z is not None
    children = list(network.outgoing(hidden))
    deltas = " + ".join(f"δ_{w.target.name}·{w.name}" for w in children)
    d_hidden = network.local_derivative(hidden.a, hidden.z)
    delta_hidden = f"δ_{hidden.name}"
    local_hidden = f"∂{hidden.name}/∂z_{hidden.name} = {spell(d_hidden)}"
    return _Said(
        "the σ′ factor is missing in the hidden layer",
        "Every δ = ∂L/∂z needs its unit's activation derivative, the hidden units' too "
        f"(here {local_hidden}); without it a hidden δ is ∂L/∂a.",
        f"{delta_hidden} = {deltas}",
        f"{delta_hidden} = ({deltas})·{spell.factor(d_hidden)}",
        zh=(
            "隐藏层漏了 σ′ 因子",
            "每个 δ = ∂L/∂z 都要乘该神经元激活函数的导数，隐藏神经元也不例外"
            f"（这里 {local_hidden}）；"
            "漏了它，隐藏层的 δ 就成了 ∂L/∂a。",
        ),
    )


def _missing_sigma_prime_output(mistake: Mistake, spell: _Speller) -> _Said:
    local_out, wrong_out, right_out = _output_delta(mistake.network, spell)
    return _Said(
        "the σ′ factor is missing in the output layer",
        "Every δ = ∂L/∂z needs its unit's activation derivative, the output units' "
        f"too (here {local_out}); without it an output δ is ∂L/∂o.",
        wrong_out,
        right_out,
        zh=(
            "输出层漏了 σ′ 因子",
            "每个 δ = ∂L/∂z 都要乘该神经元激活函数的导数，输出神经元也不例外"
            f"（这里 {local_out}）；"
            "漏了它，输出层的 δ 就成了 ∂L/∂o。",
        ),
    )


def _sigma_prime_of_z(mistake: Mistake, spell: _Speller) -> _Said:
    unit = mistake.network.units[mistake.about["unit"]]
    assert unit.z is not None
    derivative = mistake.network.local_derivative(unit.a, unit.z)
    of_z = derivative.xreplace({unit.a: unit.z})
    local = f"∂{unit.name}/∂z_{unit.name}"
    return _Said(
        "σ′ taken of z instead of a",
        f"The activation's derivative is written in the activation a ({local} = "
        f"{spell(derivative)}), not in the pre-activation z.",
        f"{local} = {spell(of_z)}",
        f"{local} = {spell(derivative)}",
        zh=(
            "σ′ 用了 z 而不是 a",
            f"激活函数的导数用激活值 a 表示（{local} = {spell(derivative)}），不是用净输入 z。",
        ),
    )


def _half_dropped(mistake: Mistake, spell: _Speller) -> _Said:
    out = mistake.network.outputs[0]
    return _Said(
        "the ½ of the loss is dropped",
        "The loss is L = ½Σ(o − y)²: its ½ cancels the 2 of the square, so ∂L/∂o = "
        "o − y, not 2(o − y).",
        f"L = Σ(o − y)², ∂L/∂{out.name} = 2({out.name} − y1)",
        f"L = ½Σ(o − y)², ∂L/∂{out.name} = {out.name} − y1",
        zh=(
            "丢掉了损失函数的 ½",
            "损失是 L = ½Σ(o − y)²：½ 与平方求导得到的 2 相消，所以 ∂L/∂o = o − y，不是 2(o − y)。",
        ),
    )


def _half_doubled(mistake: Mistake, spell: _Speller) -> _Said:
    out = mistake.network.outputs[0]
    return _Said(
        "the ½ of the loss is applied twice",
        "The ½ of L = ½Σ(o − y)² cancels the 2 of the square once, so ∂L/∂o = o − y, not ½(o − y).",
        f"L = ¼Σ(o − y)², ∂L/∂{out.name} = ½({out.name} − y1)",
        f"L = ½Σ(o − y)², ∂L/∂{out.name} = {out.name} − y1",
        zh=(
            "损失函数的 ½ 用了两次",
            "L = ½Σ(o − y)² 的 ½ 只与平方的 2 相消一次，所以 ∂L/∂o = o − y，不是 ½(o − y)。",
        ),
    )


def _hidden_terms(network: Network, spell: _Speller) -> tuple[Unit, list[str], str, str]:
    """The hidden unit, its outgoing weights' names, Σ δ_k·w_k and its spelled f′ factor."""
    hidden = _hidden(network)
    assert hidden.z is not None
    children = list(network.outgoing(hidden))
    deltas = " + ".join(f"δ_{w.target.name}·{w.name}" for w in children)
    local = spell.factor(network.local_derivative(hidden.a, hidden.z))
    return hidden, [w.name for w in children], deltas, local


def _added_gradients(mistake: Mistake, spell: _Speller) -> _Said:
    hidden, weights, deltas, local = _hidden_terms(mistake.network, spell)
    gradients = " + ".join(f"∂L/∂{w}" for w in weights)
    return _Said(
        "the downstream weights' gradients are added instead of δ·w",
        "A hidden unit's error is the sum of the next layer's δ_k times the weights that "
        "carry it (δ_k·w), not the sum of those weights' gradients (δ_k·a).",
        f"δ_{hidden.name} = ({gradients})·{local}",
        f"δ_{hidden.name} = ({deltas})·{local}",
        zh=(
            "把下游权重的梯度相加，而不是 δ·w",
            "隐藏神经元的误差是下一层各 δ_k 乘以连接它的权重之和（δ_k·w），"
            "不是这些权重的梯度之和（δ_k·a）。",
        ),
    )


def _dropped_path(mistake: Mistake, spell: _Speller) -> _Said:
    network = mistake.network
    hidden, _, deltas, local = _hidden_terms(network, spell)
    unit = mistake.about["unit"]
    kept = [w for w in network.outgoing(hidden) if w.target.name != unit]
    kept_text = " + ".join(f"δ_{w.target.name}·{w.name}" for w in kept) or "0"
    return _Said(
        f"the path through {unit} is dropped",
        f"A hidden unit reaches the loss through every output, so its δ sums over "
        f"all of them; the path through {unit} is missing.",
        f"δ_{hidden.name} = ({kept_text})·{local}",
        f"δ_{hidden.name} = ({deltas})·{local}",
        zh=(
            f"漏掉了经过 {unit} 的路径",
            f"隐藏神经元经过每个输出到达损失，所以它的 δ 要对所有输出求和；"
            f"缺了经过 {unit} 的路径。",
        ),
    )


def _updated_output_weights(mistake: Mistake, spell: _Speller) -> _Said:
    network = mistake.network
    hidden, _, deltas, local = _hidden_terms(network, spell)
    updated = " + ".join(f"δ_{w.target.name}·{w.name}_new" for w in network.outgoing(hidden))
    return _Said(
        "already-updated output weights are used",
        "Every gradient is taken at the old weights; the updated output weights are "
        "only for the next step.",
        f"δ_{hidden.name} = ({updated})·{local}",
        f"δ_{hidden.name} = ({deltas})·{local}",
        zh=(
            "用了已经更新过的输出层权重",
            "所有梯度都在旧权重处计算；更新后的输出层权重只用于下一步。",
        ),
    )


def _update_sign(mistake: Mistake, spell: _Speller) -> _Said:
    return _Said(
        "the update step has the wrong sign",
        "Gradient descent moves against the gradient: w_new = w − η·∂L/∂w.",
        "w_new = w + η·∂L/∂w",
        "w_new = w − η·∂L/∂w",
        zh=("更新的方向反了", "梯度下降沿梯度的反方向移动：w_new = w − η·∂L/∂w。"),
    )


def _numbering(mistake: Mistake, spell: _Speller) -> _Said:
    network, other = mistake.network, mistake.about["other"]
    mine = network.spec.numbering
    return _Said(
        f"the weights are numbered {other}",
        f"This network numbers its weights {mine}; you placed their values {other}.",
        _edges_text(network, other),
        _edges_text(network, mine),
        zh=(
            f"权重按 {other} 方式编号",
            f"这个网络的权重按 {mine} 方式编号；你按 {other} 方式放置了它们的数值。",
        ),
    )


def _labels_swapped(mistake: Mistake, spell: _Speller) -> _Said:
    network, other = mistake.network, mistake.about["other"]
    mine = network.spec.numbering
    return _Said(
        f"the weights are labelled {other} (right values, wrong names)",
        f"Your numbers are right, but under the names the {other} numbering gives "
        f"the edges; this network numbers them {mine}.",
        _edges_text(network, other),
        _edges_text(network, mine),
        zh=(
            f"权重按 {other} 方式命名（数值对，名称错）",
            f"你的数是对的，但用的是 {other} 编号下各条边的名称；这个网络按 {mine} 方式编号。",
        ),
    )


def _learning_rate(mistake: Mistake, spell: _Speller) -> _Said:
    fitted, right = mistake.change["learning_rate"], mistake.about["right"]
    return _Said(
        f"learning rate {fitted:g} instead of {right:g}",
        f"The update uses the learning rate η = {right:g}; your updates fit η = {fitted:g}.",
        f"η = {fitted:g}",
        f"η = {right:g}",
        zh=(
            f"学习率用了 {fitted:g} 而不是 {right:g}",
            f"更新用的学习率是 η = {right:g}；你的更新符合 η = {fitted:g}。",
        ),
    )


def _edges_text(network: Network, numbering: str) -> str:
    n = len(network.spec.layers)
    edges = edge_order(network.spec.layers, numbering)[:3]
    return ", ".join(
        f"w{i + 1}: {unit_name(e.layer - 1, e.source, n)}→{unit_name(e.layer, e.target, n)}"
        for i, e in enumerate(edges)
    )


#: the words of each mistake of the catalogue, by key (dropped_path_<unit> apart)
def _error_doubled(mistake: Mistake, spell: _Speller) -> _Said:
    out, d_loss, _ = _output(mistake.network)
    return _Said(
        "∂L/∂o is 2(o − y) while L = ½Σ(o − y)²",
        "With L = ½Σ(o − y)² (as you computed it) the ½ cancels the 2 of the square: "
        "∂L/∂o = o − y, not 2(o − y).",
        f"∂L/∂{out.name} = 2·{spell.factor(d_loss)}",
        f"∂L/∂{out.name} = {spell(d_loss)}",
        zh=(
            "L = ½Σ(o − y)²，却用了 ∂L/∂o = 2(o − y)",
            "L = ½Σ(o − y)²（你也是这样算的）中的 ½ 与平方求导的 2 相消：∂L/∂o = o − y，"
            "不是 2(o − y)。",
        ),
    )


def _tanh_prime_as_sigmoid(mistake: Mistake, spell: _Speller) -> _Said:
    unit = mistake.network.units[mistake.about["unit"]]
    assert unit.z is not None
    local = f"∂{unit.name}/∂z_{unit.name}"
    return _Said(
        "tanh′ taken as a(1 − a), the sigmoid's derivative",
        f"The derivative of tanh is 1 − tanh², so ∂{unit.name}/∂z_{unit.name} = "
        f"1 − {unit.name}²; a(1 − a) is the sigmoid's.",
        f"{local} = {spell(unit.a * (1 - unit.a))}",
        f"{local} = {spell(mistake.network.local_derivative(unit.a, unit.z))}",
        zh=(
            "把 tanh′ 当成了 a(1 − a)（sigmoid 的导数）",
            f"tanh 的导数是 1 − tanh²，所以 ∂{unit.name}/∂z_{unit.name} = "
            f"1 − {unit.name}²；a(1 − a) 是 sigmoid 的导数。",
        ),
    )


def _softmax_sigma_prime(mistake: Mistake, spell: _Speller) -> _Said:
    network = mistake.network
    out, target = network.outputs[0], network.targets[0]
    return _Said(
        "the softmax error is multiplied by o(1 − o)",
        "With softmax and cross-entropy the output error is already δ = o − y: the "
        "softmax's Jacobian is in it, and there is no σ′ factor to multiply by.",
        f"δ_{out.name} = {spell((out.a - target) * out.a * (1 - out.a))}",
        f"δ_{out.name} = {spell(out.a - target)}",
        zh=(
            "softmax 的误差又乘了 o(1 − o)",
            "softmax 与交叉熵合用时输出误差就是 δ = o − y：softmax 的雅可比矩阵已经在其中，"
            "没有 σ′ 因子要乘。",
        ),
    )


def _one_hot(index: int, count: int) -> str:
    return "(" + ", ".join("1" if k == index else "0" for k in range(count)) + ")"


def _class_one_based(mistake: Mistake, spell: _Speller) -> _Said:
    network = mistake.network
    classes = network.spec.target_classes
    assert classes
    count = len(network.outputs)
    right = _one_hot(classes[0], count)
    return _Said(
        "the target class index is read 1-based",
        f"Class indices start at 0 (as torch's CrossEntropyLoss takes them): class "
        f"{classes[0]} is output {classes[0] + 1}, so y = {right}.",
        f"y = {_one_hot(classes[0] - 1, count)}",
        f"y = {right}",
        zh=(
            "把类别序号当成从 1 开始",
            f"类别序号从 0 开始（与 torch 的 CrossEntropyLoss 相同）：类别 {classes[0]} "
            f"是第 {classes[0] + 1} 个输出，所以 y = {right}。",
        ),
    )


def _biases_forgotten(mistake: Mistake, spell: _Speller) -> _Said:
    bias, value = mistake.about["bias"], mistake.about["value"]
    return _Said(
        "the biases are left out of z",
        f"Every pre-activation includes its unit's bias (here {bias} = {value:g}): z = Σ w·a + b.",
        "z = Σ w·a",
        "z = Σ w·a + b",
        zh=(
            "计算 z 时漏了偏置",
            f"每个净输入都要加上该神经元的偏置（这里 {bias} = {value:g}）：z = Σ w·a + b。",
        ),
    )


def _dropout_unscaled(mistake: Mistake, spell: _Speller) -> _Said:
    dropout = mistake.network.spec.dropout
    assert dropout is not None
    keep = ", ".join(f"{p:g}" for p in dict.fromkeys(dropout.keep_prob))
    return _Said(
        "the kept units are not divided by keep_prob",
        f"Inverted dropout (torch's nn.Dropout, deeplearning.ai) divides every kept unit by "
        f"keep_prob = {keep}: a = m·f(z)/p, and so ∂a/∂z = m·f′(z)/p.",
        "a = m·f(z)",
        "a = m·f(z)/p",
        zh=(
            "保留的单元没有除以 keep_prob",
            f"倒置 dropout（torch 的 nn.Dropout、deeplearning.ai）把每个保留的单元除以 keep_prob = "
            f"{keep}：a = m·f(z)/p，因而 ∂a/∂z = m·f′(z)/p。",
        ),
    )


def _penalty_forgotten(mistake: Mistake, spell: _Speller) -> _Said:
    spec = mistake.network.spec
    full = spec.l2_full
    rule = "R = λΣw², ∂R/∂w = 2λw" if full else "R = ½λΣw², ∂R/∂w = λw"
    which = "every weight and bias" if spec.l2_biases else "every weight (not the biases)"
    which_zh = "每个权重和偏置" if spec.l2_biases else "每个权重（不含偏置）"
    term = "2λw" if full else "λw"
    return _Said(
        f"the penalty's {term} is missing from the gradients",
        f"L = (data loss) + R with {rule}, λ = {spec.l2:g}, over {which}: each of their "
        f"gradients is the data loss's δ·a plus {term}.",
        "∂L/∂w = δ·a",
        f"∂L/∂w = δ·a + {term}",
        zh=(
            f"梯度中漏掉了惩罚项的 {term}",
            f"L = （数据损失）+ R，{rule}，λ = {spec.l2:g}，作用于{which_zh}："
            f"它们的梯度是数据损失的 δ·a 加上 {term}。",
        ),
    )


_SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sample_sums(network: Network) -> tuple[int, bool, str, str]:
    """The number of samples, whether L is their mean, and L as their mean and as their sum."""
    count = len(network.spec.samples)
    mean = network.spec.reduction == "mean"
    terms = " + ".join(f"L⁽{str(n).translate(_SUPERSCRIPT_DIGITS)}⁾" for n in range(1, count + 1))
    if count > 3:
        terms = f"L⁽¹⁾ + … + L⁽{str(count).translate(_SUPERSCRIPT_DIGITS)}⁾"
    return count, mean, f"L = ({terms})/{count}", f"L = {terms}"


def _first_sample_only(mistake: Mistake, spell: _Speller) -> _Said:
    count, mean, as_mean, as_sum = _sample_sums(mistake.network)
    return _Said(
        "only sample 1 is used",
        f"This network learns from {count} samples: L and every ∂L/∂w are the "
        f"{'mean' if mean else 'sum'} over all of them, not sample 1's alone.",
        "L = L⁽¹⁾, ∂L/∂w = ∂L⁽¹⁾/∂w",
        as_mean if mean else as_sum,
        zh=(
            "只用了第 1 个样本",
            f"这个网络有 {count} 个样本：L 和每个 ∂L/∂w 都是所有样本的"
            f"{'平均' if mean else '总和'}，不只是第 1 个样本的。",
        ),
    )


def _other_reduction(mistake: Mistake, spell: _Speller) -> _Said:
    count, mean, as_mean, as_sum = _sample_sums(mistake.network)
    reduction = mistake.network.spec.reduction
    return _Said(
        "the samples are summed instead of averaged"
        if mean
        else "the samples are averaged instead of summed",
        f"This network's loss is the {'mean' if mean else 'sum'} over its samples "
        f'(reduction = "{reduction}"), so L and every ∂L/∂w are '
        f"{f'divided by {count}' if mean else 'not divided by the number of samples'}.",
        as_sum if mean else as_mean,
        as_mean if mean else as_sum,
        zh=(
            "样本求和而不是求平均" if mean else "样本求平均而不是求和",
            f"这个网络的损失是各样本的{'平均' if mean else '总和'}，所以 L 和每个 ∂L/∂w "
            f"{f'都要除以 {count}' if mean else '都不除以样本数'}。",
        ),
    )


_SAYINGS: dict[str, Callable[[Mistake, _Speller], _Said]] = {
    "output_error_sign": _output_error_sign,
    "missing_sigma_prime": _missing_sigma_prime,
    "missing_sigma_prime_hidden": _missing_sigma_prime_hidden,
    "missing_sigma_prime_output": _missing_sigma_prime_output,
    "sigma_prime_of_z": _sigma_prime_of_z,
    "half_dropped": _half_dropped,
    "half_doubled": _half_doubled,
    "added_gradients": _added_gradients,
    "updated_output_weights": _updated_output_weights,
    "update_sign": _update_sign,
    "numbering": _numbering,
    "labels_swapped": _labels_swapped,
    "learning_rate": _learning_rate,
    "error_doubled": _error_doubled,
    "tanh_prime_as_sigmoid": _tanh_prime_as_sigmoid,
    "softmax_sigma_prime": _softmax_sigma_prime,
    "class_one_based": _class_one_based,
    "biases_forgotten": _biases_forgotten,
    "dropout_unscaled": _dropout_unscaled,
    "penalty_forgotten": _penalty_forgotten,
    "first_sample_only": _first_sample_only,
    "summed_samples": _other_reduction,
    "averaged_samples": _other_reduction,
}
