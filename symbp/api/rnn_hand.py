"""check-hand for a recurrent network: `symbp.check_rnn_hand(spec, text)` and `symbp
check-hand FILE --spec rnn.toml` judge a student's BPTT numbers (h_t, δ_t, each shared weight's
gradient) and say where an error entered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from symbp.api.results import Result
from symbp.content.labels import labels

if TYPE_CHECKING:
    from symbp.content.blocks import Block
    from symbp.core.rnn_spec import RnnSpec
    from symbp.handcheck.recurrent import RnnHandReport


class RnnHandCheck(Result):
    """A student's BPTT homework judged: `all_right`, `report` (every number's verdict),
    `entered` (the numbers where an error entered)."""

    def __init__(self, report: RnnHandReport, lang: str = "en") -> None:
        self.report = report
        self.lang = lang

    @property
    def passed(self) -> bool:
        return self.report.all_right

    @property
    def all_right(self) -> bool:
        return self.report.all_right

    @property
    def entered(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.report.entered)

    def title(self) -> str:
        from symbp.content.rnn_hand import words

        return words(self.lang)["title"]

    def blocks(self) -> tuple[Block, ...]:
        from symbp.content.rnn_hand import hand_blocks

        return hand_blocks(self.report, self.lang)

    def to_json(self) -> str:
        numbers = [
            {
                "name": v.name,
                "quantity": v.key,
                "written": list(v.value),
                "correct": list(v.expected),
                "verdict": v.verdict,
                "mistake": v.mistake,
                "entered_here": v.entered,
                "carried_from": list(v.follows),
            }
            for v in self.report.verdicts
        ]
        data = {"all_right": self.all_right, "entered": list(self.entered), "numbers": numbers}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def __repr__(self) -> str:
        wrong = sum(v.verdict != "right" for v in self.report.verdicts)
        return f"<RnnHandCheck {wrong} wrong>"


def check_rnn_hand(spec: RnnSpec | str | Path, text: str, lang: str = "en") -> RnnHandCheck:
    """A student's numbers for a recurrent network's sequence (lines `h1 = 0.4621`,
    `delta2 = -0.3436`, `dL/dW_hh = -0.1577`, `dL/dW_hh|t=2 = -0.1588`) judged."""
    from symbp.core.rnn_spec import load_rnn_spec
    from symbp.errors import SpecError
    from symbp.handcheck.recurrent import judge

    labels(lang)  # an unknown language fails before any work
    if isinstance(spec, (str, Path)):
        loaded = load_rnn_spec(spec)
        if loaded is None:
            raise SpecError(f"{str(spec)!r} is not a recurrent network's spec")
        spec = loaded
    return RnnHandCheck(judge(spec, text), lang)
