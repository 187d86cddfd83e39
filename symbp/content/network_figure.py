"""The network figure of a handout, CS231n's picture for a network: the problem's diagram with
each unit's z and a (the worked sample's) above it and its δ = ∂L/∂z below it, and the edges
on the focus weight's paths to the loss highlighted, with a legend.

It is the same drawing as the problem's diagram (formats/diagram.py places the tags with the
weights' labels), so a handout has one picture of its network, not two.
"""

from __future__ import annotations

from dataclasses import replace

from symbp.content.blocks import Block, Diagram, UnitTag
from symbp.content.worked import Worked
from symbp.core.graph import Network

#: a layer with more units than this is drawn without numbers (they would not be read)
MAX_TAGGED_UNITS = 8

#: the figure's words: the legend's two halves (before and after the weight's name), captions
LEGEND = {"en": ("the paths from ", " to the loss"), "zh": ("从 ", " 到损失的路径")}
#: the tags' legend, exactly what the figure draws ("{}": δ = ∂L/∂z; "{z}", "{a}": those
#: symbols, set as mathematics as the tags set them; "{n}": the worked sample,
#: with several): above a unit and below it, or, where the figure has one tag per unit (a
#: course-sized net, no weights on its edges), above it only
KEY: dict[str, tuple[tuple[str, str], tuple[str, str], str, str]] = {
    # (two tags, one tag, the sample's words before either, what joins two tags on one row)
    "en": (("above: {z}, {a}", "below: {}"), ("above: {a}, {}", ""), "sample {n}, ", "; "),
    "zh": (("上方：{z}、{a}", "下方：{}"), ("上方：{a}、{}", ""), "样本 {n}，", "；"),
}


#: sentences about the figure elsewhere in the handout
WORDS = {
    "en": {
        "on_figure": "Every other unit's z and a are on the figure of section 1.",
        "deltas_on_figure": "The other units' δ, by the same rule, are on the figure of section 1.",
        "deltas_on_figure_below": "The other units' δ, in this layer and the layers below, "
        "follow the same rule; their values are on the figure of section 1.",
    },
    "zh": {
        "on_figure": "其余神经元的 z 和 a 见第一节的图。",
        "deltas_on_figure": "其余神经元的 δ 规则相同，数值见第一节的图。",
        "deltas_on_figure_below": "本层及以下各层其余神经元的 δ 规则相同，数值见第一节的图。",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def shows_numbers(network: Network) -> bool:
    """Whether the handout's figure carries every unit's numbers (a layer of at most
    MAX_TAGGED_UNITS units: more would not be read)."""
    return max(len(units) for units in network.layers) <= MAX_TAGGED_UNITS


def focus_edges(network: Network, focus: str) -> tuple[int, ...]:
    """Indices into network.connections of the edges on a path from the focus weight to the
    loss: the weight's own edges, then every edge leaving a unit the weight reaches into a
    unit that reaches the loss."""
    reached = {t.name for w, _, t in network.connections if w.name == focus}
    for _, source, target in sorted(network.connections, key=lambda c: c[1].layer):
        if source.name in reached:
            reached.add(target.name)
    ends = [network.objective] if network.objective is not None else list(network.outputs)
    feeding = {unit.name for unit in ends}
    for _, source, target in sorted(network.connections, key=lambda c: -c[2].layer):
        if target.name in feeding:
            feeding.add(source.name)
    return tuple(
        index
        for index, (weight, source, target) in enumerate(network.connections)
        if target.name in feeding and (weight.name == focus or source.name in reached)
    )


def unit_tags(context: Worked) -> tuple[UnitTag, ...]:
    """Every unit's numbers at the worked sample, at the handout's precision."""
    writer, network = context.writer, context.network
    values = context.first.values

    def text(value: float) -> str:
        return writer.num(value).text

    tags = []
    for units in network.layers:
        for unit in units:
            z = text(values[unit.z]) if unit.z is not None else None
            delta = text(values[unit.delta]) if unit.delta is not None else None
            a = writer.given(values[unit.a]).text if unit.is_input else text(values[unit.a])
            tags.append(UnitTag(unit.name, a, z, delta))
    return tuple(tags)


def with_figure(blocks: list[Block], context: Worked, focus: str) -> list[Block]:
    """The handout's blocks with their first diagram made the figure (its legend says what the
    numbers and the highlighted edges are: no caption, the page has no line to spare)."""
    network = context.network
    index = next((i for i, b in enumerate(blocks) if isinstance(b, Diagram)), None)
    if index is None:
        return blocks
    block = blocks[index]
    assert isinstance(block, Diagram)
    if not shows_numbers(network):
        return blocks
    weight = network.weight(focus)
    name = context.writer.names.of[weight.symbol]
    before, after = LEGEND.get(context.lang, LEGEND["en"])
    key = KEY.get(context.lang, KEY["en"])
    # a figure without a weight on any edge sets a and δ in one tag above each unit (formats)
    one_tag = bool(block.labelled) and not any(block.labelled)
    two, one, sample, separator = key
    above, below = one if one_tag else two
    if context.several:
        above = sample + above
    return [
        *blocks[:index],
        replace(
            block,
            tags=unit_tags(context),
            highlighted=focus_edges(network, focus),
            legend=(before, name, after),
            key=(above.replace("{n}", str(context.number)), below),
            key_separator=separator,
        ),
        *blocks[index + 1 :],
    ]
