"""Why a gradient has its sign, as prose with inline math: the factors of δ_j · a_i and their
signs, for the sample a derivation works (the question the MOOC 8.3 blog post ended on).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Inlines,
    Paragraph,
    sentence,
)
from symbp.content.labels import labels
from symbp.content.operation_forms import sign_rule
from symbp.content.penalty_sign import penalty_sign_blocks
from symbp.content.worked import Worked, sample_loss_name
from symbp.core.derive import (
    Derivation,
)
from symbp.core.explain import (
    SignExplanation,
    explain_sign,
)
from symbp.core.graph import Unit
from symbp.core.numeric import Evaluation
from symbp.core.operations import loss_info

#: the sign section works each sample's contribution up to this many samples
MAX_SIGN_SAMPLES = 8


def _prime(function: str) -> E.Sym:
    return E.Sym(E.Name(function + "′", plain=function + "′"))


def activation_sign_reason(unit: Unit, lang: str) -> Inlines:
    """Why f′ has its sign: σ′ = a(1 − a) is always positive, relu′ = 1[z > 0]."""
    assert unit.activation is not None
    found = sign_rule(unit.activation.key, lang)
    if found is None:
        return ()
    words, rules = found
    return sentence(words, *rules)


def sign_blocks(worked_sample: Worked, derivation: Derivation) -> list[Block]:
    """Why ∂L/∂w has its sign: the factors of δ_j · a_i and their signs, for sample 1."""
    writer, lang = worked_sample.writer, worked_sample.lang
    if writer.network.penalty is not None:  # ∂L/∂w = δ_j·a_i + λw: the sum's sign
        return penalty_sign_blocks(worked_sample, derivation)
    words = labels(lang)
    why: SignExplanation = explain_sign(derivation, worked_sample.first)
    network = writer.network
    weight = derivation.weight
    grad = writer.partial(network.loss, weight.symbol)
    source = writer.sym(weight.source.a)
    delta = writer.sym(why.delta.symbol)
    unit = why.delta.unit
    assert unit.z is not None

    def sign(value: float) -> str:
        return words["positive" if value > 0 else "negative" if value < 0 else "zero"]

    blocks: list[Block] = []
    if worked_sample.several:
        samples = str(len(worked_sample.evaluation.samples))
        reduction = words[f"reduction_{network.spec.reduction}"]
        reduced_grad = worked_sample.reduced.partial(network.loss, weight.symbol)
        blocks.append(
            Paragraph(
                sentence(
                    words["sign_samples"],
                    samples,
                    reduced_grad,
                    reduction,
                    str(worked_sample.number),
                    grad,
                )
            )
        )
    product = E.equals(grad, E.product(delta, source))
    if why.source_value == 0:
        blocks.append(Paragraph(sentence(words["sign_product"], product)))
        zero = E.equals(source, E.Num(0.0, "0"))
        blocks.append(Paragraph(sentence(words["sign_zero"], zero, grad, delta)))
        return blocks + _conclusion_blocks(worked_sample, derivation, why)
    relation = words["same_sign" if why.source_value > 0 else "opposite_sign"]
    shown_source = E.equals(source, writer.shown(weight.source.a))
    # the product is named in the sentence on its factor's sign, not again on a line of its own
    if lang == "zh":
        factor = sentence(
            words["sign_factor"], shown_source, sign(why.source_value), product, delta, relation
        )
    else:
        factor = sentence(
            words["sign_factor"], shown_source, sign(why.source_value), product, relation, delta
        )
    blocks.append(Paragraph(factor))
    if not why.delta.is_elementwise:
        value = E.equals(delta, writer.formula(why.delta.formula), writer.num(why.delta_value))
        blocks.append(
            Paragraph(
                sentence(words["sign_softmax"], value, sign(why.delta_value), writer.sym(unit.z))
            )
        )
    elif unit is network.objective:  # δ is the output's own derivative: no upstream factor
        local = writer.partial(unit.a, unit.z)
        objective_formula = writer.formula(why.delta.activation_derivative.formula)
        local_value = (  # identity′ = 1 is its own value: "= 1" once
            E.equals(delta, local, objective_formula)
            if isinstance(objective_formula, E.Num)
            else E.equals(
                delta, local, objective_formula, writer.num(why.activation_derivative_value)
            )
        )
        blocks.append(
            Paragraph(
                sentence(
                    words["sign_objective"], local_value, sign(why.activation_derivative_value)
                )
                + activation_sign_reason(unit, lang)
                + sentence(words["sign_local_end"])
            )
        )
    else:
        local = writer.partial(unit.a, unit.z)
        delta_rule = E.equals(delta, E.product(writer.partial(network.loss, unit.a), local))
        local_formula = writer.formula(why.delta.activation_derivative.formula)
        local_value = (  # identity′ = 1 is its own value: "= 1" once
            E.equals(local, local_formula)
            if isinstance(local_formula, E.Num)
            else E.equals(local, local_formula, writer.num(why.activation_derivative_value))
        )
        mask = network.masks.get(unit.name)
        if mask is None:
            reason = activation_sign_reason(unit, lang)
        elif worked_sample.first.values[mask] == 0:  # dropout drops the unit in this sample
            reason = sentence(words["sign_dropped"], E.equals(writer.sym(mask), E.Num(0.0, "0")))
        else:
            reason = sentence(words["sign_kept"], E.equals(writer.sym(mask), E.Num(1.0, "1")))
            reason += activation_sign_reason(unit, lang)
        blocks.append(
            Paragraph(
                sentence(
                    words["sign_local"],
                    delta_rule,
                    local_value,
                    sign(why.activation_derivative_value),
                )
                + reason
                + sentence(words["sign_local_end"])
            )
        )
        upstream = writer.formula(why.delta.upstream_formula)
        upstream_lhs = writer.partial(network.loss, unit.a)
        if len(why.upstream) <= 1:  # none: an output that is not the objective reaches nothing
            chain = writer.worked(upstream_lhs, upstream, why.upstream_value)
            blocks.append(
                Paragraph(sentence(words["sign_upstream_one"], chain, sign(why.upstream_value)))
            )
        else:
            terms = E.total(*(writer.num(t.value) for t in why.upstream))
            chain = E.equals(upstream_lhs, upstream, terms, writer.num(why.upstream_value))
            dominant = E.equals(
                writer.formula(why.dominant.term.formula), writer.num(why.dominant.value)
            )
            blocks.append(
                Paragraph(
                    sentence(words["sign_upstream"], chain, sign(why.upstream_value), dominant)
                )
            )
        margins = _margin_blocks(worked_sample, unit, words, sign)
        if margins is not None:  # y is a class flag: the margins decide, not o vs y
            blocks += margins
        elif why.output_value is not None and why.target_value is not None:
            target = network.targets[unit.index]
            side = words["above" if why.output_value > why.target_value else "below"]
            blocks.append(
                Paragraph(
                    sentence(
                        words["sign_output"],
                        E.equals(writer.sym(unit.a), writer.num(why.output_value)),
                        side,
                        E.equals(writer.sym(target), writer.shown(target)),
                    )
                )
            )
    return blocks + _conclusion_blocks(worked_sample, derivation, why)


def _margin_blocks(
    worked_sample: Worked, unit: Unit, words: Mapping[str, str], sign: Callable[[float], str]
) -> list[Block] | None:
    """For a margin loss (hinge, multi_margin: class-index targets, y a class flag), why
    ∂L/∂o_k has its sign, as CS231n argues: each class j ≠ y whose margin s_j − s_y + Δ is
    positive adds 1 (÷K for multi_margin) to ∂L/∂o_j and takes it from ∂L/∂o_y. None for any
    other loss or an output that is no class score."""
    writer = worked_sample.writer
    network = writer.network
    spec = network.spec
    info = loss_info(spec.loss)
    if not (info.shows_sample_class and info.parameter is not None and spec.target_classes):
        return None
    if unit not in network.outputs:
        return None
    values = worked_sample.first.values
    classes = spec.target_classes
    correct = network.outputs[classes[worked_sample.number - 1]]
    delta = float(spec.loss_parameter or 0.0)
    share = 1.0 / len(network.outputs) if info.torch_outputs_power == 0 else 1.0
    share_text = "1" if share == 1.0 else f"1/{len(network.outputs)}"

    def margin(other: Unit) -> tuple[E.Chain, float]:
        value = values[other.a] - values[correct.a] + delta
        shown = E.total(writer.sym(other.a), E.Neg(writer.sym(correct.a)), writer.num(delta))
        return E.equals(shown, writer.num(value)), value

    if unit is correct:
        others = [u for u in network.outputs if u is not correct]
        chains = [margin(u) for u in others]
        active = sum(1 for _, value in chains if value > 0)
        listed = sentence(", ".join(["{}"] * len(chains)), *(chain for chain, _ in chains))
        gradient = -share * active
        return [
            Paragraph(
                sentence(
                    words["sign_margin_class"],
                    writer.sym(correct.a),
                    share_text,
                    listed,
                    str(active),
                    E.equals(writer.partial(network.loss, correct.a), writer.num(gradient)),
                    sign(gradient),
                )
            )
        ]
    chain, value = margin(unit)
    gradient = share if value > 0 else 0.0
    return [
        Paragraph(
            sentence(
                words["sign_margin_other"],
                writer.sym(unit.a),
                writer.sym(correct.a),
                chain,
                words["positive" if value > 0 else "not_positive"],
                E.equals(writer.partial(network.loss, unit.a), writer.num(gradient)),
                sign(gradient),
            )
        )
    ]


def _contribution(
    worked_sample: Worked, derivation: Derivation, sample: Evaluation, loss: E.Node
) -> E.Chain:
    """∂L⁽ⁿ⁾/∂w = δ_j a_i = (δ value)(a value) = product: one sample's factors and product."""
    writer = worked_sample.writer
    weight = derivation.weight
    why = explain_sign(derivation, sample)
    delta_value = sample.values[why.delta.symbol]
    source_value = sample.values[weight.source.a]
    source = writer.sym(weight.source.a)
    delta = writer.sym(why.delta.symbol)
    # an input is shown as given (x1 = 0.5), a computed value to the handout's digits
    shown_source = (
        writer.given(source_value) if weight.source.layer == 0 else writer.num(source_value)
    )
    numbers = E.Mul((writer.num(delta_value), shown_source))
    value = writer.num(sample.gradient(weight.name))
    if worked_sample.several:  # δ_j a_i was named above: each sample's numbers only
        return E.equals(loss, numbers, value)
    return E.equals(loss, E.product(delta, source), numbers, value)


def _conclusion_blocks(
    worked_sample: Worked, derivation: Derivation, why: SignExplanation
) -> list[Block]:
    """The sign of the quantity concluded on, shown with the factors that make it: the one
    sample's δ_j · a_i, or with several samples each sample's product and their mean (or sum)."""
    writer, lang = worked_sample.writer, worked_sample.lang
    words = labels(lang)
    network = writer.network
    weight = derivation.weight
    evaluation = worked_sample.evaluation
    gradient = evaluation.gradient(weight.name)
    reduced_grad = worked_sample.reduced.partial(network.loss, weight.symbol)

    def sign(value: float) -> str:
        return words["positive" if value > 0 else "negative" if value < 0 else "zero"]

    blocks: list[Block] = []
    if worked_sample.several:
        samples = evaluation.samples
        name = worked_sample.reduced.of[weight.symbol]
        contributions = []
        for number, sample in enumerate(samples, start=1):
            loss = E.Partial(sample_loss_name(number), name, ("sample", number, weight.name))
            contributions.append(loss)
            if number > MAX_SIGN_SAMPLES:
                continue
            chain = _contribution(worked_sample, derivation, sample, loss)
            key = "sign_sample_first" if number == worked_sample.number else "sign_sample"
            value = sample.gradient(weight.name)
            blocks.append(Paragraph(sentence(words[key], str(number), chain, sign(value))))
        count = len(samples)
        reduction = network.spec.reduction
        shown = [s.gradient(weight.name) for s in samples]
        numbers: E.Node = E.total(*(writer.num(v) for v in shown))
        if reduction == "mean":
            numbers = E.Frac(numbers, E.Num(float(count), str(count)))
        total: E.Chain = (
            E.equals(reduced_grad, numbers, writer.num(gradient))
            if count <= MAX_SIGN_SAMPLES
            else E.equals(reduced_grad, writer.num(gradient))
        )
        subject = total
    else:
        subject = _contribution(worked_sample, derivation, worked_sample.first, reduced_grad)
    if network.objective is not None:  # no loss to descend: say what the sign means for o_k
        effect = "raises" if gradient > 0 else "lowers" if gradient < 0 else "leaves"
        blocks.append(
            Paragraph(
                sentence(
                    words["sign_result_output"],
                    subject,
                    sign(gradient),
                    writer.sym(weight.symbol),
                    words[effect],
                    writer.sym(network.objective.a),
                )
            )
        )
        return blocks
    direction = "raises" if gradient < 0 else "lowers" if gradient > 0 else "leaves"
    key = "sign_result_samples" if worked_sample.several else "sign_result"
    blocks.append(
        Paragraph(
            sentence(
                words[key],
                subject,
                sign(gradient),
                words[direction],
                writer.sym(weight.symbol),
            )
        )
    )
    return blocks
