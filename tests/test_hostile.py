"""The hostile corpus (tests/hostile.py): each case ends with its exit status and, for bad input,
exactly one line `symbp: error: ...` on stderr, quickly (an alarm stops a hang). Their time and
peak memory in fresh processes are printed by benchmarks/bench_hostile.py."""

from __future__ import annotations

import contextlib
import io
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from symbp.cli import main

from .hostile import CASES, Hostile

#: seconds after which a case counts as hung (its target is under 3 s in a fresh process)
HANG = 30
#: in-process, without start-up, every case finishes well within this
LIMIT = 3.0


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(argv: list[str]) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with alarm(HANG), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue(), time.monotonic() - start


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_refused_quickly(case: Hostile, tmp_path: Path) -> None:
    status, out, err, seconds = run(case.make(tmp_path))
    assert status == case.exit_code, (out, err)
    if case.exit_code == 2:
        assert out == ""
        assert err.startswith("symbp: error: ") and err.count("\n") == 1, err
    assert seconds < LIMIT, f"{seconds:.1f} s"


def test_the_corpus_covers_the_issue() -> None:
    assert len(CASES) >= 40
