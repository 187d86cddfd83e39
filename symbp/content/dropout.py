"""What a derivation says about dropout: a = m·f(z)/p, and a dropped unit's a and δ are 0."""

from __future__ import annotations

from symbp.content import expr as E
from symbp.content.blocks import Block, Inline, Math, Paragraph, Text, sentence
from symbp.content.worked import Worked


def dropout_paragraph(context: Worked) -> Paragraph | None:
    """The dropout note: inverted dropout's rule, the worked sample's masks, and what a dropped
    unit's a and δ are (0: no path to the loss passes through it); None without dropout."""
    network, writer = context.network, context.writer
    if not network.masks:
        return None
    values = context.first.values
    keeps: list[Inline] = []
    for keep, value in network.keep_values.items():
        if keeps:
            keeps.append(Text(", "))
        keeps.append(Math(E.equals(writer.sym(keep), writer.given(value))))
    masks: list[Inline] = []
    dropped: list[Inline] = []
    for unit_name, mask in network.masks.items():
        if masks:
            masks.append(Text(", "))
        masks.append(Math(E.equals(writer.sym(mask), writer.given(values[mask]))))
        if values[mask] == 0:
            if dropped:
                dropped.append(Text(", "))
            dropped.append(Math(writer.sym(network.units[unit_name].a)))
    words = context.words
    parts = sentence(words["dropout_rule"], tuple(keeps), tuple(masks))
    if dropped:
        parts += (Text(" "),) + sentence(words["dropout_dropped"], tuple(dropped))
    return Paragraph(parts)


def dropout_blocks(context: Worked, backward: bool = False) -> list[Block]:
    """A handout's dropout note: the rule and masks (forward pass), or that the dropped units'
    δ are 0 (backward pass); nothing without dropout."""
    network, writer = context.network, context.writer
    if not network.masks:
        return []
    if not backward:
        paragraph = dropout_paragraph(context)
        return [] if paragraph is None else [paragraph]
    values = context.first.values
    deltas: list[Inline] = []
    for unit_name, mask in network.masks.items():
        delta = network.units[unit_name].delta
        if values[mask] == 0 and delta is not None:
            if deltas:
                deltas.append(Text(", "))
            deltas.append(Math(E.equals(writer.sym(delta), writer.num(0.0))))
    if not deltas:
        return [Paragraph(sentence(context.words["dropout_backward_none"]))]
    return [Paragraph(sentence(context.words["dropout_backward"], tuple(deltas)))]
