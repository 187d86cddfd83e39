"""What a student's offline self-check page embeds, precomputed by symbp: everything the page's
small script needs to judge typed numbers exactly as check-hand judges them, and nothing it
would have to derive.

- `quantities`: the hand calculation's quantities the asked ones depend on, in dependency order,
  each with its parents and its local formula (z = Σ w·a, a = σ(z), δ = ∂L/∂a·σ′, …) as a small
  expression tree; the page evaluates these at the student's own numbers for carried rounding,
  with the same float64 operations check-hand uses (floats.py);
- `givens`: the given numbers among them (inputs, targets, weights: the worksheet shows them);
  no answer is readable in the page: when the student presses the button the page works the
  local formulas from the givens and opens the seal with what they give (sealing.py says what
  that keeps from whom);
- `catalogue`, sealed with the values the local formulas give from the givens (sealing.py):
  the true values, and the catalogue's mistakes, every single one and every pair, in check-hand's
  order, each with its values of the asked quantities (and of the weights and gradients that
  fitting a learning rate to the updates needs). A wrong learning rate is fitted to the
  student's updates, as check-hand fits it: for most mistakes only the updates depend on the
  rate (w − η·g, recomputed by the page); where already-updated weights are used the δs depend
  on it too, and their values are given as polynomials in η (exact up to float rounding).

In the `consistency` mode (graded homework) the page holds no sealed block (no true value, no
catalogue) and judges each number only against the student's own earlier numbers: whether it
is what its formula gives from them. The teacher's `min_decimals` (handcheck/precision.py) is
in the data too: the page judges by the one precision policy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from symbp.classroom import sealing
from symbp.classroom.variants import ClassVariants, Variant
from symbp.core.functions import ALL_ENTRIES, softmax
from symbp.core.operations import ADD, EXP, LOG, MAX, SOFTMAX
from symbp.errors import SymbpError
from symbp.handcheck.judge import (
    CARRIED_FACTOR,
    MAX_DIAGNOSES,
    MAX_SPREAD_RATIO,
    RELATIVE_SLACK,
    HandJudge,
    variant_point,
)
from symbp.handcheck.mistakes import Mistake, Plan, plan_of


@dataclass(frozen=True)
class PageWords:
    """What the page says, which content decides (content/exercise.py, selfcheck_words): the
    exercise's title, the page script's labels, and each mistake's title, sentence, wrong and
    right formula."""

    title: str
    labels: dict[str, str]
    mistake: Callable[[Mistake], dict[str, str]]


#: the self-check page's judge handles networks of up to this many hidden layers (the
#: already-updated-weights mistake makes the δs polynomials of degree 2^hidden − 1 in η)
MAX_HIDDEN_LAYERS = 2
FORMAT_VERSION = 2
#: what a self-check page checks: every number and the catalogue's diagnoses (practice), or
#: only each number against the student's own earlier ones (graded homework)
MODES = ("full", "consistency")


def selfcheck_data(
    judge: HandJudge,
    variant: Variant,
    exercise: ClassVariants,
    words: PageWords,
    mode: str = "full",
) -> dict[str, Any]:
    """The JSON-ready data of one variant's self-check page (no answer among it)."""
    if mode not in MODES:
        raise SymbpError(f"--interactive: unknown mode {mode!r} (modes: {', '.join(MODES)})")
    network = judge.network
    hidden = len(network.layers) - 2
    if hidden > MAX_HIDDEN_LAYERS:
        raise SymbpError(
            f"--interactive: the self-check page judges networks of up to {MAX_HIDDEN_LAYERS} "
            f"hidden layers, not {hidden}"
        )
    table = judge.table
    asked = exercise.asked
    point = variant_point(network, variant.spec)
    fixed_biases = judge.spec.parameters[len(judge.spec.weights) :]
    spec = variant.spec
    evaluation = judge.compiled.evaluate(spec.inputs, spec.targets, spec.weights + fixed_biases)
    truth = table.values(evaluation)
    closure = _closure(judge, asked)
    quantities = [
        {
            "key": q.key,
            "display": q.display,
            "kind": q.kind,
            "parents": [p.name for p in q.parents],
            "formula": None if q.kind == "given" else formula_tree(q.formula),
        }
        for q in table.quantities
        if q.key in closure
    ]
    needed = set(asked)
    for key in asked:
        name = _updated_weight(key)
        if name is not None:
            needed |= {name, f"dL/d{name}"}
    keys = [q.key for q in table.quantities if q.key in needed]
    mistakes: list[Any] = []
    index: dict[str, int] = {}
    combinations = []
    degree = 2**hidden
    for combination in judge.combinations if mode == "full" else ():
        for mistake in combination:
            if mistake.key not in index:
                index[mistake.key] = len(mistakes)
                mistakes.append({"key": mistake.key, **words.mistake(mistake)})
        plan = plan_of(combination)
        values = judge.variants.values(plan, point, keys=keys)
        entry: dict[str, Any] = {
            "mistakes": [index[m.key] for m in combination],
            "sign": plan.update_sign,
            "values": {k: number(values[k]) for k in keys},
        }
        if plan.backprop_term == "updated_w":
            entry["poly"] = _polynomials(judge, plan, point, keys, degree)
        combinations.append(entry)
    givens = {q.key: number(truth[q.key]) for q in table.quantities if q.kind == "given"}
    chain = _chain_values(judge, closure, truth)
    secret = sealing.password(
        chain[q.key] for q in table.quantities if q.key in closure and q.kind != "given"
    )
    salt = sealing.page_salt(variant.student.id, spec.title, str(exercise.settings.seed))
    catalogue = {
        "truth": {k: number(v) for k, v in truth.items() if k in closure},
        "mistakes": mistakes,
        "combinations": combinations,
    }
    sealed = (
        {
            "salt": salt.hex(),
            "iterations": sealing.ITERATIONS,
            "sealed": sealing.seal(_json(catalogue), secret, salt),
        }
        if mode == "full"
        else None
    )
    return {
        "version": FORMAT_VERSION,
        "mode": mode,
        "student": variant.student.id,
        "title": words.title,
        "decimals": exercise.settings.answer_decimals,
        "min_decimals": exercise.settings.minimum_decimals,
        "rate": judge.learning_rate,
        "asked": list(asked),
        "quantities": quantities,
        "biases": {b.name: b.value for b in network.biases},
        "givens": {k: v for k, v in givens.items() if k in closure},
        "catalogue": sealed,
        "constants": {
            "relative_slack": RELATIVE_SLACK,
            "carried_factor": CARRIED_FACTOR,
            "max_spread_ratio": MAX_SPREAD_RATIO,
            "max_diagnoses": MAX_DIAGNOSES,
        },
        "labels": words.labels,
    }


def _chain_values(judge: HandJudge, closure: set[str], truth: dict[str, float]) -> dict[str, float]:
    """Each quantity's local formula worked from the given numbers, step by step in float64:
    what the page computes to open its seal (for most networks the true values; where a
    displayed local formula is not the whole derivative, as softmax's δ, not quite)."""
    table = judge.table
    values: dict[sp.Symbol, float] = {b.symbol: b.value for b in judge.network.biases}
    out: dict[str, float] = {}
    for quantity in table.quantities:
        if quantity.key not in closure:
            continue
        if quantity.kind == "given":
            value = truth[quantity.key]
        else:
            value = table.local_value(quantity, {p: values[p] for p in quantity.parents})
        values[quantity.symbol] = value
        out[quantity.key] = value
    return out


def _json(data: object) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def number(value: float) -> float | str:
    """A float as JSON holds it: inf, -inf and nan as strings (the page reads them back)."""
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _updated_weight(key: str) -> str | None:
    if key.endswith("_new"):
        return key[: -len("_new")]
    if key.startswith("Δ"):
        return key[len("Δ") :]
    return None


def _closure(judge: HandJudge, keys: tuple[str, ...]) -> set[str]:
    """The keys of `keys` and of every quantity they are computed from."""
    table = judge.table
    found: set[str] = set()
    stack = list(keys)
    while stack:
        key = stack.pop()
        if key in found:
            continue
        found.add(key)
        for parent in table.by_key[key].parents:
            quantity = table.by_symbol.get(parent)
            if quantity is not None:
                stack.append(quantity.key)
    return found


def _polynomials(
    judge: HandJudge, plan: Plan, point: dict[str, float], keys: list[str], degree: int
) -> dict[str, list[float]]:
    """Each key's value under `plan` as a polynomial in the learning rate (coefficients from
    the constant term up), interpolated at degree + 1 rates."""
    import numpy as np

    scale = max(1.0, judge.learning_rate)
    rates = [scale * k for k in range(degree + 1)]
    samples = [
        judge.variants.values(replace(plan, learning_rate=rate), point, keys=keys) for rate in rates
    ]
    out = {}
    for key in keys:
        values = [s[key] for s in samples]
        if not all(math.isfinite(v) for v in values):
            raise SymbpError("--interactive: a catalogue variant of this exercise overflows")
        coefficients = np.polynomial.polynomial.polyfit(rates, values, degree)
        out[key] = [float(c) for c in coefficients]
    return out


_FUNCTIONS: dict[type, str] = {
    sp.exp: EXP.name,
    sp.log: LOG.name,
    sp.Abs: "abs",
    sp.Max: MAX.name,
    sp.Min: "min",
    sp.Heaviside: "heaviside",
    # every elementwise activation: the page's function of that name is printed from its entry
    **{
        entry.function: entry.key
        for entry in ALL_ENTRIES
        if entry.elementwise and entry.function is not None and entry.primitive is not None
    },
}


def formula_tree(expr: sp.Basic) -> Any:
    """A formula as nested lists the page evaluates, operation by operation as floats.py does:
    ["add", …] (an exactly rounded sum), ["mul", …] (left to right), ["pow", b, e], a function
    ["sigmoid", z], a symbol's name as a string, a number as a number."""
    if isinstance(expr, sp.Symbol):
        return expr.name
    if isinstance(expr, sp.Number):
        value = float(expr)
        if not math.isfinite(value):
            raise SymbpError("--interactive: a formula holds a number float64 cannot")
        return value
    if expr is sp.S.Exp1:
        return math.e
    if isinstance(expr, softmax):  # softmax_k(z1, …, zn): the index k, then the zs
        return [SOFTMAX.name, int(expr.args[0]), *(formula_tree(a) for a in expr.args[1:])]
    args = [formula_tree(a) for a in expr.args]
    if isinstance(expr, sp.Add):
        return [ADD.name, *args]
    if isinstance(expr, sp.Mul):
        return ["mul", *args]
    if isinstance(expr, sp.Pow):
        return ["pow", *args]
    for kind, name in _FUNCTIONS.items():
        if isinstance(expr, kind):
            return [name, *args]
    raise SymbpError(f"--interactive: the self-check page cannot evaluate {type(expr).__name__}")


def single_mistake_values(
    judge: HandJudge, variant: Variant, asked: tuple[str, ...]
) -> list[tuple[Mistake, dict[str, float]]]:
    """Each single catalogue mistake's values of the asked quantities for this variant (what a
    quiz can name as feedback when a student's number is one of them)."""
    point = variant_point(judge.network, variant.spec)
    return [
        (combination[0], judge.variants.values(plan_of(combination), point, keys=asked))
        for combination in judge.combinations
        if len(combination) == 1
    ]
