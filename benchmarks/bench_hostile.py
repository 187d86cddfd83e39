"""The hostile corpus (tests/hostile.py), each case in a fresh `python -m symbp` process: its exit
status, wall time and peak resident memory (from wait4's rusage of that one child).

Run from the repository root:  python3 benchmarks/bench_hostile.py
Targets: exit status as the case says (2 for bad input), under 3 s, memory bounded (a bare
`python -m symbp` start-up is printed first for comparison).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import CASES  # noqa: E402

TIME_LIMIT = 3.0


def measure(argv: list[str]) -> tuple[int, float, float]:
    """Exit status, seconds and peak RSS in MB of `python -m symbp argv` in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "symbp", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, seconds, usage.ru_maxrss / 1024


def main() -> None:
    _, seconds, peak = measure(["--version"])
    print(f"{'python -m symbp --version':44} exit 0  {seconds:5.2f} s  {peak:6.1f} MB")
    slowest = largest = 0.0
    failures = 0
    for case in CASES:
        with tempfile.TemporaryDirectory() as directory:
            status, seconds, peak = measure(case.make(Path(directory)))
        ok = status == case.exit_code and seconds < TIME_LIMIT
        failures += not ok
        slowest, largest = max(slowest, seconds), max(largest, peak)
        mark = "" if ok else f"  <- expected exit {case.exit_code} in < {TIME_LIMIT:g} s"
        print(f"{case.name[:44]:44} exit {status}  {seconds:5.2f} s  {peak:6.1f} MB{mark}")
    print(
        f"\n{len(CASES)} hostile cases: slowest {slowest:.2f} s, largest peak RSS "
        f"{largest:.1f} MB, {failures} outside their target"
    )


if __name__ == "__main__":
    main()
