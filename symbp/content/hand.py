"""A judged hand calculation as blocks: the verdict of every number, where the error entered,
the formulas, and the mistakes that reproduce the wrong numbers.

Every format (text, Markdown, HTML, and the notebook's display) prints these blocks; the JSON
document states the same facts from the same report.
"""

from __future__ import annotations

import re

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import Block, Heading, Inlines, Items, Math, Paragraph, Table, Text
from symbp.content.names import constant
from symbp.content.numbers import result, significant
from symbp.handcheck.formula_check import FormulaCheck
from symbp.handcheck.judge import Diagnosis, HandReport, Judgement, Verdict


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


def formula_verdict(f: FormulaCheck) -> str:
    """Whether a student's formula equals the true derivative, and where it differs if not."""
    if f.method == "algebra":
        return "equal (the same algebra)"
    if f.method == "sampled":
        return "equal (the same value at the network's values and random points)"
    if f.method == "numbers":
        return (
            "equal at the precision of the numbers written in it (within "
            f"{significant(f.tolerance)} of the true value)"
        )
    assert f.point is not None and f.student_value is not None and f.true_value is not None
    at = ", ".join(f"{k} = {significant(v)}" for k, v in f.point.items())
    return (
        f"DIFFERENT: at {at}: yours gives {significant(f.student_value)}, the true "
        f"derivative {significant(f.true_value)}"
    )


def _text(value: str) -> Inlines:
    return (Text(value),)


_UNIT = re.compile(r"([a-zA-Z])(\d+)")


def _name(key: str) -> E.Name:
    """A hand calculation's quantity as a written name: h1 → h₁, z_h1 → z_{h₁}, w5_new."""
    unit = _UNIT.fullmatch(key)
    if unit:
        return E.Name(unit.group(1), unit.group(2), plain=key)
    for prefix, base in (("z_", "z"), ("delta_", "δ")):
        if key.startswith(prefix) and _UNIT.fullmatch(key[len(prefix) :]):
            return E.Name(base, _name(key[len(prefix) :]), plain=display_key(key))
    if key.endswith("_new") and _UNIT.fullmatch(key[: -len("_new")]):
        inner = _name(key[: -len("_new")])
        return E.Name(inner.base, inner.sub, "new", plain=key)
    return E.Name(key, plain=display_key(key))


def formula_node(formula: sp.Expr) -> E.Node:
    """A formula of quantities (as the student wrote it, or the true one) as a display tree."""
    symbols = sorted(
        (s for s in formula.free_symbols if isinstance(s, sp.Symbol)), key=lambda s: s.name
    )
    names = {s: _name(s.name) for s in symbols}
    node = E.Converter(names, {}, {}, constant)(formula)

    def leibniz(item: E.Sym | E.Partial) -> E.Node | None:
        key = item.key
        if isinstance(item, E.Sym) and isinstance(key, sp.Symbol) and key.name.startswith("dL/d"):
            return E.Partial(E.Name("L", plain="L"), _name(key.name[len("dL/d") :]), key)
        return None

    return E.substitute(node, leibniz)


def _formula(f: FormulaCheck) -> Inlines:
    return (
        Math(E.equals(E.Sym(_name(f.key)), formula_node(f.formula))),
        Text("; true: "),
        Math(formula_node(f.true_formula)),
        Text(f": {formula_verdict(f)}."),
    )


def hand_report_blocks(report: HandReport) -> tuple[Block, ...]:
    """The judged numbers, where the error entered, the formulas and the likely mistakes."""
    names = {j.key: j.display for j in report.judgements}
    eta = E.equals(
        E.Sym(E.Name("η", plain="η")),
        E.Num(report.learning_rate, significant(report.learning_rate)),
    )
    blocks: list[Block] = [
        Heading(
            (
                Text(f"{report.title}: checking {report.source} (learning rate "),
                Math(eta),
                Text(")"),
            ),
            1,
        )
    ]
    rows = tuple(
        (
            _text(j.display),
            _text(yours_text(j)),
            _text(result(j.true_value)),
            _text(verdict_text(j, names)),
        )
        for j in report.judgements
    )
    blocks.append(
        Table(
            tuple(_text(h) for h in ("quantity", "yours", "true value", "verdict")),
            rows,
            align="llll",
        )
    )
    if report.entry_points:
        where = ", ".join(j.display for j in report.entry_points)
        blocks.append(
            Paragraph(
                _text(
                    f"Where the error entered: {where} (the first wrong numbers "
                    "whose written inputs were right)."
                )
            )
        )
    if report.formulas:
        blocks.append(Heading(_text("Formulas"), 2))
        blocks.append(Items(tuple(_formula(f) for f in report.formulas)))
    if report.wrong:
        blocks.append(Heading(_text("Which mistake reproduces your numbers"), 2))
        if not report.diagnoses:
            blocks.append(
                Paragraph(
                    _text("None of symbp's catalogue of classic mistakes reproduces them all.")
                )
            )
        blocks += _diagnosis_blocks(report.diagnoses, names)
        if report.partial:
            blocks.append(Heading(_text(PARTIAL_HEADING), 2))
            blocks += _diagnosis_blocks(report.partial, names)
    blocks.append(Paragraph(_text(summary_text(report).capitalize() + ".")))
    return tuple(blocks)


PARTIAL_HEADING = "Partly matches (each reproduces only some of your wrong numbers)"


def _diagnosis_blocks(diagnoses: tuple[Diagnosis, ...], names: dict[str, str]) -> list[Block]:
    blocks: list[Block] = []
    for number, d in enumerate(diagnoses, start=1):
        blocks.append(
            Paragraph(_text(f"{number}. {diagnosis_title(d)} ({coverage_text(d, names)})."))
        )
        details: list[Inlines] = []
        if d.contradicted:
            details.append(
                _text(
                    "But it would also change numbers you had right: "
                    + ", ".join(names[k] for k in d.contradicted)
                    + "."
                )
            )
        if d.formulas_matched:
            details.append(
                _text(
                    "Your formula for "
                    + ", ".join(names[k] for k in d.formulas_matched)
                    + " is exactly this variant's (equal at random points too)."
                )
            )
        for mistake in d.mistakes:
            details.append(
                _text(f"{mistake.sentence} Wrong: {mistake.wrong}. Right: {mistake.right}.")
            )
        blocks.append(Items(tuple(details)))
    return blocks
