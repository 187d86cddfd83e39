"""The read-back counts of a test session, printed in pytest's terminal summary."""

from __future__ import annotations

from collections import Counter
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

    def as_data(self) -> dict[str, object]:
        """Plain data, to send from a pytest-xdist worker to the controller."""
        return {
            "formats": {
                fmt: [o.checked, dict(o.skipped), [str(m) for m in o.mismatches]]
                for fmt, o in self.formats.items()
            },
            "mathml_compared": self.mathml_compared,
            "networks": sorted(self.networks),
        }

    def merge_data(self, data: dict[str, object] | None) -> None:
        """Add a worker's as_data()."""
        if not data:
            return
        formats = data["formats"]
        assert isinstance(formats, dict)
        for fmt, (checked, skipped, mismatches) in formats.items():
            outcome = Outcome(checked=checked, skipped=Counter(skipped))
            outcome.mismatches = list(mismatches)
            self.add(fmt, outcome)
        compared = data["mathml_compared"]
        assert isinstance(compared, int)
        self.mathml_compared += compared
        networks = data["networks"]
        assert isinstance(networks, list)
        self.networks.update(networks)

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
