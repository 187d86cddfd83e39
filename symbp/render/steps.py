"""One weight's derivation as document blocks: the content every rich format shares.

The blocks follow the text renderer's order (edge, chain-rule paths, local derivatives as
symbol = formula = numbers = value, path products, δ form, closed form, the sign, value and
update, the torch check), with every formula printed by symbp's LaTeX printers.
"""

from __future__ import annotations

import sympy as sp

from symbp.derive import (
    MAX_PATHS,
    BiasDerivation,
    DeltaDefinition,
    Derivation,
    LocalDerivative,
)
from symbp.explain import SignExplanation, explain_sign
from symbp.graph import Network
from symbp.numeric import Evaluation
from symbp.render.document import (
    Block,
    Equations,
    Heading,
    Math,
    Paragraph,
    Row,
    Text,
    sentence,
)
from symbp.render.labels import labels
from symbp.render.printers import (
    latex,
    latex_number,
    latex_partial,
    latex_values,
    result_number,
)
from symbp.torch_check import CheckResult


def grad_latex(network: Network, weight_name: str) -> str:
    return latex_partial(network.loss, network.weight(weight_name).symbol, network)


def delta_rows(
    network: Network, delta: DeltaDefinition, values: dict[sp.Symbol, float], digits: int
) -> Row:
    """δ_j = (Leibniz form) = (upstream) · f′ = numbers = value, one row."""
    unit = delta.unit
    assert unit.z is not None
    names = network.latex_names
    if not delta.is_elementwise:
        return _softmax_delta_row(network, delta, values, digits)
    local = delta.activation_derivative.formula
    upstream = delta.upstream_formula
    if unit in network.outputs:
        leibniz = latex_partial(network.loss, unit.a, network)
    else:
        leibniz = rf"\left(\sum_{{k}} \delta_{{k}} w_{{{names[unit.a]} k}}\right)"
    leibniz += r" \cdot " + latex_partial(unit.a, unit.z, network)
    return Row(
        names[delta.symbol],
        (
            f"= {leibniz}",
            rf"= \left({latex(upstream, network)}\right) \cdot {latex(local, network)}",
            rf"= \left({latex_values(upstream, network, values, digits)}\right) \cdot "
            f"{latex_values(local, network, values, digits)}",
            f"= {latex_number(values[delta.symbol], digits)}",
        ),
    )


def _softmax_delta_row(
    network: Network, delta: DeltaDefinition, values: dict[sp.Symbol, float], digits: int
) -> Row:
    """δ_j = Σ_m ∂L/∂o_m · ∂o_m/∂z_j: softmax's Jacobian, one term per output it reaches."""
    unit = delta.unit
    assert unit.z is not None
    leibniz = " + ".join(
        latex_partial(network.loss, route.unit.a, network)
        + r" \cdot "
        + latex_partial(route.unit.a, unit.z, network)
        for route in delta.routes
    )
    symbols = " + ".join(
        rf"\left({latex(route.upstream_formula, network)}\right) \cdot "
        rf"\left({latex(route.local.formula, network)}\right)"
        for route in delta.routes
    )
    numbers = " + ".join(
        rf"\left({latex_values(route.upstream_formula, network, values, digits)}\right) \cdot "
        rf"\left({latex_values(route.local.formula, network, values, digits)}\right)"
        for route in delta.routes
    )
    return Row(
        network.latex_names[delta.symbol],
        (
            f"= {leibniz}",
            f"= {symbols}",
            f"= {numbers}",
            f"= {latex_number(values[delta.symbol], digits)}",
        ),
    )


def samples_note(evaluation: Evaluation, symbol: str, value: float, lang: str) -> Paragraph:
    """How several samples' values reduce to the one the update uses."""
    words = labels(lang)
    reduction = evaluation.network.spec.reduction
    return Paragraph(
        sentence(
            words["samples_note"],
            str(len(evaluation.samples)),
            Text(words[f"reduction_{reduction}"]),
            f"{symbol} = {result_number(value)}",
        )
    )


def derivation_blocks(
    derivation: Derivation,
    evaluation: Evaluation,
    check: CheckResult | None = None,
    digits: int = 4,
    lang: str = "en",
) -> tuple[Block, ...]:
    """The full derivation of one weight's gradient: symbols, then numbers, then the value."""
    words = labels(lang)
    network = derivation.network
    weight = derivation.weight
    values = evaluation.values  # with several samples: sample 1's
    names = network.latex_names
    grad = grad_latex(network, weight.name)
    gradient = evaluation.gradient(weight.name)  # reduced over the samples
    first = evaluation.samples[0] if evaluation.samples else evaluation
    target = weight.target
    assert target.z is not None
    blocks: list[Block] = [
        Paragraph(
            sentence(
                words["edge"],
                f"{names[weight.symbol]} = {latex_number(weight.value, digits)}",
                rf"{names[weight.source.a]} \to {names[target.a]}",
                f"{names[target.z]} = {latex(network.definitions[target.z], network)}",
            )
        ),
        Heading(
            sentence(
                words["chain_rule"],
                names[weight.symbol],
                names[network.loss],
                str(derivation.path_count),
            )
        ),
    ]
    if derivation.paths:
        blocks.append(_path_sum(derivation, grad))
        blocks += [Heading(sentence(words["local"])), _local_rows(derivation, evaluation, digits)]
        blocks += [Heading(sentence(words["products"])), _products(derivation, evaluation, digits)]
    else:
        blocks.append(Paragraph(sentence(words["too_many_paths"], str(MAX_PATHS))))

    blocks.append(Heading(sentence(words["delta_form"])))
    rows = [delta_rows(network, d, values, digits) for d in derivation.deltas]
    rows.append(
        Row(
            grad,
            (
                f"= {latex(derivation.delta_form, network)}",
                f"= {latex_values(derivation.delta_form, network, values, digits)}",
                f"= {result_number(first.gradient(weight.name))}",
            ),
        )
    )
    blocks.append(Equations(tuple(rows), stacked=True))
    if evaluation.samples:
        blocks.append(samples_note(evaluation, grad, gradient, lang))

    if derivation.closed_form is not None:
        blocks.append(Heading(sentence(words["closed_form"])))
        closed = latex(derivation.closed_form, network)
        sigmoid = r"\sigma(z) = \frac{1}{1 + e^{-z}}"
        blocks.append(Equations((Row(grad, (f"= {closed}",)), Row(r"\text{}", (f"{sigmoid}",)))))

    blocks.append(Heading(sentence(words["sign"])))
    blocks += sign_blocks(explain_sign(derivation, evaluation), derivation, lang)

    rate = network.spec.learning_rate
    blocks.append(Heading(sentence(words["value_update"], latex_number(rate))))
    w = names[weight.symbol]
    blocks.append(
        Equations(
            (
                Row(grad, (f"= {result_number(gradient)}",)),
                Row(
                    w,
                    (
                        rf"\leftarrow {w} - \eta \, {grad}",
                        rf"= {latex_number(weight.value, digits)} - {latex_number(rate)} "
                        rf"\times \left({result_number(gradient)}\right)",
                        f"= {result_number(weight.value - rate * gradient)}",
                    ),
                ),
            )
        )
    )
    if check is not None:
        blocks.append(check_paragraph(check, weight.name, lang))
    return tuple(blocks)


def _path_sum(derivation: Derivation, grad: str) -> Equations:
    network = derivation.network
    steps = []
    for number, path in enumerate(derivation.paths):
        factors = r" \cdot ".join(latex_partial(f.of, f.wrt, network) for f in path.factors)
        steps.append(("= " if number == 0 else "+ ") + factors)
    return Equations((Row(grad, tuple(steps)),), stacked=True)


def factor_row(factor: LocalDerivative, evaluation: Evaluation, digits: int = 4) -> Row:
    """One chain-rule factor: Leibniz symbol = formula = numbers = value."""
    network = evaluation.network
    return Row(
        latex_partial(factor.of, factor.wrt, network),
        (
            f"= {latex(factor.formula, network)}",
            f"= {latex_values(factor.formula, network, evaluation.values, digits)}",
            f"= {latex_number(evaluation.value(factor.formula), digits)}",
        ),
    )


def _local_rows(derivation: Derivation, evaluation: Evaluation, digits: int) -> Equations:
    seen: set[tuple[sp.Symbol, sp.Symbol]] = set()
    rows = []
    for path in derivation.paths:
        for factor in path.factors:
            if (factor.of, factor.wrt) in seen:
                continue
            seen.add((factor.of, factor.wrt))
            rows.append(factor_row(factor, evaluation, digits))
    return Equations(tuple(rows))


def _products(derivation: Derivation, evaluation: Evaluation, digits: int) -> Equations:
    rows = []
    for number, path in enumerate(derivation.paths, start=1):
        numbers = r" \times ".join(
            _bracketed(evaluation.value(f.formula), digits) for f in path.factors
        )
        value = latex_number(evaluation.value(path.formula), digits)
        rows.append(Row(rf"\text{{({number})}}", (rf"\quad {numbers} = {value}",)))
    total = result_number(evaluation.value(derivation.chain_rule))
    rows.append(Row(r"\Sigma", (f"= {total}",)))
    return Equations(tuple(rows))


def _bracketed(value: float, digits: int) -> str:
    number = latex_number(value, digits)
    return rf"\left({number}\right)" if value < 0 else number


def sign_blocks(why: SignExplanation, derivation: Derivation, lang: str) -> list[Block]:
    """Why ∂L/∂w has its sign, as prose with inline math (the SignExplanation phrased)."""
    words = labels(lang)
    network = derivation.network
    names = network.latex_names
    weight = derivation.weight
    grad = grad_latex(network, weight.name)
    source = names[weight.source.a]
    delta = names[why.delta.symbol]
    unit = why.delta.unit
    assert unit.z is not None
    parts: list[Block] = [Paragraph((Math(rf"{grad} = {delta} \cdot {source}"), *sentence(".")))]
    if why.source_value == 0:
        parts.append(Paragraph(sentence(words["sign_zero"], f"{source} = 0", grad, delta)))
        return parts
    relation = words["same_sign" if why.source_value > 0 else "opposite_sign"]
    template = words["sign_factor"].replace("{rel}", relation)
    parts.append(
        Paragraph(
            sentence(
                template,
                f"{source} = {latex_number(why.source_value)}",
                Text(words[_sign_key(why.source_value)]),
                grad,
                delta,
            )
        )
    )
    upstream = latex(why.delta.upstream_formula, network)
    local = latex_partial(unit.a, unit.z, network)
    parts.append(
        Paragraph(
            sentence(
                words["sign_local"],
                f"{local} = {latex_number(why.activation_derivative_value)}",
                Text(words[_sign_key(why.activation_derivative_value)]),
                delta,
                upstream,
            )
        )
    )
    dominant = why.dominant
    parts.append(
        Paragraph(
            sentence(
                words["sign_upstream"],
                f"{upstream} = {latex_number(why.upstream_value)}",
                Text(words[_sign_key(why.upstream_value)]),
                f"{latex(dominant.term.formula, network)} = {latex_number(dominant.value)}",
            )
        )
    )
    direction = "raises" if why.gradient < 0 else "lowers" if why.gradient > 0 else "leaves"
    parts.append(
        Paragraph(
            sentence(
                words["sign_result"],
                f"{grad} = {result_number(why.gradient)}",
                Text(words[_sign_key(why.gradient)]),
                Text(words[direction]),
                names[weight.symbol],
            )
        )
    )
    return parts


def _sign_key(value: float) -> str:
    return "positive" if value > 0 else "negative" if value < 0 else "zero"


def bias_derivation_blocks(
    derivation: BiasDerivation,
    evaluation: Evaluation,
    check: CheckResult | None = None,
    digits: int = 4,
    lang: str = "en",
) -> tuple[Block, ...]:
    """A bias's gradient: ∂z_j/∂b = 1 for each unit j it feeds, so ∂L/∂b = Σ_j δ_j."""
    words = labels(lang)
    network = derivation.network
    bias = derivation.bias
    values = evaluation.values  # with several samples: sample 1's
    first = evaluation.samples[0] if evaluation.samples else evaluation
    b = network.latex_names[bias.symbol]
    grad = latex_partial(network.loss, bias.symbol, network)
    zs = ", ".join(network.latex_names[unit.z] for unit in bias.targets if unit.z is not None)
    rule = f"{grad} = {latex(derivation.delta_form, network)}"
    blocks: list[Block] = [
        Paragraph(
            sentence(words["bias_of"], f"{b} = {latex_number(bias.value, digits)}", zs, "1", rule)
        )
    ]
    if not bias.trainable:
        blocks.append(Paragraph((Text(words["bias_fixed"]),)))
    blocks.append(Heading(sentence(words["delta_form"])))
    rows = [delta_rows(network, d, values, digits) for d in derivation.deltas]
    rows.append(
        Row(
            grad,
            (
                f"= {latex(derivation.delta_form, network)}",
                f"= {latex_values(derivation.delta_form, network, values, digits)}",
                f"= {result_number(first.value(derivation.delta_form))}",
            ),
        )
    )
    blocks.append(Equations(tuple(rows), stacked=True))
    gradient = evaluation.gradient(bias.name) if bias.trainable else None
    if evaluation.samples and gradient is not None:
        blocks.append(samples_note(evaluation, grad, gradient, lang))
    if gradient is not None:
        rate = network.spec.learning_rate
        blocks.append(Heading(sentence(words["value_update"], latex_number(rate))))
        blocks.append(
            Equations(
                (
                    Row(grad, (f"= {result_number(gradient)}",)),
                    Row(
                        b,
                        (
                            rf"\leftarrow {b} - \eta \, {grad}",
                            f"= {result_number(bias.value - rate * gradient)}",
                        ),
                    ),
                )
            )
        )
    if check is not None and gradient is not None:
        blocks.append(check_paragraph(check, bias.name, lang))
    return tuple(blocks)


def check_paragraph(check: CheckResult, name: str, lang: str) -> Paragraph:
    """One parameter's gradient by torch autograd and by finite differences, and the verdict."""
    words = labels(lang)
    row = check.weight(name)
    verdict = words["agrees"] if row.passed else words["disagrees"]
    return Paragraph(
        sentence(
            words["check"],
            Text(check.dtype),
            result_number(row.torch),
            result_number(row.finite_difference),
            Text(verdict),
        )
    )
