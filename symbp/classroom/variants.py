"""Each student's variant of one network: their own inputs, targets and weights, drawn as nice
numbers, and redrawn when they would make a poor exercise.

A student's numbers come from a random stream seeded by the exercise's seed and the student's
id alone (SHA-256 of both), so regenerating a class gives every student the same numbers, and a
student's variant does not depend on the roster's order or on who else is in it, with one
exception: a draw too similar to another student's variant is redrawn, the students being
visited in the order of their streams' hashes, so a student whose first good draw resembled the
variant of a student earlier in that order has a later draw of their own stream (the exercise's
summary names them).

Every number is drawn uniformly from the teacher's range at the given decimals, never 0 (a zero
input or weight silences a path). A draw is rejected when
- an asked quantity, or any weight's gradient, rounds to 0 at the asked decimals (a student's
  "0.0000" states no precision, and a vanishing gradient teaches nothing);
- a sigmoid or tanh unit saturates: its σ′ = a(1 − a) (tanh: 1 − a²) is below 0.01;
- a relu or leaky relu unit's z lies within ten half-units of the asked decimals of the kink,
  where rounding carried by hand could put it on the other side;
- two asked quantities coincide at the asked decimals (a swap could not be told), except a
  unit's own z, a, ∂L/∂a and δ where a piecewise-linear activation makes them equal;
- at least half of the given numbers equal, place by place, another student's.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from symbp.classroom.asked import asked_keys
from symbp.classroom.csvfiles import Student
from symbp.core.functions import Activation
from symbp.core.operations import LOSSES, SGD, activation_info, cancels, loss_info
from symbp.core.spec import MAX_TITLE_LENGTH, NetworkSpec
from symbp.errors import SymbpError
from symbp.handcheck.judge import HandJudge

#: draws tried per student before giving up
MAX_DRAWS = 400
#: σ′ below this is a saturated unit
MIN_SLOPE = 0.01
#: a relu unit's |z| must be at least this many half-units of the asked decimals
KINK_HALF_UNITS = 10
#: losses whose targets are drawn: numbers in --targets' range, or for cross-entropy a class
#: (one of the outputs, each equally likely)
DRAWN_LOSSES = tuple(loss.name for loss in LOSSES if loss.drawn)


@dataclass(frozen=True)
class Range:
    """Where a kind of given number is drawn from (both ends included)."""

    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.low:g}:{self.high:g}"


def parse_range(text: str, option: str) -> Range:
    """LO:HI (or LO..HI) as typed on the command line."""
    cleaned = text.strip().replace("..", ":").replace("−", "-")
    low_text, colon, high_text = cleaned.partition(":")
    try:
        if not colon:
            raise ValueError
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise SymbpError(f"{option} must be LO:HI, e.g. {option}=-1:1, not {text!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)) or max(abs(low), abs(high)) > 1000:
        raise SymbpError(f"{option}: the range's ends must be numbers from -1000 to 1000")
    if low >= high:
        raise SymbpError(f"{option}: the low end {low:g} must be below the high end {high:g}")
    return Range(low, high)


@dataclass(frozen=True)
class Settings:
    """How a class's variants are drawn and what they ask."""

    seed: int = 0
    ask: tuple[str, ...] = ()  # groups or names; () is the default (asked.DEFAULT_ASK)
    decimals: int = 1  # of the given numbers
    answer_decimals: int = 4  # the precision the answers are asked to
    #: the fewest decimals a number may be written to (handcheck/precision.py); None: the
    #: answer decimals
    min_decimals: int | None = None
    inputs: Range = Range(0.1, 1.0)
    targets: Range = Range(0.0, 1.0)
    weights: Range = Range(-1.0, 1.0)

    def __post_init__(self) -> None:
        if not 1 <= self.decimals <= 3:
            raise SymbpError(f"--decimals must be 1, 2 or 3, not {self.decimals}")
        if not 2 <= self.answer_decimals <= 8:
            raise SymbpError(f"--answer-decimals must be from 2 to 8, not {self.answer_decimals}")
        if self.min_decimals is not None and not 0 <= self.min_decimals <= self.answer_decimals:
            raise SymbpError(
                f"--min-decimals must be from 0 to the answer decimals ({self.answer_decimals}), "
                f"not {self.min_decimals}"
            )
        if not 0 <= self.seed < 2**63:
            raise SymbpError(f"--seed must be a whole number from 0 to 2^63 - 1, not {self.seed}")
        for option, span in (("--inputs", self.inputs), ("--targets", self.targets)):
            _choices(span, self.decimals, option)
        _choices(self.weights, self.decimals, "--weights")

    @property
    def half_unit(self) -> float:
        return 0.5 * 10.0 ** (-self.answer_decimals)

    @property
    def minimum_decimals(self) -> int:
        """The fewest decimals a right number may be written to (precision.py, rule 3)."""
        return self.answer_decimals if self.min_decimals is None else self.min_decimals


@dataclass(frozen=True)
class Variant:
    """One student's exercise: their spec and the true value of every asked quantity."""

    student: Student
    spec: NetworkSpec
    answers: dict[str, float]  # asked key -> true value, in asked order
    draws: int = 1  # how many draws it took
    similar_redraws: int = 0  # of which rejected as too similar to another student's


@dataclass(frozen=True)
class ClassVariants:
    """Every student's variant of one network, and what was asked."""

    base: NetworkSpec
    settings: Settings
    asked: tuple[str, ...]
    variants: tuple[Variant, ...]
    rejections: dict[str, int] = field(default_factory=dict)  # reason -> draws rejected


def draw_variants(
    base: NetworkSpec, students: Sequence[Student], settings: Settings, judge: HandJudge
) -> ClassVariants:
    """A variant per student (in the students' order), `judge` being `base`'s HandJudge (its
    compiled network evaluates every draw)."""
    _check_supported(base, settings)
    asked = asked_keys(judge.table, settings.ask)
    order = sorted(students, key=lambda s: _stream_seed(settings.seed, s.id))
    placed: list[dict[tuple[int, int], set[int]]] = []  # per position: value -> variants
    accepted: dict[str, Variant] = {}
    rejections: Counter[str] = Counter()
    for number, student in enumerate(order):
        variant = _draw_one(base, student, settings, judge, asked, placed, rejections)
        for position, value in enumerate(_given_numbers(variant.spec, settings)):
            if position == len(placed):
                placed.append({})
            placed[position].setdefault((position, value), set()).add(number)
        accepted[student.id] = variant
    return ClassVariants(
        base,
        settings,
        asked,
        tuple(accepted[s.id] for s in students),
        dict(sorted(rejections.items())),
    )


def _check_supported(base: NetworkSpec, settings: Settings) -> None:
    if len(base.samples) != 1:
        raise SymbpError("symbp exercise draws one sample per student: give a one-sample spec")
    if not base.optimizer.is_plain_sgd:
        # the keys, sheets, student specs, check-hand and Moodle all judge w − η·∂L/∂w; a key
        # whose handout steps by another optimizer would contradict its own key.csv
        raise SymbpError(
            "symbp exercise asks plain gradient-descent updates (w − η·∂L/∂w), not "
            f"{_optimizer_words(base)}: remove the spec's [optimizer] table"
        )
    if base.loss not in DRAWN_LOSSES:
        raise SymbpError(
            f"symbp exercise draws targets for the losses {', '.join(DRAWN_LOSSES)}, not "
            f"{base.loss}"
        )
    if loss_info(base.loss).unit_targets and not (
        settings.targets.low >= 0 and settings.targets.high <= 1
    ):
        raise SymbpError("--targets: binary cross-entropy's targets must lie in 0:1")


def _optimizer_words(spec: NetworkSpec) -> str:
    optimizer = spec.optimizer
    if optimizer.name != SGD.name:
        return optimizer.name
    return "sgd with momentum or weight decay"


def _stream_seed(seed: int, student_id: str) -> bytes:
    return hashlib.sha256(f"symbp-exercise\0{seed}\0{student_id}".encode()).digest()


def _choices(span: Range, decimals: int, option: str) -> tuple[int, int]:
    """The range's ends in units of the last decimal; at least two nonzero values between."""
    scale = 10**decimals
    low, high = math.ceil(span.low * scale - 1e-9), math.floor(span.high * scale + 1e-9)
    if high - low + 1 - (low <= 0 <= high) < 2:
        raise SymbpError(
            f"{option} {span} holds fewer than two nonzero numbers of {decimals} "
            f"decimal{'s' * (decimals != 1)}"
        )
    return low, high


def _draw(rng: random.Random, span: Range, decimals: int) -> float:
    low, high = _choices(span, decimals, "")
    while True:
        units = rng.randint(low, high)
        if units:
            return units / 10**decimals


def _given_numbers(spec: NetworkSpec, settings: Settings) -> tuple[int, ...]:
    """The given numbers in units of the last decimal (exact integers to compare)."""
    scale = 10**settings.decimals
    return tuple(round(v * scale) for v in (*spec.inputs, *spec.targets, *spec.weights))


def _draw_one(
    base: NetworkSpec,
    student: Student,
    settings: Settings,
    judge: HandJudge,
    asked: tuple[str, ...],
    placed: list[dict[tuple[int, int], set[int]]],
    rejections: Counter[str],
) -> Variant:
    rng = random.Random(_stream_seed(settings.seed, student.id))
    title = _title(base.title, student.id)
    reasons: Counter[str] = Counter()
    similar = 0
    for attempt in range(1, MAX_DRAWS + 1):
        inputs = tuple(_draw(rng, settings.inputs, settings.decimals) for _ in base.inputs)
        classes: tuple[int, ...] | None = None
        if loss_info(base.loss).class_targets:
            classes = (rng.randrange(len(base.targets)),)
            targets = tuple(float(k == classes[0]) for k in range(len(base.targets)))
        else:
            targets = tuple(_draw(rng, settings.targets, settings.decimals) for _ in base.targets)
        weights = tuple(_draw(rng, settings.weights, settings.decimals) for _ in base.weights)
        spec = replace(
            base,
            title=title,
            inputs=inputs,
            targets=targets,
            weights=weights,
            target_classes=classes,
            weight_init="given",
        )
        values = _values(judge, spec)
        reason = poor_exercise(judge, values, asked, settings)
        if reason is None and _too_similar(_given_numbers(spec, settings), placed):
            reason = "too similar to another student's numbers"
            similar += 1
        if reason is None:
            rejections.update(reasons)
            answers = {key: values[key] for key in asked}
            return Variant(student, spec, answers, attempt, similar)
        reasons[reason] += 1
    common, times = reasons.most_common(1)[0]
    raise SymbpError(
        f"no good exercise for {student.id!r} in {MAX_DRAWS} draws ({times} had {common}): "
        "widen the ranges (--inputs, --targets, --weights) or ask fewer quantities"
    )


def _values(judge: HandJudge, spec: NetworkSpec) -> dict[str, float]:
    fixed_biases = judge.spec.parameters[len(judge.spec.weights) :]
    evaluation = judge.compiled.evaluate(spec.inputs, spec.targets, spec.weights + fixed_biases)
    return judge.table.values(evaluation)


def poor_exercise(
    judge: HandJudge, values: dict[str, float], asked: Sequence[str], settings: Settings
) -> str | None:
    """Why a draw would make a poor exercise, or None when it makes a good one."""
    decimals = settings.answer_decimals
    if not all(math.isfinite(values[key]) for key in asked):
        return "a value that is not finite"
    gradients = [q.key for q in judge.table.quantities if q.kind == "gradient"]
    # nll: every output but the target class's has ∂L/∂o = 0 by definition, whatever is drawn;
    # dropout: so has everything of a dropped unit
    spec = judge.network.spec
    by_definition = loss_info(spec.loss).zero_off_class or spec.dropout is not None
    for key in (*asked, *gradients):
        if by_definition and values[key] == 0.0:
            continue
        if round(values[key], decimals) == 0:
            return f"a quantity that rounds to 0 at {decimals} decimal{'s' * (decimals != 1)}"
    network = judge.network
    for layer in network.layers[1:]:
        for unit in layer:
            if unit.activation is None or not unit.activation.elementwise:
                continue
            info = activation_info(unit.activation.name)
            a = values[unit.a.name]
            z = values[unit.z.name] if unit.z is not None else math.nan
            if info.kink and abs(z) < KINK_HALF_UNITS * settings.half_unit:
                return "a relu unit's z at its kink"
            if not info.piecewise_linear and _slope(unit.activation, z, a) < MIN_SLOPE:
                return f"a saturated unit ({info.prime_stem}′ < {MIN_SLOPE:g})"
    seen: dict[float, str] = {}
    for key in asked:
        if by_definition and values[key] == 0.0:
            continue
        rounded = round(values[key], decimals)
        other = seen.get(rounded)
        if other is not None and not (
            _same_linear_unit(judge, other, key) or _bias_delta(judge, other, key)
        ):
            return "two asked quantities that coincide"
        seen.setdefault(rounded, key)
    return None


def _same_linear_unit(judge: HandJudge, first: str, second: str) -> bool:
    """Whether two keys are z, a, ∂L/∂a or δ of one unit that can be equal by definition, not
    by chance: a piecewise-linear unit's (or one that is z itself above 0, elu), or a softmax
    output's under cross-entropy (δ_j = o_j − y_j is o_j itself for every output but the
    target class)."""
    units = [_unit_of(judge, key) for key in (first, second)]
    if units[0] is None or units[0] != units[1]:
        return False
    unit = judge.network.units[units[0]]
    if unit.activation is None:
        return False
    info = activation_info(unit.activation.name)
    softmax_error = not info.elementwise and cancels(judge.network.spec.loss, info.name)
    return info.piecewise_linear or info.identity_above_zero or softmax_error


def _slope(activation: Activation, z: float, a: float) -> float:
    """f′ at this unit, from the textbook form the table gives (σ′ = a(1 − a))."""
    import sympy as sp

    return float(activation.derivative(sp.Float(z), sp.Float(a)))


def _bias_delta(judge: HandJudge, first: str, second: str) -> bool:
    """Whether the keys are a unit's own bias's gradient and its δ: ∂L/∂b = δ by definition."""
    biases = {b.name: b for b in judge.network.biases if b.trainable}
    for gradient, delta in ((first, second), (second, first)):
        bias = biases.get(gradient[len("dL/d") :]) if gradient.startswith("dL/d") else None
        if bias is not None and len(bias.targets) == 1 and delta == f"delta_{bias.targets[0].name}":
            return True
    return False


def _unit_of(judge: HandJudge, key: str) -> str | None:
    for prefix in ("z_", "delta_", "dL/d"):
        if key.startswith(prefix) and key[len(prefix) :] in judge.network.units:
            return key[len(prefix) :]
    return key if key in judge.network.units else None


def _too_similar(numbers: tuple[int, ...], placed: list[dict[tuple[int, int], set[int]]]) -> bool:
    """At least half of the given numbers equal another variant's, place by place."""
    if not placed:
        return False
    shared: Counter[int] = Counter()
    for position, value in enumerate(numbers):
        shared.update(placed[position].get((position, value), ()))
    return bool(shared) and max(shared.values()) * 2 >= len(numbers)


def _title(base_title: str, student_id: str) -> str:
    suffix = f" [{student_id}]"
    return base_title[: MAX_TITLE_LENGTH - len(suffix)] + suffix
