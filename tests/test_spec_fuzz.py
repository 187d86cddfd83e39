"""A short round of the spec fuzzer (tests/spec_fuzz.py): generated specs, valid and hostile,
through every command; no traceback, hang, second stderr line or non-strict JSON. The long round,
with networks up to the documented limits, is benchmarks/bench_fuzz.py."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from .conftest import require_module
from .spec_fuzz import COMMANDS, Tally, exercise, spec_documents

EXAMPLES = 60


@pytest.mark.slow
def test_generated_specs_never_crash_or_hang(report_figure: Callable[[str], None]) -> None:
    require_module("torch")
    tally = Tally()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,  # the same specs every run, not replays of earlier failures
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(spec_documents())
    def fuzz(text: str) -> None:
        with tempfile.TemporaryDirectory() as directory:
            # the text derivation is the JSON one's content: the long round runs both
            commands = tuple(c for c in COMMANDS if c != ("derive", "--all", "--no-check"))
            exercise(text, Path(directory), tally, commands=commands)

    fuzz()
    report_figure(
        f"spec fuzzer: {tally.specs} specs, {tally.accepted} accepted, {tally.refused} "
        f"refused cleanly, {tally.runs} commands run, {len(tally.problems)} problems; "
        f"slowest {tally.slowest[0]:.2f} s ({tally.slowest[1]})"
    )
    assert not tally.problems, "\n".join(tally.problems[:20])
    assert tally.accepted >= EXAMPLES // 5 and tally.refused >= EXAMPLES // 5
