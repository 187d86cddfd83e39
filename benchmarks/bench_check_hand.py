"""Figures for check-hand: how long a check takes, how fast hostile formulas are refused, and
how many pairs of catalogue mistakes (written by the independent script of the tests) are named
first. Run from the repository root: python benchmarks/bench_check_hand.py
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symbp.errors import SymbpError  # noqa: E402
from symbp.handcheck import check_hand, parse_plain  # noqa: E402
from symbp.handcheck.formula import parse_formula  # noqa: E402
from tests.test_handcheck import MISTAKES, as_plain, student  # noqa: E402

SAME_ASPECT = [
    {"missing_sigma_prime", "sigma_prime_of_z"},
    {"half_dropped", "half_doubled"},
    {"added_gradients", "updated_output_weights"},
    {"dropped_path_o1", "dropped_path_o2"},
]


def main() -> None:
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

    start = time.perf_counter()
    check_hand(parse_plain(as_plain(student())))
    print(f"a right 33-number calculation: {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    check_hand(parse_plain(as_plain(student("added_gradients"))))
    print(f"a wrong one, with the catalogue's diagnosis: {time.perf_counter() - start:.2f} s")

    named = missed = 0
    singles = [m for m in MISTAKES if m != "learning_rate"]
    for a, b in itertools.combinations(singles, 2):
        if {a, b} in SAME_ASPECT:
            continue
        report = check_hand(parse_plain(as_plain(student(a, b))))
        first = set(report.diagnoses[0].keys) if report.diagnoses else set()
        if first == {a, b}:
            named += 1
        else:
            missed += 1
            print("missed pair:", a, b)
    print(f"pairs of mistakes named first: {named} of {named + missed}")


if __name__ == "__main__":
    main()
