"""The recurrent-network benchmarks (issue 22), printed as figures (no timed tests).

`python benchmarks/bench_rnn.py` writes two random networks (seeded) to specs and times,
alternately and N times each:

1. 20 steps, hidden size 8: `symbp derive --spec … --all --format json` (every gradient, each
   shared weight's terms by step, the nn.RNN, torch-loop and central-difference check) against
   `python -c "import torch"` alone; the target is a ratio of 1.2 or less.
2. 100 steps, hidden size 16: `symbp check --spec …`; the target is 10 s or less.

It prints the medians and the ratio. On a loaded machine the figures vary from run to run.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def spec_data(steps: int, hidden: int, seed: int = 22) -> dict[str, object]:
    """A tanh network of 2 inputs, `hidden` units and 1 output, a target at every step."""
    rng = random.Random(seed)

    def matrix(rows: int, columns: int, scale: float) -> list[list[float]]:
        return [[round(rng.uniform(-scale, scale), 4) for _ in range(columns)] for _ in range(rows)]

    return {
        "title": f"benchmark: {steps} steps, hidden size {hidden}",
        "layers": [2, {"rnn": hidden, "activation": "tanh"}, {"dense": 1}],
        "inputs": matrix(steps, 2, 1.0),
        "targets": matrix(steps, 1, 1.0),
        "weights": {
            "W_xh": matrix(hidden, 2, 0.5),
            "W_hh": matrix(hidden, hidden, 0.3),
            "W_hy": matrix(1, hidden, 0.5),
        },
        "bias": {"b_ih": matrix(1, hidden, 0.1)[0], "b_hh": matrix(1, hidden, 0.1)[0]},
        "loss": "half_sse",
    }


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        small = Path(directory) / "rnn_20x8.json"
        small.write_text(json.dumps(spec_data(20, 8)), "utf-8")
        large = Path(directory) / "rnn_100x16.json"
        large.write_text(json.dumps(spec_data(100, 16)), "utf-8")
        symbp = [sys.executable, "-m", "symbp"]
        derive = [*symbp, "derive", "--spec", str(small), "--all", "--format", "json"]
        check = [*symbp, "check", "--spec", str(large)]
        torch = [sys.executable, "-c", "import torch"]
        _seconds(torch)  # warm the file cache
        torch_times, derive_times, check_times = [], [], []
        for _ in range(args.runs):
            torch_times.append(_seconds(torch))
            derive_times.append(_seconds(derive))
            check_times.append(_seconds(check))
    torch_median = statistics.median(torch_times)
    derive_median = statistics.median(derive_times)
    print(f"python -c 'import torch'             median {torch_median:.2f} s")
    print(f"derive 20 steps × 8 hidden (json)     median {derive_median:.2f} s")
    print(f"  ratio to import torch: {derive_median / torch_median:.2f} (target ≤ 1.2)")
    print(f"check 100 steps × 16 hidden           median {statistics.median(check_times):.2f} s")
    print("  (target ≤ 10 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
