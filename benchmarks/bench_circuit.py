"""The 30-gate circuit benchmark (issue 20): derive every gradient with the torch check, against
`python -c "import torch"` alone.

`python benchmarks/bench_circuit.py` writes the test's 30-gate expression (tests/
test_circuit_diagram.py) to a spec, then times, alternately and N times each, `python -c
"import torch"` and `python -m symbp derive --spec thirty.toml --all` (text output, torch and
central-difference check), and prints the medians and their ratio (the target is 1.1 or less).

It prints the CPU seconds (user + system, the worker's included) beside the wall-clock ones,
and the load average: the CLI overlaps torch's import (in a worker) with sympy's work, which
takes two idle cores; on a loaded machine the two share what is left and the wall-clock ratio
drifts towards the CPU ratio. symbp's bytecode is compiled first (compileall), as pip does when
it installs symbp: with PYTHONDONTWRITEBYTECODE set, a working copy would otherwise compile every
module of symbp on every run, which torch's and sympy's installed bytecode never pays.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _spec(directory: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.test_circuit_diagram import THIRTY_GATES

    text, values = THIRTY_GATES
    table = ", ".join(f"{name} = {value!r}" for name, value in values.items())
    path = directory / "thirty.toml"
    path.write_text(f'expression = """\n{text}\n"""\nvalues = {{ {table} }}\n', "utf-8")
    return path


def _seconds(command: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", default="text")
    args = parser.parse_args()
    import compileall

    compileall.compile_dir(ROOT / "symbp", quiet=1)  # as pip install does
    with tempfile.TemporaryDirectory() as directory:
        spec = _spec(Path(directory))
        derive = [sys.executable, "-m", "symbp", "derive", "--spec", str(spec), "--all"]
        derive += ["--format", args.format]
        torch = [sys.executable, "-c", "import torch"]
        _seconds(torch)  # warm the file cache
        torch_times, derive_times = [], []
        for _ in range(args.runs):
            torch_times.append(_seconds(torch))
            derive_times.append(_seconds(derive))
    load = os.getloadavg()[0]
    t, d = (statistics.median(w for w, _ in times) for times in (torch_times, derive_times))
    tc, dc = (statistics.median(c for _, c in times) for times in (torch_times, derive_times))
    print(f"load average {load:.2f} on {os.cpu_count()} cores")
    print(f"import torch: {t:.3f} s wall, {tc:.3f} s CPU (medians of {args.runs})")
    print(
        f"symbp derive, 30 gates, every gradient and the torch check: {d:.3f} s wall, "
        f"{dc:.3f} s CPU"
    )
    print(f"ratio: {d / t:.2f} wall, {dc / tc:.2f} CPU (target <= 1.1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
