"""A hand-calculation report as plain text for a terminal."""

from __future__ import annotations

from symbp.handcheck.formula_check import FormulaCheck
from symbp.handcheck.judge import Diagnosis, HandReport, Judgement, Verdict
from symbp.render.printers import format_number, result_number, text

PARTIAL_HEADING = "Partly matches (each reproduces only some of your wrong numbers)"


def display_key(key: str) -> str:
    """How a quantity's key reads in a report: δ_h1, ∂L/∂w1."""
    if key.startswith("delta_"):
        return "δ_" + key[len("delta_") :]
    if key.startswith("dL/d"):
        return "∂L/∂" + key[len("dL/d") :]
    return key


def yours_text(j: Judgement) -> str:
    if j.decimals is None:  # a formula: show its value
        return f"{j.value:.10g} (formula)"
    return j.written


def verdict_text(j: Judgement, names: dict[str, str]) -> str:
    if j.verdict is Verdict.RIGHT:
        return "right"
    if j.verdict is Verdict.RIGHT_TO_PRECISION:
        return "right to the stated precision (rounding carried from earlier steps)"
    if j.entered_here and j.unwritten_inputs:
        steps = ", ".join(display_key(k) for k in j.unwritten_inputs)
        return f"WRONG: the error entered here or in {steps}, which you did not write"
    if j.entered_here:
        return "WRONG: the error entered here (its inputs were right)"
    roots = ", ".join(names[k] for k in j.follows_from)
    if not j.consistent_with_inputs:
        return f"wrong, after the error at {roots}, and not what your own inputs give either"
    return f"wrong, follows from {roots}"


def diagnosis_title(d: Diagnosis) -> str:
    return " + ".join(m.title for m in d.mistakes)


def coverage_text(d: Diagnosis, names: dict[str, str]) -> str:
    """How much of the student's wrong numbers a diagnosis reproduces."""
    if d.reproduces_all:
        return f"reproduces every wrong number ({d.total_wrong})"
    return f"reproduces {len(d.explained)} of {d.total_wrong} wrong numbers: " + ", ".join(
        names[k] for k in d.explained
    )


def summary_text(report: HandReport) -> str:
    """The report's last line: all right, or how many numbers and formulas are wrong."""
    if report.all_right:
        return "all right"
    differing = sum(not f.equal for f in report.formulas)
    summary = f"{len(report.wrong)} of {len(report.judgements)} numbers wrong"
    if report.formulas:
        summary += f", {differing} of {len(report.formulas)} formulas different"
    return summary


def _diagnosis_lines(number: int, d: Diagnosis, names: dict[str, str]) -> list[str]:
    lines = [f"  {number}. {diagnosis_title(d)} ({coverage_text(d, names)})"]
    if d.contradicted:
        lines.append(
            "     but would also change numbers you had right: "
            + ", ".join(names[k] for k in d.contradicted)
        )
    if d.formulas_matched:
        lines.append(
            "     your formula for "
            + ", ".join(names[k] for k in d.formulas_matched)
            + " is exactly this variant's (equal at random points too)"
        )
    for m in d.mistakes:
        lines.append(f"     {m.sentence}")
        lines.append(f"     wrong: {m.wrong}")
        lines.append(f"     right: {m.right}")
    return lines


def formula_verdict(f: FormulaCheck) -> str:
    """Whether a student's formula equals the true derivative, and where it differs if not."""
    if f.method == "algebra":
        return "equal (the same algebra)"
    if f.method == "sampled":
        return "equal (the same value at the network's values and random points)"
    if f.method == "numbers":
        return (
            "equal at the precision of the numbers written in it (within "
            f"{format_number(f.tolerance)} of the true value)"
        )
    assert f.point is not None and f.student_value is not None and f.true_value is not None
    at = ", ".join(f"{k} = {format_number(v)}" for k, v in f.point.items())
    return (
        f"DIFFERENT: at {at}: yours gives {format_number(f.student_value)}, the true "
        f"derivative {format_number(f.true_value)}"
    )


def _formula_lines(f: FormulaCheck) -> list[str]:
    return [
        f"  {f.display} = {text(f.formula)}",
        f"  {' ' * len(f.display)}   true: {text(f.true_formula)}",
        f"    {formula_verdict(f)}",
    ]


def render_hand_report(report: HandReport) -> str:
    """The judged numbers, where the error entered, the formulas, and the likely mistake."""
    names = {j.key: j.display for j in report.judgements}
    lines = [
        f"{report.title}: checking {report.source} "
        f"(learning rate η = {format_number(report.learning_rate)})",
        "",
    ]
    rows = [("quantity", "yours", "true value", "verdict")]
    rows += [
        (j.display, yours_text(j), result_number(j.true_value), verdict_text(j, names))
        for j in report.judgements
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        lines.append(
            "  "
            + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
            + "  "
            + row[3]
        )
    entry = report.entry_points
    if entry:
        lines += [
            "",
            "Where the error entered: "
            + ", ".join(j.display for j in entry)
            + " (the first wrong numbers whose written inputs were right)",
        ]
    if report.formulas:
        lines += ["", "Formulas"]
        for f in report.formulas:
            lines += _formula_lines(f)
    if report.wrong:
        lines += ["", "Which mistake reproduces your numbers"]
        if report.diagnoses:
            for number, d in enumerate(report.diagnoses, start=1):
                lines += _diagnosis_lines(number, d, names)
        else:
            lines.append("  none of symbp's catalogue of classic mistakes reproduces them all")
        if report.partial:
            lines += ["", PARTIAL_HEADING]
            for number, d in enumerate(report.partial, start=1):
                lines += _diagnosis_lines(number, d, names)
    lines += ["", summary_text(report)]
    return "\n".join(lines) + "\n"
