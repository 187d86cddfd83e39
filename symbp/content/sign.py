"""Why a gradient has its sign, as prose with inline math: the factors of δ_j · a_i and their
signs, for the sample a derivation works (the question the MOOC 8.3 blog post ended on).
"""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Inlines,
    Paragraph,
    sentence,
)
from symbp.content.labels import labels
from symbp.content.numbers import result_num
from symbp.content.operation_forms import sign_rule
from symbp.content.worked import Worked
from symbp.derive import (
    Derivation,
)
from symbp.explain import (
    SignExplanation,
    explain_sign,
)
from symbp.graph import Unit
from symbp.operations import activation_info


def activation_sign_reason(unit: Unit, lang: str) -> Inlines:
    """Why f′ has its sign: σ′ = a(1 − a) is always positive, relu′ = 1[z > 0]."""
    assert unit.activation is not None
    found = sign_rule(activation_info(unit.activation.name), lang)
    if found is None:
        return ()
    words, rule = found
    return sentence(words, rule) if rule is not None else sentence(words)


def sign_blocks(worked_sample: Worked, derivation: Derivation) -> list[Block]:
    """Why ∂L/∂w has its sign: the factors of δ_j · a_i and their signs, for sample 1."""
    writer, lang = worked_sample.writer, worked_sample.lang
    if writer.network.penalty is not None:
        # ∂L/∂w = δ_j·a_i + λw: the sign is no longer the product's (a gap: not explained yet)
        return []
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

    blocks: list[Block] = [
        Paragraph(sentence(words["sign_product"], E.equals(grad, E.product(delta, source))))
    ]
    if why.source_value == 0:
        zero = E.equals(source, E.Num(0.0, "0"))
        return blocks + [Paragraph(sentence(words["sign_zero"], zero, grad, delta))]
    relation = words["same_sign" if why.source_value > 0 else "opposite_sign"]
    shown_source = E.equals(source, writer.shown(weight.source.a))
    if lang == "zh":
        factor = sentence(
            words["sign_factor"], shown_source, sign(why.source_value), grad, delta, relation
        )
    else:
        factor = sentence(
            words["sign_factor"], shown_source, sign(why.source_value), grad, relation, delta
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
        local_value = E.equals(
            delta,
            local,
            writer.formula(why.delta.activation_derivative.formula),
            writer.num(why.activation_derivative_value),
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
        local_value = E.equals(
            local,
            writer.formula(why.delta.activation_derivative.formula),
            writer.num(why.activation_derivative_value),
        )
        blocks.append(
            Paragraph(
                sentence(
                    words["sign_local"],
                    delta_rule,
                    local_value,
                    sign(why.activation_derivative_value),
                )
                + activation_sign_reason(unit, lang)
                + sentence(words["sign_local_end"])
            )
        )
        upstream = writer.formula(why.delta.upstream_formula)
        upstream_lhs = writer.partial(network.loss, unit.a)
        if len(why.upstream) == 1:
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
        if why.output_value is not None and why.target_value is not None:
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
    gradient = worked_sample.evaluation.gradient(weight.name)
    direction = "raises" if gradient < 0 else "lowers" if gradient > 0 else "leaves"
    reduced_grad = worked_sample.reduced.partial(network.loss, weight.symbol)
    if network.objective is not None:  # no loss to descend: say what the sign means for o_k
        effect = "raises" if gradient > 0 else "lowers" if gradient < 0 else "leaves"
        blocks.append(
            Paragraph(
                sentence(
                    words["sign_result_output"],
                    E.equals(reduced_grad, result_num(gradient)),
                    sign(gradient),
                    writer.sym(weight.symbol),
                    words[effect],
                    writer.sym(network.objective.a),
                )
            )
        )
        return blocks
    blocks.append(
        Paragraph(
            sentence(
                words["sign_result"],
                E.equals(reduced_grad, result_num(gradient)),
                sign(gradient),
                words[direction],
                writer.sym(weight.symbol),
            )
        )
    )
    return blocks
