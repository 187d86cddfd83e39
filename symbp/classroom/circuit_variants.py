"""Each student's variant of one expression (a circuit): their own input values, drawn as nice
numbers from the teacher's range, and redrawn where they would make a poor exercise.

A student's numbers come from a random stream seeded by the exercise's seed and the student's
id alone (as for networks, symbp.classroom.variants), so regenerating a class gives every
student the same numbers whatever the roster's order. Every input is drawn uniformly from
--inputs at --decimals, never 0. A draw is rejected when
- a gate's input lies outside its operation's domain (the logarithm of a number that is not
  positive, a division by zero, a negative number to a fractional power);
- a node's value or gradient is larger than MAX_HAND_VALUE (not worked by hand);
- a gate sits within ten half-units of the asked decimals of its kink (relu or abs at 0, a tie
  of max or min), where the gradient is a matter of convention and rounding carried by hand
  could put it on the other side;
- a smooth one-input gate saturates (its local gradient below 0.01 in size);
- an asked quantity that is not exactly 0 rounds to 0 at the asked decimals (a student's
  "0.0000" states no precision); a gradient that is exactly 0 (max routing it elsewhere, relu
  blocking it) is the lesson, not a poor draw.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy as sp

from symbp.classroom.csvfiles import Student
from symbp.classroom.variants import KINK_HALF_UNITS, MAX_DRAWS, MIN_SLOPE, Range, Settings
from symbp.core.circuit import (
    Circuit,
    CircuitDerivation,
    CircuitError,
    derive_circuit,
    read_circuit,
)
from symbp.core.opgraph import Sweep, sweep
from symbp.core.spec import MAX_TITLE_LENGTH
from symbp.errors import SymbpError

#: the default range of a circuit's inputs (CS231n's examples are small numbers of both signs)
DEFAULT_INPUTS = Range(-2.0, 2.0)
#: a node's value or gradient beyond this is not an exercise worked by hand
MAX_HAND_VALUE = 1e4
#: the groups --ask knows for a circuit
ASK_GROUPS = ("values", "gradients", "inputs")


@dataclass(frozen=True)
class CircuitVariant:
    """One student's exercise: their circuit (its values drawn), derived, and the true value of
    every asked quantity."""

    student: Student
    derivation: CircuitDerivation
    answers: dict[str, float]  # asked key -> true value, in asked order
    draws: int = 1

    @property
    def circuit(self) -> Circuit:
        return self.derivation.circuit


@dataclass(frozen=True)
class CircuitClass:
    """Every student's variant of one expression, and what was asked."""

    base: Circuit
    settings: Settings
    asked: tuple[str, ...]
    variants: tuple[CircuitVariant, ...]
    rejections: dict[str, int] = field(default_factory=dict)  # reason -> draws rejected


def gradient_key(circuit: Circuit, symbol: sp.Symbol) -> str:
    """How check-hand reads the objective's gradient w.r.t. a node: df/dq."""
    return f"d{circuit.names[circuit.root]}/d{circuit.names[symbol]}"


def quantity_keys(circuit: Circuit) -> dict[str, tuple[sp.Symbol, bool]]:
    """Every quantity a circuit exercise can ask, key -> (node, is a gradient), in the order a
    sheet asks them: each gate's value in the forward order, then each node's gradient from
    the objective down (the gates backwards, then the inputs); the objective's own gradient
    (1) is not asked."""
    graph = circuit.graph
    gates = [g.symbol for g in circuit.gates if g.symbol in graph.nodes]
    found: dict[str, tuple[sp.Symbol, bool]] = {circuit.names[s]: (s, False) for s in gates}
    for symbol in (*reversed(gates), *circuit.inputs):
        if symbol != circuit.root:
            found[gradient_key(circuit, symbol)] = (symbol, True)
    return found


def asked_keys(circuit: Circuit, ask: Sequence[str]) -> tuple[str, ...]:
    """--ask for a circuit: groups (values, gradients, inputs: the inputs' gradients) or keys
    (q, df/dq); default: every gate's value and every node's gradient."""
    known = quantity_keys(circuit)
    if not ask:
        return tuple(known)
    chosen: list[str] = []
    for item in ask:
        if item == "values":
            keys = [k for k, (_, gradient) in known.items() if not gradient]
        elif item == "gradients":
            keys = [k for k, (_, gradient) in known.items() if gradient]
        elif item == "inputs":
            keys = [gradient_key(circuit, s) for s in circuit.inputs]
        elif item in known:
            keys = [item]
        else:
            from symbp.near import did_you_mean

            raise SymbpError(
                f"--ask: {item!r} is neither a group ({', '.join(ASK_GROUPS)}) nor a node's "
                f"value or gradient (such as {next(iter(known))}) of this expression"
                + did_you_mean(item, (*ASK_GROUPS, *known))
            )
        chosen += [k for k in keys if k not in chosen]
    return tuple(k for k in known if k in chosen)  # the sheet's order, whatever --ask's


def draw_circuit_variants(
    base: Circuit, students: Sequence[Student], settings: Settings
) -> CircuitClass:
    """A variant of `base` per student (in the students' order)."""
    asked = asked_keys(base, settings.ask)
    swept = sweep(base.graph)
    rejections: Counter[str] = Counter()
    variants = tuple(
        _draw_one(base, swept, student, settings, asked, rejections) for student in students
    )
    return CircuitClass(base, settings, asked, variants, dict(sorted(rejections.items())))


def _stream_seed(seed: int, student_id: str) -> bytes:
    return hashlib.sha256(f"symbp-circuit-exercise\0{seed}\0{student_id}".encode()).digest()


def _draw(rng: random.Random, span: Range, decimals: int) -> float:
    scale = 10**decimals
    low, high = math.ceil(span.low * scale - 1e-9), math.floor(span.high * scale + 1e-9)
    while True:
        units = rng.randint(low, high)
        if units:
            return units / scale


def _title(base: Circuit, student_id: str) -> str:
    suffix = f" [{student_id}]"
    stem = base.title or "; ".join(base.statements)
    return stem[: MAX_TITLE_LENGTH - len(suffix)] + suffix


def _draw_one(
    base: Circuit,
    swept: Sweep,
    student: Student,
    settings: Settings,
    asked: tuple[str, ...],
    rejections: Counter[str],
) -> CircuitVariant:
    rng = random.Random(_stream_seed(settings.seed, student.id))
    names = [base.names[s] for s in base.inputs]
    title = _title(base, student.id)
    reasons: Counter[str] = Counter()
    for attempt in range(1, MAX_DRAWS + 1):
        values = {name: _draw(rng, settings.inputs, settings.decimals) for name in names}
        try:
            circuit = read_circuit(base.expression, values, title)
        except CircuitError:
            reasons["a value outside an operation's domain"] += 1
            continue
        derivation = derive_circuit(circuit, swept)
        keys = quantity_keys(circuit)
        answers = {
            key: (derivation.gradients if keys[key][1] else circuit.values)[keys[key][0]]
            for key in asked
        }
        reason = poor_circuit(derivation, answers, settings)
        if reason is None:
            rejections.update(reasons)
            return CircuitVariant(student, derivation, answers, attempt)
        reasons[reason] += 1
    common, times = reasons.most_common(1)[0]
    raise SymbpError(
        f"no good exercise for {student.id!r} in {MAX_DRAWS} draws ({times} had {common}): "
        "change the range with --inputs (e.g. --inputs 0.5:3 keeps logarithms defined) or "
        "the expression"
    )


def poor_circuit(
    derivation: CircuitDerivation, answers: dict[str, float], settings: Settings
) -> str | None:
    """Why a drawn circuit would make a poor exercise, or None when it makes a good one."""
    circuit = derivation.circuit
    numbers = [*circuit.values.values(), *derivation.gradients.values()]
    if not all(math.isfinite(v) and abs(v) <= MAX_HAND_VALUE for v in numbers):
        return "a number too large to work by hand"
    near = KINK_HALF_UNITS * settings.half_unit
    for gate in circuit.gates:
        if gate.symbol not in circuit.graph.nodes:
            continue
        args = [circuit.values[a] if isinstance(a, sp.Symbol) else a for a in gate.args]
        if gate.operation.kink:
            at = args[0] - args[1] if len(args) == 2 else args[0]
            if abs(at) < near:
                return "a gate at its kink (relu or abs at 0, a tie of max or min)"
        elif len(gate.args) == 1 and not gate.operation.piecewise_linear:
            for use in derivation.contributions.get(gate.args[0], ()):
                if use.user == gate.symbol and abs(use.local_value) < MIN_SLOPE:
                    return f"a saturated gate (local gradient below {MIN_SLOPE:g})"
    decimals = settings.answer_decimals
    for value in answers.values():
        if value != 0 and round(value, decimals) == 0:
            return f"a quantity that rounds to 0 at {decimals} decimal{'s' * (decimals != 1)}"
    return None
