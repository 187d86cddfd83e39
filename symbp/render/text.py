"""Plain text for a terminal: a derivation, the check table, a gradient step."""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symbp.derive import MAX_PATHS, BiasDerivation, DeltaDefinition, Derivation
from symbp.explain import (
    DerivationNote,
    SignExplanation,
    derivation_notes,
    explain_sign,
    sign_word,
)
from symbp.graph import Network, Unit
from symbp.numeric import Evaluation
from symbp.render.printers import (
    format_number,
    result_number,
    text,
    text_name,
    text_partial,
    text_values,
)
from symbp.torch_check import CheckResult


def render_derivation(
    derivation: Derivation,
    evaluation: Evaluation,
    check: CheckResult | None = None,
    digits: int = 4,
) -> str:
    """The full derivation of one weight's gradient, symbols then numbers then the value."""
    network = derivation.network
    weight = derivation.weight
    values = evaluation.values
    grad = f"∂L/∂{weight.name}"
    gradient = evaluation.gradient(weight.name)
    # with several samples the steps below are sample 1's; the gradient is their mean or sum
    first = evaluation.samples[0] if evaluation.samples else evaluation
    target = weight.target
    assert target.z is not None
    lines = [
        f"{network.spec.title}: {grad}",
        "",
        f"{weight.name} = {format_number(weight.value, digits)} is the weight on the edge "
        f"{weight.source.name} → {target.name}: "
        f"{text_name(target.z)} = {text(network.definitions[target.z])}",
        "",
    ]
    if network.spec.weight_init != "given":
        lines += [f"Initial weights: {network.spec.weight_init}.", ""]
    if evaluation.samples:
        count = len(evaluation.samples)
        lines += [
            f"{count} samples; L is the {network.spec.reduction} of their losses, so {grad} is "
            f"the {network.spec.reduction} of their gradients. The steps below use sample 1.",
            "",
        ]

    noun = "path" if derivation.path_count == 1 else "paths"
    lines.append(f"Chain rule: {derivation.path_count} {noun} from {weight.name} to L")
    if derivation.paths:
        for number, path in enumerate(derivation.paths):
            factors = " · ".join(text_partial(f.of, f.wrt) for f in path.factors)
            lead = f"  {grad} = " if number == 0 else " " * (len(grad) + 3) + "+ "
            lines.append(lead + factors)
        lines += ["", "Local derivatives (symbol = formula = numbers = value)"]
        seen: list[tuple[sp.Symbol, sp.Symbol]] = []
        rows = []
        for path in derivation.paths:
            for factor in path.factors:
                if (factor.of, factor.wrt) in seen:
                    continue
                seen.append((factor.of, factor.wrt))
                rows.append(
                    (
                        text_partial(factor.of, factor.wrt),
                        text(factor.formula),
                        text_values(factor.formula, values, digits),
                        format_number(evaluation.value(factor.formula), digits),
                    )
                )
        lines += _aligned(rows)
        undefined = [row[0] for row in rows if row[-1] == "nan"]
        if undefined:
            lines.append(
                f"  Note: {', '.join(undefined)} cannot be evaluated on its own here (0/0): an "
                "output has rounded to exactly 0 or 1 in float64. In the δ form below the "
                "output factor cancels exactly, so δ, the gradient and the loss (computed from "
                "the pre-activations, like torch's log-softmax and BCE-with-logits) stay finite."
            )
        lines += ["", "Each path is the product of its factors"]
        for number, path in enumerate(derivation.paths, start=1):
            route = " → ".join(
                [weight.name]
                + [text_name(f.of) for f in reversed(path.factors) if not _is_pre_activation(f.of)]
            )
            numbers = " × ".join(_signed(evaluation.value(f.formula), digits) for f in path.factors)
            value = evaluation.value(path.formula)
            lines.append(f"  path {number} ({route}): {numbers} = {format_number(value, digits)}")
        lines.append(
            f"  sum of the paths = {result_number(evaluation.value(derivation.chain_rule))}"
        )
    else:
        lines.append(
            f"  (too many to list, more than {MAX_PATHS}: the δ form below computes the same "
            "sum layer by layer)"
        )

    lines += ["", "δ form (backpropagation: δ = ∂L/∂z, output layer first)"]
    lines += _delta_lines(derivation.deltas, network, values, digits)
    lines.append(
        f"  {grad} = {text(derivation.delta_form)} = "
        f"{text_values(derivation.delta_form, values, digits)} = "
        f"{result_number(first.gradient(weight.name))}"
    )
    notes = derivation_notes(derivation, first)
    if notes:
        lines += [""] + ["  " + _note_text(note, network) for note in notes]
    if evaluation.samples:
        sample_gradients = [sample.gradient(weight.name) for sample in evaluation.samples]
        combined = " + ".join(_signed(g, digits) for g in sample_gradients)
        how = f"({combined}) / {len(sample_gradients)}"
        if network.spec.reduction == "sum":
            how = combined
        lines += [
            "",
            f"Over the samples ({network.spec.reduction}): {grad} = {how} = "
            f"{result_number(gradient)}",
        ]

    if derivation.closed_form is not None:
        used = sorted({u.activation.formula for u in network.units.values() if u.activation})
        lines += ["", f"Closed form (inputs, targets and weights only; {'; '.join(used)})"]
        lines.append(f"  {grad} = {text(derivation.closed_form)}")

    sample_note = f" (sample 1 of {len(evaluation.samples)})" if evaluation.samples else ""
    lines += ["", "Why the sign" + sample_note]
    lines += ["  " + line for line in _sign_lines(explain_sign(derivation, first), derivation)]

    lines += ["", f"Value: {grad} = {result_number(gradient)}"]
    rate = network.spec.learning_rate
    if network.spec.optimizer.is_plain_sgd:
        lines.append(
            f"Update (learning rate {format_number(rate)}): {weight.name} ← {weight.name} − "
            f"η·{grad} = {format_number(weight.value, digits)} − {format_number(rate)} × "
            f"({result_number(gradient)}) = {result_number(weight.value - rate * gradient)}"
        )
    else:
        lines.append(_optimizer_update_line(network))
    if check is not None:
        lines.append(_check_line(check, weight.name))
    return "\n".join(lines) + "\n"


def _delta_lines(
    deltas: Sequence[DeltaDefinition],
    network: Network,
    values: dict[sp.Symbol, float],
    digits: int,
) -> list[str]:
    """Each δ as symbols, then formula, numbers and value, output layer first."""
    lines = []
    for delta in deltas:
        unit = delta.unit
        assert unit.z is not None
        if not delta.is_elementwise:
            lines += _softmax_delta_lines(delta, values, digits)
            continue
        upstream = delta.upstream_formula
        local = delta.activation_derivative.formula
        if unit in network.outputs:
            symbols = f"∂L/∂{unit.name} · ∂{unit.name}/∂{text_name(unit.z)}"
        else:
            symbols = f"(Σ_k δ_k · w_{unit.name}→k) · ∂{unit.name}/∂{text_name(unit.z)}"
        lines.append(f"  {text_name(delta.symbol)} = {symbols}")
        # a sum (tanh′ = 1 − a²) needs parentheses after "·"; a product (σ′ = a(1 − a)) not
        local_text, local_values = text(local), text_values(local, values, digits)
        if isinstance(local, sp.Add):
            local_text, local_values = f"({local_text})", f"({local_values})"
        lines.append(
            f"  {' ' * len(text_name(delta.symbol))} = ({text(upstream)}) · {local_text}"
            f" = ({text_values(upstream, values, digits)}) · {local_values}"
            f" = {format_number(values[delta.symbol], digits)}"
        )
    return lines


def render_bias_derivation(
    derivation: BiasDerivation,
    evaluation: Evaluation,
    check: CheckResult | None = None,
    digits: int = 4,
) -> str:
    """A bias's gradient: ∂z_j/∂b = 1 for each unit j it feeds, so ∂L/∂b = Σ_j δ_j."""
    network = derivation.network
    bias = derivation.bias
    grad = f"∂L/∂{bias.name}"
    first = evaluation.samples[0] if evaluation.samples else evaluation
    values = first.values
    units = ", ".join(unit.name for unit in bias.targets)
    lines = [f"{network.spec.title}: {grad}", ""]
    lines.append(
        f"{bias.name} = {format_number(bias.value, digits)} is the bias of {units}"
        + ("" if bias.trainable else " (fixed: gradient descent does not change it)")
    )
    for unit in bias.targets:
        assert unit.z is not None
        lines.append(f"  {text_name(unit.z)} = {text(network.definitions[unit.z])}")
    deltas = " + ".join(text_name(_delta(unit)) for unit in bias.targets)
    lines += [
        "",
        f"∂{text_name(_z(bias.targets[0]))}/∂{bias.name} = 1"
        + (" for each of them" if len(bias.targets) > 1 else "")
        + f", so {grad} = {deltas}",
        "",
        "δ form (backpropagation: δ = ∂L/∂z, output layer first)",
    ]
    lines += _delta_lines(derivation.deltas, network, values, digits)
    gradient = first.value(derivation.delta_form)
    lines.append(
        f"  {grad} = {text(derivation.delta_form)} = "
        f"{text_values(derivation.delta_form, values, digits)} = {result_number(gradient)}"
    )
    if evaluation.samples:
        per_sample = [sample.value(derivation.delta_form) for sample in evaluation.samples]
        total = sum(per_sample) / (len(per_sample) if network.spec.reduction == "mean" else 1)
        lines += [
            "",
            f"Over the {len(per_sample)} samples ({network.spec.reduction}): {grad} = "
            + _reduction_text(per_sample, network.spec.reduction, digits)
            + f" = {result_number(total)}",
        ]
        gradient = total
    if derivation.closed_form is not None:
        lines += ["", "Closed form (inputs, targets, weights and biases only)"]
        lines.append(f"  {grad} = {text(derivation.closed_form)}")
    lines += ["", f"Value: {grad} = {result_number(gradient)}"]
    if bias.trainable and not network.spec.optimizer.is_plain_sgd:
        lines.append(_optimizer_update_line(network))
    elif bias.trainable:
        rate = network.spec.learning_rate
        lines.append(
            f"Update (learning rate {format_number(rate)}): {bias.name} ← {bias.name} − η·{grad}"
            f" = {format_number(bias.value, digits)} − {format_number(rate)} × "
            f"({result_number(gradient)}) = {result_number(bias.value - rate * gradient)}"
        )
        if check is not None:
            lines.append(_check_line(check, bias.name))
    return "\n".join(lines) + "\n"


def _optimizer_update_line(network: Network) -> str:
    # interim, until the content model shows the optimizer's equations here too
    return (
        f"Update: by the spec's optimizer ({network.spec.optimizer.name}, not plain gradient "
        "descent); `symbp step` shows its equations with every number"
    )


def _reduction_text(values: Sequence[float], reduction: str, digits: int) -> str:
    summed = " + ".join(_signed(v, digits) for v in values)
    return f"({summed}) / {len(values)}" if reduction == "mean" else summed


def _delta(unit: Unit) -> sp.Symbol:
    assert unit.delta is not None
    return unit.delta


def _z(unit: Unit) -> sp.Symbol:
    assert unit.z is not None
    return unit.z


def _softmax_delta_lines(
    delta: DeltaDefinition, values: dict[sp.Symbol, float], digits: int
) -> list[str]:
    """δ_j of a softmax output: every output o_m depends on z_j, so it sums over them."""
    unit = delta.unit
    assert unit.z is not None
    name = text_name(delta.symbol)
    pad = " " * len(name)
    symbols = " + ".join(
        f"∂L/∂{route.unit.name} · ∂{route.unit.name}/∂{text_name(unit.z)}" for route in delta.routes
    )
    formulas = " + ".join(
        f"({text(route.upstream_formula)}) · ({text(route.local.formula)})"
        for route in delta.routes
    )
    numbers = " + ".join(
        f"({text_values(route.upstream_formula, values, digits)}) · "
        f"({text_values(route.local.formula, values, digits)})"
        for route in delta.routes
    )
    return [
        f"  {name} = Σ_m ∂L/∂o_m · ∂o_m/∂{text_name(unit.z)} (softmax: every output depends on "
        f"{text_name(unit.z)}; ∂o_i/∂z_j = o_i(δ_ij − o_j))",
        f"  {pad} = {symbols}",
        f"  {pad} = {formulas}",
        f"  {pad} = {text(delta.formula)} = {text_values(delta.formula, values, digits)}"
        f" = {format_number(values[delta.symbol], digits)}",
        f"  {pad}   ({numbers})",
    ]


def _note_text(note: DerivationNote, network: Network) -> str:
    if note.kind == "kink":
        unit = network.units[note.unit_name]
        slope = network.spec.negative_slope
        if unit.activation is not None and unit.activation.name == "leaky_relu":
            rule = f"leaky_relu′(0) is taken as the slope {format_number(slope)}"
        else:
            rule = "relu′(0) is taken as 0"
        return (
            f"Note: {note.z_name} = 0 exactly, where the activation has a kink: {rule}, as "
            "torch does (symbp writes the step as Heaviside(z, 0); sympy's plain Heaviside(0) "
            "would be ½)."
        )
    return (
        f"Note: every weight starts at 0, so {note.unit_name}'s gradient is exactly 0 by "
        "symmetry: all units of a hidden layer compute the same value, and every weight leaving "
        f"{note.unit_name} is 0, so δ_{note.unit_name} = (Σ_k δ_k · 0) · f′ = 0. Gradient "
        "descent then changes only the last layer, and the hidden units stay identical to each "
        "other for ever: that is why networks start from random weights."
    )


def _signed(value: float, digits: int) -> str:
    text = format_number(value, digits)
    return f"({text})" if value < 0 else text


def _is_pre_activation(symbol: sp.Symbol) -> bool:
    return symbol.name.startswith("z_")


def _aligned(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  "
        + " = ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1]))
        + " = "
        + row[-1]
        for row in rows
    ]


def _sign_lines(why: SignExplanation, derivation: Derivation) -> list[str]:
    weight = derivation.weight
    source = weight.source.name
    delta = text_name(why.delta.symbol)
    grad = f"∂L/∂{weight.name}"
    lines = [f"{grad} = {delta} · {source}."]
    if why.source_value == 0:
        return lines + [f"{source} = 0, so {grad} is 0 whatever {delta} is."]
    relation = "the same sign as" if why.source_value > 0 else "the opposite sign to"
    lines.append(
        f"{source} = {format_number(why.source_value)} is {sign_word(why.source_value)}, "
        f"so {grad} has {relation} {delta}."
    )
    unit = why.delta.unit
    assert unit.z is not None
    if not why.delta.is_elementwise:
        direction = "raises" if why.gradient < 0 else "lowers" if why.gradient > 0 else "leaves"
        return lines + [
            f"{delta} = {text(why.delta.formula)} = {format_number(why.delta_value)} is "
            f"{sign_word(why.delta_value)} (softmax: the error of every output reaches "
            f"{text_name(unit.z)} through the Jacobian).",
            f"So {grad} = {result_number(why.gradient)} is {sign_word(why.gradient)}: gradient "
            f"descent {direction} {weight.name}.",
        ]
    local = f"∂{unit.name}/∂{text_name(unit.z)}"
    lines.append(
        f"{delta} = ({text(why.delta.upstream_formula)}) · {local}, and "
        f"{local} = {format_number(why.activation_derivative_value)} is "
        f"{sign_word(why.activation_derivative_value)}"
        + (
            f" ({unit.activation.derivative_formula})"
            if unit.activation and unit.activation.derivative_formula
            else ""
        )
        + "."
    )
    if len(why.upstream) == 1:
        lines.append(
            f"{text(why.delta.upstream_formula)} = {format_number(why.upstream_value)} is "
            f"{sign_word(why.upstream_value)}."
        )
    else:
        terms = " + ".join(_signed(t.value, 4) for t in why.upstream)
        dominant = why.dominant
        lines.append(
            f"{text(why.delta.upstream_formula)} = {terms} = {format_number(why.upstream_value)}"
            f" is {sign_word(why.upstream_value)}: the largest term is "
            f"{text(dominant.term.formula)} = {format_number(dominant.value)}."
        )
    if why.target_value is not None and why.output_value is not None:
        side = "above" if why.output_value > why.target_value else "below"
        target = text_name(derivation.network.targets[unit.index])
        lines.append(
            f"{unit.name} = {format_number(why.output_value)} is {side} its target "
            f"{target} = {format_number(why.target_value)}."
        )
    direction = "raises" if why.gradient < 0 else "lowers" if why.gradient > 0 else "leaves"
    lines.append(
        f"So {grad} = {result_number(why.gradient)} is {sign_word(why.gradient)}: gradient descent "
        f"{direction} {weight.name}. A hand result of the opposite sign has flipped the sign of "
        f"one of these factors."
    )
    return lines


def _check_line(check: CheckResult, weight_name: str) -> str:
    row = check.weight(weight_name)
    verdict = "agrees" if row.passed else "DISAGREES"
    return (
        f"Check: torch autograd ({check.dtype}) {result_number(row.torch)}, |difference| "
        f"{abs(row.symbolic - row.torch):.1e}; finite difference "
        f"{result_number(row.finite_difference)}, "
        f"|difference| {abs(row.symbolic - row.finite_difference):.1e}: {verdict}"
    )


def render_check(check: CheckResult, title: str) -> str:
    """The table of every weight's gradient three ways, and the loss."""
    header = ("weight", "symbolic", f"torch ({check.dtype})", "finite diff.", "largest diff.", "")
    rows = [header]
    for weight in check.weights:
        rows.append(
            (
                weight.name,
                result_number(weight.symbolic),
                result_number(weight.torch),
                result_number(weight.finite_difference),
                f"{weight.largest_difference:.1e}",
                "ok" if weight.passed else "FAIL",
            )
        )
    rows.append(
        (
            "L",
            result_number(check.loss_symbolic),
            result_number(check.loss_torch),
            "",
            f"{abs(check.loss_symbolic - check.loss_torch):.1e}",
            "ok" if check.loss_passed else "FAIL",
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [f"{title}: symbolic gradients against torch {check.torch_version} autograd", ""]
    for row in rows:
        lines.append("  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip())
    failed = sum(not r.passed for r in check.weights) + (not check.loss_passed)
    lines += ["", "all agree" if check.passed else f"{failed} mismatch(es)"]
    return "\n".join(lines) + "\n"


def render_step(
    evaluation: Evaluation,
    new_weights: tuple[float, ...],
    new_loss: float,
    learning_rate: float,
    title: str,
) -> str:
    """One gradient-descent update: the loss, each gradient, each new weight."""
    network = evaluation.network
    lines = [
        f"{title}: one gradient-descent step, learning rate η = {format_number(learning_rate)}",
        "",
        f"loss before: L = {result_number(evaluation.loss)}",
        "",
    ]
    rows = [("weight", "value", "∂L/∂w", "new value = w − η·∂L/∂w")]
    for weight, gradient, new in zip(
        network.parameters, evaluation.gradients, new_weights, strict=True
    ):
        rows.append(
            (weight.name, result_number(weight.value), result_number(gradient), result_number(new))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        lines.append("  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)))
    lines += ["", f"loss after:  L = {result_number(new_loss)}"]
    return "\n".join(lines) + "\n"
