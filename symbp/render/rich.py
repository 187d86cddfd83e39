"""`symbp derive --format latex|mathml|markdown|html`: derivations in the rich formats.

LaTeX and Markdown give fragments to paste into a document or a notebook, MathML one <math>
fragment per equation (for Word or LibreOffice), HTML a complete self-contained page.
"""

from __future__ import annotations

from symbp.derive import BiasDerivation, Derivation
from symbp.numeric import Evaluation
from symbp.render.document import Block, Document, Heading, Math, Text
from symbp.render.printers import latex_partial
from symbp.render.steps import bias_derivation_blocks, derivation_blocks, grad_latex
from symbp.torch_check import CheckResult

FORMATS = ("latex", "mathml", "markdown", "html")


def derivations_blocks(
    derivations: tuple[Derivation | BiasDerivation, ...],
    evaluation: Evaluation,
    check: CheckResult | None = None,
    digits: int = 4,
) -> tuple[Block, ...]:
    """Each derivation (of a weight or a bias) under a heading "title: ∂L/∂w"."""
    blocks: list[Block] = []
    for derivation in derivations:
        network = derivation.network
        title = Text(f"{network.spec.title}: ")
        if isinstance(derivation, BiasDerivation):
            grad = latex_partial(network.loss, derivation.bias.symbol, network)
            blocks.append(Heading((title, Math(grad)), 1))
            blocks += bias_derivation_blocks(derivation, evaluation, check, digits)
        else:
            blocks.append(Heading((title, Math(grad_latex(network, derivation.weight.name))), 1))
            blocks += derivation_blocks(derivation, evaluation, check, digits)
    return tuple(blocks)


def render_derivations(
    derivations: tuple[Derivation | BiasDerivation, ...],
    evaluation: Evaluation,
    check: CheckResult | None,
    fmt: str,
    digits: int = 4,
) -> str:
    from symbp.render import html, latex, markdown, mathml

    blocks = derivations_blocks(derivations, evaluation, check, digits)
    if fmt == "latex":
        return latex.render_blocks(blocks)
    if fmt == "mathml":
        return mathml.render_blocks(blocks)
    if fmt == "markdown":
        return markdown.render_blocks(blocks)
    if fmt == "html":
        title = evaluation.network.spec.title
        return html.render_document(Document(title=title, lang="en", blocks=blocks))
    raise ValueError(f"unknown format {fmt!r}")
