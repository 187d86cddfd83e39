"""The long round of the spec fuzzer (tests/spec_fuzz.py): many generated specs, one in ten at
or just past the documented size limits, through every command in-process; it prints how many
were accepted and refused, the problems (tracebacks, runs past the time limit, a second line on
stderr, non-strict JSON), and the slowest command.

Run from the repository root:  python3 benchmarks/bench_fuzz.py [--examples N] [--limit S]
Target: 0 problems.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from tests.spec_fuzz import COMMANDS, Tally, exercise, spec_documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="specs to generate")
    parser.add_argument("--limit", type=int, default=120, help="seconds a command may take")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed")
    args = parser.parse_args()
    tally = Tally()
    start = time.monotonic()

    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(spec_documents(extreme=True, limits=True))
    def fuzz(text: str) -> None:
        with tempfile.TemporaryDirectory() as directory:
            exercise(text, Path(directory), tally, args.limit, COMMANDS)
        if tally.specs % 100 == 0:
            print(f"  {tally.specs} specs, {len(tally.problems)} problems so far", flush=True)

    seed(args.seed)(fuzz)()
    minutes = (time.monotonic() - start) / 60
    print(
        f"\nspec fuzzer, long round: {tally.specs} specs in {minutes:.1f} min, "
        f"{tally.accepted} accepted (every command run), {tally.refused} refused with one clean "
        f"line, {tally.runs} commands run; slowest {tally.slowest[0]:.1f} s "
        f"({tally.slowest[1]}); {len(tally.problems)} problems"
    )
    print(
        f"accepted at the limits (over 1,000 weights or 8 layers): {tally.at_limits}, the "
        f"largest {tally.largest:,} weights"
    )
    print("seconds by command:", {k: round(v, 1) for k, v in sorted(tally.seconds.items())})
    for problem in tally.problems:
        print("  PROBLEM:", problem[:300])


if __name__ == "__main__":
    main()
