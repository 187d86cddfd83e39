"""A convolutional network's handout (`symbp.conv_handout(spec)`, `symbp handout --spec
conv.toml -o h.tex`): the first convolution's forward and backward pass worked with the numbers
of the core's sweep, the grids drawn, the tensor form, and the check against torch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from symbp.api.results import Handout

if TYPE_CHECKING:
    from symbp.core.conv_spec import ConvSpec


def conv_handout(
    spec: ConvSpec | str | Path,
    lang: str = "en",
    digits: int = 4,
    check: bool = True,
    title: str | None = None,
    paper: str = "a4",
) -> Handout:
    """The handout of a convolutional spec (a ConvSpec or the path of its TOML file)."""
    from symbp.content.blocks import Document
    from symbp.content.conv_handout import check_summary, conv_handout_blocks
    from symbp.content.conv_handout_words import conv_words
    from symbp.core.conv import ConvNet
    from symbp.core.conv_spec import DEFAULT_TITLE, load_conv_spec
    from symbp.formats.page import paper as known_paper

    known_paper(paper)
    if isinstance(spec, str | Path):
        spec = load_conv_spec(spec)
    net = ConvNet(spec)
    numbers = net.evaluate()
    summary = None
    if check:
        from symbp.torchcheck.conv_model import torch_conv_check

        summary = check_summary(numbers, torch_conv_check(spec))
    given = spec.title if spec.title != DEFAULT_TITLE else ""
    shown = title or given or conv_words(lang)["title"]
    blocks = conv_handout_blocks(net, numbers, lang, digits, summary, shown)
    passed = summary is None or summary.passed
    document = Document(shown, lang, blocks)
    if summary is None:  # made without torch's check: it says so
        from symbp.content.handout import said_unchecked

        document = said_unchecked(document)
    return Handout(document, passed, paper)
