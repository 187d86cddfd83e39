"""Judging a hand calculation: each number at its own precision, where the error entered, and
which classic mistake reproduces the wrong numbers. The result is a HandReport, plain data that
renderers phrase.

Precision: a number written with d decimals is right when the true value rounds to it. A student
carries rounding from step to step, so a number that is off by more than that is still judged
"right to the stated precision" when it is what the quantity's own formula gives from the
student's own (right) inputs, within the rounding those inputs carry. A wrong number that follows
from the student's wrong inputs is a consequence; a wrong number whose inputs were right is where
an error entered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum

import sympy as sp

from symbp.derive import backward_sweep
from symbp.errors import FormulaError, HandInputError
from symbp.graph import Network
from symbp.numeric import CompiledNetwork
from symbp.spec import NetworkSpec, default_spec, load_spec

from .formula import parse_formula
from .formula_check import SAMPLE_POINTS, FormulaCheck, check_formula, random_point, values_at
from .hand_input import HandCalculation, HandEntry, read_hand_file
from .mistakes import Mistake, catalogue, combinations, plan_of, variant_values
from .quantities import Quantity, QuantityTable, evaluate_formula, known_names, resolver

#: Slack on every tolerance, for the binary floating point under the decimal numbers.
RELATIVE_SLACK = 1e-9
#: How many diagnoses a report lists.
MAX_DIAGNOSES = 3
#: A variant's exact value may sit this many input spreads (beyond the number's own rounding)
#: from a number worked by hand: rounding carried through several steps adds up.
CARRIED_FACTOR = 2.0
MAX_SPREAD_RATIO = 100.0


class Verdict(Enum):
    RIGHT = "right"
    RIGHT_TO_PRECISION = "right to the stated precision"
    WRONG = "wrong"


@dataclass(frozen=True)
class Judgement:
    """One of the student's numbers, judged."""

    key: str
    display: str
    written: str  # as the student wrote it (a number, or a formula's value)
    value: float
    decimals: int | None  # None: the value came from a formula (exact)
    true_value: float
    verdict: Verdict
    from_inputs: float  # the quantity's formula applied to the student's own inputs
    consistent_with_inputs: bool  # the student's value is what that gives, within rounding
    half_unit: float  # half a unit in the last written place (plus float slack)
    spread: float  # how far the rounding of the student's inputs may move the result
    entered_here: bool  # wrong although its own inputs were right
    unwritten_inputs: tuple[str, ...]  # inputs the student did not write (the error may be there)
    follows_from: tuple[str, ...]  # for a consequence: the entry points it follows from


@dataclass(frozen=True)
class Diagnosis:
    """A variant derivation (one mistake or a pair) that reproduces wrong numbers."""

    mistakes: tuple[Mistake, ...]
    explained: tuple[str, ...]  # keys of wrong numbers it reproduces
    contradicted: tuple[str, ...]  # keys of right numbers it would have made wrong
    values: dict[str, float]  # the variant's value of each explained number
    formulas_matched: tuple[str, ...]  # formulas that are the variant's own (at random points)
    total_wrong: int

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.mistakes)

    @property
    def complete(self) -> bool:
        return len(self.explained) == self.total_wrong and not self.contradicted


@dataclass(frozen=True)
class HandReport:
    """Everything symbp found in one hand calculation."""

    title: str
    source: str
    learning_rate: float
    judgements: tuple[Judgement, ...]  # in dependency order
    formulas: tuple[FormulaCheck, ...]
    diagnoses: tuple[Diagnosis, ...]

    @property
    def wrong(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.judgements if j.verdict is Verdict.WRONG)

    @property
    def entry_points(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.judgements if j.entered_here)

    @property
    def all_right(self) -> bool:
        return not self.wrong and all(f.equal for f in self.formulas)


def check_hand_file(
    path: str, spec_path: str | None = None, learning_rate: float | None = None
) -> HandReport:
    """Read and judge a hand-calculation file (the spec: the argument's, the file's, or default)."""
    hand = read_hand_file(path)
    chosen = spec_path if spec_path is not None else hand.spec_path
    spec = default_spec() if chosen is None else load_spec(chosen)
    return check_hand(hand, spec, learning_rate)


def check_hand(
    hand: HandCalculation, spec: NetworkSpec | None = None, learning_rate: float | None = None
) -> HandReport:
    """Judge a hand calculation of `spec` (default: the MOOC 8.3 network).

    The learning rate is the argument's, else the file's, else the spec's.
    """
    spec = spec if spec is not None else default_spec()
    rate = _learning_rate(learning_rate, hand.learning_rate, spec.learning_rate)
    network = Network(replace(spec, learning_rate=rate))
    sweep = backward_sweep(network)
    table = QuantityTable(network, sweep, rate)
    compiled = CompiledNetwork(network, sweep)
    truth = table.values(compiled.evaluate())
    entries = _resolve(hand, table)
    _check_updates_are_plain(spec, entries, table)
    formulas = _parse_formulas(hand.source, entries, table)
    by_symbol = {table.by_key[k].symbol: v for k, v in truth.items()}
    written = _written_values(entries, formulas, by_symbol)
    judgements = _judge(table, truth, written)
    formula_checks = tuple(
        check_formula(table, formulas[key], table.by_key[key], compiled, by_symbol)
        for key in _ordered(table, formulas)
    )
    diagnoses = _diagnose(network, table, judgements, rate)
    if formulas:
        diagnoses = tuple(_match_formulas(d, table, compiled, formulas, rate) for d in diagnoses)
    return HandReport(
        title=spec.title,
        source=hand.source,
        learning_rate=rate,
        judgements=judgements,
        formulas=formula_checks,
        diagnoses=diagnoses,
    )


def _learning_rate(*choices: float | None) -> float:
    rate = next(c for c in choices if c is not None)
    if not math.isfinite(rate):
        raise HandInputError(f"the learning rate must be a finite number, not {rate}")
    return rate


def _check_updates_are_plain(
    spec: NetworkSpec, entries: Mapping[str, HandEntry], table: QuantityTable
) -> None:
    """Updated weights are judged as plain gradient descent; refuse them under another
    optimizer rather than call a right Adam or momentum step wrong."""
    if spec.optimizer.is_plain_sgd:
        return
    for key in entries:
        if table.by_key[key].kind == "update":
            raise HandInputError(
                f"{key}: this network updates with {spec.optimizer.name}; check-hand judges "
                "its forward values and gradients, and updates of plain gradient descent only"
            )


def _resolve(hand: HandCalculation, table: QuantityTable) -> dict[str, HandEntry]:
    entries: dict[str, HandEntry] = {}
    for entry in hand.entries:
        quantity = table.resolve(entry.name)
        where = f"{hand.source}: line {entry.line}" if entry.line else hand.source
        if quantity is None:
            known = known_names(table)
            shown = known if len(known) <= 160 else known[:160] + ", ..."
            raise HandInputError(f"{where}: unknown quantity {entry.name!r} (known: {shown})")
        if quantity.key in entries:
            raise HandInputError(f"{where}: {quantity.key} is given twice")
        entries[quantity.key] = entry
    return entries


def _parse_formulas(
    source: str, entries: Mapping[str, HandEntry], table: QuantityTable
) -> dict[str, sp.Expr]:
    formulas: dict[str, sp.Expr] = {}
    for key, entry in entries.items():
        if entry.formula is None:
            continue
        try:
            formulas[key] = parse_formula(entry.formula, resolver(table))
        except FormulaError as error:
            where = f"{source}: line {entry.line}" if entry.line else f"{source}: {entry.name!r}"
            raise FormulaError(f"{where}: {error}") from None
    return formulas


def _ordered(table: QuantityTable, keys: Mapping[str, object]) -> list[str]:
    return [q.key for q in table.quantities if q.key in keys]


@dataclass(frozen=True)
class _Written:
    value: float
    half_unit: float
    text: str
    decimals: int | None


def _written_values(
    entries: Mapping[str, HandEntry],
    formulas: Mapping[str, sp.Expr],
    truth: Mapping[sp.Symbol, float],
) -> dict[str, _Written]:
    written: dict[str, _Written] = {}
    for key, entry in entries.items():
        if entry.number is not None:
            n = entry.number
            written[key] = _Written(n.value, n.half_unit, n.text, n.decimals)
        else:
            value = evaluate_formula(formulas[key], truth)
            exact = RELATIVE_SLACK * max(1.0, abs(value)) if math.isfinite(value) else 0.0
            written[key] = _Written(value, exact, entry.formula or "", None)
    return written


def _judge(
    table: QuantityTable, truth: Mapping[str, float], written: Mapping[str, _Written]
) -> tuple[Judgement, ...]:
    """Verdicts in dependency order, each against the student's own inputs as well as the truth."""
    center: dict[sp.Symbol, float] = {}
    radius: dict[sp.Symbol, float] = {}
    wrong_roots: dict[sp.Symbol, tuple[str, ...]] = {}  # entry points behind a wrong value
    judgements: list[Judgement] = []
    for quantity in table.quantities:
        symbol = quantity.symbol
        if quantity.kind == "given":
            expected, spread = truth[quantity.key], 0.0
        else:
            expected, spread = _propagate(table, quantity, center, radius)
        roots = tuple(dict.fromkeys(r for p in quantity.parents for r in wrong_roots.get(p, ())))
        if quantity.key not in written:
            center[symbol] = expected
            # a step the student did not write down is taken as worked exactly from the ones
            # they did: only written numbers state a precision
            radius[symbol] = spread
            if roots:
                wrong_roots[symbol] = roots
            continue
        mine = written[quantity.key]
        center[symbol], radius[symbol] = mine.value, mine.half_unit
        true_value = truth[quantity.key]
        slack = RELATIVE_SLACK * max(1.0, abs(true_value))
        consistent = abs(mine.value - expected) <= spread + mine.half_unit + slack
        # off the truth by no more than the rounding its inputs carry, whatever their values
        within = spread + mine.half_unit + slack
        if abs(mine.value - true_value) <= mine.half_unit + slack:
            verdict = Verdict.RIGHT
        elif (consistent and not roots) or abs(mine.value - true_value) <= within:
            verdict = Verdict.RIGHT_TO_PRECISION
        else:
            verdict = Verdict.WRONG
        entered = verdict is Verdict.WRONG and not roots
        if entered:
            wrong_roots[symbol] = (quantity.key,)
        elif verdict is Verdict.WRONG:
            wrong_roots[symbol] = roots
        judgements.append(
            Judgement(
                key=quantity.key,
                display=quantity.display,
                written=mine.text,
                value=mine.value,
                decimals=mine.decimals,
                true_value=true_value,
                verdict=verdict,
                from_inputs=expected,
                consistent_with_inputs=consistent,
                half_unit=mine.half_unit + slack,
                spread=spread,
                entered_here=entered,
                unwritten_inputs=tuple(
                    table.by_symbol[p].key
                    for p in quantity.parents
                    if table.by_symbol[p].kind != "given" and table.by_symbol[p].key not in written
                ),
                follows_from=() if entered or verdict is not Verdict.WRONG else roots,
            )
        )
    return tuple(judgements)


def _propagate(
    table: QuantityTable,
    quantity: Quantity,
    center: Mapping[sp.Symbol, float],
    radius: Mapping[sp.Symbol, float],
) -> tuple[float, float]:
    """The formula at the parents' values, and how far the parents' rounding can move it."""
    function = table.local(quantity)
    point = [center[p] for p in quantity.parents]
    try:
        value = float(function(*point))
    except (ArithmeticError, ValueError):
        return math.nan, 0.0
    spread = 0.0
    for i, parent in enumerate(quantity.parents):
        r = radius[parent]
        if r == 0:
            continue
        moved = []
        for step in (r, -r):
            shifted = list(point)
            shifted[i] += step
            try:
                moved.append(abs(float(function(*shifted)) - value))
            except (ArithmeticError, ValueError):
                moved.append(math.inf)
        spread += max(moved)
    return value, spread


def _match_formulas(
    diagnosis: Diagnosis,
    table: QuantityTable,
    compiled: CompiledNetwork,
    formulas: Mapping[str, sp.Expr],
    rate: float,
) -> Diagnosis:
    """The diagnosis, with the formulas it explains that equal the variant's at random points
    too: the student wrote the variant's formula, it is no coincidence of the numbers."""
    candidates = [k for k in diagnosis.explained if k in formulas]
    if not candidates:
        return diagnosis
    plan = plan_of(diagnosis.mistakes)
    matched = set(candidates)
    for seed in range(SAMPLE_POINTS):
        point = random_point(table.network, seed)
        truth = values_at(table, compiled, point)
        variant = variant_values(table.network, plan, rate, point)
        for key in list(matched):
            mine = evaluate_formula(formulas[key], truth)
            if not abs(mine - variant[key]) <= 1e-9 * max(1.0, abs(variant[key])):
                matched.discard(key)
    return replace(diagnosis, formulas_matched=tuple(k for k in candidates if k in matched))


def _fitted_rate(
    judgements: tuple[Judgement, ...], truth: Mapping[str, float], rate: float
) -> float | None:
    """The learning rate the student's wrong updates suggest, if it is a positive other one."""
    estimates = []
    for j in judgements:
        if j.verdict is Verdict.WRONG and j.key.endswith("_new"):
            name = j.key[: -len("_new")]
            gradient = truth[f"dL/d{name}"]
            if abs(gradient) > 1e-12:
                estimates.append((truth[name] - j.value) / gradient)
    if not estimates:
        return None
    estimates.sort()
    fitted = float(f"{estimates[len(estimates) // 2]:.2g}")
    if fitted <= 0 or math.isclose(fitted, rate, rel_tol=1e-6):
        return None
    return fitted


def _diagnose(
    network: Network, table: QuantityTable, judgements: tuple[Judgement, ...], rate: float
) -> tuple[Diagnosis, ...]:
    """The variants that reproduce the wrong numbers, best first.

    A variant reproduces a number when it lies within the number's rounding tolerance of the
    variant's exact value (doubled, for rounding carried through several steps), so the same
    precision-aware judging decides right, wrong and reproduced.
    """
    wrong = [j for j in judgements if j.verdict is Verdict.WRONG]
    if not wrong:
        return ()
    truth = table.values(CompiledNetwork(network).evaluate())
    fitted = _fitted_rate(judgements, truth, rate)
    mistakes = catalogue(network, rate, fitted)
    found: list[tuple[tuple[int, int, int, int], Diagnosis]] = []
    single: dict[str, tuple[set[str], set[str]]] = {}
    for order, combination in enumerate(combinations(mistakes)):
        values = variant_values(network, plan_of(combination), rate)
        explained, contradicted = [], []
        for j in judgements:
            # carried rounding grows with the size of the numbers it is carried through
            ratio = min(MAX_SPREAD_RATIO, abs(values[j.key]) / max(abs(j.true_value), 1e-12))
            tolerance = j.half_unit + CARRIED_FACTOR * j.spread * max(1.0, ratio)
            matches = abs(j.value - values[j.key]) <= tolerance
            if j.verdict is Verdict.WRONG and matches:
                explained.append(j.key)
            elif j.verdict is not Verdict.WRONG and not matches:
                contradicted.append(j.key)
        if len(combination) == 1:
            single[combination[0].key] = (set(explained), set(contradicted))
        elif any(
            single.get(m.key, (set(), set()))[0] >= set(explained)
            and single.get(m.key, (set(), set()))[1] <= set(contradicted)
            for m in combination
        ):
            continue  # the pair adds nothing to one of its mistakes alone
        if not explained or len(contradicted) > len(explained):
            continue  # a variant that breaks more right numbers than it explains is no answer
        diagnosis = Diagnosis(
            mistakes=combination,
            explained=tuple(explained),
            contradicted=tuple(contradicted),
            values={k: values[k] for k in explained},
            formulas_matched=(),
            total_wrong=len(wrong),
        )
        score = (-len(explained), len(contradicted), len(combination), order)
        found.append((score, diagnosis))
    found.sort(key=lambda pair: pair[0])
    best = [d for _, d in found[:MAX_DIAGNOSES]]
    if best and best[0].complete:  # alternatives that contradict right numbers are noise then
        best = [d for d in best if d.complete]
    return tuple(best)
