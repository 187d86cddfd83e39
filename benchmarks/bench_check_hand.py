"""Figures for check-hand: its start-up against `import sympy` (target: at most 1.5 times), how
long a check takes, how fast hostile formulas are refused, and how many pairs of catalogue
mistakes (written by the independent script of the tests) are named first.
Run from the repository root: python3 benchmarks/bench_check_hand.py [--runs N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symbp.errors import SymbpError  # noqa: E402
from symbp.handcheck import check_hand, parse_plain  # noqa: E402
from symbp.handcheck.formula import parse_formula  # noqa: E402
from tests.hand_corpus.generate import MOOC, SINGLE_MISTAKES, Style, plain_file, work  # noqa: E402

#: mistakes that change the same thing, which no student makes together
ASPECTS = [
    {"missing_sigma_prime", "missing_sigma_prime_hidden", "missing_sigma_prime_output"}
    | {"sigma_prime_of_z"},
    {"half_dropped", "half_doubled"},
    {"added_gradients", "updated_output_weights"},
    {"dropped_path_o1", "dropped_path_o2"},
    {"numbering", "labels_swapped"},
]


def fresh(argv: list[str]) -> float:
    """Seconds of one fresh process (its output discarded)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - start


def latency(runs: int) -> None:
    """check-hand on the course's file against bare `import sympy`, run in alternation."""
    check = [sys.executable, "-m", "symbp", "check-hand", "examples/hand_mooc_8_3.txt"]
    sympy = [sys.executable, "-c", "import sympy"]
    fresh(check), fresh(sympy)  # warm the file cache
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(fresh(check))
        theirs.append(fresh(sympy))
    median_ratio = statistics.median(ours) / statistics.median(theirs)
    fastest_ratio = min(ours) / min(theirs)
    print(
        f"start-up: symbp check-hand examples/hand_mooc_8_3.txt {statistics.median(ours):.2f} s "
        f"(median of {runs}), python -c 'import sympy' {statistics.median(theirs):.2f} s: "
        f"{median_ratio:.2f}× (fastest runs {fastest_ratio:.2f}×; target 1.5×)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="start-up runs of each command")
    args = parser.parse_args()
    latency(args.runs)
    hostile = [
        "__import__('os').system('id')",
        "9**9**9**9",
        "h1.__class__",
        "(lambda: 0)()",
        "x1*" * 350_000 + "x1",
        "2^" * 100 + "2",
    ]
    for text in hostile:
        start = time.perf_counter()
        try:
            parse_formula(text, lambda name: None)
            outcome = "ACCEPTED"
        except SymbpError as error:
            outcome = str(error)[:60]
        print(f"refused in {(time.perf_counter() - start) * 1e3:7.3f} ms: {text[:24]!r}: {outcome}")

    def calculation(*mistakes: str) -> str:
        values = work(MOOC, frozenset(mistakes), 4)
        values = {k: v for k, v in values.items() if not k.startswith("Δ")}
        return plain_file(values, 4, Style(), []).decode()

    start = time.perf_counter()
    check_hand(parse_plain(calculation()))
    print(f"a right 33-number calculation: {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    check_hand(parse_plain(calculation("added_gradients")))
    print(f"a wrong one, with the catalogue's diagnosis: {time.perf_counter() - start:.2f} s")

    named = missed = 0
    for a, b in itertools.combinations(SINGLE_MISTAKES, 2):
        if any({a, b} <= aspect for aspect in ASPECTS):
            continue
        report = check_hand(parse_plain(calculation(a, b)))
        first = set(report.diagnoses[0].keys) if report.diagnoses else set()
        if first == {a, b}:
            named += 1
        else:
            missed += 1
            print("missed pair:", a, b, "named:", sorted(first))
    print(
        f"pairs of mistakes (made in plain Python by the corpus generator) named first: "
        f"{named} of {named + missed}"
    )


if __name__ == "__main__":
    main()
