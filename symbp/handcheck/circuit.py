"""Judging a student's circuit homework: node values and gradients, written as lines
`q = 3`, `df/dq = -4` (or ∂f/∂q, or dq for the objective's gradient w.r.t. q).

Each number is judged as networks' check-hand judges one, under the one precision policy
(precision.py): right when the true value rounds to it at the decimals it is written to; a
number without decimals states no rounding, so `0` for −0.5 or for 0.0588 is "too few decimals",
never right. Node values are worked forward and gradients backward from the student's own
numbers (a gradient from their gradients of the user gates and their node values in each local
derivative), widened by the rounding those numbers state: a number that this gives from their
own right numbers is right (rounding carried), one that it gives from an earlier wrong number is
"carried". Otherwise the number is wrong, and the catalogue's mistakes are tried, each as the
number it produces:

- multiply_not_swapped: a multiply gate's local gradient taken as the input's own value;
- fan_out_not_added: a value used in several places given only one of its terms;
- wrong_local_value: a one-input gate's local derivative evaluated with its input and output
  values exchanged (σ′ as z(1 − z) instead of σ(1 − σ));
- subtraction_sign_lost: a subtraction's second input given +upstream instead of −upstream.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from symbp.core.circuit import CircuitDerivation
from symbp.core.operations import MULTIPLY, SUBTRACT
from symbp.errors import FormulaError, HandInputError
from symbp.handcheck.floats import float_value
from symbp.handcheck.formula import MAX_NUMBER_CHARS
from symbp.handcheck.hand_input import parse_plain
from symbp.handcheck.precision import Precision, half_unit

#: float slack of a comparison, relative to the true value's size (at least 1)
RELATIVE_SLACK = 1e-9
MAX_LINES = 500
MAX_FILE_BYTES = 100_000

RIGHT, CARRIED_ERROR, WRONG = "right", "carried", "wrong"
TOO_FEW = "too few decimals"
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


def read_hand_lines(
    text: str, objective: str, nodes: tuple[str, ...]
) -> list[tuple[str, str, bool, str]]:
    """(as written, node, is a gradient, number text) for each line: `q` is a node's value;
    `df/dq`, `∂f/∂q` and `dq` (when dq is not itself a node) its gradient. Read by networks'
    reader (hand_input.parse_plain), so every spelling it accepts is accepted here: `:` or `≈`
    for `=`, full-width characters, a leading ≈, a trailing `(rounded)`, a working chain
    `df/dz = -1 × 0.1175 = -0.1175` (its last number is the answer), and a quantity given twice
    is refused in one line."""
    if len(text.splitlines()) > MAX_LINES:
        raise HandInputError(f"the hand calculation has more than {MAX_LINES} lines")
    hand = parse_plain(text, "the hand calculation")
    leibniz = re.compile(rf"[d∂]{re.escape(objective)}/[d∂]([A-Za-z][A-Za-z0-9_]*)")
    found = []
    for entry in hand.entries:
        name = "".join(entry.name.split())
        where = f"line {entry.line}" if entry.line else repr(name)
        value = entry.number.text if entry.number is not None else _form(entry.formula, where)
        if value is None:
            raise HandInputError(
                f"{where}: {name} is given no number: write a decimal such as -0.25 or 1.5e-3, "
                "or a fraction such as -1/3 (its value last)"
            )
        if len(value) > MAX_NUMBER_CHARS:
            raise HandInputError(f"{where}: {value[:40]!r} is too long for a number")
        partial = leibniz.fullmatch(name)
        if partial is not None:
            found.append((name, partial.group(1), True, value))
        elif name not in nodes and name[:1] in "d∂" and name[1:] in nodes:
            found.append((name, name[1:], True, value))
        else:
            found.append((name, name, False, value))
    return found


#: what a circuit's homework may give besides a plain number (the self-check page reads the
#: same, symbp/data/selfcheck_shared.js): a fraction of whole numbers, -1/3, which states no
#: rounding; a power of ten written out, 1.5×10^-3 (read as 1.5e-3)
_FRACTION = re.compile(r"^([+-]?)\s*(\d{1,15})\s*/\s*(\d{1,15})$")
_TIMES_TEN = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))\s*[×x*·]\s*10\s*\^\s*\(?([+-]?\d{1,3})\)?$")


def _form(formula: str | None, where: str) -> str | None:
    """A fraction as written, or a power of ten as a plain number; None for anything else."""
    text = (formula or "").strip()
    power = _TIMES_TEN.match(text)
    if power:
        return f"{power.group(1)}e{power.group(2)}"
    fraction = _FRACTION.match(text)
    if fraction is None:
        return None
    if int(fraction.group(3)) == 0:
        raise HandInputError(f"{where}: {text} divides by zero")
    return text


def _written(text: str) -> tuple[float, int | None]:
    """A written number's value and the decimals it states (None: a fraction, exact)."""
    fraction = _FRACTION.match(text)
    if fraction is None:
        return float(text), _decimals(text)
    sign, top, bottom = fraction.groups()
    return (-1.0 if sign == "-" else 1.0) * int(top) / int(bottom), None


def _decimals(text: str) -> int:
    """The decimals a number states (precision.py rule 1): 0.0346 -> 4, 3.46e-2 -> 4, 12 -> 0."""
    mantissa, _, exponent = text.lower().partition("e")
    _, _, fraction = mantissa.partition(".")
    return len(fraction) - (int(exponent) if exponent else 0)


def _slack(value: float) -> float:
    return RELATIVE_SLACK * max(1.0, abs(value))


def _propagate(
    function: Callable[[dict[str, float]], float],
    parents: tuple[str, ...],
    center: dict[str, float],
    radius: dict[str, float],
) -> tuple[float, float]:
    """`function` at the student's own numbers, and how far their stated rounding moves it."""
    value = function(center)
    if not math.isfinite(value):
        return value, 0.0
    spread = 0.0
    for parent in parents:
        r = radius.get(parent, 0.0)
        if r == 0:
            continue
        moved = 0.0
        for step in (r, -r):
            shifted = dict(center)
            shifted[parent] += step
            change = abs(function(shifted) - value)
            moved = max(moved, change if math.isfinite(change) else math.inf)
        spread += moved
    return value, spread


def judge(
    derivation: CircuitDerivation, text: str, precision: Precision | None = None
) -> CircuitHandReport:
    """The student's numbers judged against the derivation under the one precision policy
    (precision.py), each also against what the student's own earlier numbers give, mistakes
    named. Node values are worked forward, then gradients backward, as the sweep does."""
    precision = precision or Precision()
    circuit = derivation.circuit
    graph = circuit.graph
    objective = circuit.names[circuit.root]
    nodes = {name: symbol for symbol, name in circuit.names.items()}
    rows = read_hand_lines(text, objective, tuple(nodes))
    for written_name, node, _, _ in rows:
        if node not in nodes:
            known = ", ".join(circuit.names.values())
            raise HandInputError(f"{written_name}: {node} is not a node (nodes: {known})")
    written: dict[str, str] = {}
    for written_name, node, gradient, value in rows:
        if _key(node, gradient) in written:  # df/dq and dq: one quantity in two spellings
            raise HandInputError(
                f"{written_name}: {node}'s {'gradient' if gradient else 'value'} is given twice"
            )
        written[_key(node, gradient)] = value
    names = circuit.names
    center: dict[str, float] = {}
    radius: dict[str, float] = {}
    roots: dict[str, tuple[str, ...]] = {}  # the wrong numbers behind a key's own-number value
    found: dict[str, tuple[str, str]] = {}

    def step(
        key: str,
        true_value: float,
        function: Callable[[dict[str, float]], float] | None,
        parents: tuple[str, ...],
        facts: Callable[[], tuple[UseFacts, ...]] | None = None,
    ) -> None:
        if function is None:
            expected, spread = true_value, 0.0
        else:
            expected, spread = _propagate(function, parents, center, radius)
        behind = tuple(dict.fromkeys(r for p in parents for r in roots.get(p, ())))
        if key not in written:
            center[key], radius[key] = expected, spread
            if behind:
                roots[key] = behind
            return
        number = written[key]
        value, decimals = _written(number)
        half, slack = (0.0 if decimals is None else half_unit(decimals)), _slack(true_value)
        center[key], radius[key] = value, half
        consistent = abs(value - expected) <= spread + half + slack
        mistake = ""
        if behind and consistent and abs(value - true_value) > half + slack:
            verdict = CARRIED_ERROR  # what the student's own earlier wrong numbers give
        elif precision.too_few(decimals, value, true_value, slack):
            verdict = TOO_FEW
        elif abs(value - true_value) <= half + slack or precision.within_minimum(
            value, true_value, slack
        ):
            verdict = RIGHT  # to its precision (rule 1) or within the teacher's minimum (rule 3)
        elif consistent and not behind:
            verdict = RIGHT  # rounding carried from the student's own right numbers (rule 4)
        else:
            verdict = WRONG
            if facts is not None:
                mistake = _mistake(facts(), center, value, spread + half + slack)
        if verdict in (WRONG, TOO_FEW):
            roots[key] = behind or (key,)
        elif verdict == CARRIED_ERROR:
            roots[key] = behind
        found[key] = (verdict, mistake)

    for symbol, gate in graph.nodes.items():  # forward: the node values
        definition = gate.definition
        value_function = None
        if definition is not None:
            value_function = _at_student(definition, nodes)
        step(
            _key(names[symbol], False),
            circuit.values[symbol],
            value_function,
            tuple(_key(names[s], False) for s in gate.inputs),
        )
    for symbol in reversed(list(graph.nodes)):  # backward: the gradients
        key = _key(names[symbol], True)
        if symbol == circuit.root:
            step(key, derivation.gradients[symbol], None, ())
            continue
        uses = derivation.contributions.get(symbol, ())
        parents = tuple(
            dict.fromkeys(
                [_key(names[u.user], True) for u in uses]
                + [_key(names[s], False) for u in uses for s in _symbols(u.local) if s in names]
            )
        )
        step(
            key,
            derivation.gradients[symbol],
            _gradient_at_student(tuple((names[u.user], u.local) for u in uses), nodes),
            parents,
            functools.partial(use_facts, derivation, symbol),
        )
    verdicts = []
    for written_name, node, gradient, value in rows:
        symbol = nodes[node]
        expected = derivation.gradients[symbol] if gradient else circuit.values[symbol]
        verdict, mistake = found[_key(node, gradient)]
        verdicts.append(
            CircuitVerdict(
                written_name, node, gradient, _written(value)[0], expected, verdict, mistake, value
            )
        )
    return CircuitHandReport(tuple(verdicts))


def _key(node: str, gradient: bool) -> str:
    return ("d:" if gradient else "v:") + node


def _symbols(expr: sp.Expr) -> list[sp.Symbol]:
    return sorted((s for s in expr.free_symbols if isinstance(s, sp.Symbol)), key=str)


def _values_of(point: dict[str, float], symbols: dict[str, sp.Symbol]) -> dict[sp.Symbol, float]:
    return {symbols[k[2:]]: v for k, v in point.items() if k.startswith("v:")}


def _at_student(
    definition: sp.Expr, symbols: dict[str, sp.Symbol]
) -> Callable[[dict[str, float]], float]:
    def value(point: dict[str, float]) -> float:
        return _float(definition, _values_of(point, symbols))

    return value


def _gradient_at_student(
    uses: tuple[tuple[str, sp.Expr], ...], symbols: dict[str, sp.Symbol]
) -> Callable[[dict[str, float]], float]:
    def value(point: dict[str, float]) -> float:
        values = _values_of(point, symbols)
        return sum(point[_key(user, True)] * _float(local, values) for user, local in uses)

    return value


def _float(expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
    try:
        return float_value(expr, values)
    except (FormulaError, ArithmeticError, ValueError):
        return math.nan


def _mistake(
    uses: tuple[UseFacts, ...], center: dict[str, float], written: float, tolerance: float
) -> str:
    """The catalogue's mistake whose number, from the student's own gradients of the user gates
    (else the true ones), is the one written."""
    upstream = [center[_key(use.user, True)] for use in uses]
    terms = [u * use.local for u, use in zip(upstream, uses, strict=True)]
    for mistake, candidate in candidates(uses, upstream, terms):
        if abs(written - candidate) <= tolerance:
            return mistake
    return ""


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
        if use.position is not None:  # one of the gate's several uses of it (c - c)
            subtracted = gate.operation is SUBTRACT and use.position == len(gate.args) - 1
        else:
            subtracted = (
                gate.operation is SUBTRACT and gate.args[-1] == symbol and gate.args[0] != symbol
            )
        swapped = None
        if len(gate.args) == 1:
            exchanged = use.local.xreplace({symbol: use.user, use.user: symbol})
            try:
                local = float(exchanged.xreplace(exact).evalf(30))
            except TypeError:  # not a real number at the exchanged values
                local = use.local_value
            swapped = None if local == use.local_value else local
        found.append(UseFacts(circuit.names[use.user], use.local_value, own, subtracted, swapped))
    return tuple(found)


def candidates(
    uses: tuple[UseFacts, ...], upstream: list[float], terms: list[float]
) -> list[tuple[str, float]]:
    """Each catalogue mistake's number for a node's gradient, in the order they are tried."""
    found: list[tuple[str, float]] = []
    if len(uses) > 1:
        found += [("fan_out_not_added", term) for term in terms]
    if len(uses) > 2:  # all the terms but one added (x·x + x: one x of the product left out)
        found += [("fan_out_not_added", sum(terms) - term) for term in terms]
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
