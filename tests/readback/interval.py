"""Interval arithmetic for reading back displayed numbers: a printed 0.4769 is [0.47685, 0.47695].

Each operation returns an interval that holds every value the operands' intervals allow (up to
float rounding, which the checker covers with a relative slack). Functions the handouts use are
monotone in each argument, which is what makes their bounds simple.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

#: members of a chain agree when their intervals meet within this relative float slack
RELATIVE_SLACK = 1e-12


@dataclass(frozen=True)
class Interval:
    lo: float
    hi: float

    def __post_init__(self) -> None:
        if math.isnan(self.lo) or math.isnan(self.hi) or self.lo > self.hi:
            raise ValueError(f"not an interval: [{self.lo}, {self.hi}]")

    @staticmethod
    def point(value: float) -> Interval:
        return Interval(value, value)

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    @property
    def mid(self) -> float:
        return self.lo if self.exact else (self.lo + self.hi) / 2

    def __str__(self) -> str:
        if self.exact:
            return f"{self.lo:.12g}"
        return f"[{self.lo:.12g}, {self.hi:.12g}]"

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def __mul__(self, other: Interval) -> Interval:
        products = [_times(a, b) for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(min(products), max(products))

    def __truediv__(self, other: Interval) -> Interval:
        if other.lo <= 0 <= other.hi:
            if other.exact:
                raise ZeroDivisionError("division by exactly 0")
            return EVERYTHING  # a divisor that may be 0 bounds nothing
        return self * Interval(1 / other.hi, 1 / other.lo)


EVERYTHING = Interval(-math.inf, math.inf)


def _times(a: float, b: float) -> float:
    """a·b with 0·∞ = 0 (an exact 0 times an unbounded factor)."""
    if a == 0 or b == 0:
        return 0.0
    return a * b


def from_decimal(text: str) -> Interval:
    """A printed number: exact without a decimal point, else ± half a unit of its last digit.

    The mantissa of e-notation ("1.234e-07") sets the unit: [1.2335e-07, 1.2345e-07].
    """
    number = Decimal(text)
    mantissa = text.lower().split("e")[0]
    if "." not in mantissa:
        return Interval.point(float(number))
    half_unit = Decimal(5).scaleb(number.as_tuple().exponent - 1)  # type: ignore[operator]
    return Interval(float(number - half_unit), float(number + half_unit))


def power(base: Interval, exponent: Interval) -> Interval:
    if exponent.exact and float(exponent.lo).is_integer():
        return _integer_power(base, int(exponent.lo))
    if base.lo <= 0:
        raise ValueError(f"a non-integer power of {base}, which may be ≤ 0")
    corners = [
        _exp_float(e * math.log(b)) for b in (base.lo, base.hi) for e in (exponent.lo, exponent.hi)
    ]
    return Interval(min(corners), max(corners))


def _integer_power(base: Interval, n: int) -> Interval:
    if n == 0:
        return Interval.point(1.0)
    if n < 0:
        return Interval.point(1.0) / _integer_power(base, -n)
    low, high = base.lo**n, base.hi**n
    if n % 2 == 1:
        return Interval(low, high)
    if base.lo >= 0:
        return Interval(low, high)
    if base.hi <= 0:
        return Interval(high, low)
    return Interval(0.0, max(low, high))


def _exp_float(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def monotone(function: object, value: Interval) -> Interval:
    """An increasing function of one argument on an interval."""
    assert callable(function)
    return Interval(function(value.lo), function(value.hi))


def exp(value: Interval) -> Interval:
    return monotone(_exp_float, value)


def log(value: Interval) -> Interval:
    if value.hi <= 0:
        raise ValueError(f"log of {value}, which is ≤ 0")
    return Interval(math.log(value.lo) if value.lo > 0 else -math.inf, math.log(value.hi))


def sqrt(value: Interval) -> Interval:
    if value.hi < 0:
        raise ValueError(f"square root of {value}, which is < 0")
    return Interval(math.sqrt(max(value.lo, 0.0)), math.sqrt(value.hi))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def sigmoid(value: Interval) -> Interval:
    return monotone(_sigmoid, value)


def tanh(value: Interval) -> Interval:
    return monotone(math.tanh, value)


def relu(value: Interval) -> Interval:
    return Interval(max(value.lo, 0.0), max(value.hi, 0.0))


def leaky_relu(value: Interval, slope: Interval) -> Interval:
    """z for z > 0, slope·z otherwise: increasing for a slope ≥ 0."""
    if slope.lo < 0:
        raise ValueError(f"leaky_relu with a negative slope {slope}")
    low = value.lo if value.lo > 0 else _times(slope.hi, value.lo)
    high = value.hi if value.hi > 0 else _times(slope.lo, value.hi)
    return Interval(low, high)


def elu(value: Interval, alpha: Interval) -> Interval:
    """z for z > 0, α(e^z − 1) otherwise (torch.nn.ELU): increasing in z for α ≥ 0; for z < 0
    a larger α gives a lower value."""
    if alpha.lo < 0:
        raise ValueError(f"elu with a negative alpha {alpha}")

    def at(z: float, a: float) -> float:
        return z if z > 0 else _times(a, math.expm1(z))

    low, high = at(value.lo, alpha.hi), at(value.hi, alpha.lo)
    return Interval(math.nextafter(low, -math.inf), math.nextafter(high, math.inf))


#: where z·σ(z) is lowest, σ(z)(1 + z(1 − σ(z))) = 0, and a bound just below its value there
_SILU_LOWEST_Z = -1.2784645427610738
_SILU_LOWEST = -0.2784645427610738


def silu(value: Interval) -> Interval:
    """z·σ(z): decreasing below z ≈ −1.278, increasing above."""

    def at(z: float) -> float:
        return z / (1 + _exp_float(-z)) if z > -700 else z * 0.0

    ends = (at(value.lo), at(value.hi))
    low, high = min(ends), max(ends)
    if value.lo <= _SILU_LOWEST_Z <= value.hi:
        low = min(low, _SILU_LOWEST)
    return Interval(math.nextafter(low, -math.inf), math.nextafter(high, math.inf))


def _outward(low: float, high: float) -> Interval:
    return Interval(math.nextafter(low, -math.inf), math.nextafter(high, math.inf))


def normal_cdf(value: Interval) -> Interval:
    """Φ(z) = erfc(−z/√2)/2, increasing."""
    return _outward(*(0.5 * math.erfc(-z / math.sqrt(2)) for z in (value.lo, value.hi)))


def normal_pdf(value: Interval) -> Interval:
    """φ(z) = e^(−z²/2)/√(2π): increasing below 0, decreasing above."""
    ends = [math.exp(-z * z / 2) / math.sqrt(2 * math.pi) for z in (value.lo, value.hi)]
    high = 1 / math.sqrt(2 * math.pi) if value.lo <= 0 <= value.hi else max(ends)
    return _outward(min(ends), high)


def _lowest(function: object, derivative: object) -> tuple[float, float]:
    """Where a function with one minimum in (−3, 0) has it (bisection on f′), and f there."""
    assert callable(function) and callable(derivative)
    low, high = -3.0, 0.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if derivative(middle) < 0 else (low, middle)
    return low, function(low)


def _gelu(z: float) -> float:
    return z * 0.5 * math.erfc(-z / math.sqrt(2))


def _gelu_tanh(z: float) -> float:
    return 0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))


def _slope(function: object) -> object:
    assert callable(function)
    return lambda z: (function(z + 1e-7) - function(z - 1e-7)) / 2e-7


_GELU_LOWEST = _lowest(_gelu, _slope(_gelu))
_GELU_TANH_LOWEST = _lowest(_gelu_tanh, _slope(_gelu_tanh))


def _one_minimum(function: object, lowest: tuple[float, float], value: Interval) -> Interval:
    assert callable(function)
    ends = (function(value.lo), function(value.hi))
    low, high = min(ends), max(ends)
    if value.lo <= lowest[0] <= value.hi:
        low = min(low, lowest[1] - 1e-9)  # the bisection's point is near, not at, the minimum
    return _outward(low, high)


def gelu(value: Interval) -> Interval:
    """z·Φ(z): decreasing below z ≈ −0.75, increasing above."""
    return _one_minimum(_gelu, _GELU_LOWEST, value)


def gelu_tanh(value: Interval) -> Interval:
    """torch's tanh form of gelu: one minimum near z ≈ −0.75 too."""
    return _one_minimum(_gelu_tanh, _GELU_TANH_LOWEST, value)


def softplus(value: Interval) -> Interval:
    return monotone(lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))), value)


def _logsumexp(xs: list[float]) -> float:
    top = max(xs)
    if math.isinf(top):
        return top
    return top + math.log(sum(math.exp(x - top) for x in xs))


def logsumexp(values: list[Interval]) -> Interval:
    return Interval(_logsumexp([v.lo for v in values]), _logsumexp([v.hi for v in values]))


def softmax(values: list[Interval], k: int) -> Interval:
    """The k-th (0-based) softmax output: increasing in z_k, decreasing in every other z."""
    own = values[k]
    others = [v for i, v in enumerate(values) if i != k]
    low = 1 / (1 + sum(_exp_float(v.hi - own.lo) for v in others))
    high = 1 / (1 + sum(_exp_float(v.lo - own.hi) for v in others))
    return Interval(low, high)


def maximum(values: list[Interval]) -> Interval:
    return Interval(max(v.lo for v in values), max(v.hi for v in values))


def compare(left: Interval, relation: str, right: Interval) -> Interval:
    """An indicator 1[left relation right]: 1, 0, or [0, 1] when the intervals leave it open."""
    if relation in ("<", "≤"):
        left, right = right, left
        relation = ">" if relation == "<" else "≥"
    if relation == ">":
        if left.lo > right.hi:
            return Interval.point(1.0)
        if left.hi <= right.lo:
            return Interval.point(0.0)
    elif relation == "≥":
        if left.lo >= right.hi:
            return Interval.point(1.0)
        if left.hi < right.lo:
            return Interval.point(0.0)
    elif relation == "=":
        if left.exact and right.exact:
            return Interval.point(float(left.lo == right.lo))
        if left.hi < right.lo or right.hi < left.lo:
            return Interval.point(0.0)
    else:
        raise ValueError(f"unknown relation {relation!r} in an indicator")
    return Interval(0.0, 1.0)


def agree(members: list[Interval]) -> bool:
    """Whether the intervals have a common point, within the relative float slack."""
    low = max(m.lo for m in members)
    high = min(m.hi for m in members)
    finite = [abs(x) for m in members for x in (m.lo, m.hi) if math.isfinite(x)]
    scale = max(finite, default=0.0)
    return low <= high + RELATIVE_SLACK * scale
