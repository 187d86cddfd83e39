"""Checks read-back chains: every member of `symbol = formula = numbers = value` has one value.

Each member is evaluated to an interval (names exact from the value table, printed numbers
± half a unit of their last digit); the members must have a common point. A route (w1 → h1 →
L) is not an equation and is skipped; in an update p ← old − η·g = numbers = new, the p on the
left is the old value, so only the members after ← are compared; a chain with a name that has no
value (a general rule: z_j, δ_k, Σ_k) is skipped and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.readback import interval as I
from tests.readback.tree import Chain, evaluate, unknowns


@dataclass(frozen=True)
class Mismatch:
    where: str
    source: str
    values: tuple[str, ...]  # each compared member's interval, or the error
    reason: str = "members disagree"

    def __str__(self) -> str:
        shown = "; ".join(self.values)
        return f"{self.where}: {self.reason}: {self.source}\n    members: {shown}"


@dataclass
class Outcome:
    """What a read-back found: how many equations were checked and skipped, and the failures."""

    checked: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    unknown_names: Counter[str] = field(default_factory=Counter)
    mismatches: list[Mismatch] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.checked += other.checked
        self.skipped.update(other.skipped)
        self.unknown_names.update(other.unknown_names)
        self.mismatches += other.mismatches

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def report(self, limit: int = 20) -> str:
        lines = [str(m) for m in self.mismatches[:limit]]
        if len(self.mismatches) > limit:
            lines.append(f"… and {len(self.mismatches) - limit} more")
        return "\n".join(lines)


def check_chain(chain: Chain, values: Mapping[str, float], outcome: Outcome) -> None:
    """Check one chain, recording it in `outcome` as checked, skipped or a mismatch."""
    relations = chain.relations
    if "→" in relations:
        outcome.skipped["route"] += 1
        return
    if any(r not in ("=", "≈", "←") for r in relations):
        outcome.skipped["inequality"] += 1
        return
    members = list(chain.members)
    if "←" in relations:
        last = len(relations) - 1 - relations[::-1].index("←")
        members = members[last + 1 :]  # the name before ← is the old value
    if len(members) < 2:
        outcome.skipped["one member"] += 1
        return
    missing = [name for member in members for name in unknowns(member, values)]
    if missing:
        outcome.skipped["no value"] += 1
        outcome.unknown_names.update(set(missing))
        return
    intervals: list[I.Interval] = []
    try:
        intervals = [evaluate(member, values) for member in members]
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        shown = tuple(str(i) for i in intervals) + (f"error: {error}",)
        outcome.mismatches.append(Mismatch(chain.where, chain.source, shown, "cannot evaluate"))
        return
    if I.agree(intervals):
        outcome.checked += 1
    else:
        outcome.mismatches.append(
            Mismatch(chain.where, chain.source, tuple(str(i) for i in intervals))
        )
