"""How numbers are shown: the precision a reader is told is the precision that is printed.

A computed value is shown to the requested significant digits with its trailing zeros
(L = 0.1950, not 0.195, which would claim three digits); a value the problem gives (an input,
a target, an initial weight, the learning rate) is shown as given when it is short, because it
is exact; final results (gradients, updated weights) are shown to 10 decimals everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from symbp.content.expr import Num

#: final values (gradients, updated weights, losses in tables) are shown to this many decimals
RESULT_DECIMALS = 10
#: a given value with more significant digits than this is rounded like a computed one
GIVEN_DIGITS = 8


def significant(value: float, digits: int = 4) -> str:
    """`value` to `digits` significant digits, trailing zeros kept; e-notation when tiny/huge."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value in (1.0, -1.0):
        return f"{value:.0f}"  # an indicator's 1, a derivative of 1: exact, no digits to claim
    mantissa, exponent_text = f"{value:.{digits - 1}e}".split("e")
    exponent = int(exponent_text)
    if -6 <= exponent < digits:
        return f"{value:.{digits - 1 - exponent}f}"
    if digits <= exponent < 15:
        return f"{value:.0f}"
    return f"{mantissa}e{exponent:+03d}"


def given(value: float, digits: int = 4) -> str:
    """A value of the problem as given (0.2, -0.07, 1), unless it is long (a random weight)."""
    if value == 0:
        return "0"
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    if "e" not in text and _significant_digits(text) <= max(GIVEN_DIGITS, digits):
        return text
    if "e" in text:  # a tiny given value as typed: 1e-08 (ε), not 1.000e-08
        mantissa, exponent = text.split("e")
        if _significant_digits(mantissa) <= max(GIVEN_DIGITS, digits):
            return f"{mantissa}e{int(exponent):+03d}"
    return significant(value, digits)


def result(value: float) -> str:
    """A final value at full displayed precision: 10 decimals, or e-notation when tiny."""
    if not math.isfinite(value):
        return significant(value)
    value += 0.0  # -0.0 is shown as 0
    if value != 0 and abs(value) < 1e-6:
        return f"{value:.6e}"
    return f"{value:.{RESULT_DECIMALS}f}"


def difference(value: float) -> str:
    """A difference between two computations (1.7e-18): two digits are all it needs."""
    return f"{value:.1e}"


def _significant_digits(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    return len(digits)


def computed_num(value: float, digits: int) -> Num:
    return Num(value, significant(value, digits))


def column_nums(values: Sequence[float], digits: int) -> list[Num]:
    """A table column's computed values in one notation, each to `digits` significant digits:
    every one in e-notation (1.878 × 10⁻⁶) when at least half would be, else every one written
    out (a lone 2.887e-08 among weights as 0.00000002887), so that a column mixes neither
    0.000001878 with 4.014 × 10⁻⁷ nor turns 0.5 into 5.000 × 10⁻¹ for one tiny value."""
    texts = [significant(value, digits) for value in values]
    finite = [t for t in texts if t not in ("0", "inf", "-inf", "nan")]
    tiny = [t for t in finite if "e" in t]
    huge = any("e+" in t for t in tiny)
    if tiny and (huge or 2 * len(tiny) >= len(finite)):
        texts = [_scientific(value, digits) for value in values]
    elif tiny:
        texts = [
            _written_out(value, digits) if "e" in t else t
            for value, t in zip(values, texts, strict=True)
        ]
    return [Num(value, text) for value, text in zip(values, texts, strict=True)]


def _written_out(value: float, digits: int) -> str:
    """A tiny `value` to `digits` significant digits without e-notation."""
    exponent = int(f"{value:.{digits - 1}e}".split("e")[1])
    return f"{value:.{max(digits - 1 - exponent, 0)}f}"


def hidden_changes(old: Sequence[float], new: Sequence[float], digits: int) -> bool:
    """Whether some change from `old` to `new` is below `digits` (the two look alike): a table
    then gives each change Δp a column of its own, as the update's equations write old + Δ."""
    return any(
        a != b and significant(a, digits) == significant(b, digits)
        for a, b in zip(old, new, strict=True)
    )


def _scientific(value: float, digits: int) -> str:
    if value == 0 or not math.isfinite(value):
        return significant(value, digits)
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent):+03d}"


def given_num(value: float, digits: int) -> Num:
    return Num(value, given(value, digits))


def result_num(value: float) -> Num:
    return Num(value, result(value))
