"""Plain text and JSON for the values of issue 14: optimizer steps, ∂L/∂a, per-sample numbers.

An interim layer: the content model lays these results out properly in every format later.
Until then this module gives the CLI and the API complete JSON (every number, every state,
every sample) and short text, from the data objects alone (OptimizerStep, UnitDerivation,
Evaluation), so that nothing here decides what the numbers are.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.printing.str import StrPrinter

from symbp.derive import MAX_PATHS, UnitDerivation
from symbp.numeric import Evaluation
from symbp.render.printers import format_number, result_number, text, text_partial, text_values

if TYPE_CHECKING:
    from symbp.api import UnitGradient
    from symbp.optim import OptimizerStep, UpdateRule
    from symbp.torch_check import UnitCheck


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# -- optimizers -------------------------------------------------------------------------------


class _RulePrinter(StrPrinter):
    """An update rule's formula with its own symbol names (b_(t−1), m̂_t, β1)."""

    def __init__(self, names: dict[sp.Symbol, str]) -> None:
        super().__init__()
        self._names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:  # noqa: N802 - sympy's naming
        return self._names.get(expr, expr.name)


def rule_text(rule: UpdateRule, expr: sp.Expr) -> str:
    return str(_RulePrinter(rule.text_names).doprint(expr))


def optimizer_document(rule: UpdateRule) -> dict[str, Any]:
    """The optimizer, its settings and its equations (as text and LaTeX), for JSON."""
    from sympy.printing.latex import LatexPrinter

    class _Latex(LatexPrinter):
        def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:  # noqa: N802
            return rule.latex_names.get(expr, expr.name)

    latex = _Latex()
    return {
        "name": rule.name,
        "description": rule.description,
        "learning_rate": rule.learning_rate,
        "settings": {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in rule.optimizer.settings().items()
        },
        "state": [{"key": v.key, "meaning": v.meaning} for v in rule.state],
        "equations": [
            {
                "target": rule.text_names[eq.target],
                "formula": rule_text(rule, eq.formula),
                "latex": f"{rule.latex_names[eq.target]} = {latex.doprint(eq.formula)}",
                "first_round": None if eq.first_round is None else rule_text(rule, eq.first_round),
            }
            for eq in rule.equations
        ],
    }


def update_entries(update: OptimizerStep) -> list[dict[str, Any]]:
    """Per parameter: value, gradient, state before and after, every equation's value, new value."""
    entries = []
    for parameter in update.parameters:
        entries.append(
            {
                "name": parameter.name,
                "value": parameter.value_before,
                "gradient": parameter.gradient,
                "state_before": parameter.state_before,
                "state_after": parameter.state_after,
                "steps": [
                    {
                        "target": update.rule.text_names[target],
                        "formula": rule_text(update.rule, formula),
                        "value": _finite(parameter.values[target]),
                    }
                    for target, formula in parameter.equations
                ],
                "updated": parameter.value_after,
            }
        )
    return entries


def render_step_json(
    evaluation: Evaluation, update: OptimizerStep, new_loss: float, title: str
) -> str:
    """One optimizer update as JSON: the rule, and every number of every parameter."""
    return _dump(
        {
            "title": title,
            "learning_rate": update.rule.learning_rate,
            "optimizer": optimizer_document(update.rule),
            "round": update.round,
            "loss_before": evaluation.loss,
            "loss_after": new_loss,
            "weights": update_entries(update),
        }
    )


def render_step_text(
    evaluation: Evaluation, update: OptimizerStep, new_loss: float, title: str, digits: int = 4
) -> str:
    """One optimizer update as a table: value, gradient, the state after, the new value."""
    rule = update.rule
    lines = [f"{title}: one update by {rule.description}", ""]
    lines += [
        f"  {rule.text_names[eq.target]} = "
        + rule_text(rule, eq.formula)
        + (
            f"   (round 1: {rule_text(rule, eq.first_round)}, as torch)"
            if eq.first_round is not None
            else ""
        )
        for eq in rule.equations
    ]
    lines += ["", f"loss before: L = {result_number(evaluation.loss)}", ""]
    keys = [v.key for v in rule.state]
    header = ("weight", "value", "∂L/∂w", *(f"{key} after" for key in keys), "new value")
    rows = [header]
    for parameter in update.parameters:
        after = parameter.state_after
        rows.append(
            (
                parameter.name,
                result_number(parameter.value_before),
                result_number(parameter.gradient),
                *(result_number(after[key]) for key in keys),
                result_number(parameter.value_after),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines += ["  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines += ["", f"loss after:  L = {result_number(new_loss)}"]
    return "\n".join(lines) + "\n"


# -- per-sample values and ∂L/∂a ------------------------------------------------------------


def sample_entries(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Every sample's own forward values, loss, loss terms and gradients."""
    network = evaluation.network
    inputs = {unit.name for unit in network.inputs}
    return [
        {
            "sample": index + 1,
            "inputs": [sample.values[unit.a] for unit in network.inputs],
            "targets": [sample.values[y] for y in network.targets],
            "forward": {k: _finite(v) for k, v in sample.forward_values.items()},
            "loss": _finite(sample.loss),
            "loss_terms": {k: _finite(v) for k, v in sample.loss_terms.items()},
            "gradients": {k: _finite(v) for k, v in sample.named_gradients.items()},
            "input_gradients": {
                k: _finite(v) for k, v in sample.unit_gradients.items() if k in inputs
            },
            "activation_gradients": {
                k: _finite(v) for k, v in sample.unit_gradients.items() if k not in inputs
            },
        }
        for index, sample in enumerate(evaluation.per_sample)
    ]


def values_document(evaluation: Evaluation) -> dict[str, Any]:
    """What derive's JSON adds: loss terms, ∂L/∂a (sample 1) and every sample's numbers."""
    objective = evaluation.network.objective
    return {
        "objective": "loss" if objective is None else objective.name,
        "loss_terms": {k: _finite(v) for k, v in evaluation.loss_terms.items()},
        "unit_gradients": {k: _finite(v) for k, v in evaluation.unit_gradients.items()},
        "per_sample": sample_entries(evaluation),
    }


def _factor(
    of: sp.Symbol, wrt: sp.Symbol, formula: sp.Expr, evaluation: Evaluation
) -> dict[str, Any]:
    return {
        "symbol": text_partial(of, wrt),
        "formula": text(formula),
        "value": _finite(evaluation.value(formula)),
    }


def unit_derivation_document(
    derivation: UnitDerivation, evaluation: Evaluation, check: UnitCheck | None = None
) -> dict[str, Any]:
    """∂L/∂a for one unit: its paths, upstream terms, δs, δ form, closed form and value."""
    first = evaluation.per_sample[0]
    unit = derivation.unit
    last = len(derivation.network.layers) - 1
    kind = "input" if unit.layer == 0 else "output" if unit.layer == last else "hidden"
    document: dict[str, Any] = {
        "unit": unit.name,
        "kind": kind,
        "value": first.values[unit.a],
        "path_count": derivation.path_count,
        "paths": [
            {
                "factors": [_factor(f.of, f.wrt, f.formula, first) for f in path.factors],
                "value": _finite(first.value(path.formula)),
            }
            for path in derivation.paths
        ],
        "upstream": [
            {
                "through": term.child.name,
                "formula": text(term.formula),
                "value": _finite(first.value(term.formula)),
            }
            for term in derivation.upstream
        ],
        "deltas": [
            {
                "symbol": f"δ_{d.unit.name}",
                "formula": text(d.formula),
                "value": _finite(first.values[d.symbol]),
            }
            for d in derivation.deltas
        ],
        "delta_form": text(derivation.delta_form),
        "closed_form": None if derivation.closed_form is None else text(derivation.closed_form),
        "gradient": _finite(first.unit_gradients[unit.name]),
        "per_sample": [_finite(s.unit_gradients[unit.name]) for s in evaluation.per_sample],
    }
    if check is not None:
        document["check"] = {
            "torch": _finite(check.torch),
            "finite_difference": check.finite_difference,
            "passed": check.passed,
        }
    return document


def render_unit_derivations(items: Sequence[UnitGradient], evaluation: Evaluation) -> str:
    network = evaluation.network
    return _dump(
        {
            "title": network.spec.title,
            "loss": evaluation.loss,
            "unit_derivations": [
                unit_derivation_document(item.derivation, evaluation, item.check) for item in items
            ],
            **values_document(evaluation),
        }
    )


def render_unit_text(
    derivation: UnitDerivation,
    evaluation: Evaluation,
    check: UnitCheck | None = None,
    digits: int = 4,
) -> str:
    """∂L/∂a for one unit in plain text: paths, local derivatives, δ form, value, check."""
    network = derivation.network
    unit = derivation.unit
    first = evaluation.per_sample[0]
    values = first.values
    grad = f"∂L/∂{unit.name}"
    lines = [f"{network.spec.title}: {grad}", ""]
    if unit.is_input:
        lines.append(f"{unit.name} = {format_number(values[unit.a], digits)} is an input")
    else:
        assert unit.z is not None
        lines.append(
            f"{unit.name} = {text(network.definitions[unit.a])} = "
            f"{format_number(values[unit.a], digits)}"
        )
    if network.objective is not None:
        lines.append(f"L = {network.objective.name}: the objective is that output itself")
    if evaluation.samples:
        lines.append(f"{len(evaluation.samples)} samples: the steps below are sample 1's own")
    noun = "path" if derivation.path_count == 1 else "paths"
    lines += ["", f"Chain rule: {derivation.path_count} {noun} from {unit.name} to L"]
    if derivation.paths:
        for number, path in enumerate(derivation.paths):
            factors = " · ".join(text_partial(f.of, f.wrt) for f in path.factors)
            lead = f"  {grad} = " if number == 0 else " " * (len(grad) + 3) + "+ "
            lines.append(lead + factors)
        lines += ["", "Local derivatives (symbol = formula = numbers = value)"]
        seen: set[tuple[sp.Symbol, sp.Symbol]] = set()
        for path in derivation.paths:
            for factor in path.factors:
                if (factor.of, factor.wrt) in seen:
                    continue
                seen.add((factor.of, factor.wrt))
                lines.append(
                    f"  {text_partial(factor.of, factor.wrt)} = {text(factor.formula)} = "
                    f"{text_values(factor.formula, values, digits)} = "
                    f"{format_number(first.value(factor.formula), digits)}"
                )
    elif derivation.path_count:
        lines.append(f"  (more than {MAX_PATHS}: the δ form below sums them layer by layer)")
    lines += ["", "δ form (one term per unit it feeds, δ = ∂L/∂z)"]
    for delta in derivation.deltas:
        lines.append(
            f"  δ_{delta.unit.name} = {text(delta.formula)} = "
            f"{format_number(values[delta.symbol], digits)}"
        )
    form = derivation.delta_form
    lines.append(
        f"  {grad} = {text(form)} = {text_values(form, values, digits)} = "
        f"{result_number(first.unit_gradients[unit.name])}"
    )
    if derivation.closed_form is not None:
        lines += ["", "Closed form", f"  {grad} = {text(derivation.closed_form)}"]
    lines += ["", f"Value: {grad} = {result_number(first.unit_gradients[unit.name])}"]
    if check is not None:
        verdict = "agrees" if check.passed else "DISAGREES"
        fd = (
            ""
            if check.finite_difference is None
            else f"; finite difference {result_number(check.finite_difference)}"
        )
        lines.append(f"Check: torch autograd {result_number(check.torch)}{fd}: {verdict}")
    return "\n".join(lines) + "\n"
