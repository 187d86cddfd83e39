"""The one precision policy: when a written number is right, shared by check-hand, grade, the
self-check page (symbp/data/selfcheck.js mirrors it) and the Moodle quiz.

1. A number's digits state its precision. Written to d decimals (the digits after the point,
   less a scientific exponent: 0.0346 -> 4, 3.46e-2 -> 4), it is right when the true value lies
   within half a unit of its d-th decimal, i.e. rounds to it. This holds for a number without a
   significant digit too: 0.00 states two decimals and is right for a true value within ±0.005.
2. A number written without decimals (0, 1, 12, 5e2) states no rounding: it is right only when
   it is the true value exactly (up to float slack). This is the exact-zero rule: a ReLU's
   gradient 0, an exact 1. When the true value only rounds to it (0 for 0.003, 12 for 12.3) it
   is "too few decimals" (rule 3), a matter of precision, never a mistake of the catalogue.
3. The teacher's minimum, `min_decimals` (symbp exercise --min-decimals, default the asked
   decimals, written into each student's spec.toml; symbp grade and check-hand --min-decimals
   override it; check-hand has none unless given or in the spec): a number written to fewer
   decimals is "too few decimals", not right, unless it lies within ± half a unit of the
   minimum's last decimal of the true value (what Moodle accepts, rule 5: 0.475 for 0.475021 at
   4 decimals is 0.4750 with its zero dropped; 0 for 0.00003). Such a number, and any number
   however many decimals it has, is right there. "Too few decimals" is not an error of the
   calculation: no catalogue mistake is sought for it, and what follows from it is judged with
   the rounding it states.
4. Rounding carried from the student's own earlier numbers ("right to the stated precision")
   is judged by check-hand, grade and the self-check page alike (judge.py).
5. Moodle sees only the value typed, not its decimals: each NUMERICAL sub-question accepts the
   true value ± half a unit of the minimum's last decimal, and under a minimum grade and
   check-hand accept exactly that too (rule 3). The one difference left: Moodle cannot see
   carried rounding (rule 4), so a number "right to the stated precision" from the student's
   own rounded inputs but outside that interval is right in grade and wrong in Moodle.
"""

from __future__ import annotations

from dataclasses import dataclass

from symbp.errors import SymbpError

#: the most decimals a teacher may require
MAX_MIN_DECIMALS = 8


@dataclass(frozen=True)
class Precision:
    """The teacher's choice in the policy: the fewest decimals a number may be written to
    (None: any)."""

    min_decimals: int | None = None

    def __post_init__(self) -> None:
        m = self.min_decimals
        if m is not None and not 0 <= m <= MAX_MIN_DECIMALS:
            raise SymbpError(f"--min-decimals must be from 0 to {MAX_MIN_DECIMALS}, not {m}")

    def too_few(self, decimals: int | None, value: float, true_value: float, slack: float) -> bool:
        """Whether a number written to `decimals` (None: a formula's value) is judged "too few
        decimals": short of the minimum (rule 3), or written without decimals where the true
        value only rounds to it (rule 2); never when it is the true value exactly."""
        if decimals is None or abs(value - true_value) <= slack:
            return False
        if self.within_minimum(value, true_value, slack):
            return False  # what Moodle accepts (rule 5): right, however few its decimals
        if self.min_decimals is not None and decimals < self.min_decimals:
            return True
        return states_no_rounding(decimals) and abs(value - true_value) <= (
            0.5 * 10.0**-decimals + slack
        )

    def within_minimum(self, value: float, true_value: float, slack: float) -> bool:
        """Rule 5 for grade too: within ± half a unit of the minimum's last decimal of the true
        value (0.475 for 0.475021 at 4 decimals: it is 0.4750 with its zero dropped)."""
        if self.min_decimals is None:
            return False
        return abs(value - true_value) <= 0.5 * 10.0**-self.min_decimals + slack


def states_no_rounding(decimals: int) -> bool:
    """Rule 2: a number written without decimals is exact."""
    return decimals <= 0


def half_unit(decimals: int) -> float:
    """Rule 1: half a unit in the last written place (0 for an exact number)."""
    return 0.0 if states_no_rounding(decimals) else 0.5 * 10.0 ** (-decimals)


def moodle_tolerance(min_decimals: int) -> str:
    """Rule 5: a NUMERICAL sub-question's tolerance, as Moodle reads it."""
    return f"{0.5 * 10.0**-min_decimals:.{min_decimals + 1}f}"
