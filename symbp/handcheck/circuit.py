"""Judging a student's circuit homework: node values and gradients, written as lines
`q = 3`, `df/dq = -4` (or ∂f/∂q, or dq for the objective's gradient w.r.t. q).

Each number is right when it agrees with the true value at the precision it was written to, or
within 1% (rounding carried from earlier steps). A wrong gradient is also recomputed from the
student's own gradients of the gates above it: if it agrees, the error was carried, not made
here. Otherwise the catalogue's mistakes are tried, each as the number it produces:

- multiply_not_swapped: a multiply gate's local gradient taken as the input's own value;
- fan_out_not_added: a value used in several places given only one of its terms;
- wrong_local_value: a one-input gate's local derivative evaluated with its input and output
  values exchanged (σ′ as z(1 − z) instead of σ(1 − σ));
- subtraction_sign_lost: a subtraction's second input given +upstream instead of −upstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from symbp.core.circuit import CircuitDerivation
from symbp.core.operations import MULTIPLY, SUBTRACT
from symbp.errors import HandInputError
from symbp.handcheck.formula import MAX_NUMBER_CHARS

#: relative agreement allowed for rounding carried from earlier steps
CARRIED = 0.01
MAX_LINES = 500
MAX_FILE_BYTES = 100_000

RIGHT, CARRIED_ERROR, WRONG = "right", "carried", "wrong"
#: the catalogue, in the order its mistakes are tried
MISTAKES = (
    "fan_out_not_added",
    "multiply_not_swapped",
    "subtraction_sign_lost",
    "wrong_local_value",
)


@dataclass(frozen=True)
class CircuitVerdict:
    """One number the student wrote, judged."""

    name: str  # as written: q, df/dq
    node: str  # the node's plain name
    gradient: bool
    written: float
    expected: float
    verdict: str  # right, carried, wrong
    mistake: str = ""  # the catalogue's name of the mistake that reproduces the number
    text: str = ""  # the number as written


@dataclass(frozen=True)
class CircuitHandReport:
    verdicts: tuple[CircuitVerdict, ...]

    @property
    def all_right(self) -> bool:
        return all(v.verdict == RIGHT for v in self.verdicts)


_NUMBER = r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def read_hand_lines(
    text: str, objective: str, nodes: tuple[str, ...]
) -> list[tuple[str, str, bool, str]]:
    """(as written, node, is a gradient, number text) for each line `name = number`: `q` is a
    node's value; `df/dq`, `∂f/∂q` and `dq` (when dq is not itself a node) its gradient."""
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise HandInputError(f"the hand calculation has more than {MAX_LINES} lines")
    leibniz = re.compile(rf"[d∂]{re.escape(objective)}/[d∂]([A-Za-z][A-Za-z0-9_]*)")
    found = []
    for number, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(rf"(\S+)\s*=\s*({_NUMBER})", line)
        if match is None or len(match.group(2)) > MAX_NUMBER_CHARS:
            raise HandInputError(f"line {number} is not 'name = number': {line[:40]!r}")
        name, value = match.groups()
        value = value.replace("−", "-")
        partial = leibniz.fullmatch(name)
        if partial is not None:
            found.append((name, partial.group(1), True, value))
        elif name not in nodes and name[:1] in "d∂" and name[1:] in nodes:
            found.append((name, name[1:], True, value))
        else:
            found.append((name, name, False, value))
    return found


def _half_unit(text: str) -> float:
    mantissa, _, exponent = text.lower().partition("e")
    _, _, fraction = mantissa.partition(".")
    decimals = len(fraction) - (int(exponent) if exponent else 0)
    return 0.5 * 10.0 ** (-decimals)


def _agrees(written: float, half_unit: float, value: float) -> bool:
    return abs(written - value) <= half_unit + 1e-12 or abs(written - value) <= CARRIED * abs(value)


def judge(derivation: CircuitDerivation, text: str) -> CircuitHandReport:
    """The student's numbers judged against the derivation, mistakes named."""
    circuit = derivation.circuit
    objective = circuit.names[circuit.root]
    nodes = {name: symbol for symbol, name in circuit.names.items()}
    rows = read_hand_lines(text, objective, tuple(nodes))
    for written_name, node, _, _ in rows:
        if node not in nodes:
            known = ", ".join(circuit.names.values())
            raise HandInputError(f"{written_name}: {node} is not a node (nodes: {known})")
    student = {node: float(value) for _, node, gradient, value in rows if gradient}
    verdicts = []
    for written_name, node, gradient, value in rows:
        symbol = nodes[node]
        written = float(value)
        half = _half_unit(value)
        expected = derivation.gradients[symbol] if gradient else circuit.values[symbol]
        if _agrees(written, half, expected):
            verdict, mistake = RIGHT, ""
        elif gradient:
            verdict, mistake = _diagnose(derivation, symbol, written, half, student)
        else:
            verdict, mistake = WRONG, ""
        verdicts.append(
            CircuitVerdict(written_name, node, gradient, written, expected, verdict, mistake, value)
        )
    return CircuitHandReport(tuple(verdicts))


@dataclass(frozen=True)
class UseFacts:
    """What the catalogue needs of one use of a node (the self-check page carries these
    sealed, and judges with them exactly as here): the user gate, the true local gradient, the
    node's own value where the user is a two-input multiply (the unswapped gradient), whether
    the node is a subtraction's second input, and the local gradient at exchanged input and
    output values where that differs (a one-input gate)."""

    user: str
    local: float
    multiply_own: float | None
    subtracted: bool
    swapped: float | None


def use_facts(derivation: CircuitDerivation, symbol: sp.Symbol) -> tuple[UseFacts, ...]:
    circuit = derivation.circuit
    exact = {s: sp.Float(v, 30) for s, v in circuit.values.items()}
    found = []
    for use in derivation.contributions.get(symbol, ()):
        gate = circuit.gate(use.user)
        assert gate is not None
        own = None
        if gate.operation is MULTIPLY and len(gate.args) == 2:
            own = circuit.values[symbol]
        subtracted = (
            gate.operation is SUBTRACT and gate.args[-1] == symbol and gate.args[0] != symbol
        )
        swapped = None
        if len(circuit.graph.nodes[use.user].inputs) == 1:
            exchanged = use.local.xreplace({symbol: use.user, use.user: symbol})
            try:
                local = float(exchanged.xreplace(exact).evalf(30))
            except TypeError:  # not a real number at the exchanged values
                local = use.local_value
            swapped = None if local == use.local_value else local
        found.append(UseFacts(circuit.names[use.user], use.local_value, own, subtracted, swapped))
    return tuple(found)


def _diagnose(
    derivation: CircuitDerivation,
    symbol: sp.Symbol,
    written: float,
    half: float,
    student: dict[str, float],
) -> tuple[str, str]:
    uses = use_facts(derivation, symbol)
    gradients = {derivation.circuit.names[s]: g for s, g in derivation.gradients.items()}
    return diagnose(uses, gradients, written, half, student)


def diagnose(
    uses: tuple[UseFacts, ...],
    gradients: dict[str, float],
    written: float,
    half: float,
    student: dict[str, float],
) -> tuple[str, str]:
    """A wrong gradient's verdict (carried, or wrong with the catalogue's mistake that
    reproduces it); `gradients` the true ones and `student` the student's, by node name."""
    # the gradient of each user gate as the student has it (their number), else the true one
    upstream = [student.get(use.user, gradients[use.user]) for use in uses]
    terms = [u * use.local for u, use in zip(upstream, uses, strict=True)]
    if uses and _agrees(written, half, sum(terms)):
        return CARRIED_ERROR, ""
    for mistake, candidate in candidates(uses, upstream, terms):
        if _agrees(written, half, candidate):
            return WRONG, mistake
    return WRONG, ""


def candidates(
    uses: tuple[UseFacts, ...], upstream: list[float], terms: list[float]
) -> list[tuple[str, float]]:
    """Each catalogue mistake's number for a node's gradient, in the order they are tried."""
    found: list[tuple[str, float]] = []
    if len(uses) > 1:
        found += [("fan_out_not_added", term) for term in terms]
    for index, use in enumerate(uses):
        others = sum(terms) - terms[index]
        if use.multiply_own is not None:
            found.append(("multiply_not_swapped", others + upstream[index] * use.multiply_own))
        if use.subtracted:
            found.append(("subtraction_sign_lost", others - terms[index]))
        if use.swapped is not None:
            found.append(("wrong_local_value", others + upstream[index] * use.swapped))
    return found


def read_hand_file(path: str | Path) -> str:
    from symbp.files import read_small_text

    return read_small_text(Path(path), MAX_FILE_BYTES, HandInputError, f"file {str(path)!r}")
