"""Judging a hand calculation: each number at its own precision, where the error entered, and
which classic mistake reproduces the wrong numbers. The result is a HandReport, plain data that
renderers phrase.

Precision: a number's digits state it. 0.0346 is right when the true value rounds to it at four
decimals; a number with no significant digit after the point (0, 1, 0.0, 12) states no rounding
and must be exact. A student carries rounding from step to step, so a number that is off by more
than its own rounding is still "right to the stated precision" when it is what the quantity's
own formula gives from the student's own written inputs, those inputs were right, and the
difference is within the rounding those inputs state. A wrong number that follows from the
student's wrong inputs is a consequence; a wrong number whose inputs were right is where an error
entered. A formula built from written decimals (0.0616 × 0.5622) states their precision.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum

import sympy as sp

from symbp.core.derive import backward_sweep
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import NetworkSpec, default_spec, load_spec
from symbp.errors import FormulaError, HandInputError, SymbpError

from .formula import ParsedFormula, read_formula
from .formula_check import (
    SAMPLE_POINTS,
    FormulaCheck,
    check_formula,
    formula_value,
    later_samples,
    random_point,
    values_at,
)
from .hand_input import HandCalculation, HandEntry, read_hand_file
from .mistakes import (
    Mistake,
    Plan,
    Variants,
    catalogue,
    combinations,
    learning_rate_mistake,
    plan_of,
)
from .precision import Precision
from .quantities import (
    Quantity,
    QuantityTable,
    evaluate_formula,
    evaluate_samples,
    known_names,
    resolver,
)

#: Slack on every tolerance, for the binary floating point under the decimal numbers (far
#: below half a unit of the 10th decimal, far above float64 rounding).
RELATIVE_SLACK = 1e-12
#: How many diagnoses a report lists (of each kind: reproducing all, partly matching).
MAX_DIAGNOSES = 3
#: A variant's exact value may sit this many input spreads (beyond the number's own rounding)
#: from a number worked by hand: rounding carried through several steps adds up.
CARRIED_FACTOR = 2.0
MAX_SPREAD_RATIO = 100.0
#: Seconds of algebra one file may use; after that formulas are compared at sample points only.
ALGEBRA_BUDGET = 2.0


class Verdict(Enum):
    RIGHT = "right"
    RIGHT_TO_PRECISION = "right to the stated precision"
    WRONG = "wrong"
    #: written to fewer decimals than the teacher's minimum (precision.py): not right, and no
    #: error of the calculation either
    TOO_FEW_DECIMALS = "too few decimals"
    #: given only by a formula whose decimals' rounding moves it without bound or by more than
    #: its value (formula_check.bounded_spread): it states no precision, so it is neither right
    #: nor wrong, starts no catalogue search, and later steps are judged as if it were unwritten
    NOT_JUDGEABLE = "not judgeable"


@dataclass(frozen=True)
class Judgement:
    """One of the student's numbers, judged."""

    key: str
    display: str
    written: str  # as the student wrote it (a number, or a formula's value)
    value: float
    decimals: int | None  # None: the value came from a formula
    true_value: float
    verdict: Verdict
    from_inputs: float  # the quantity's formula applied to the student's own inputs
    consistent_with_inputs: bool  # the student's value is what that gives, within rounding
    half_unit: float  # half a unit in the last written place (plus float slack)
    spread: float  # how far the rounding of the student's inputs may move the result
    entered_here: bool  # wrong although its own inputs were right
    unwritten_inputs: tuple[str, ...]  # inputs the student did not write (the error may be there)
    follows_from: tuple[str, ...]  # for a consequence: the entry points it follows from
    exact: bool = False  # the written number states no rounding (0, 1, 0.0): judged exactly


@dataclass(frozen=True)
class Diagnosis:
    """A variant derivation (one mistake, a pair, each possibly with a wrong learning rate) that
    reproduces wrong numbers."""

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
    def reproduces_all(self) -> bool:
        """It reproduces every wrong number (whether or not it also changes right ones)."""
        return len(self.explained) == self.total_wrong

    @property
    def complete(self) -> bool:
        """It reproduces every wrong number and leaves every right one right."""
        return self.reproduces_all and not self.contradicted


@dataclass(frozen=True)
class HandReport:
    """Everything symbp found in one hand calculation."""

    title: str
    source: str
    learning_rate: float
    judgements: tuple[Judgement, ...]  # in dependency order
    formulas: tuple[FormulaCheck, ...]
    #: variants that reproduce every wrong number and contradict no right one, best first
    diagnoses: tuple[Diagnosis, ...]
    #: when no variant does: the ones that reproduce some wrong numbers, best first
    partial: tuple[Diagnosis, ...] = ()

    @property
    def wrong(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.judgements if j.verdict is Verdict.WRONG)

    @property
    def entry_points(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.judgements if j.entered_here)

    @property
    def too_few_decimals(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.judgements if j.verdict is Verdict.TOO_FEW_DECIMALS)

    @property
    def all_right(self) -> bool:
        return not self.wrong and not self.too_few_decimals and all(f.equal for f in self.formulas)


def check_hand_file(
    path: str,
    spec_path: str | None = None,
    learning_rate: float | None = None,
    precision: Precision | None = None,
) -> HandReport:
    """Read and judge a hand-calculation file (the spec: the argument's, the file's, or default)."""
    hand = read_hand_file(path)
    chosen = spec_path if spec_path is not None else hand.spec_path
    spec = default_spec() if chosen is None else load_spec(chosen)
    return check_hand(hand, spec, learning_rate, precision)


def check_hand(
    hand: HandCalculation,
    spec: NetworkSpec | None = None,
    learning_rate: float | None = None,
    precision: Precision | None = None,
) -> HandReport:
    """Judge a hand calculation of `spec` (default: the MOOC 8.3 network).

    The learning rate is the argument's, else the file's, else the spec's; `precision` the
    teacher's minimum of decimals (precision.py; default the spec's min_decimals, else none).
    """
    spec = spec if spec is not None else default_spec()
    rate = _learning_rate(learning_rate, hand.learning_rate, spec.learning_rate)
    if precision is None or precision.min_decimals is None:  # else the spec's (an exercise's)
        precision = Precision(spec.min_decimals)
    return HandJudge(spec, rate).check(hand, precision=precision)


#: what variants of one network share: everything but the title, the sample and the weights
ARCHITECTURE = (
    "layers",
    "activations",
    "loss",
    "numbering",
    "negative_slope",
    "bias",
    "bias_values",
    "bias_trainable",
    "explicit_names",
    "reduction",
    "learning_rate",
    "optimizer",
)


def architecture(spec: NetworkSpec) -> tuple[object, ...]:
    """What a spec shares with its variants (one HandJudge judges them all)."""
    return tuple(getattr(spec, name) for name in ARCHITECTURE)


class HandJudge:
    """The judge of one network architecture at one learning rate, built once and reused.

    Building the symbolic network, its backward sweep, the quantity table, the compiled
    functions and the catalogue's variants is most of what judging one file costs. A class of
    exercises that share an architecture (the same layers, activations, loss, numbering, biases
    and learning rate, with their own inputs, targets and weights) shares one judge: `check`
    judges a calculation of any such spec exactly as `check_hand` judges it with that spec.
    """

    def __init__(self, spec: NetworkSpec, learning_rate: float | None = None) -> None:
        rate = _learning_rate(learning_rate, spec.learning_rate)
        self.spec = replace(spec, learning_rate=rate)
        self.learning_rate = rate
        self.network = Network(self.spec)
        self.sweep = backward_sweep(self.network)
        self.table = QuantityTable(self.network, self.sweep, rate)
        self.compiled = CompiledNetwork(self.network, self.sweep)
        self.variants = Variants(self.table)
        self.combinations = combinations(catalogue(self.network))

    def accepts(self, spec: NetworkSpec) -> bool:
        """Whether `spec` is a variant of this judge's network (as many samples) and learning
        rate."""
        same_samples = len(spec.samples) == len(self.spec.samples)
        return same_samples and architecture(spec) == architecture(self.spec)

    def check(
        self,
        hand: HandCalculation,
        spec: NetworkSpec | None = None,
        precision: Precision | None = None,
    ) -> HandReport:
        """Judge a hand calculation of `spec`, a variant of this network (default: the judge's
        own spec), at the judge's learning rate (check_hand picks it: the argument's, else the
        file's, else the spec's), under the precision policy with `precision`'s minimum."""
        table, compiled = self.table, self.compiled
        if spec is None:
            spec, point = self.spec, None
            evaluation = compiled.evaluate()
        else:
            if not self.accepts(spec):
                raise SymbpError(f"{spec.title!r} is not a variant of {self.spec.title!r}")
            point = variant_point(self.network, spec)
            fixed_biases = self.spec.parameters[len(self.spec.weights) :]
            evaluation = evaluate_samples(compiled, spec.samples, spec.weights + fixed_biases)
        truth = table.values(evaluation)
        by_symbol = {table.by_key[k].symbol: v for k, v in truth.items()}
        entries = _resolve(hand, table)
        _check_updates_are_plain(spec, entries, table)
        deadline = time.monotonic() + ALGEBRA_BUDGET
        written: dict[str, _Written] = {}
        formulas: dict[str, ParsedFormula] = {}
        checks: list[FormulaCheck] = []
        for key in _ordered(table, entries):
            entry = entries[key]
            where = f"{hand.source}: line {entry.line}" if entry.line else f"{hand.source}: {key!r}"
            try:
                parsed = _parse_formulas(entry, table)
                written[key] = _written_value(entry, parsed, by_symbol)
                if parsed:
                    formulas[key] = parsed[0]
                result_half_unit = entry.number.half_unit if entry.number is not None else None
                for formula in parsed:
                    checks.append(
                        check_formula(
                            table,
                            formula,
                            table.by_key[key],
                            compiled,
                            by_symbol,
                            deadline,
                            result_half_unit,
                        )
                    )
            except FormulaError as error:
                raise FormulaError(f"{where}: {error}") from None
            except HandInputError:
                raise
            except Exception as error:  # noqa: BLE001 - no input may end in a traceback
                detail = " ".join(str(error).split())[:80]
                raise FormulaError(
                    f"{where}: cannot judge this line ({type(error).__name__}: {detail})"
                ) from None
        try:
            judgements = _judge(table, truth, written, precision or Precision())
            diagnoses, partial = _diagnose(self, judgements, truth, point)
            if formulas:
                diagnoses = tuple(_match_formulas(d, self, formulas) for d in diagnoses)
        except (ArithmeticError, ValueError, RecursionError) as error:  # beyond float64
            detail = " ".join(str(error).split())[:80]
            raise HandInputError(
                f"{hand.source}: cannot judge these numbers ({type(error).__name__}: {detail})"
            ) from None
        return HandReport(
            title=spec.title,
            source=hand.source,
            learning_rate=self.learning_rate,
            judgements=judgements,
            formulas=tuple(checks),
            diagnoses=diagnoses,
            partial=partial,
        )


def variant_point(network: Network, spec: NetworkSpec) -> dict[str, float]:
    """A spec's inputs, targets and weights by name (what Variants evaluates at); samples after
    the first by names with their number: x1(2), y1(2)."""
    point = {u.a.name: x for u, x in zip(network.inputs, spec.inputs, strict=True)}
    point |= {y.name: v for y, v in zip(network.targets, spec.targets, strict=True)}
    point |= {w.name: v for w, v in zip(network.weights, spec.weights, strict=True)}
    return point | later_samples(network, spec.samples)


def _learning_rate(*choices: float | None) -> float:
    rate = next(c for c in choices if c is not None)
    if not math.isfinite(rate) or rate <= 0:
        raise HandInputError(f"the learning rate must be a positive finite number, not {rate:g}")
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
            suggestion = table.suggest(entry.name)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            raise HandInputError(
                f"{where}: unknown quantity {_short(entry.name)!r}{hint} "
                f"(names: {known_names(table)})"
            )
        if quantity.key in entries:
            raise HandInputError(f"{where}: {quantity.key} is given twice")
        entries[quantity.key] = entry
    return entries


def _parse_formulas(entry: HandEntry, table: QuantityTable) -> list[ParsedFormula]:
    """The entry's formula and its numbers substituted, read; a formula for a quantity may not
    use that quantity itself."""
    quantity = table.resolve(entry.name)
    assert quantity is not None
    parsed = []
    for text in (entry.formula, entry.substituted):
        if text is None:
            continue
        formula = read_formula(text, resolver(table))
        if quantity.symbol in formula.expr.free_symbols:
            raise FormulaError(f"the formula for {quantity.display} uses {quantity.display} itself")
        parsed.append(formula)
    return parsed


def _ordered(table: QuantityTable, keys: Mapping[str, object]) -> list[str]:
    return [q.key for q in table.quantities if q.key in keys]


@dataclass(frozen=True)
class _Written:
    value: float
    half_unit: float
    text: str
    decimals: int | None
    exact: bool
    judgeable: bool = True


def _written_value(
    entry: HandEntry, parsed: list[ParsedFormula], truth: Mapping[sp.Symbol, float]
) -> _Written:
    """The number the student wrote, or their formula's value at the true values (at the
    precision of the decimals written in it)."""
    if entry.number is not None:
        n = entry.number
        return _Written(n.value, n.half_unit, n.text, n.decimals, n.exact)
    value, spread = formula_value(parsed[0], truth)
    if spread is None:  # its decimals' rounding says nothing: the value states no precision
        return _Written(value, 0.0, entry.formula or "", None, False, judgeable=False)
    return _Written(value, spread, entry.formula or "", None, spread == 0)


def _needed(table: QuantityTable, written: Mapping[str, object]) -> set[sp.Symbol]:
    """The quantities the written ones are computed from, and themselves."""
    needed: set[sp.Symbol] = set()
    stack = [table.by_key[key].symbol for key in written]
    while stack:
        symbol = stack.pop()
        if symbol in needed:
            continue
        needed.add(symbol)
        quantity = table.by_symbol.get(symbol)
        if quantity is not None:
            stack += [p for p in quantity.parents if p in table.by_symbol]
    return needed


def _judge(
    table: QuantityTable,
    truth: Mapping[str, float],
    written: Mapping[str, _Written],
    precision: Precision,
) -> tuple[Judgement, ...]:
    """Verdicts in dependency order, each against the student's own inputs as well as the truth,
    under the precision policy (precision.py)."""
    needed = _needed(table, written)
    # biases are no quantity of a hand calculation: they hold their spec values
    center: dict[sp.Symbol, float] = {b.symbol: b.value for b in table.network.biases}
    # dropout's keep_prob and sample 1's masks are given like the biases (a = m·f(z)/p)
    network = table.network
    center |= network.keep_values
    if network.spec.dropout is not None:
        masks = network.spec.dropout.sample_masks(0)
        center |= dict(zip(network.masks.values(), masks, strict=True))
    radius: dict[sp.Symbol, float] = dict.fromkeys(center, 0.0)
    wrong_roots: dict[sp.Symbol, tuple[str, ...]] = {}  # entry points behind a wrong value
    judgements: list[Judgement] = []
    for quantity in table.quantities:
        symbol = quantity.symbol
        if symbol not in needed:
            continue
        if quantity.is_given:
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
        true_value = truth[quantity.key]
        slack = RELATIVE_SLACK * max(1.0, abs(true_value))
        if not mine.judgeable:
            # neither right nor wrong: later steps are judged as if it were unwritten
            center[symbol], radius[symbol] = expected, spread
            if roots:
                wrong_roots[symbol] = roots
            judgements.append(
                Judgement(
                    key=quantity.key,
                    display=quantity.display,
                    written=mine.text,
                    value=mine.value,
                    decimals=None,
                    true_value=true_value,
                    verdict=Verdict.NOT_JUDGEABLE,
                    from_inputs=expected,
                    consistent_with_inputs=False,
                    half_unit=slack,
                    spread=spread,
                    entered_here=False,
                    unwritten_inputs=(),
                    follows_from=(),
                )
            )
            continue
        center[symbol], radius[symbol] = mine.value, mine.half_unit
        # what the student's own (right) inputs give, within the rounding they state
        consistent = abs(mine.value - expected) <= spread + mine.half_unit + slack
        if precision.too_few(mine.decimals, mine.value, true_value, slack):
            verdict = Verdict.TOO_FEW_DECIMALS
        elif abs(mine.value - true_value) <= mine.half_unit + slack or (
            mine.decimals is not None and precision.within_minimum(mine.value, true_value, slack)
        ):
            verdict = Verdict.RIGHT
        elif consistent and not roots:
            verdict = Verdict.RIGHT_TO_PRECISION
        else:
            verdict = Verdict.WRONG
        entered = verdict is Verdict.WRONG and not roots
        if entered or (verdict is Verdict.TOO_FEW_DECIMALS and not roots):
            # what is worked from a number of too few decimals is not excused by it either
            wrong_roots[symbol] = (quantity.key,)
        elif verdict in (Verdict.TOO_FEW_DECIMALS, Verdict.WRONG):
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
                    if p in table.by_symbol
                    and not table.by_symbol[p].is_given
                    and table.by_symbol[p].key not in written
                ),
                follows_from=() if entered or verdict is not Verdict.WRONG else roots,
                exact=mine.exact,
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
    point = {p: center[p] for p in quantity.parents}
    value = table.local_value(quantity, point)
    if not math.isfinite(value):
        return value, 0.0
    spread = 0.0
    for parent in quantity.parents:
        r = radius[parent]
        if r == 0:
            continue
        moved = 0.0
        for step in (r, -r):
            shifted = dict(point)
            shifted[parent] += step
            change = abs(table.local_value(quantity, shifted) - value)
            moved = max(moved, change if math.isfinite(change) else math.inf)
        spread += moved
    return value, spread


def _match_formulas(
    diagnosis: Diagnosis, judge: HandJudge, formulas: Mapping[str, ParsedFormula]
) -> Diagnosis:
    """The diagnosis, with the formulas it explains that equal the variant's at random points
    too: the student wrote the variant's formula, it is no coincidence of the numbers."""
    candidates = [k for k in diagnosis.explained if k in formulas]
    if not candidates:
        return diagnosis
    plan = plan_of(diagnosis.mistakes)
    table, compiled, variants = judge.table, judge.compiled, judge.variants
    matched = set(candidates)
    for seed in range(SAMPLE_POINTS):
        point = random_point(table.network, seed)
        truth = values_at(table, compiled, point)
        variant = variants.values(plan, point, keys=candidates)
        for key in list(matched):
            mine = evaluate_formula(formulas[key].expr, truth)
            if not abs(mine - variant[key]) <= 1e-9 * max(1.0, abs(variant[key])):
                matched.discard(key)
    return replace(diagnosis, formulas_matched=tuple(k for k in candidates if k in matched))


def _fitted_rate(
    judgements: tuple[Judgement, ...], values: Mapping[str, float], plan: Plan, rate: float
) -> float | None:
    """The learning rate the student's updates fit, given a variant's gradients (or the
    student's own, where written), if it is a positive rate other than the right one."""
    written = {j.key: j for j in judgements}
    estimates = []
    for j in judgements:
        if j.key.endswith("_new"):
            name = j.key[: -len("_new")]
            moved = values[name] - j.value
        elif j.key.startswith("Δ"):
            name = j.key[len("Δ") :]
            moved = -j.value
        else:
            continue
        gradient_key = f"dL/d{name}"
        gradient = written[gradient_key].value if gradient_key in written else values[gradient_key]
        # the update's own rounding must not swamp the step it measures
        if abs(gradient) * rate <= 20 * j.half_unit or abs(gradient) < 1e-12:
            continue
        estimates.append(moved / (plan.update_sign * gradient))
    if not estimates:
        return None
    estimates.sort()
    middle = estimates[len(estimates) // 2]
    if not math.isfinite(middle) or middle <= 0:
        return None
    for digits in (1, 2, 3):
        fitted = float(f"{middle:.{digits}g}")
        if math.isclose(fitted, middle, rel_tol=0.02):
            break
    else:
        return None
    return None if math.isclose(fitted, rate, rel_tol=1e-6) else fitted


def _reproduces(
    judgements: tuple[Judgement, ...], values: Mapping[str, float]
) -> tuple[list[str], list[str]]:
    """The wrong numbers a variant reproduces, and the right ones it would have made wrong.

    A variant reproduces a number when it lies within the number's rounding tolerance of the
    variant's exact value (widened by the rounding carried from the student's inputs), so the
    same precision-aware judging decides right, wrong and reproduced.
    """
    explained, contradicted = [], []
    for j in judgements:
        if j.verdict in (Verdict.TOO_FEW_DECIMALS, Verdict.NOT_JUDGEABLE):
            continue  # a matter of precision, no mistake's
        value = values[j.key]
        # carried rounding grows with the size of the numbers it is carried through
        ratio = min(MAX_SPREAD_RATIO, abs(value) / max(abs(j.true_value), 1e-12))
        # a number judged exactly (0.000) was still rounded at its decimals when a variant's
        # chain produced it: 0.0003 worked at 3 decimals is written 0.000
        half_unit = j.half_unit
        if j.exact and j.decimals:
            half_unit = max(half_unit, 0.5 * 10.0 ** (-j.decimals))
        tolerance = half_unit + CARRIED_FACTOR * j.spread * max(1.0, ratio)
        matches = abs(j.value - value) <= tolerance
        if j.verdict is Verdict.WRONG and matches:
            explained.append(j.key)
        elif j.verdict is not Verdict.WRONG and not matches:
            contradicted.append(j.key)
    return explained, contradicted


def _diagnose(
    judge: HandJudge,
    judgements: tuple[Judgement, ...],
    truth: Mapping[str, float],
    point: Mapping[str, float] | None,
) -> tuple[tuple[Diagnosis, ...], tuple[Diagnosis, ...]]:
    """The variants that reproduce every wrong number without contradicting a right one, best
    first; and, when there is none, the ones that reproduce some of them. `point` holds the
    inputs, targets and weights of a variant spec (None: the judge's own spec)."""
    wrong = [j for j in judgements if j.verdict is Verdict.WRONG]
    if not wrong:
        return (), ()
    rate = judge.learning_rate
    variants = judge.variants
    # the judged numbers, and what fitting a learning rate to the updates among them needs
    needed = {j.key for j in judgements}
    for j in judgements:
        if j.key.endswith("_new") or j.key.startswith("Δ"):
            name = j.key[: -len("_new")] if j.key.endswith("_new") else j.key[len("Δ") :]
            needed |= {name, f"dL/d{name}"}
    results: dict[frozenset[str], tuple[set[str], set[str]]] = {}
    found: list[tuple[int, Diagnosis]] = []
    for order, combination in enumerate(judge.combinations):
        plan = plan_of(combination)
        values = truth if not combination else variants.values(plan, point, keys=needed)
        candidates = [(combination, plan, values)]
        fitted = _fitted_rate(judgements, values, plan, rate)
        if fitted is not None:
            with_rate = (*combination, learning_rate_mistake(judge.network, fitted, rate))
            rate_plan = replace(plan, learning_rate=fitted)
            candidates.append(
                (with_rate, rate_plan, variants.values(rate_plan, point, keys=needed))
            )
        for mistakes, _, variant in candidates:
            if not mistakes:
                continue
            explained, contradicted = _reproduces(judgements, variant)
            # a mistake that changes nothing here (σ′ missing where σ′ = 1) explains nothing:
            # a number it "reproduces" is one it leaves at its true value
            explained = [
                k for k in explained if not math.isclose(variant[k], truth[k], rel_tol=1e-12)
            ]
            keys = frozenset(m.key for m in mistakes)
            results[keys] = (set(explained), set(contradicted))
            if _adds_nothing(keys, results):
                continue
            if not explained or len(contradicted) > len(explained):
                continue  # a variant that breaks more right numbers than it explains is no answer
            diagnosis = Diagnosis(
                mistakes=mistakes,
                explained=tuple(explained),
                contradicted=tuple(contradicted),
                values={k: variant[k] for k in explained},
                formulas_matched=(),
                total_wrong=len(wrong),
            )
            found.append((order, diagnosis))
    complete = sorted(
        (pair for pair in found if pair[1].complete),
        key=lambda pair: (len(pair[1].mistakes), pair[0]),
    )
    if complete:
        return tuple(d for _, d in complete[:MAX_DIAGNOSES]), ()
    # candidates that contradict numbers the student got right rank below those that do not
    partial = sorted(
        found,
        key=lambda pair: (
            bool(pair[1].contradicted),
            -len(pair[1].explained),
            len(pair[1].contradicted),
            len(pair[1].mistakes),
            pair[0],
        ),
    )
    return (), tuple(d for _, d in partial[:MAX_DIAGNOSES])


def _adds_nothing(
    keys: frozenset[str], results: Mapping[frozenset[str], tuple[set[str], set[str]]]
) -> bool:
    """A combination that explains no more, and contradicts no less, than a part of it alone."""
    explained, contradicted = results[keys]
    for part, (part_explained, part_contradicted) in results.items():
        if part < keys and part_explained >= explained and part_contradicted <= contradicted:
            return True
    return False


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."
