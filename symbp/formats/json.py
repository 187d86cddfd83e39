"""Machine-readable output: each result as a strict JSON document.

JSON is data rather than a layout of blocks, so each result has its own document here; its
formulas are printed by the text format's math printer and its steps carry the same LaTeX and
MathML the rich formats show. JSON has no NaN or infinity: a value that is not finite (a factor
0/0 at a saturated output, a diverging step) becomes null, and the output stays strict.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sympy as sp

from symbp.content.blocks import Block, Equations, Row
from symbp.content.derivation import (
    Worked,
    add_delta_partials,
    delta_row,
    first_update,
    shown_factors,
    worked,
)
from symbp.content.hand import formula_node
from symbp.content.matrix import matrix_passed
from symbp.content.mistakes import mistake_words
from symbp.content.names import Names
from symbp.content.optimizer import first_round_rows, parameter_rows, rule_rows
from symbp.core.derive import BiasDerivation, Derivation, LocalDerivative, UnitDerivation
from symbp.core.graph import Network
from symbp.core.numeric import Evaluation
from symbp.core.train import TrainingRun
from symbp.formats import latex_math, mathml, text_math
from symbp.handcheck.judge import Diagnosis, HandReport, Judgement
from symbp.handcheck.mistakes import Mistake
from symbp.torchcheck.results import CheckResult

if TYPE_CHECKING:
    from symbp.core.matrices import Layer, MatrixForm
    from symbp.core.optim import OptimizerStep, UpdateRule
    from symbp.torchcheck.results import UnitCheck


def strict(value: Any) -> Any:
    """The value with every non-finite float replaced by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    return value


def dump(document: dict[str, Any]) -> str:
    return json.dumps(strict(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _rich(row: Row) -> dict[str, str]:
    """A step as one LaTeX formula and the same as a MathML fragment."""
    return {"latex": latex_math.chain(row.chain), "mathml": mathml.row(row)}


def _factor(context: Worked, factor: LocalDerivative) -> dict[str, Any]:
    writer = context.writer
    partial = writer.partial(factor.of, factor.wrt)
    formula = writer.formula(factor.formula)
    value = context.first.value(factor.formula)
    writer.partials.setdefault((factor.of, factor.wrt), value)
    return {
        "symbol": text_math.math(partial),
        "of": text_math.math(writer.sym(factor.of)),
        "wrt": text_math.math(writer.sym(factor.wrt)),
        "formula": text_math.math(formula),
        "value": value,
        **_rich(Row(writer.worked(partial, formula, value))),
    }


def derivation_document(
    derivation: Derivation, context: Worked, check: CheckResult | None
) -> dict[str, Any]:
    writer = context.writer
    network = derivation.network
    weight = derivation.weight
    evaluation = context.evaluation
    first = context.first
    add_delta_partials(writer, derivation.deltas, first)
    gradient = evaluation.gradient(weight.name)
    grad = writer.partial(network.loss, weight.symbol)
    delta_form = writer.formula(derivation.delta_form)
    document: dict[str, Any] = {
        "weight": weight.name,
        "edge": {"source": weight.source.name, "target": weight.target.name},
        "initial_value": weight.value,
        "path_count": derivation.path_count,
    }
    if weight.shared_edges:  # a tied weight: every edge it sits on, its gradient their sum
        document["edges"] = [
            {"source": source.name, "target": target.name} for source, target in weight.shared_edges
        ]
    document |= {
        "paths": [
            {
                "factors": [_factor(context, f) for f in path.factors],
                "value": first.value(path.formula),
            }
            for path in derivation.paths
        ],
        "deltas": [
            {
                "symbol": text_math.math(writer.sym(d.symbol)),
                "unit": d.unit.name,
                "upstream": text_math.math(writer.formula(d.upstream_formula)),
                "activation_derivative": _factor(context, d.activation_derivative),
                "formula": text_math.math(writer.formula(d.formula)),
                "value": first.values[d.symbol],
                "routes": [
                    {
                        "through": route.unit.name,
                        "upstream": text_math.math(writer.formula(route.upstream_formula)),
                        "local": _factor(context, route.local),
                    }
                    for route in d.routes
                ],
                **_rich(delta_row(writer, d)),
            }
            for d in derivation.deltas
        ],
        "delta_form": text_math.math(delta_form),
        "closed_form": None
        if derivation.closed_form is None
        else text_math.math(writer.formula(derivation.closed_form)),
        "closed_form_omitted_size": derivation.closed_form_size,
        "delta_form_step": _rich(
            Row(writer.worked(grad, delta_form, first.gradient(weight.name), final=True))
        ),
        "gradient": gradient,
        "updated_value": _updated_value(evaluation, weight.name),
    }
    if check is not None:
        document["check"] = _check_entry(check, weight.name)
    return document


def _updated_value(evaluation: Evaluation, name: str) -> float:
    """The parameter after the first update by the spec's optimizer (p − η·∂L/∂p by default)."""
    network = evaluation.network
    spec = network.spec
    position = network.parameter(name).position
    if spec.optimizer.is_plain_sgd:
        return evaluation.parameters[position] - spec.learning_rate * evaluation.gradients[position]

    return first_update(evaluation).new_parameters[position]


def bias_derivation_document(
    derivation: BiasDerivation, context: Worked, check: CheckResult | None
) -> dict[str, Any]:
    bias = derivation.bias
    evaluation = context.evaluation
    network = derivation.network
    if evaluation.samples:
        per_sample = [sample.value(derivation.delta_form) for sample in evaluation.samples]
        mean = network.spec.reduction == "mean"
        gradient = sum(per_sample) / (len(per_sample) if mean else 1)
    else:
        gradient = evaluation.value(derivation.delta_form)
    writer = context.writer
    document: dict[str, Any] = {
        "bias": bias.name,
        "units": [unit.name for unit in bias.targets],
        "trainable": bias.trainable,
        "initial_value": bias.value,
        "delta_form": text_math.math(writer.formula(derivation.delta_form)),
        "closed_form": None
        if derivation.closed_form is None
        else text_math.math(writer.formula(derivation.closed_form)),
        "closed_form_omitted_size": derivation.closed_form_size,
        "gradient": gradient,
    }
    if bias.trainable:
        document["updated_value"] = _updated_value(evaluation, bias.name)
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
        **({"fd_not_applicable_at_kink": row.kink} if row.kink else {}),
    }


def derivations_document(
    derivations: Sequence[Derivation | BiasDerivation | UnitDerivation],
    evaluation: Evaluation,
    check: CheckResult | None = None,
    unit_checks: Sequence[UnitCheck] | None = None,
) -> str:
    network = evaluation.network
    context = worked(evaluation, 4, "en")
    weights = [d for d in derivations if isinstance(d, Derivation)]
    biases = [d for d in derivations if isinstance(d, BiasDerivation)]
    units = [d for d in derivations if isinstance(d, UnitDerivation)]
    document: dict[str, Any] = {
        "title": network.spec.title,
        "loss": evaluation.loss,
        "samples": len(network.spec.samples),
        "reduction": network.spec.reduction,
        "sample_gradients": [list(s.gradients) for s in evaluation.samples],
        "derivations": [derivation_document(d, context, check) for d in weights],
    }
    if biases:
        document["bias_derivations"] = [bias_derivation_document(b, context, check) for b in biases]
    if units:
        checks = {c.name: c for c in unit_checks or ()}
        document["unit_derivations"] = [
            unit_derivation_document(u, context, checks.get(u.unit.name)) for u in units
        ]
    document.update(values_document(evaluation))
    return dump(document)


# -- values a source prints: loss terms, ∂L/∂a, every sample ------------------------------------


def sample_entries(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Every sample's own forward values, loss, loss terms and gradients (all of them)."""
    network = evaluation.network
    inputs = {unit.name for unit in network.inputs}
    entries = [
        {
            "sample": index + 1,
            "inputs": [sample.values[unit.a] for unit in network.inputs],
            "targets": [sample.values[y] for y in network.targets],
            "forward": sample.forward_values,
            "loss": sample.loss,
            "loss_terms": sample.loss_terms,
            "gradients": sample.named_gradients,
            "input_gradients": {k: v for k, v in sample.unit_gradients.items() if k in inputs},
            "activation_gradients": {
                k: v for k, v in sample.unit_gradients.items() if k not in inputs
            },
        }
        for index, sample in enumerate(evaluation.per_sample)
    ]
    if network.masks:  # dropout: each sample's masks (1 kept, 0 dropped) and keep_prob
        for entry, sample in zip(entries, evaluation.per_sample, strict=True):
            entry["dropout_masks"] = {
                name: int(sample.values[mask]) for name, mask in network.masks.items()
            }
            entry["keep_prob"] = {keep.name: value for keep, value in network.keep_values.items()}
    return entries


def forward_document(evaluation: Evaluation) -> str:
    """The forward pass as data: sample 1's z and a (or the one sample's), L, the loss terms,
    and every sample's own values."""
    network = evaluation.network
    return dump(
        {
            "title": network.spec.title,
            "loss": evaluation.loss,
            "samples": len(network.spec.samples),
            "reduction": network.spec.reduction,
            "forward": evaluation.per_sample[0].forward_values,
            **values_document(evaluation),
        }
    )


def values_document(evaluation: Evaluation) -> dict[str, Any]:
    """What a derivation's JSON adds: the objective, the loss terms, ∂L/∂a (sample 1's own
    loss) and every sample's numbers."""
    network = evaluation.network
    objective = network.objective
    return {
        "objective": "loss" if objective is None else objective.name,
        "loss_terms": evaluation.loss_terms,
        **penalty_document(network),
        "unit_gradients": evaluation.per_sample[0].unit_gradients,
        "per_sample": sample_entries(evaluation),
    }


def penalty_document(network: Network) -> dict[str, Any]:
    """With an L2 penalty: what R is (the "R" of loss_terms), else nothing."""
    spec = network.spec
    if network.penalty is None:
        return {}
    definition = network.definitions[network.penalty]
    return {
        "penalty": {
            "symbol": "R",
            "rule": "lambda*sum(p**2)" if spec.l2_full else "0.5*lambda*sum(p**2)",
            "lambda": spec.l2,
            "parameters": [str(p) for p in network.parents[network.penalty]],
            "formula": str(definition),
        }
    }


def unit_derivation_document(
    derivation: UnitDerivation, context: Worked, check: UnitCheck | None = None
) -> dict[str, Any]:
    """∂L/∂a for one unit: its paths, upstream terms, δs, δ form, closed form and value."""
    writer = context.writer
    network = derivation.network
    evaluation = context.evaluation
    first = context.first
    unit = derivation.unit
    add_delta_partials(writer, derivation.deltas, first)
    last = len(network.layers) - 1
    kind = "input" if unit.layer == 0 else "output" if unit.layer == last else "hidden"
    value = first.unit_gradients[unit.name]
    grad = writer.partial(network.loss, unit.a)
    delta_form = writer.formula(derivation.delta_form)
    document: dict[str, Any] = {
        "unit": unit.name,
        "kind": kind,
        "value": first.values[unit.a],
        "path_count": derivation.path_count,
        "paths": [
            {
                "factors": [_factor(context, f) for f in shown_factors(network, path)],
                "value": first.value(path.formula),
            }
            for path in derivation.paths
        ],
        "upstream": [
            {
                "through": term.child.name,
                "formula": text_math.math(writer.formula(term.formula)),
                "value": first.value(term.formula),
            }
            for term in derivation.upstream
        ],
        "deltas": [
            {
                "symbol": text_math.math(writer.sym(d.symbol)),
                "unit": d.unit.name,
                "formula": text_math.math(writer.formula(d.formula)),
                "value": first.values[d.symbol],
                **_rich(delta_row(writer, d)),
            }
            for d in derivation.deltas
        ],
        "delta_form": text_math.math(delta_form),
        "delta_form_step": _rich(Row(writer.worked(grad, delta_form, value, final=True))),
        "closed_form": None
        if derivation.closed_form is None
        else text_math.math(writer.formula(derivation.closed_form)),
        "gradient": value,
        "per_sample": [s.unit_gradients[unit.name] for s in evaluation.per_sample],
    }
    if check is not None:
        document["check"] = {
            "torch": check.torch,
            "finite_difference": check.finite_difference,
            "passed": check.passed,
            **({"fd_not_applicable_at_kink": check.kink} if check.kink else {}),
        }
    return document


def check_document(check: CheckResult, title: str) -> str:
    return dump(
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
                    # only where a kink excused the finite difference (the usual form unchanged)
                    **({"fd_not_applicable_at_kink": row.kink} if row.kink else {}),
                }
                for row in check.weights
            ],
        }
    )


def step_document(
    evaluation: Evaluation,
    new_parameters: tuple[float, ...],
    new_loss: float,
    learning_rate: float,
    update: OptimizerStep | None = None,
) -> str:
    network = evaluation.network
    document: dict[str, Any] = {
        "title": network.spec.title,
        "learning_rate": learning_rate,
        "loss_before": evaluation.loss,
        "loss_after": new_loss,
        "weights": [
            {"name": p.name, "value": p.value, "gradient": g, "updated": new}
            for p, g, new in zip(
                network.parameters, evaluation.gradients, new_parameters, strict=True
            )
        ],
    }
    if update is not None:
        document["optimizer"] = optimizer_document(update.rule)
        document["round"] = update.round
        for entry, steps in zip(document["weights"], update_entries(network, update), strict=True):
            entry.update(steps)
    return dump(document)


def optimizer_document(rule: UpdateRule) -> dict[str, Any]:
    """The optimizer, its settings and its equations (text and LaTeX), for JSON."""
    return {
        "name": rule.name,
        "description": rule.description,
        "learning_rate": rule.learning_rate,
        "settings": dict(rule.optimizer.settings()),
        "state": [{"key": v.key, "meaning": v.meaning} for v in rule.state],
        "equations": [
            {"text": text_math.chain(row.chain), **_rich(row)} for row in rule_rows(rule)
        ],
        "first_round": [
            {"text": text_math.chain(row.chain), **_rich(row)} for row in first_round_rows(rule)
        ],
    }


#: parameters whose update equations are written out (text, LaTeX, MathML) in JSON; past
#: them each equation is its target and value only: writing 20,000 parameters' equations took
#: minutes (each a LaTeX-to-MathML conversion) and no reader reads them one by one
WORKED_PARAMETERS = 200


def update_entries(network: Network, update: OptimizerStep) -> list[dict[str, Any]]:
    """Per parameter: the state before and after, and every equation with its value, worked
    (text, LaTeX, MathML) for the first WORKED_PARAMETERS parameters."""
    names = Names(network)
    symbols = {p.name: p.symbol for p in network.parameters}
    entries = []
    for index, name in enumerate(update.names):
        parameter = update.parameter(name)
        if index >= WORKED_PARAMETERS:
            entries.append(
                {
                    "state_before": parameter.state_before,
                    "state_after": parameter.state_after,
                    "equations": [
                        {
                            "target": update.rule.text_names[target],
                            "value": parameter.values[target],
                        }
                        for target, _ in parameter.equations
                    ],
                }
            )
            continue
        rows = parameter_rows(names, parameter, symbols[name])
        entries.append(
            {
                "state_before": parameter.state_before,
                "state_after": parameter.state_after,
                "equations": [
                    {
                        "target": update.rule.text_names[target],
                        "value": parameter.values[target],
                        "text": text_math.chain(row.chain),
                        **_rich(row),
                    }
                    for (target, _), row in zip(parameter.equations, rows, strict=True)
                ],
            }
        )
    return entries


def _buffer(values: tuple[float, ...] | None) -> list[float] | None:
    return None if values is None else list(values)


def training_document(run: TrainingRun, title: str) -> str:
    document: dict[str, Any] = {
        "title": title,
        "learning_rate": run.learning_rate,
        "parameters": list(run.names),
        "steps": [
            {
                "step": step.step,
                "loss": step.loss,
                "parameters": list(step.parameters),
                "gradients": list(step.gradients),
                # the optimizer's state before this update (after the previous one); null
                # where it does not exist yet (SGD's momentum buffer before the first update)
                "state": {key: _buffer(step.state.buffer(key)) for key in run.state_keys},
            }
            for step in run.steps
        ],
    }
    if run.rule is not None:
        document["optimizer"] = optimizer_document(run.rule)
    return dump(document)


# -- hand reports -------------------------------------------------------------------------------


def _judgement(j: Judgement) -> dict[str, Any]:
    return {
        "name": j.key,
        "display": j.display,
        "written": j.written,
        "value": j.value,
        "decimals": j.decimals,
        "exact": j.exact,
        "true_value": j.true_value,
        "verdict": j.verdict.value,
        "from_your_inputs": j.from_inputs,
        "consistent_with_your_inputs": j.consistent_with_inputs,
        "error_entered_here": j.entered_here,
        "unwritten_inputs": list(j.unwritten_inputs),
        "follows_from": list(j.follows_from),
    }


def _mistake(mistake: Mistake) -> dict[str, str]:
    """A mistake's words, its formulas as check-hand's text writes them."""
    said = mistake_words(mistake)
    return {
        "title": said.title,
        "sentence": text_math.inline(said.sentence),
        "wrong": text_math.inline(said.wrong),
        "right": text_math.inline(said.right),
    }


def _diagnosis(d: Diagnosis) -> dict[str, Any]:
    return {
        "mistakes": [{"key": m.key, **_mistake(m)} for m in d.mistakes],
        "reproduces": list(d.explained),
        "contradicts": list(d.contradicted),
        "variant_values": d.values,
        "formulas_matched": list(d.formulas_matched),
        "reproduces_every_wrong_number": d.reproduces_all,
        "contradicts_none": not d.contradicted,
    }


def _formula_text(formula: sp.Expr) -> str:
    return text_math.math(formula_node(formula))


def hand_report_document(report: HandReport) -> dict[str, Any]:
    return {
        "title": report.title,
        "source": report.source,
        "learning_rate": report.learning_rate,
        "all_right": report.all_right,
        "quantities": [_judgement(j) for j in report.judgements],
        "error_entered_at": [j.key for j in report.entry_points],
        "formulas": [
            {
                "name": f.key,
                "display": f.display,
                "formula": _formula_text(f.formula),
                "true_formula": _formula_text(f.true_formula),
                "equal": f.equal,
                "method": f.method,
                "tolerance": f.tolerance,
                "differs_at": f.point,
                "your_value_there": f.student_value,
                "true_value_there": f.true_value,
            }
            for f in report.formulas
        ],
        "diagnoses": [_diagnosis(d) for d in report.diagnoses],
        "partial_matches": [_diagnosis(d) for d in report.partial],
    }


def hand_report(report: HandReport) -> str:
    return dump(hand_report_document(report))


def matrix_document(
    form: MatrixForm, blocks: Sequence[Block], check: CheckResult | None = None
) -> str:
    """The matrix form as data: each layer's matrices and vectors (per sample, and the batch),
    every parameter's gradient, and each displayed equation in text, LaTeX and MathML."""
    network = form.network

    def layer_entry(layer: Layer) -> dict[str, Any]:
        n = layer.number
        entry: dict[str, Any] = {
            "layer": n,
            "units": [unit.name for unit in layer.units],
            "sources": [unit.name for unit in layer.sources],
            "activation": network.spec.activations[n - 1],
            "weight_names": [[w.name for w in line] for line in layer.weights],
            "W": [list(line) for line in form.weights(layer)],
            "bias_names": [None if b is None else b.name for b in layer.biases],
            "b": list(form.bias_vector(layer)),
            "samples": [
                {
                    "z": list(sample.z[n]),
                    "a": list(sample.a[n]),
                    "upstream": list(sample.upstream[n]),
                    "f_prime": list(sample.derivative[n]) or None,
                    "delta": list(sample.delta[n]),
                    "dL_dW": [list(line) for line in sample.weight_gradients[n]],
                }
                for sample in form.samples
            ],
            "dL_dW": [list(line) for line in form.weight_gradients(layer)],
            "dL_db": list(form.bias_gradients(layer)) if layer.trainable_biases else None,
        }
        jacobian = form.samples[0].jacobian
        if n == len(form.layers) and jacobian is not None:
            entry["jacobian"] = [
                [list(line) for line in sample.jacobian or ()] for sample in form.samples
            ]
        return entry

    rows = [row for block in blocks if isinstance(block, Equations) for row in block.rows]
    document: dict[str, Any] = {
        "title": network.spec.title,
        "form": "matrix",
        "loss": form.loss,
        "samples": len(form.samples),
        "reduction": network.spec.reduction,
        "inputs": [list(sample.a[0]) for sample in form.samples],
        "layers": [layer_entry(layer) for layer in form.layers],
        "gradients": dict(form.gradients),
        "equations": [{"text": text_math.chain(row.chain), **_rich(row)} for row in rows],
    }
    if check is not None:
        document["check"] = {
            "dtype": check.dtype,
            "torch": {row.name: row.torch for row in check.weights},
            "passed": matrix_passed(form, check),
        }
    return dump(document)


def student_grade_entry(grade: Any) -> dict[str, Any]:
    """One student's graded submission (a classroom.grading.StudentGrade) as data."""
    return {
        "id": grade.student.id,
        "name": grade.student.name,
        "row": grade.row,
        "score": grade.score,
        "right": grade.right,
        "asked": len(grade.asked),
        "verdicts": grade.verdicts,
        "written": grade.written,
        "mistakes": [m.key for m in grade.mistakes],
        "report": None if grade.report is None else hand_report_document(grade.report),
    }


def student_grade_document(grade: Any) -> str:
    return dump(student_grade_entry(grade))


def grades_document(grades: Any) -> str:
    """A class's grades (a classroom.grading.ClassGrades): summary, then every student."""
    n = len(grades.students)
    return dump(
        {
            "title": grades.title,
            "source": grades.source,
            "asked": list(grades.asked),
            "submissions": n,
            "missing": [s.id for s in grades.missing],
            "right_per_quantity": {
                key: {"right": grades.right_count(key), "share": grades.right_count(key) / n}
                for key in grades.asked
            }
            if n
            else {},
            "mistakes": [
                {
                    "mistake": m.key,
                    "title": mistake_words(m).title,
                    "students": count,
                    "who": list(who),
                }
                for m, count, who in grades.mistake_counts
            ],
            "unexplained": list(grades.unexplained),
            "shared_numbers": [
                {"students": list(s.students), "numbers": [list(n) for n in s.numbers]}
                for s in grades.shared
            ],
            "students": [student_grade_entry(g) for g in grades.students],
        }
    )
