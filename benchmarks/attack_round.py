"""The attack round (tests/attack.py): hostile specs, hand files, class files, tampered exercise
folders, wrong API calls and odd output targets, all in this process; it prints, per category,
the runs, tracebacks, hangs (past 60 s), injections that got through, and refusals that were not
one clean line, and the peak memory of the whole round (every run stays under it).

Run from the repository root:  python benchmarks/attack_round.py [--specs N] [--seed S]
Target: 0 tracebacks, 0 hangs, 0 injections, peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import attack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=600, help="generated specs")
    parser.add_argument("--hands", type=int, default=340, help="generated hand files")
    parser.add_argument("--classes", type=int, default=120, help="generated rosters")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=60, help="seconds a run may take")
    parser.add_argument("--only", help="one category (e.g. specs)")
    args = parser.parse_args()

    def progress(number: int, counts: attack.Counts) -> None:
        print(
            f"   ... {number} specs, {counts.runs} runs, {len(counts.problems)} problems",
            flush=True,
        )

    rounds = {
        "api calls": lambda: attack.attack_api(),
        "output targets": lambda: attack.attack_outputs(args.limit),
        "exercise folders": lambda: attack.attack_exercise_folders(args.seed, args.limit),
        "hand files": lambda: attack.attack_hand_files(args.hands, args.seed, args.limit),
        "class files": lambda: attack.attack_class_files(args.classes, args.seed, args.limit),
        "specs": lambda: attack.attack_specs(args.specs, args.seed, args.limit, progress),
    }
    if args.only:
        rounds = {args.only: rounds[args.only]}
    total = attack.Counts()
    print(
        f"{'category':18} {'runs':>6} {'tracebacks':>10} {'hangs':>6} {'injections':>10} "
        f"{'bad lines':>9} {'slowest':>8}  exits"
    )
    for name, go in rounds.items():
        start = time.monotonic()
        counts = go()
        total.merge(counts)
        exits = ", ".join(f"{code}: {n}" for code, n in sorted(counts.exits.items()))
        print(
            f"{name:18} {counts.runs:6} {len(counts.tracebacks):10} {len(counts.hangs):6} "
            f"{len(counts.injections):10} {len(counts.messages):9} {counts.slowest:7.1f}s  "
            f"{exits}  ({time.monotonic() - start:.0f} s)",
            flush=True,
        )
        for problem in counts.problems[:15]:
            print("   PROBLEM:", problem[:300], flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{'all':18} {total.runs:6} {len(total.tracebacks):10} {len(total.hangs):6} "
        f"{len(total.injections):10} {len(total.messages):9} {total.slowest:7.1f}s"
    )
    print(
        f"peak memory: this process {peak:.0f} MB, largest child (torch worker) {children:.0f} MB"
    )


if __name__ == "__main__":
    main()
