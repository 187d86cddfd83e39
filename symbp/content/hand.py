"""A judged hand calculation as blocks: the verdict of every number, where the error entered,
the formulas, and the mistakes that reproduce the wrong numbers.

Every format (text, Markdown, HTML, and the notebook's display) prints these blocks; the JSON
document states the same facts from the same report.
"""

from __future__ import annotations

import re

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Heading,
    Inlines,
    Items,
    Math,
    Paragraph,
    Table,
    Text,
    sentence,
)
from symbp.content.labels import labels, title
from symbp.content.mistakes import mistake_words
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


def yours_text(j: Judgement, lang: str = "en") -> str:
    if j.decimals is None:  # a formula: show its value
        return labels(lang)["hand_formula_value"].replace("{}", f"{j.value:.10g}")
    return j.written


def verdict_text(j: Judgement, names: dict[str, str], lang: str = "en") -> str:
    words = labels(lang)
    if j.verdict is Verdict.RIGHT:
        return words["hand_right"]
    if j.verdict is Verdict.RIGHT_TO_PRECISION:
        return words["hand_precision"]
    if j.verdict is Verdict.TOO_FEW_DECIMALS:
        return words["hand_too_few_decimals"]
    if j.verdict is Verdict.NOT_JUDGEABLE:
        return words["hand_not_judgeable"]
    if j.entered_here and j.unwritten_inputs:
        steps = ", ".join(display_key(k) for k in j.unwritten_inputs)
        return filled(words["hand_entered_unwritten"], steps)
    if j.entered_here:
        return words["hand_entered"]
    roots = ", ".join(names[k] for k in j.follows_from)
    if not j.consistent_with_inputs:
        return filled(words["hand_follows_inconsistent"], roots)
    return filled(words["hand_follows"], roots)


def diagnosis_title(d: Diagnosis, lang: str = "en") -> str:
    return " + ".join(mistake_words(m, lang).title for m in d.mistakes)


def coverage_text(d: Diagnosis, names: dict[str, str], lang: str = "en") -> str:
    """How much of the student's wrong numbers a diagnosis reproduces."""
    words = labels(lang)
    if d.reproduces_all:
        return filled(words["hand_covers_all"], str(d.total_wrong))
    explained = ", ".join(names[k] for k in d.explained)
    return filled(words["hand_covers_some"], str(len(d.explained)), str(d.total_wrong), explained)


def summary_text(report: HandReport, lang: str = "en") -> str:
    """The report's last line: all right, or how many numbers and formulas are wrong."""
    words = labels(lang)
    if report.all_right:
        return words["hand_all_right"]
    wrong = str(len(report.wrong) + len(report.too_few_decimals))
    numbers = str(len(report.judgements))
    if report.too_few_decimals and not report.formulas:
        short = str(len(report.too_few_decimals))
        return filled(words["hand_summary_too_few"], wrong, numbers, short)
    if not report.formulas:
        return filled(words["hand_summary"], wrong, numbers)
    differing = str(sum(not f.equal for f in report.formulas))
    return filled(
        words["hand_formulas_summary"], wrong, numbers, differing, str(len(report.formulas))
    )


def formula_verdict(f: FormulaCheck, lang: str = "en") -> str:
    """Whether a student's formula equals the true derivative, and where it differs if not."""
    words = labels(lang)
    if f.method == "algebra":
        return words["hand_formula_algebra"]
    if f.method == "sampled":
        return words["hand_formula_sampled"]
    if f.method == "numbers":
        return filled(words["hand_formula_numbers"], significant(f.tolerance))
    if f.method == "unjudgeable":
        return words["hand_formula_unjudgeable"]
    assert f.point is not None and f.student_value is not None and f.true_value is not None
    at = ", ".join(f"{k} = {significant(v)}" for k, v in f.point.items())
    return filled(
        words["hand_formula_different"],
        at,
        significant(f.student_value),
        significant(f.true_value),
    )


def filled(template: str, *fills: str) -> str:
    """A label template with its "{}" filled in order by plain text (blocks.sentence's rule)."""
    return "".join(part.text for part in sentence(template, *fills) if isinstance(part, Text))


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


def _formula(f: FormulaCheck, lang: str) -> Inlines:
    words = labels(lang)
    return (
        Math(E.equals(E.Sym(_name(f.key)), formula_node(f.formula))),
        Text(words["hand_true_formula"]),
        Math(formula_node(f.true_formula)),
        Text(
            ("：" if lang == "zh" else ": ")
            + formula_verdict(f, lang)
            + ("。" if lang == "zh" else ".")
        ),
    )


def hand_report_blocks(report: HandReport, lang: str = "en") -> tuple[Block, ...]:
    """The judged numbers, where the error entered, the formulas and the likely mistakes."""
    words = labels(lang)
    names = {j.key: j.display for j in report.judgements}
    eta = E.equals(
        E.Sym(E.Name("η", plain="η")),
        E.Num(report.learning_rate, significant(report.learning_rate)),
    )
    blocks: list[Block] = [
        Heading(sentence(words["hand_title"], title(report.title, lang), report.source, eta), 1)
    ]
    rows = tuple(
        (
            _text(j.display),
            _text(yours_text(j, lang)),
            _text(result(j.true_value)),
            _text(verdict_text(j, names, lang)),
        )
        for j in report.judgements
    )
    header = ("hand_quantity", "hand_yours", "hand_true", "hand_verdict")
    blocks.append(Table(tuple(_text(words[h]) for h in header), rows, align="llll"))
    if report.entry_points:
        where = ", ".join(j.display for j in report.entry_points)
        blocks.append(Paragraph(_text(filled(words["hand_where"], where))))
    if report.formulas:
        blocks.append(Heading(_text(words["hand_formulas"]), 2))
        blocks.append(Items(tuple(_formula(f, lang) for f in report.formulas)))
    if report.wrong:
        blocks.append(Heading(_text(words["hand_mistakes"]), 2))
        if not report.diagnoses:
            blocks.append(Paragraph(_text(words["hand_no_mistake"])))
        blocks += _diagnosis_blocks(report.diagnoses, names, lang)
        if report.partial:
            blocks.append(Heading(_text(words["hand_partial"]), 2))
            blocks += _diagnosis_blocks(report.partial, names, lang)
    blocks.append(Paragraph(_text(summary_text(report, lang))))
    return tuple(blocks)


def _diagnosis_blocks(
    diagnoses: tuple[Diagnosis, ...], names: dict[str, str], lang: str
) -> list[Block]:
    words = labels(lang)
    stop = "。" if lang == "zh" else "."
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    blocks: list[Block] = []
    for number, d in enumerate(diagnoses, start=1):
        title = diagnosis_title(d, lang)
        coverage = coverage_text(d, names, lang)
        blocks.append(Paragraph(_text(f"{number}. {title}{open_}{coverage}{close}{stop}")))
        details: list[Inlines] = []
        if d.contradicted:
            details.append(
                _text(
                    filled(words["hand_contradicted"], ", ".join(names[k] for k in d.contradicted))
                )
            )
        if d.formulas_matched:
            matched = ", ".join(names[k] for k in d.formulas_matched)
            details.append(_text(filled(words["hand_formula_matched"], matched)))
        for mistake in d.mistakes:
            said = mistake_words(mistake, lang)
            details.append(
                sentence(words["hand_wrong_right"], said.sentence, said.wrong, said.right)
            )
        blocks.append(Items(tuple(details)))
    return blocks
