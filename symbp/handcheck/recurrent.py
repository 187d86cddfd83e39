"""Judging a student's BPTT homework for a short sequence: the numbers of the forward pass
(z_t, h_t, y_t, L_t, L), of the backward pass (∂L/∂y_t, ∂L/∂h_t, f′(z_t), δ_t = ∂L/∂z_t) and
each shared weight's gradient, in total or one step's term (dL/dW_hh|t=2), written as lines
`name = number` (a vector `[0.1, 0.2]`, a matrix `[[…], […]]`), the way students write them.

Each quantity is computed from the ones before it, as a small graph. A number is judged as the
dense judge does (handcheck/precision.py): right when the true value rounds to it; right to its
precision when it follows from the student's own earlier right numbers within the rounding they
state (carried rounding); "carried" when it follows from an earlier wrong number; otherwise
wrong, and the error entered there. A wrong number is tried against the catalogue, each mistake
as the number it produces from the student's own earlier numbers:

- last_step_only: a shared weight's gradient taken from the last step's term alone;
- recurrent_path_dropped: δ_t or ∂L/∂h_t without W_hhᵀ δ_{t+1} (the path back through time),
  or a weight's gradient summed from such δs;
- output_path_dropped: ∂L/∂h_t or δ_t without W_hyᵀ ∂L/∂o_t (a step's own output);
- state_step_shifted: W_hh's gradient summed as δ_t h_tᵀ instead of δ_t h_{t−1}ᵀ;
- wrong_local_value: f′ evaluated with z_t and h_t exchanged (tanh′ as 1 − z² for 1 − h²);
- previous_state_dropped: h_t computed without W_hh h_{t−1};
- activation_not_applied: h_t written as z_t;
- output_sign_flipped: ∂L/∂y_t (or ∂L/∂o_t) negated, the output error's sign flipped (t − y
  for y − t).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp

from symbp.core.functions import activation, loss
from symbp.core.rnn_spec import B_HH, B_IH, B_Y, W_HH, W_HY, W_XH, RnnSpec
from symbp.errors import HandInputError
from symbp.handcheck import precision
from symbp.handcheck.hand_input import normalise_text, read_number

MAX_LINES = 500
MAX_FILE_BYTES = 100_000
#: float slack relative to a value's size
RELATIVE_SLACK = 1e-12

RIGHT, CARRIED, WRONG = "right", "carried", "wrong"
#: the catalogue, in the order it is tried
#: (a gradient from the last step alone is also the sum without the path back through time
#: when only the last step has a target: the plainer name is given)
MISTAKES = (
    "last_step_only",
    "recurrent_path_dropped",
    "output_path_dropped",
    "state_step_shifted",
    "wrong_local_value",
    "previous_state_dropped",
    "activation_not_applied",
    "output_sign_flipped",
)
#: the shared weights and their gradients' keys
WEIGHTS = (W_XH, W_HH, W_HY)
Array = np.ndarray


@dataclass(frozen=True)
class Quantity:
    """One number (scalar, vector or matrix) of the unrolled computation."""

    key: str  # h2, z2, y1, L1, L, dy2, dh1, local2, dz1, dW_hh, dW_hh@2, h0, …
    inputs: tuple[str, ...]
    compute: Callable[[Sequence[Array]], Array]
    shape: tuple[int, ...]
    #: catalogue mistakes: (name, the number it gives from the same inputs' values)
    mistakes: tuple[tuple[str, Callable[[dict[str, Array]], Array]], ...] = ()


@dataclass(frozen=True)
class Written:
    """One line of the homework: the name as written, the quantity, the numbers' texts."""

    line: int
    name: str
    key: str
    texts: tuple[str, ...]
    values: Array
    half_units: Array


@dataclass(frozen=True)
class RnnVerdict:
    name: str  # as written
    key: str
    written: str  # the numbers as written, joined
    value: tuple[float, ...]
    expected: tuple[float, ...]
    verdict: str  # right, carried, wrong
    mistake: str = ""
    entered: bool = False  # wrong, and not carried from an earlier wrong number
    #: the earlier wrong numbers (their written names) a carried number follows from
    follows: tuple[str, ...] = ()


@dataclass(frozen=True)
class RnnHandReport:
    verdicts: tuple[RnnVerdict, ...]
    steps: int = 0

    @property
    def all_right(self) -> bool:
        return all(v.verdict == RIGHT for v in self.verdicts)

    @property
    def entered(self) -> tuple[RnnVerdict, ...]:
        """The numbers where an error entered (wrong, not carried)."""
        return tuple(v for v in self.verdicts if v.entered)


# -- the computation as a graph of quantities ---------------------------------------------------


def _array(rows: Sequence[Sequence[float]]) -> Array:
    return np.array(rows, dtype=float)


def build(spec: RnnSpec) -> dict[str, Quantity]:
    """Every quantity of the spec's (single) sequence, in the order it is computed."""
    if spec.n_sequences != 1:
        raise HandInputError("check-hand judges one sequence: the spec lists several")
    steps = spec.n_steps
    w_xh, w_hh, w_hy = (_array(spec.weight(name)) for name in WEIGHTS)
    b_ih, b_hh, b_y = (np.array(spec.bias(name) or (), dtype=float) for name in (B_IH, B_HH, B_Y))
    xs = [np.array(row, dtype=float) for row in spec.sequences[0]]
    hidden, outputs = spec.n_hidden, spec.n_outputs
    cell = _Cell(spec)
    head = _Head(spec)
    targeted = spec.target_step_indices
    targets = dict(zip(targeted, (np.array(r, dtype=float) for r in spec.targets[0]), strict=True))
    scale = 1.0 / len(targeted) if spec.reduction == "mean" else 1.0
    h0 = np.array(spec.initial_states[0], dtype=float)
    graph: dict[str, Quantity] = {}

    def add(quantity: Quantity) -> None:
        graph[quantity.key] = quantity

    def pre(x: Array, state: Array) -> Array:
        value = w_xh @ x + w_hh @ state
        return value + (b_ih if b_ih.size else 0.0) + (b_hh if b_hh.size else 0.0)

    add(Quantity("h0", (), lambda v: h0, (hidden,)))

    def forward_step(t: int) -> None:
        x = xs[t - 1]
        add(Quantity(f"z{t}", (f"h{t - 1}",), lambda v: pre(x, v[0]), (hidden,)))
        dropped = pre(x, np.zeros(hidden))
        add(
            Quantity(
                f"h{t}",
                (f"z{t}",),
                lambda v: cell.apply(v[0]),
                (hidden,),
                (
                    ("previous_state_dropped", lambda w: cell.apply(dropped)),
                    ("activation_not_applied", lambda w: w[f"z{t}"]),
                ),
            )
        )
        if t in targeted:
            add(
                Quantity(
                    f"o{t}",
                    (f"h{t}",),
                    lambda v: w_hy @ v[0] + (b_y if b_y.size else 0.0),
                    (outputs,),
                )
            )
            add(Quantity(f"y{t}", (f"o{t}",), lambda v: head.apply(v[0]), (outputs,)))
            target = targets[t]
            add(Quantity(f"L{t}", (f"y{t}",), lambda v: np.array(head.loss(v[0], target)), ()))

    for t in range(1, steps + 1):
        forward_step(t)
    add(
        Quantity(
            "L",
            tuple(f"L{t}" for t in targeted),
            lambda v: np.array(scale * sum(float(item) for item in v)),
            (),
        )
    )

    # backward, from the last step
    def backward_step(t: int) -> None:
        if t in targeted:
            target = targets[t]
            add(
                Quantity(
                    f"dy{t}",
                    (f"y{t}",),
                    lambda v: scale * head.loss_gradient(v[0], target),
                    (outputs,),
                    (("output_sign_flipped", lambda w: -w[f"dy{t}"]),),
                )
            )
            add(
                Quantity(
                    f"do{t}",
                    (f"dy{t}", f"o{t}", f"y{t}"),
                    lambda v: head.back(v[0], v[1], v[2]),
                    (outputs,),
                    (("output_sign_flipped", lambda w: -w[f"do{t}"]),),
                )
            )
        inputs = ((f"do{t}",) if t in targeted else ()) + ((f"dz{t + 1}",) if t < steps else ())

        def dh(v: Sequence[Array], t: int = t) -> Array:
            total = np.zeros(hidden)
            index = 0
            if t in targeted:
                total = total + w_hy.T @ v[0]
                index = 1
            if t < steps:
                total = total + w_hh.T @ v[index]
            return total

        mistakes: list[tuple[str, Callable[[dict[str, Array]], Array]]] = []
        if t not in targeted and t < steps:  # no output here: only the path through time
            mistakes.append(("recurrent_path_dropped", lambda w: np.zeros(hidden)))
        if t in targeted and t < steps:
            mistakes.append(("recurrent_path_dropped", lambda w: w_hy.T @ w[f"do{t}"]))
            mistakes.append(("output_path_dropped", lambda w: w_hh.T @ w[f"dz{t + 1}"]))
        add(Quantity(f"dh{t}", inputs, dh, (hidden,), tuple(mistakes)))
        add(
            Quantity(
                f"local{t}",
                (f"z{t}", f"h{t}"),
                lambda v: cell.derivative(v[0], v[1]),
                (hidden,),
                (("wrong_local_value", lambda w: cell.derivative(w[f"h{t}"], w[f"z{t}"])),),
            )
        )
        local_mistakes: list[tuple[str, Callable[[dict[str, Array]], Array]]] = [
            (
                "wrong_local_value",
                lambda w: w[f"dh{t}"] * cell.derivative(w[f"h{t}"], w[f"z{t}"]),
            ),
        ]
        if t not in targeted and t < steps:
            local_mistakes.insert(0, ("recurrent_path_dropped", lambda w: np.zeros(hidden)))
        if t in targeted and t < steps:
            local_mistakes.insert(
                0,
                ("recurrent_path_dropped", lambda w: (w_hy.T @ w[f"do{t}"]) * w[f"local{t}"]),
            )
            local_mistakes.insert(
                1,
                ("output_path_dropped", lambda w: (w_hh.T @ w[f"dz{t + 1}"]) * w[f"local{t}"]),
            )
        add(
            Quantity(
                f"dz{t}",
                (f"dh{t}", f"local{t}"),
                lambda v: v[0] * v[1],
                (hidden,),
                tuple(local_mistakes),
            )
        )

    for t in range(steps, 0, -1):
        backward_step(t)
    add(Quantity("dh0", ("dz1",), lambda v: w_hh.T @ v[0], (hidden,)))

    def truncated(w: dict[str, Array], t: int) -> Array:
        """δ_t without the path back through time: the step's own output alone."""
        if t not in targeted:
            return np.zeros(hidden)
        return (w_hy.T @ w[f"do{t}"]) * w[f"local{t}"]

    # each shared weight's gradient: a term per step, and their sum
    terms: dict[str, list[str]] = {name: [] for name in WEIGHTS}

    def term_step(t: int) -> None:
        x = xs[t - 1]
        add(Quantity(f"d{W_XH}@{t}", (f"dz{t}",), lambda v: np.outer(v[0], x), w_xh.shape))
        add(
            Quantity(
                f"d{W_HH}@{t}", (f"dz{t}", f"h{t - 1}"), lambda v: np.outer(v[0], v[1]), w_hh.shape
            )
        )
        terms[W_XH].append(f"d{W_XH}@{t}")
        terms[W_HH].append(f"d{W_HH}@{t}")
        if t in targeted:
            add(
                Quantity(
                    f"d{W_HY}@{t}", (f"do{t}", f"h{t}"), lambda v: np.outer(v[0], v[1]), w_hy.shape
                )
            )
            terms[W_HY].append(f"d{W_HY}@{t}")

    for t in range(1, steps + 1):
        term_step(t)
    last = steps

    def summed(v: Sequence[Array]) -> Array:
        return np.sum(np.stack(list(v)), axis=0)

    add(
        Quantity(
            f"d{W_XH}",
            tuple(terms[W_XH]),
            summed,
            w_xh.shape,
            (
                (
                    "recurrent_path_dropped",
                    lambda w: sum(
                        (np.outer(truncated(w, t), xs[t - 1]) for t in range(1, steps + 1)),
                        np.zeros(w_xh.shape),
                    ),
                ),
                ("last_step_only", lambda w: w[f"d{W_XH}@{last}"]),
            ),
        )
    )
    add(
        Quantity(
            f"d{W_HH}",
            tuple(terms[W_HH]),
            summed,
            w_hh.shape,
            (
                (
                    "recurrent_path_dropped",
                    lambda w: sum(
                        (np.outer(truncated(w, t), w[f"h{t - 1}"]) for t in range(1, steps + 1)),
                        np.zeros(w_hh.shape),
                    ),
                ),
                ("last_step_only", lambda w: w[f"d{W_HH}@{last}"]),
                (
                    "state_step_shifted",
                    lambda w: sum(
                        (np.outer(w[f"dz{t}"], w[f"h{t}"]) for t in range(1, steps + 1)),
                        np.zeros(w_hh.shape),
                    ),
                ),
            ),
        )
    )
    add(
        Quantity(
            f"d{W_HY}",
            tuple(terms[W_HY]),
            summed,
            w_hy.shape,
            (("last_step_only", lambda w: w[f"d{W_HY}@{targeted[-1]}"]),)
            if len(targeted) > 1
            else (),
        )
    )
    for name in (B_IH, B_HH):
        if spec.bias(name) is not None:
            add(
                Quantity(
                    f"d{name}", tuple(f"dz{t}" for t in range(1, steps + 1)), summed, (hidden,)
                )
            )
    if spec.bias(B_Y) is not None:
        add(Quantity(f"d{B_Y}", tuple(f"do{t}" for t in targeted), summed, (outputs,)))
    return graph


class _Cell:
    """The recurrent cell's activation f and its derivative, from the operation table."""

    def __init__(self, spec: RnnSpec) -> None:
        entry = activation(spec.cell_activation, spec.activation_parameter(spec.cell_activation))
        z, a = sp.symbols("z a")
        self._forward = entry.apply(z)
        self._derivative = entry.derivative(z, a)
        self._z, self._a = z, a

    def apply(self, zs: Array) -> Array:
        return np.array([_float(self._forward, {self._z: v}) for v in zs])

    def derivative(self, zs: Array, hs: Array) -> Array:
        return np.array(
            [
                _float(self._derivative, {self._z: z, self._a: h})
                for z, h in zip(zs, hs, strict=True)
            ]
        )


class _Head:
    """The output layer's activation g (elementwise or a whole layer's) and the loss."""

    def __init__(self, spec: RnnSpec) -> None:
        n = spec.n_outputs
        self.o = sp.symbols(f"o0:{n}")
        self.y = sp.symbols(f"y0:{n}")
        self.t = sp.symbols(f"t0:{n}")
        entry = activation(
            spec.output_activation, spec.activation_parameter(spec.output_activation)
        )
        if entry.elementwise:
            self.outputs = [entry.apply(o) for o in self.o]
        else:
            assert entry.apply_layer is not None
            self.outputs = entry.apply_layer(self.o)
        self.jacobian = [[sp.diff(out, o) for o in self.o] for out in self.outputs]
        found = loss(spec.loss, spec.loss_parameter)
        self.loss_expr = found.apply(self.y, self.t)
        self.gradients = [sp.diff(self.loss_expr, y) for y in self.y]

    def apply(self, os: Array) -> Array:
        at = dict(zip(self.o, os, strict=True))
        return np.array([_float(out, at) for out in self.outputs])

    def loss(self, ys: Array, targets: Array) -> float:
        return _float(
            self.loss_expr,
            {**dict(zip(self.y, ys, strict=True)), **dict(zip(self.t, targets, strict=True))},
        )

    def loss_gradient(self, ys: Array, targets: Array) -> Array:
        at = {**dict(zip(self.y, ys, strict=True)), **dict(zip(self.t, targets, strict=True))}
        return np.array([_float(g, at) for g in self.gradients])

    def back(self, dys: Array, os: Array, ys: Array) -> Array:
        """∂L/∂o from ∂L/∂y through g's Jacobian."""
        at = dict(zip(self.o, os, strict=True))
        jacobian = np.array([[_float(entry, at) for entry in row] for row in self.jacobian])
        return jacobian.T @ dys


def _float(expr: sp.Expr, at: dict[sp.Symbol, float]) -> float:
    exact = {symbol: sp.Float(float(value), 30) for symbol, value in at.items()}
    found = sp.sympify(expr).xreplace(exact).evalf(30)
    try:
        return float(found)
    except TypeError:  # not a real number there (log of a negative): no number to compare
        return math.nan


# -- reading the homework -----------------------------------------------------------------------

_WEIGHT_SPELLINGS = {
    W_XH: ("w_xh", "wxh", "w_x", "wx", "w_ih", "wih", "u"),
    W_HH: ("w_hh", "whh", "w_h", "wh", "w_rec", "w"),
    W_HY: ("w_hy", "why", "w_y", "wy", "w_ho", "v"),
    B_IH: ("b_ih", "bih"),
    B_HH: ("b_hh", "bhh"),
    B_Y: ("b_y", "by"),
}
_LETTERS = {
    "h": "h",
    "z": "z",
    "a": "z",
    "s": "z",
    "net": "z",
    "y": "y",
    "ŷ": "y",
    "yhat": "y",
    "o": "y",
    "out": "y",
    "l": "L",
    "e": "L",
    "j": "L",
    "loss": "L",
}
_STEP = re.compile(r"^(.+?)(?:\|t|\(t|\[t|@t|,t)[=:](\d+)[)\]]?$")
#: a step's term written with "t = 2" inside the name: its "=" is not the value's
_STEP_IN_NAME = re.compile(r"([|(\[@,]\s*t)\s*=\s*(\d)")
_GRADIENT = re.compile(r"^(?:dl/d|∂l/∂|de/d|∂e/∂|dj/d|∂j/∂)(.+)$")
_DELTA = re.compile(r"^(?:delta|δ)_?\{?(\d+)\}?$")
_LOCAL = re.compile(r"^[a-zσ]+'\((.+)\)$")
_INDEXED = re.compile(r"^([a-zŷ]+?)_?[{(\[]?(\d+)[})\]]?$")


def _weight(name: str, spec: RnnSpec) -> str | None:
    for key, spellings in _WEIGHT_SPELLINGS.items():
        if name in spellings and (key in WEIGHTS or spec.bias(key) is not None):
            return key
    return None


def _plain(name: str, spec: RnnSpec) -> str | None:
    """h2, z2, y1, L1, L, W_hh (a value)."""
    if name in ("l", "e", "j", "loss"):
        return "L"
    weight = _weight(name, spec)
    if weight is not None:
        return weight
    found = _INDEXED.fullmatch(name)
    if found and found.group(1) in _LETTERS:
        return _LETTERS[found.group(1)] + str(int(found.group(2)))
    return None


def key_of(name: str, spec: RnnSpec) -> str | None:
    """The quantity a written name means, or None."""
    text = normalise_text(name).replace(" ", "").lower()
    step = _STEP.fullmatch(text)
    if step:  # one step's term of a weight's gradient: dL/dW_hh|t=2
        whole = key_of(step.group(1), spec)
        if whole is None or whole[1:] not in (*WEIGHTS,):
            return None
        return f"{whole}@{int(step.group(2))}"
    delta = _DELTA.fullmatch(text)
    if delta:
        return f"dz{int(delta.group(1))}"
    local = _LOCAL.fullmatch(text)
    if local:
        inner = _plain(local.group(1), spec)
        if inner and inner[0] in "zh" and inner[1:].isdigit():
            return f"local{inner[1:]}"
        return None
    gradient = _GRADIENT.fullmatch(text)
    if gradient:
        inner = _plain(gradient.group(1), spec)
        return None if inner is None or inner[0] == "L" else f"d{inner}"
    plain = _plain(text, spec)
    if plain is not None:
        return plain
    if text.startswith("d") and _plain(text[1:], spec) not in (None, "L"):
        return f"d{_plain(text[1:], spec)}"
    return None


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?"


def _numbers(value: str, where: str) -> tuple[list[str], int]:
    """The numbers of a scalar, vector or matrix as written, and its row count."""
    value = value.strip()
    if not value:
        raise HandInputError(f"{where}: no number after '='")
    body = value
    rows = 1
    if body[0] in "[(":
        if body[-1] not in ")]":
            raise HandInputError(f"{where}: {value[:40]!r} opens a bracket it does not close")
        inner = body[1:-1].strip()
        if inner[:1] in ("[", "("):
            parts = re.split(r"[\])]\s*[,;]?\s*[\[(]", inner)
            rows = len(parts)
            body = ",".join(p.strip("[]() ") for p in parts)
        elif ";" in inner:
            rows = inner.count(";") + 1
            body = inner.replace(";", ",")
        else:
            body = inner
    texts = [t for t in re.split(r"[,\s]+", body.strip()) if t]
    for text in texts:
        if not re.fullmatch(_NUMBER, text):
            raise HandInputError(f"{where}: {text[:30]!r} is not a number")
    return texts, rows


def _is_formula(value: str) -> bool:
    """A scalar written as arithmetic (not a number, not a bracketed vector or matrix)."""
    if not value or value[0] == "[" or "," in value or ";" in value:
        return False
    return not all(re.fullmatch(_NUMBER, part) for part in value.strip("()").split())


def _formula(text: str, where: str) -> tuple[float, float]:
    """A formula's value, read by the bounded formula reader dense check-hand uses (numbers,
    + − × / ^, the operation table's functions; no names), and the precision its rounded
    decimals state."""
    from symbp.handcheck.floats import float_value
    from symbp.handcheck.formula import read_formula
    from symbp.handcheck.formula_check import bounded_spread

    try:
        parsed = read_formula(text, lambda name: None)
        value = float_value(parsed.expr, {}, strict=True)
        spread = bounded_spread(parsed, {})
    except HandInputError as error:  # FormulaError: syntax, a name, a size beyond the limits
        raise HandInputError(f"{where}: {error}") from None
    if not math.isfinite(value):
        raise HandInputError(f"{where}: {text[:40]!r} has no finite value")
    return value, spread or 0.0


def read_homework(text: str, spec: RnnSpec, graph: dict[str, Quantity]) -> list[Written]:
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise HandInputError(f"the hand calculation has more than {MAX_LINES} lines")
    found: list[Written] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        line = normalise_text(raw.lstrip("\ufeff")).split("#", 1)[0].strip()
        if not line:
            continue
        pieces = re.split(r"=|≈", _STEP_IN_NAME.sub(r"\1:\2", line))
        if len(pieces) < 2:
            raise HandInputError(f"line {number} is not 'name = number': {line[:40]!r}")
        name = re.sub(r"([|(\[@,]\s*t):(\d)", r"\1=\2", pieces[0].strip())
        where = f"line {number} ({name})"
        key = key_of(name, spec)
        if key is None or (key not in graph and key not in (*WEIGHTS, B_IH, B_HH, B_Y)):
            raise HandInputError(
                f"{where}: not a quantity of this {spec.n_steps}-step network (write h1, z1, "
                "y1, L1, L, dL/dh1, delta1, tanh'(z1), dL/dW_hh, dL/dW_hh|t=1)"
            )
        if key in seen:
            raise HandInputError(f"{where}: written twice (first on line {seen[key]})")
        seen[key] = number
        value_text = pieces[-1].strip().rstrip(".")
        values, halves = [], []
        if _is_formula(value_text):  # tanh(0.6), 1 - 0.5370^2: a number, worked here
            texts, rows = [value_text], 1
            value, half = _formula(value_text, where)
            values.append(value)
            halves.append(half)
        else:
            texts, rows = _numbers(value_text, where)
        for text in texts if not values else ():
            read = read_number(text, where)
            assert read is not None
            values.append(read.value)
            halves.append(precision.half_unit(read.decimals))
        shape = graph[key].shape if key in graph else _given_shape(spec, key)
        size = int(np.prod(shape)) if shape else 1
        if len(values) != size:
            what = "×".join(str(s) for s in shape) if shape else "1"
            raise HandInputError(f"{where}: {len(values)} numbers, but it has {what}")
        if len(shape) == 2 and rows not in (1, shape[0]):
            raise HandInputError(f"{where}: {rows} rows, but it has {shape[0]}")
        found.append(
            Written(
                number,
                name,
                key,
                tuple(texts),
                np.array(values).reshape(shape),
                np.array(halves).reshape(shape),
            )
        )
    if not found:
        raise HandInputError(
            "nothing to check: no line of the form 'name = value' names a quantity "
            "(for example h1 = 0.4621)"
        )
    return found


def _given_shape(spec: RnnSpec, key: str) -> tuple[int, ...]:
    return spec.shapes()[key]


# -- judging ------------------------------------------------------------------------------------


def _spread(quantity: Quantity, values: list[Array], radii: list[Array]) -> Array:
    """How far the value may move when each input moves within its radius (to first order)."""
    base = quantity.compute(values)
    spread = np.zeros(np.shape(base))
    for index, radius in enumerate(radii):
        flat = np.ravel(radius)
        for position, r in enumerate(flat):
            if r <= 0:
                continue
            moved = [np.array(v, dtype=float, copy=True) for v in values]
            target = moved[index].reshape(-1)
            target[position] += r
            moved[index] = target.reshape(np.shape(values[index]))
            spread = spread + np.abs(quantity.compute(moved) - base)
    return spread


def _within(written: Array, value: Array, tolerance: Array) -> bool:
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(written - value) <= tolerance))


def true_values(graph: dict[str, Quantity]) -> dict[str, Array]:
    """Every quantity's value, worked from the spec alone."""
    truth: dict[str, Array] = {}
    for key, quantity in graph.items():
        truth[key] = np.asarray(quantity.compute([truth[i] for i in quantity.inputs]), float)
    return truth


def judge(spec: RnnSpec, text: str) -> RnnHandReport:
    """The student's numbers judged against the spec's sequence, mistakes named."""
    graph = build(spec)
    written = {w.key: w for w in read_homework(text, spec, graph)}
    truth = true_values(graph)
    world: dict[str, Array] = {}
    radius: dict[str, Array] = {}
    roots: dict[str, tuple[str, ...]] = {}  # the wrong written numbers behind a value
    verdicts: dict[str, RnnVerdict] = {}
    for key, quantity in graph.items():
        inputs = [world[i] for i in quantity.inputs]
        expected = np.asarray(quantity.compute(inputs), float)
        spread = _spread(quantity, inputs, [radius[i] for i in quantity.inputs])
        behind = tuple(dict.fromkeys(r for i in quantity.inputs for r in roots.get(i, ())))
        mine = written.get(key)
        if mine is None:
            world[key], radius[key] = expected, spread
            if behind:
                roots[key] = behind
            continue
        true_value = truth[key]
        slack = RELATIVE_SLACK * np.maximum(1.0, np.abs(true_value))
        world[key], radius[key] = mine.values, mine.half_units
        if _within(mine.values, true_value, mine.half_units + slack):
            verdict, mistake = RIGHT, ""
        elif _within(mine.values, expected, spread + mine.half_units + slack):
            verdict, mistake = (CARRIED, "") if behind else (RIGHT, "")
        else:
            verdict, mistake = WRONG, ""
            mistake_world = {**world, key: expected}
            tried = sorted(quantity.mistakes, key=lambda m: MISTAKES.index(m[0]))
            for name, candidate in tried:
                value = np.asarray(candidate(mistake_world), float)
                if not np.allclose(value, true_value, rtol=1e-9, atol=1e-12) and _within(
                    mine.values, value, spread + mine.half_units + slack
                ):
                    mistake = name
                    break
        entered = verdict == WRONG
        if entered:
            roots[key] = (key,)
        elif verdict == CARRIED:
            roots[key] = behind
        verdicts[key] = RnnVerdict(
            mine.name,
            key,
            ", ".join(mine.texts),
            tuple(float(v) for v in np.ravel(mine.values)),
            tuple(float(v) for v in np.ravel(true_value)),
            verdict,
            mistake,
            entered,
            tuple(written[r].name for r in behind) if verdict == CARRIED else (),
        )
    for key, mine in written.items():  # the given weights and biases, copied
        if key not in graph:
            given = np.array(spec.weight(key) if key in WEIGHTS else spec.bias(key), dtype=float)
            right = _within(mine.values, given.reshape(mine.values.shape), mine.half_units + 1e-12)
            verdicts[key] = RnnVerdict(
                mine.name,
                key,
                ", ".join(mine.texts),
                tuple(float(v) for v in np.ravel(mine.values)),
                tuple(float(v) for v in np.ravel(given)),
                RIGHT if right else WRONG,
                "",
                not right,
            )
    ordered = sorted(verdicts.values(), key=lambda v: written[v.key].line)
    return RnnHandReport(tuple(ordered), spec.n_steps)


def read_hand_file(path: str | Path) -> str:
    from symbp.files import read_small_text

    return read_small_text(Path(path), MAX_FILE_BYTES, HandInputError, f"file {str(path)!r}")
