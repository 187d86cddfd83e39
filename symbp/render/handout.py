"""A complete handout: the problem, forward pass, backward pass, update and torch check.

`handout_document` is pure: it turns the objects the other renderers use (the backward sweep,
an Evaluation, a CheckResult) into document blocks. `build_handout` computes those objects for a
spec; `render_handout` serialises the document as HTML, LaTeX or Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from symbp.derive import Backprop, backward_sweep
from symbp.errors import SymbpError
from symbp.graph import Network
from symbp.numeric import CompiledNetwork, Evaluation, updated_weights
from symbp.render.document import (
    Block,
    Diagram,
    Document,
    Equations,
    Heading,
    Inline,
    Paragraph,
    Row,
    Table,
    Text,
    sentence,
)
from symbp.render.labels import labels
from symbp.render.printers import latex, latex_number, latex_values, result_number
from symbp.render.steps import delta_rows, grad_latex, samples_note
from symbp.spec import NetworkSpec
from symbp.torch_check import CheckResult

#: Finite differences are shown to this many decimals (their own error is about 1e-11).
FD_DECIMALS = 8
#: Handout formats by file extension.
EXTENSIONS = {".html": "html", ".htm": "html", ".tex": "latex", ".md": "markdown"}


def handout_format(path: str | Path) -> str:
    """The format a handout file's extension asks for."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise SymbpError(
            f"cannot tell the handout format of {str(path)!r}: use a name ending in "
            ".html, .tex or .md"
        )
    return EXTENSIONS[suffix]


def handout_document(
    sweep: Backprop,
    evaluation: Evaluation,
    check: CheckResult,
    new_loss: float,
    digits: int = 4,
    lang: str = "en",
) -> Document:
    """Every step of one training iteration for a network, as a document."""
    words = labels(lang)
    network = sweep.network
    blocks: list[Block] = [
        Heading((Text(network.spec.title),), level=1),
        Paragraph((Text(words["handout"]),)),
    ]
    blocks += problem_blocks(network, digits, lang)
    blocks += forward_blocks(network, evaluation, digits, lang)
    blocks += _backward(sweep, evaluation, digits, lang)
    blocks += update_blocks(network, evaluation, new_loss, digits, lang)
    blocks += verification_blocks(check, lang)
    return Document(title=network.spec.title, lang=lang, blocks=tuple(blocks))


def _heading(text: str, level: int = 2) -> Heading:
    return Heading((Text(text),), level)


def _listing(
    symbols: tuple[sp.Symbol, ...], network: Network, values: dict[sp.Symbol, float], digits: int
) -> str:
    return r",\ ".join(
        f"{network.latex_names[s]} = {latex_number(values[s], digits)}" for s in symbols
    )


def problem_blocks(network: Network, digits: int, lang: str) -> list[Block]:
    words = labels(lang)
    spec = network.spec
    values = {w.symbol: w.value for w in network.weights}
    values.update({u.a: x for u, x in zip(network.inputs, spec.inputs, strict=True)})
    values.update(dict(zip(network.targets, spec.targets, strict=True)))
    layers = "(" + ", ".join(str(size) for size in spec.layers) + ")"
    blocks: list[Block] = [
        _heading(words["problem"]),
        Paragraph(
            sentence(words["problem_intro"], layers)
            if len(spec.samples) == 1
            else sentence(words["problem_intro_samples"], layers, str(len(spec.samples)))
        ),
        Diagram(network, digits),
        Paragraph(
            sentence(
                words["inputs_targets"],
                _listing(tuple(u.a for u in network.inputs), network, values, digits),
                _listing(network.targets, network, values, digits),
            )
            if network.objective is None
            else sentence(
                words["inputs_objective"],
                _listing(tuple(u.a for u in network.inputs), network, values, digits),
                network.latex_names[network.objective.a],
            )
        ),
    ]
    z, a = sp.Symbol("z"), sp.Symbol("a")
    shown: list[str] = []
    for unit in (units[0] for units in network.layers[1:]):
        activation = unit.activation
        assert activation is not None
        if activation.name in shown:
            continue
        shown.append(activation.name)
        if not activation.elementwise:  # softmax: each output depends on the whole layer
            formula = r"o_{k} = \frac{e^{z_{k}}}{\sum_{m} e^{z_{m}}}"
            jacobian = r"o_{i}\left(\mathbb{1}[i = j] - o_{j}\right)"
            derivative = rf"\frac{{\partial o_{{i}}}}{{\partial z_{{j}}}} = {jacobian}"
            blocks.append(
                Paragraph(sentence(words["activation"], rf"{formula},\quad {derivative}"))
            )
            continue
        applied = activation.apply(z)
        written = sp.latex(applied)
        expanded = sp.latex(applied.rewrite(sp.exp))
        formula = f"a = {written}" + (f" = {expanded}" if expanded != written else "")
        derivative = rf"\frac{{\partial a}}{{\partial z}} = {sp.latex(activation.derivative(z, a))}"
        blocks.append(Paragraph(sentence(words["activation"], rf"{formula},\quad {derivative}")))
    loss = f"L = {latex(network.definitions[network.loss], network)}"
    blocks.append(
        Paragraph(sentence(words["loss"], loss, rf"\eta = {latex_number(spec.learning_rate)}"))
    )
    return blocks


def _layer_heading(network: Network, layer: int, lang: str) -> Heading:
    words = labels(lang)
    if layer == len(network.layers) - 1:
        return _heading(words["layer_output"], 3)
    return Heading(sentence(words["layer_hidden"], str(layer)), 3)


def forward_blocks(network: Network, evaluation: Evaluation, digits: int, lang: str) -> list[Block]:
    words = labels(lang)
    values = evaluation.values
    blocks: list[Block] = [
        _heading(words["forward"]),
        Paragraph(
            sentence(words["forward_intro"], r"z_{j} = \sum_{i} w_{ij} a_{i}", r"a_{j} = f(z_{j})")
        ),
    ]
    for layer, units in enumerate(network.layers[1:], start=1):
        rows = []
        for unit in units:
            assert unit.z is not None
            for symbol in (unit.z, unit.a):
                definition = network.definitions[symbol]
                rows.append(
                    Row(
                        network.latex_names[symbol],
                        (
                            f"= {latex(definition, network)}",
                            f"= {latex_values(definition, network, values, digits)}",
                            f"= {latex_number(values[symbol], digits)}",
                        ),
                    )
                )
        blocks += [_layer_heading(network, layer, lang), Equations(tuple(rows))]
    loss = network.definitions[network.loss]
    blocks += [
        _heading(words["the_loss"], 3),
        Equations(
            (
                Row(
                    "L",
                    (
                        f"= {latex(loss, network)}",
                        f"= {latex_values(loss, network, values, digits)}",
                        f"= {latex_number(values[network.loss], digits)}",
                    ),
                ),
            ),
            stacked=True,
        ),
    ]
    if evaluation.samples:
        blocks.append(samples_note(evaluation, "L", evaluation.loss, lang))
    return blocks


def _backward(sweep: Backprop, evaluation: Evaluation, digits: int, lang: str) -> list[Block]:
    words = labels(lang)
    network = sweep.network
    values = evaluation.values  # with several samples: sample 1's
    first = evaluation.samples[0] if evaluation.samples else evaluation
    blocks: list[Block] = [
        _heading(words["backward"]),
        Paragraph(
            sentence(
                words["backward_intro"],
                r"\delta_{j} = \frac{\partial L}{\partial z_{j}}",
                r"\delta_{j} = \frac{\partial L}{\partial a_{j}} \cdot f'(z_{j})",
                r"\delta_{j} = \left(\sum_{k} \delta_{k} w_{jk}\right) \cdot f'(z_{j})",
                r"\frac{\partial L}{\partial w_{ij}} = \delta_{j} a_{i}",
            )
        ),
    ]
    for layer in range(len(network.layers) - 1, 0, -1):
        deltas = [d for d in sweep.deltas.values() if d.unit.layer == layer]
        gradients = []
        for weight in network.weights:
            if weight.target.layer != layer:
                continue
            formula = sweep.gradients[weight.name]
            gradients.append(
                Row(
                    grad_latex(network, weight.name),
                    (
                        f"= {latex(formula, network)}",
                        f"= {latex_values(formula, network, values, digits)}",
                        f"= {latex_number(first.gradient(weight.name), digits)}",
                    ),
                )
            )
        blocks += [
            _layer_heading(network, layer, lang),
            Paragraph((Text(words["deltas"]),)),
            Equations(tuple(delta_rows(network, d, values, digits) for d in deltas), stacked=True),
            Paragraph((Text(words["gradients"]),)),
            Equations(tuple(gradients)),
        ]
    return blocks


def update_blocks(
    network: Network, evaluation: Evaluation, new_loss: float, digits: int, lang: str
) -> list[Block]:
    words = labels(lang)
    rate = network.spec.learning_rate
    eta = latex_number(rate)
    rows = []
    # every trainable parameter: the weights, then trainable biases
    for weight, new in zip(network.parameters, updated_weights(evaluation, rate), strict=True):
        gradient = evaluation.gradient(weight.name)
        shown = latex_number(gradient, digits)
        rows.append(
            Row(
                network.latex_names[weight.symbol],
                (
                    rf"\leftarrow {latex_number(weight.value, digits)} - {eta} \times "
                    + (rf"\left({shown}\right)" if gradient < 0 else shown),
                    f"= {latex_number(new, digits)}",
                ),
            )
        )
    rule = r"w \leftarrow w - \eta \frac{\partial L}{\partial w}"
    return [
        _heading(words["update"]),
        Paragraph(sentence(words["update_intro"], rf"\eta = {eta}", rule)),
        Equations(tuple(rows)),
        Paragraph(
            sentence(
                words["new_loss"],
                f"L = {latex_number(evaluation.loss, digits)}",
                f"L = {latex_number(new_loss, digits)}",
            )
        ),
    ]


def verification_blocks(check: CheckResult, lang: str) -> list[Block]:
    words = labels(lang)
    header = (
        words["weight"],
        words["symbolic"],
        f"{words['torch']} ({check.dtype})",
        words["finite_difference"],
        words["agrees_column"],
    )
    rows: list[tuple[Inline, ...]] = []
    for row in check.weights:
        rows.append(
            (
                Text(row.name),
                Text(result_number(row.symbolic)),
                Text(result_number(row.torch)),
                # finite differences carry ~1e-11 of noise that differs between CPUs' exp
                Text(f"{row.finite_difference:.{FD_DECIMALS}f}"),
                Text(words["yes" if row.passed else "no"]),
            )
        )
    rows.append(
        (
            Text("L"),
            Text(result_number(check.loss_symbolic)),
            Text(result_number(check.loss_torch)),
            Text(""),
            Text(words["yes" if check.loss_passed else "no"]),
        )
    )
    return [
        _heading(words["verification"]),
        Paragraph(
            sentence(words["verification_intro"], Text(check.torch_version), Text(check.dtype))
        ),
        Table(header, tuple(rows)),
        Paragraph((Text(words["all_agree" if check.passed else "some_disagree"]),)),
    ]


@dataclass(frozen=True)
class HandoutData:
    """Everything a handout shows, computed once for a spec."""

    sweep: Backprop
    evaluation: Evaluation
    check: CheckResult
    new_loss: float


def compute_handout(spec: NetworkSpec) -> HandoutData:
    """The backward sweep, the values, the torch check and the loss after one update step."""
    from symbp.torch_check import check as torch_check

    network = Network(spec)
    sweep = backward_sweep(network)
    compiled = CompiledNetwork(network, sweep)
    evaluation = compiled.evaluate()
    result = torch_check(evaluation, compiled.finite_differences())
    new_loss = compiled.evaluate(weights=updated_weights(evaluation, spec.learning_rate)).loss
    return HandoutData(sweep, evaluation, result, new_loss)


def build_handout(spec: NetworkSpec, lang: str = "en", digits: int = 4) -> Document:
    """Compute everything a handout shows for a spec (torch included) and lay it out."""
    labels(lang)  # an unknown language fails before any work
    data = compute_handout(spec)
    return handout_document(data.sweep, data.evaluation, data.check, data.new_loss, digits, lang)


def _renderers() -> dict[str, Callable[[Document], str]]:
    from symbp.render import html, latex, markdown

    return {
        "html": html.render_document,
        "latex": latex.render_document,
        "markdown": markdown.render_document,
    }


def render_handout(document: Document, fmt: str) -> str:
    """The document in one of the handout formats: html, latex or markdown."""
    return _renderers()[fmt](document)
