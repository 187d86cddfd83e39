"""The convolution benchmarks (issue 21): a teaching-size net against `python -c "import
torch"`, and an MNIST-size first layer's check, one kernel weight's derivation and peak memory.

`python benchmarks/bench_conv.py` writes two specs and prints:

- teaching net ([1, 6, 6], 2 filters 3×3, relu, max pool 2, dense 2 sigmoid): the median wall
  time of `symbp derive --all` (every gradient, torch check and central differences) and of
  `python -c "import torch"`, run alternately N times, and their ratio (target ≤ 1.1);
- MNIST-size ([1, 28, 28], 4 filters 5×5, relu, max pool 2, dense 10 softmax, cross-entropy):
  `symbp check` (target ≤ 15 s), `symbp derive --weight conv1_w[0,0,2,2]` with its torch check
  (target ≤ 5 s), each with its user CPU time and its peak resident memory (target ≤ 1 GB),
  taken from the process and its torch worker by wait4.

Figures only; no test times anything. On a loaded machine wall times say little: the CPU
times are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def teaching_spec() -> dict[str, object]:
    image = [[[round(0.1 * ((3 * i + 5 * j) % 7) - 0.3, 2) for j in range(6)] for i in range(6)]]
    return {
        "title": "Teaching net",
        "layers": [
            [1, 6, 6],
            {"conv": 2, "kernel": 3, "activation": "relu"},
            {"pool": "max", "size": 2},
            {"dense": 2, "activation": "sigmoid"},
        ],
        "inputs": image,
        "weights": {"random": "uniform", "seed": 21},
        "bias_values": {"conv1": [0.1, -0.1]},
        "targets": [1.0, 0.0],
    }


def mnist_spec() -> dict[str, object]:
    import numpy as np

    image = np.random.default_rng(28).uniform(0, 1, (1, 28, 28)).round(3).tolist()
    return {
        "title": "MNIST-size first layer",
        "layers": [
            [1, 28, 28],
            {"conv": 4, "kernel": 5, "activation": "relu"},
            {"pool": "max", "size": 2},
            {"dense": 10, "activation": "softmax"},
        ],
        "loss": "cross_entropy",
        "inputs": image,
        "weights": {"random": "uniform", "seed": 1},
        "targets": 3,
    }


def _run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, user CPU seconds and peak resident MB of a command and its children."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return wall, usage.ru_utime, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    symbp = [sys.executable, "-m", "symbp"]
    with tempfile.TemporaryDirectory() as directory:
        teaching = Path(directory) / "teaching.json"
        teaching.write_text(json.dumps(teaching_spec()), "utf-8")
        mnist = Path(directory) / "mnist.json"
        mnist.write_text(json.dumps(mnist_spec()), "utf-8")
        torch = [sys.executable, "-c", "import torch"]
        derive_all = [*symbp, "derive", "--spec", str(teaching), "--all"]
        _run(torch)  # warm the file cache
        torch_runs, derive_runs = [], []
        for _ in range(args.runs):
            torch_runs.append(_run(torch))
            derive_runs.append(_run(derive_all))
        t = statistics.median(run[0] for run in torch_runs)
        d = statistics.median(run[0] for run in derive_runs)
        t_cpu = statistics.median(run[1] for run in torch_runs)
        d_cpu = statistics.median(run[1] for run in derive_runs)
        print(f"import torch: {t:.3f} s wall, {t_cpu:.2f} s user CPU (median of {args.runs})")
        print(
            f"teaching net, every gradient + torch check: {d:.3f} s wall, {d_cpu:.2f} s user "
            f"CPU (symbp and its torch worker together); wall ratio {d / t:.2f} (≤ 1.1)"
        )
        for label, command, target in (
            ("MNIST-size symbp check", [*symbp, "check", "--spec", str(mnist)], 15),
            (
                "MNIST-size derive --weight conv1_w[0,0,2,2]",
                [*symbp, "derive", "--spec", str(mnist), "--weight", "conv1_w[0,0,2,2]"],
                5,
            ),
        ):
            wall, user, memory = _run(command)
            print(
                f"{label}: {wall:.2f} s wall (≤ {target} s), {user:.2f} s user CPU, "
                f"peak {memory:.0f} MB (≤ 1024 MB)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
