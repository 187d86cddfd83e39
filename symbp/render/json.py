"""Machine-readable output: the same derivation, check and step as JSON documents."""

from __future__ import annotations

import json
import math
from typing import Any

from symbp.derive import BiasDerivation, Derivation, LocalDerivative
from symbp.numeric import Evaluation
from symbp.render.document import Row, row_latex
from symbp.render.printers import latex, latex_values, result_number, text, text_name, text_partial
from symbp.render.steps import delta_rows, factor_row, grad_latex
from symbp.render.values import values_document
from symbp.torch_check import CheckResult


def _finite(value: float) -> float | None:
    """A factor that is 0/0 in float64 (an output rounded to 0 or 1) becomes null, not NaN."""
    return value if math.isfinite(value) else None


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rich(row: Row) -> dict[str, str]:
    """A step as one LaTeX formula and the same as a MathML fragment."""
    from symbp.render.mathml import to_mathml

    formula = row_latex(row)
    return {"latex": formula, "mathml": to_mathml(formula, display="block")}


def _factor(factor: LocalDerivative, evaluation: Evaluation) -> dict[str, Any]:
    return {
        "symbol": text_partial(factor.of, factor.wrt),
        "of": text_name(factor.of),
        "wrt": text_name(factor.wrt),
        "formula": text(factor.formula),
        "value": _finite(evaluation.value(factor.formula)),
        **_rich(factor_row(factor, evaluation)),
    }


def derivation_document(
    derivation: Derivation, evaluation: Evaluation, check: CheckResult | None = None
) -> dict[str, Any]:
    weight = derivation.weight
    document: dict[str, Any] = {
        "weight": weight.name,
        "edge": {"source": weight.source.name, "target": weight.target.name},
        "initial_value": weight.value,
        "path_count": derivation.path_count,
        "paths": [
            {
                "factors": [_factor(f, evaluation) for f in path.factors],
                "value": _finite(evaluation.value(path.formula)),
            }
            for path in derivation.paths
        ],
        "deltas": [
            {
                "symbol": text_name(d.symbol),
                "unit": d.unit.name,
                "upstream": text(d.upstream_formula),
                "activation_derivative": _factor(d.activation_derivative, evaluation),
                "formula": text(d.formula),
                "value": evaluation.values[d.symbol],
                "routes": [
                    {
                        "through": route.unit.name,
                        "upstream": text(route.upstream_formula),
                        "local": _factor(route.local, evaluation),
                    }
                    for route in d.routes
                ],
                **_rich(delta_rows(derivation.network, d, evaluation.values, 4)),
            }
            for d in derivation.deltas
        ],
        "delta_form": text(derivation.delta_form),
        "closed_form": None if derivation.closed_form is None else text(derivation.closed_form),
        "delta_form_step": _rich(
            Row(
                grad_latex(derivation.network, weight.name),
                (
                    f"= {latex(derivation.delta_form, derivation.network)}",
                    "= "
                    + latex_values(derivation.delta_form, derivation.network, evaluation.values),
                    f"= {result_number(evaluation.gradient(weight.name))}",
                ),
            )
        ),
        "gradient": evaluation.gradient(weight.name),
        "updated_value": _updated_value(evaluation, weight.name),
    }
    if check is not None:
        document["check"] = _check_entry(check, weight.name)
    return document


def _updated_value(evaluation: Evaluation, name: str) -> float:
    """The parameter after the first update by the spec's optimizer (w − η·∂L/∂w by default)."""
    spec = evaluation.network.spec
    position = evaluation.network.parameter(name).position
    if spec.optimizer.is_plain_sgd:
        return evaluation.parameters[position] - spec.learning_rate * evaluation.gradients[position]
    from symbp.optim import apply, update_rule

    rule = update_rule(spec.optimizer, spec.learning_rate)
    names = tuple(p.name for p in evaluation.network.parameters)
    return apply(rule, names, evaluation.parameters, evaluation.gradients).new_parameters[position]


def bias_derivation_document(
    derivation: BiasDerivation, evaluation: Evaluation, check: CheckResult | None = None
) -> dict[str, Any]:
    bias = derivation.bias
    if evaluation.samples:
        per_sample = [sample.value(derivation.delta_form) for sample in evaluation.samples]
        mean = derivation.network.spec.reduction == "mean"
        gradient = sum(per_sample) / (len(per_sample) if mean else 1)
    else:
        gradient = evaluation.value(derivation.delta_form)
    document: dict[str, Any] = {
        "bias": bias.name,
        "units": [unit.name for unit in bias.targets],
        "trainable": bias.trainable,
        "initial_value": bias.value,
        "delta_form": text(derivation.delta_form),
        "closed_form": None if derivation.closed_form is None else text(derivation.closed_form),
        "gradient": gradient,
    }
    if check is not None and bias.trainable:
        document["check"] = _check_entry(check, bias.name)
    return document


def _check_entry(check: CheckResult, name: str) -> dict[str, Any]:
    row = check.weight(name)
    return {
        "dtype": check.dtype,
        "torch": row.torch,
        "finite_difference": row.finite_difference,
        "passed": row.passed,
    }


def render_derivations(
    derivations: tuple[Derivation, ...],
    evaluation: Evaluation,
    check: CheckResult | None = None,
    biases: tuple[BiasDerivation, ...] = (),
    units: tuple[dict[str, Any], ...] = (),
) -> str:
    network = evaluation.network
    extra: dict[str, Any] = {}
    if biases:
        extra["bias_derivations"] = [bias_derivation_document(b, evaluation, check) for b in biases]
    if units:  # derive --wrt x1: values.unit_derivation_document's
        extra["unit_derivations"] = list(units)
    return _dump(
        {
            "title": network.spec.title,
            "loss": evaluation.loss,
            "samples": len(network.spec.samples),
            "reduction": network.spec.reduction,
            "sample_gradients": [list(s.gradients) for s in evaluation.samples],
            "derivations": [derivation_document(d, evaluation, check) for d in derivations],
            **extra,
            **values_document(evaluation),
        }
    )


def render_check(check: CheckResult, title: str) -> str:
    return _dump(
        {
            "title": title,
            "dtype": check.dtype,
            "torch_version": check.torch_version,
            "passed": check.passed,
            "loss": {
                "symbolic": check.loss_symbolic,
                "torch": check.loss_torch,
                "passed": check.loss_passed,
            },
            "weights": [
                {
                    "name": row.name,
                    "symbolic": row.symbolic,
                    "torch": row.torch,
                    "finite_difference": row.finite_difference,
                    "largest_difference": row.largest_difference,
                    "passed": row.passed,
                }
                for row in check.weights
            ],
        }
    )


def render_step(
    evaluation: Evaluation, new_weights: tuple[float, ...], new_loss: float, learning_rate: float
) -> str:
    network = evaluation.network
    return _dump(
        {
            "title": network.spec.title,
            "learning_rate": learning_rate,
            "loss_before": evaluation.loss,
            "loss_after": new_loss,
            "weights": [
                {"name": w.name, "value": w.value, "gradient": g, "updated": new}
                for w, g, new in zip(
                    network.parameters, evaluation.gradients, new_weights, strict=True
                )
            ],
        }
    )
