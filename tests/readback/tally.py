"""The read-back counts of a test session, printed in pytest's terminal summary."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.readback.checker import Outcome


@dataclass
class Tally:
    """Equations checked and skipped per format, and MathML fragments compared."""

    formats: dict[str, Outcome] = field(default_factory=dict)
    mathml_compared: int = 0
    networks: set[str] = field(default_factory=set)

    def add(self, fmt: str, outcome: Outcome) -> None:
        self.formats.setdefault(fmt, Outcome()).add(outcome)

    def lines(self) -> list[str]:
        if not self.formats:
            return []
        lines = [f"displayed equations read back ({len(self.networks)} network runs):"]
        width = max(len(fmt) for fmt in self.formats)
        for fmt, outcome in self.formats.items():
            reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(outcome.skipped.items()))
            lines.append(
                f"  {fmt:<{width}}  checked {outcome.checked:6d}  "
                f"skipped {outcome.skipped_total:5d} ({reasons})  "
                f"mismatches {len(outcome.mismatches)}"
            )
        compared = self.mathml_compared
        lines.append(f"  MathML fragments equal to latex2mathml of their block's LaTeX: {compared}")
        return lines


KEY = pytest.StashKey[Tally]()


def tally(config: pytest.Config) -> Tally:
    if KEY not in config.stash:
        config.stash[KEY] = Tally()
    return config.stash[KEY]
