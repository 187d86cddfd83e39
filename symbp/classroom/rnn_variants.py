"""Each student's variant of a short recurrent sequence: their own inputs, targets and weights,
drawn as nice numbers, and redrawn when they would make a poor BPTT exercise.

A student's numbers come from a random stream seeded by the exercise's seed and the student's
id alone (SHA-256 of both, as for dense exercises), so regenerating a class gives every student
the same numbers whatever the roster's order. The shape of the network (steps, sizes,
activations, loss, which steps have a target, h₀ and which biases exist) is the base spec's;
every weight, bias, input and target is drawn uniformly from the teacher's range at the given
decimals, never 0. A draw is rejected when
- an asked number has an entry that rounds to 0 at the answer decimals;
- a tanh or sigmoid unit saturates at some step (f′(z_t) below 0.01), or a relu-like unit's z_t
  lies within ten half-units of the answer decimals of its kink;
- the path back through time does not show: dropping W_hhᵀ δ_{t+1} from some δ_t, or taking
  W_hh's gradient from the last step alone, would give the same numbers at the answer
  decimals (the catalogue's two classic mistakes could not be told from right answers) — but
  for two steps from h₀ = 0, whose first term δ_1 h₀ᵀ is 0 whatever the numbers;
- its given numbers are another student's.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from symbp.classroom.csvfiles import Student
from symbp.classroom.variants import Range
from symbp.core.operations import activation_info
from symbp.core.rnn_spec import W_HH, W_HY, W_XH, RnnSpec
from symbp.errors import SymbpError
from symbp.handcheck.recurrent import build, true_values

#: draws tried per student before giving up
MAX_DRAWS = 400
MIN_SLOPE = 0.01
KINK_HALF_UNITS = 10
#: how far (in half-units of the answer decimals) a mistake's number must be from the right one
VISIBLE_HALF_UNITS = 10
#: the longest sequence a hand exercise asks for
MAX_STEPS = 4
MAX_HIDDEN = 3


@dataclass(frozen=True)
class RnnSettings:
    seed: int = 0
    decimals: int = 1  # of the given numbers
    answer_decimals: int = 4
    inputs: Range = Range(-1.0, 1.0)
    targets: Range = Range(-1.0, 1.0)
    weights: Range = Range(-0.9, 0.9)


@dataclass(frozen=True)
class RnnVariant:
    student: Student
    spec: RnnSpec
    #: the asked quantities (check-hand's keys: h1, L, dz1, dW_hh, …) and their values
    answers: tuple[tuple[str, tuple[float, ...]], ...]
    draws: int  # how many draws it took


@dataclass(frozen=True)
class RnnClassVariants:
    base: RnnSpec
    settings: RnnSettings
    asked: tuple[str, ...]
    variants: tuple[RnnVariant, ...]
    rejections: dict[str, int]


def asked_keys(spec: RnnSpec) -> tuple[str, ...]:
    """What the worksheet asks: every h_t, L, every δ_t, and each shared weight's gradient."""
    steps = range(1, spec.n_steps + 1)
    return (
        *(f"h{t}" for t in steps),
        "L",
        *(f"dz{t}" for t in reversed(steps)),
        *(f"d{name}" for name in (W_XH, W_HH, W_HY)),
    )


def check_supported(base: RnnSpec) -> None:
    if base.n_sequences != 1:
        raise SymbpError("an RNN exercise is drawn for one sequence: the spec lists several")
    if not 2 <= base.n_steps <= MAX_STEPS:
        raise SymbpError(f"an RNN exercise has 2 to {MAX_STEPS} steps, not {base.n_steps}")
    if base.n_hidden > MAX_HIDDEN or base.n_inputs > 2 or base.n_outputs > 2:
        raise SymbpError(
            f"an RNN exercise by hand has at most {MAX_HIDDEN} hidden units and 2 inputs and "
            "outputs"
        )
    if base.target_classes is not None:
        raise SymbpError("an RNN exercise draws number targets, not class indices")


def _stream_seed(seed: int, student_id: str) -> bytes:
    return hashlib.sha256(f"symbp-rnn-exercise\0{seed}\0{student_id}".encode()).digest()


def _draw(rng: random.Random, span: Range, decimals: int) -> float:
    scale = 10**decimals
    low, high = round(span.low * scale), round(span.high * scale)
    if high - low < 2:
        raise SymbpError(
            f"the range {span} holds too few numbers of {decimals} decimal{'s' * (decimals != 1)}"
        )
    while True:
        units = rng.randint(low, high)
        if units:
            return units / scale


def _matrix(rng: random.Random, rows: int, columns: int, span: Range, decimals: int):
    return tuple(tuple(_draw(rng, span, decimals) for _ in range(columns)) for _ in range(rows))


def draw_spec(base: RnnSpec, rng: random.Random, settings: RnnSettings) -> RnnSpec:
    d = settings.decimals
    weights = (
        _matrix(rng, base.n_hidden, base.n_inputs, settings.weights, d),
        _matrix(rng, base.n_hidden, base.n_hidden, settings.weights, d),
        _matrix(rng, base.n_outputs, base.n_hidden, settings.weights, d),
    )
    biases = tuple(
        (name, tuple(_draw(rng, settings.weights, d) for _ in row)) for name, row in base.biases
    )
    inputs = _matrix(rng, base.n_steps, base.n_inputs, settings.inputs, d)
    targets = _matrix(rng, len(base.target_step_indices), base.n_outputs, settings.targets, d)
    return replace(base, weights=weights, biases=biases, sequences=(inputs,), targets=(targets,))


def poor_draw(spec: RnnSpec, settings: RnnSettings) -> str | None:
    """Why a drawn spec would make a poor exercise, or None."""
    graph = build(spec)
    truth = true_values(graph)
    half = 0.5 * 10.0**-settings.answer_decimals
    for key in asked_keys(spec):
        if np.any(np.abs(truth[key]) < half):
            return "an answer rounds to 0"
    cell = activation_info(spec.cell_activation)
    for t in range(1, spec.n_steps + 1):
        if cell.kink and np.any(np.abs(truth[f"z{t}"]) < KINK_HALF_UNITS * half):
            return "a unit at its kink"
        if not cell.piecewise_linear and np.any(np.abs(truth[f"local{t}"]) < MIN_SLOPE):
            return "a unit saturates"
    visible = VISIBLE_HALF_UNITS * half
    w_hh = np.array(spec.weight(W_HH), dtype=float)
    for t in range(1, spec.n_steps):
        through_time = (w_hh.T @ truth[f"dz{t + 1}"]) * truth[f"local{t}"]
        if np.max(np.abs(through_time)) < visible:
            return "the path through time does not show"
    last = truth[f"d{W_HH}@{spec.n_steps}"]
    # with h₀ = 0 and two steps the first term δ_1 h₀ᵀ is 0: the last term is the whole sum
    # whatever the numbers, and the exercise is still a good one
    structural = spec.n_steps == 2 and not any(spec.initial_states[0])
    if not structural and np.max(np.abs(truth[f"d{W_HH}"] - last)) < visible:
        return "the last step's term is the whole gradient"
    return None


def _given(spec: RnnSpec, decimals: int) -> tuple[int, ...]:
    scale = 10**decimals
    numbers = [v for matrix in spec.weights for row in matrix for v in row]
    numbers += [v for _, row in spec.biases for v in row]
    numbers += [v for row in spec.sequences[0] for v in row]
    numbers += [v for row in spec.targets[0] for v in row]
    return tuple(round(v * scale) for v in numbers)


def draw_rnn_variants(
    base: RnnSpec, students: Sequence[Student], settings: RnnSettings
) -> RnnClassVariants:
    """A variant per student (in the students' order)."""
    check_supported(base)
    asked = asked_keys(base)
    order = sorted(students, key=lambda s: _stream_seed(settings.seed, s.id))
    taken: set[tuple[int, ...]] = set()
    rejections: Counter[str] = Counter()
    accepted: dict[str, RnnVariant] = {}
    for student in order:
        rng = random.Random(_stream_seed(settings.seed, student.id))
        draws = 0
        for _ in range(MAX_DRAWS):
            draws += 1
            spec = replace(draw_spec(base, rng, settings), title=f"{base.title} ({student.id})")
            reason = poor_draw(spec, settings)
            given = _given(spec, settings.decimals)
            if reason is None and given in taken:
                reason = "another student's numbers"
            if reason is None:
                break
            rejections[reason] += 1
        else:
            common = ", ".join(reason for reason, _ in rejections.most_common(2))
            raise SymbpError(
                f"no good exercise for {student.id} in {MAX_DRAWS} draws (most often: {common}): "
                "widen the ranges"
            )
        taken.add(given)
        truth = true_values(build(spec))
        answers = tuple((key, tuple(float(v) for v in np.ravel(truth[key]))) for key in asked)
        accepted[student.id] = RnnVariant(student, spec, answers, draws)
    return RnnClassVariants(
        base,
        settings,
        asked,
        tuple(accepted[s.id] for s in students),
        dict(sorted(rejections.items())),
    )


def rnn_spec_toml(spec: RnnSpec) -> str:
    """A one-sequence spec as the TOML `load_rnn_spec` reads back to the same spec."""
    import json

    def row(values: Sequence[float]) -> str:
        return "[" + ", ".join(repr(float(v)) for v in values) + "]"

    def rows(matrix: Sequence[Sequence[float]]) -> str:
        return "[" + ", ".join(row(r) for r in matrix) + "]"

    weights = ", ".join(f"{name} = {rows(spec.weight(name))}" for name in (W_XH, W_HH, W_HY))
    lines = [
        f"title = {json.dumps(spec.title, ensure_ascii=False)}",
        f"layers = [{spec.n_inputs}, {{ rnn = {spec.n_hidden}, activation = "
        f'"{spec.cell_activation}" }}, {{ dense = {spec.n_outputs}, activation = '
        f'"{spec.output_activation}" }}]',
        f"inputs = {rows(spec.sequences[0])}",
        f"targets = {rows(spec.targets[0])}",
        f'target_steps = "{spec.target_steps}"',
        f"initial_state = {row(spec.initial_states[0])}",
        f"weights = {{ {weights} }}",
    ]
    if spec.biases:
        shown = ", ".join(f"{name} = {row(values)}" for name, values in spec.biases)
        lines.append(f"bias = {{ {shown} }}")
    lines += [f'loss = "{spec.loss}"', f'reduction = "{spec.reduction}"']
    for key, value in spec.parameters:
        lines.append(f"{key} = {json.dumps(value) if isinstance(value, str) else float(value)!r}")
    return "\n".join(lines) + "\n"


def key_rows(exercise: RnnClassVariants) -> list[list[str]]:
    """key.csv: a row per student, a column per asked number (a vector's entries apart)."""
    from symbp.handcheck.recurrent import build as build_graph

    shapes = {key: build_graph(exercise.base)[key].shape for key in exercise.asked}
    header = ["student"]
    for key in exercise.asked:
        size = int(np.prod(shapes[key])) if shapes[key] else 1
        header += [key] if size == 1 else [f"{key}[{i}]" for i in range(size)]
    table = [header]
    for variant in exercise.variants:
        cells = [variant.student.id]
        for _, values in variant.answers:
            cells += [repr(v) for v in values]
        table.append(cells)
    return table
