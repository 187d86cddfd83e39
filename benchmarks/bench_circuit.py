"""The 30-gate circuit benchmark (issue 20): derive every gradient with the torch check, against
`python -c "import torch"` alone.

`python benchmarks/bench_circuit.py` writes the test's 30-gate expression (tests/
test_circuit_diagram.py) to a spec, then times, alternately and N times each, `python -c
"import torch"` and `python -m symbp derive --spec thirty.toml --all` (text output, torch and
central-difference check), and prints the medians and their ratio (the target is 1.1 or less).
"""

from __future__ import annotations

import argparse
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


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", default="text")
    args = parser.parse_args()
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
    t, d = statistics.median(torch_times), statistics.median(derive_times)
    print(f"import torch: {t:.3f} s (median of {args.runs})")
    print(f"symbp derive, 30 gates, every gradient and the torch check: {d:.3f} s")
    print(f"ratio: {d / t:.2f} (target <= 1.1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
