"""A student's convolution homework judged (`symbp.check_hand_conv`, `symbp check-hand FILE
--spec conv.toml`): the first convolution layer's δ maps, kernel, bias and input gradients,
each number against the network's own derivation, wrong grids named by the catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from symbp.api.results import Result

if TYPE_CHECKING:
    from symbp.content.blocks import Block
    from symbp.core.conv_spec import ConvSpec
    from symbp.handcheck.conv import ConvHandReport


class ConvHandCheck(Result):
    """`all_right`, `report` (every number's verdict, by grid), rendered in every format."""

    def __init__(self, report: ConvHandReport, lang: str = "en") -> None:
        self.report = report
        self.lang = lang

    @property
    def passed(self) -> bool:
        return self.report.all_right

    @property
    def all_right(self) -> bool:
        return self.report.all_right

    def title(self) -> str:
        from symbp.content.conv_hand import words

        return words(self.lang)["title"]

    def blocks(self) -> tuple[Block, ...]:
        from symbp.content.conv_hand import report_blocks

        return report_blocks(self.report, self.lang)

    def to_json(self) -> str:
        grids = []
        for name, quantity, cells in self.report.grids():
            grids.append(
                {
                    "name": name,
                    "kind": quantity.kind,
                    "filter": quantity.filter + 1,
                    "channel": quantity.channel + 1,
                    "sample": "all" if quantity.sample < 0 else quantity.sample + 1,
                    "layer": quantity.layer or None,
                    "cells": [
                        {
                            "row": c.row + 1,
                            "column": c.col + 1,
                            "written": c.written,
                            "correct": c.expected,
                            "verdict": c.verdict,
                            "mistake": c.mistake,
                            "carried_from": list(c.origin),
                        }
                        for c in cells
                    ],
                }
            )
        data = {
            "all_right": self.all_right,
            "grids": grids,
            "not_written": list(self.report.unwritten),
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def __repr__(self) -> str:
        wrong = sum(c.verdict != "right" for c in self.report.cells)
        return f"<ConvHandCheck {wrong} wrong>"


def check_hand_conv(spec: ConvSpec | str | Path, text: str, lang: str = "en") -> ConvHandCheck:
    """A student's grids (δ maps, ∂L/∂W, ∂L/∂b, ∂L/∂x of the first convolution layer, lines
    `dL/dW1 =` followed by rows of numbers) judged against the network's derivation."""
    from symbp.core.conv import ConvNet
    from symbp.core.conv_spec import load_conv_spec
    from symbp.handcheck.conv import (
        conv_layer,
        conv_names,
        first_conv_layer,
        judge,
        judge_samples,
        sample_layers,
    )

    if isinstance(spec, str | Path):
        spec = load_conv_spec(spec)
    net = ConvNet(spec)
    names = conv_names(net)
    if net.samples > 1:  # each sample's grids, and ∂L/∂W, ∂L/∂b over the samples
        if len(names) == 1:
            return ConvHandCheck(judge_samples(sample_layers(net), text), lang)
        by_layer = {name: sample_layers(net, name) for name in names}
        return ConvHandCheck(judge_samples(by_layer, text), lang)
    numbers = net.evaluate()
    first = first_conv_layer(net, numbers)
    if len(names) == 1:
        return ConvHandCheck(judge(first, text), lang)
    # a later convolution layer's grids are prefixed by its name: conv3.delta1, conv3.dL/dW1
    layers = {names[0]: first} | {name: conv_layer(net, numbers, name) for name in names[1:]}
    return ConvHandCheck(judge(layers, text), lang)


def read_conv_hand_file(path: str | Path) -> str:
    from symbp.handcheck.circuit import read_hand_file

    return read_hand_file(path)
