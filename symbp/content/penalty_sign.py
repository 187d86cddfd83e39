"""Why ∂L/∂w has its sign when L holds an L2 penalty: ∂L/∂w = (data loss's part) + λw.

The penalty's path w → R → L adds λw (2λw under l2_convention = "full") to the data loss's
part, the sum over the paths through the network (δ_j·a_i for one sample). The sign is the
sign of that sum: both parts are shown with their values and signs, then their sum.
"""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import Block, Paragraph, sentence
from symbp.content.labels import labels
from symbp.content.worked import Worked
from symbp.core.derive import Derivation
from symbp.core.graph import Network


def penalty_paragraph(network: Network, lang: str) -> Paragraph | None:
    """What R is (R = ½λΣw² or λΣw², λ, the parameters it covers) and how it differs from an
    optimizer's weight_decay; None without a penalty."""
    spec = network.spec
    if network.penalty is None:
        return None
    words = labels(lang)
    half = "" if spec.l2_full else "½"
    rule = f"R = {half}λ·Σw²"  # not λΣ: two Greek letters side by side read as a Greek word
    covered = words["penalty_weights_biases" if spec.l2_biases else "penalty_weights"]
    per_sample = ""
    if spec.reduction != "mean" and len(spec.samples) > 1:
        per_sample = words["penalty_per_sample"].format(len(spec.samples))
    return Paragraph(sentence(words["penalty_defined"], rule, f"{spec.l2:g}", covered, per_sample))


def penalty_factor(worked_sample: Worked) -> float:
    """∂R/∂w ÷ w for the reduced loss: λ (½λΣw²) or 2λ (λΣw²), whatever the reduction."""
    spec = worked_sample.network.spec
    return spec.l2 * (2.0 if spec.l2_full else 1.0)


def penalty_sign_blocks(worked_sample: Worked, derivation: Derivation) -> list[Block]:
    """The sign section of a network with an L2 penalty: the data part, λw, and their sum."""
    writer, words = worked_sample.writer, worked_sample.words
    network = writer.network
    weight = derivation.weight
    gradient = worked_sample.evaluation.gradient(weight.name)
    factor = penalty_factor(worked_sample)
    penalty_value = factor * weight.value
    data_value = gradient - penalty_value
    grad = worked_sample.reduced.partial(network.loss, weight.symbol)
    lam = writer.given(factor)
    w = writer.sym(weight.symbol)
    penalty_term = E.product(lam, w)

    def sign(value: float) -> str:
        return words["positive" if value > 0 else "negative" if value < 0 else "zero"]

    if worked_sample.several:
        data: E.Node = E.Sym(E.Name("g", "data", plain="g_data"))
    else:
        delta = derivation.delta_form
        data = writer.formula(delta - delta.coeff(weight.symbol) * weight.symbol)
    rule = E.equals(grad, E.total(data, penalty_term))
    data_chain = E.equals(data, writer.num(data_value))
    penalty_chain = E.equals(
        penalty_term, E.Mul((lam, writer.given(weight.value))), writer.num(penalty_value)
    )
    key = "sign_penalty_samples" if worked_sample.several else "sign_penalty"
    total = E.equals(
        grad, E.total(writer.num(data_value), writer.num(penalty_value)), writer.num(gradient)
    )
    direction = "raises" if gradient < 0 else "lowers" if gradient > 0 else "leaves"
    return [
        Paragraph(sentence(words[key], rule, data_chain, sign(data_value))),
        Paragraph(sentence(words["sign_penalty_term"], penalty_chain, sign(penalty_value))),
        Paragraph(
            sentence(words["sign_penalty_result"], total, sign(gradient), words[direction], w)
        ),
    ]
