"""A hand-calculation report as a JSON document (the dict is what other renderers can reuse)."""

from __future__ import annotations

import json
import math
from typing import Any

from symbp.handcheck.formula_check import FormulaCheck
from symbp.handcheck.judge import Diagnosis, HandReport, Judgement
from symbp.render.printers import text


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


def _diagnosis(d: Diagnosis) -> dict[str, Any]:
    return {
        "mistakes": [
            {
                "key": m.key,
                "title": m.title,
                "sentence": m.sentence,
                "wrong": m.wrong,
                "right": m.right,
            }
            for m in d.mistakes
        ],
        "reproduces": list(d.explained),
        "contradicts": list(d.contradicted),
        "variant_values": d.values,
        "formulas_matched": list(d.formulas_matched),
        "reproduces_every_wrong_number": d.reproduces_all,
        "contradicts_none": not d.contradicted,
    }


def _formula(f: FormulaCheck) -> dict[str, Any]:
    return {
        "name": f.key,
        "display": f.display,
        "formula": text(f.formula),
        "true_formula": text(f.true_formula),
        "equal": f.equal,
        "method": f.method,
        "tolerance": f.tolerance,
        "differs_at": f.point,
        "your_value_there": f.student_value,
        "true_value_there": f.true_value,
    }


def hand_report_document(report: HandReport) -> dict[str, Any]:
    return {
        "title": report.title,
        "source": report.source,
        "learning_rate": report.learning_rate,
        "all_right": report.all_right,
        "quantities": [_judgement(j) for j in report.judgements],
        "error_entered_at": [j.key for j in report.entry_points],
        "formulas": [_formula(f) for f in report.formulas],
        "diagnoses": [_diagnosis(d) for d in report.diagnoses],
        "partial_matches": [_diagnosis(d) for d in report.partial],
    }


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity (a formula can evaluate to either): they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def render_hand_report(report: HandReport) -> str:
    document = _finite(hand_report_document(report))
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
