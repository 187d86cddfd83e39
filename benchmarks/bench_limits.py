"""Time and peak memory of symbp's commands on the largest networks the documented limits accept.

Each command runs in a fresh `python -m symbp` process (wall time, and peak RSS from wait4's
rusage of that one child), stopped after a timeout. Then, in this process, the stages of
`derive --all --no-check` on each network are timed apart: symbolic (graph and backward sweep,
then every derivation object), numeric (compile and evaluate) and rendering (text), the last on
a sample of weights and extrapolated, so that the report can say which part dominates.

Then the sample limits: the largest sample counts the spec reader accepts (10,000 samples,
and samples × parameters at MAX_SAMPLE_PARAMETERS), every command on each.

Run from the repository root:  python3 benchmarks/bench_limits.py [--quick] [--samples-only]
Targets: `derive --weight w1` ≤ 5 s, `derive --all --no-check` ≤ 120 s; with samples, every
command under 60 s and 1 GB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NETWORKS = {
    "[2, 2, 2] (MOOC shape)": [2, 2, 2],
    "[32, 32, 32]": [32, 32, 32],
    "[2]×8": [2] * 8,
    "[2,3,3,3,3,3,3,2]": [2, 3, 3, 3, 3, 3, 3, 2],
    "[128,128]": [128, 128],
    "[128,128,28]": [128, 128, 28],
    "[100,100,100]": [100, 100, 100],
}
COMMANDS = {
    "derive --weight w1 --no-check": ["derive", "--weight", "w1", "--no-check"],
    "derive --weight w1": ["derive", "--weight", "w1"],
    "check": ["check"],
    "derive --all --no-check >/dev/null": ["derive", "--all", "--no-check"],
    "derive --all --no-check | consumer": ["derive", "--all", "--no-check"],
    "derive --all --no-check --format json": ["derive", "--all", "--no-check", "--format", "json"],
    "handout -o handout.html": ["handout", "-o", "{directory}/handout.html"],
    "step": ["step"],
}


#: networks at the sample limits: (layers, samples); samples × weights at the bound
SAMPLE_NETWORKS = {
    "[2, 2, 2] × 10,000 samples": ([2, 2, 2], 10_000),
    "[2, 4, 2] × 10,000 samples (16 weights)": ([2, 4, 2], 10_000),
    "[8, 16, 8] × 781 samples (256 weights)": ([8, 16, 8], 781),
    "[2, 128, 128, 2] × 11 samples (16,896 weights)": ([2, 128, 128, 2], 11),
}
SAMPLE_COMMANDS = {
    "derive --weight w1": ["derive", "--weight", "w1"],
    "derive --wrt x1": ["derive", "--wrt", "x1"],
    "check": ["check"],
    "step": ["step"],
    "step --format json": ["step", "--format", "json"],
    "train --steps 20": ["train", "--steps", "20"],
    "handout -o handout.html": ["handout", "-o", "{directory}/handout.html"],
    "export --torch": ["export", "--torch"],
}


def spec_file(layers: list[int], directory: Path, samples: int = 1) -> Path:
    path = directory / f"net_{'_'.join(map(str, layers))}_{samples}.json"
    inputs = [
        [round(0.1 * ((i + n) % 7) - 0.3, 2) for i in range(layers[0])] for n in range(samples)
    ]
    targets = [
        [round(0.1 * ((k + n) % 5) + 0.2, 2) for k in range(layers[-1])] for n in range(samples)
    ]
    document = {
        "title": f"limits {layers}",
        "layers": layers,
        "inputs": inputs[0] if samples == 1 else inputs,
        "targets": targets[0] if samples == 1 else targets,
        "weights": {"random": "uniform", "seed": 1},
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def measure(argv: list[str], timeout: float, to_pipe: bool) -> tuple[str, float, float]:
    """'ok'/'exit N'/'timeout', seconds and peak RSS (MB) of one fresh symbp process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(
            [sys.executable, "-m", "symbp", *argv],
            stdout=subprocess.PIPE if to_pipe else devnull,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        deadline = start + timeout
        if to_pipe:  # a consumer that reads everything, as a pager or a file would
            assert process.stdout is not None
            os.set_blocking(process.stdout.fileno(), False)
        timed_out = False
        while True:
            if to_pipe:
                assert process.stdout is not None
                try:
                    while process.stdout.read(1 << 16):
                        pass
                except BlockingIOError:
                    pass
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                timed_out = True
                break
            time.sleep(0.02)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    outcome = "timeout" if timed_out else ("ok" if code in (0, 1) else f"exit {code}")
    if code == 2:
        outcome = "refused"
    return outcome, seconds, usage.ru_maxrss / 1024


def stages(path: Path, sample: int) -> str:
    """Symbolic, numeric and rendering seconds of derive --all --no-check, in this process."""
    from symbp.api.problem import Derivations
    from symbp.core.derive import backward_sweep, derive, printed_terms
    from symbp.core.graph import Network
    from symbp.core.numeric import CompiledNetwork
    from symbp.core.spec import load_spec

    start = time.perf_counter()
    network = Network(load_spec(path))
    sweep = backward_sweep(network)
    derivations = [derive(network, w.name, sweep=sweep) for w in network.weights]
    symbolic = time.perf_counter() - start
    start = time.perf_counter()
    evaluation = CompiledNetwork(network, sweep).evaluate()
    numeric = time.perf_counter() - start
    step = max(1, len(derivations) // sample)
    chosen = derivations[::step]
    start = time.perf_counter()
    out = io.StringIO()
    for chunk in Derivations(tuple(chosen), evaluation).render_chunks("text"):
        out.write(chunk)
    rendering = (time.perf_counter() - start) * len(derivations) / len(chosen)
    terms = printed_terms(network, [w.name for w in network.weights])
    return (
        f"symbolic {symbolic:.1f} s, numeric {numeric:.1f} s, rendering ≈ {rendering:.0f} s "
        f"(from {len(chosen)} of {len(derivations)} weights; {terms:,} printed terms)"
    )


def sample_limits(directory: str, timeout: float) -> None:
    """Every command on the networks at the sample limits: time and peak memory."""
    slowest = largest = 0.0
    for name, (layers, samples) in SAMPLE_NETWORKS.items():
        path = spec_file(layers, Path(directory), samples)
        print(f"{name} ({path.stat().st_size / 1000:.0f} KB spec)", flush=True)
        for label, argv in SAMPLE_COMMANDS.items():
            argv = [part.replace("{directory}", directory) for part in argv]
            outcome, seconds, peak = measure([*argv, "--spec", str(path)], timeout, False)
            slowest, largest = max(slowest, seconds), max(largest, peak)
            shown = f"> {timeout:.0f} s" if outcome == "timeout" else f"{seconds:.2f} s"
            print(f"  {label:38} {outcome:8} {shown:>9}  peak {peak:7.1f} MB", flush=True)
    print(f"sample limits: slowest {slowest:.1f} s, largest peak {largest:.0f} MB\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300, help="seconds per command")
    parser.add_argument("--quick", action="store_true", help="skip the derive --all runs")
    parser.add_argument("--sample", type=int, default=200, help="weights rendered per network")
    parser.add_argument("--samples-only", action="store_true", help="only the sample limits")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        sample_limits(directory, args.timeout)
        if args.samples_only:
            return
        for name, layers in NETWORKS.items():
            path = spec_file(layers, Path(directory))
            weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
            print(f"{name}: {weights:,} weights", flush=True)
            for label, argv in COMMANDS.items():
                if args.quick and "--all" in argv:
                    continue
                argv = [part.replace("{directory}", directory) for part in argv]
                outcome, seconds, peak = measure(
                    [*argv, "--spec", str(path)], args.timeout, "consumer" in label
                )
                shown = f"> {args.timeout:.0f} s" if outcome == "timeout" else f"{seconds:.2f} s"
                print(f"  {label:38} {outcome:8} {shown:>9}  peak {peak:7.1f} MB", flush=True)
        # in a child each, so that this process stays small: a forked child's peak memory
        # starts from its parent's
        print("\nstages of derive --all --no-check, in this process's child:")
        for name, layers in NETWORKS.items():
            path = spec_file(layers, Path(directory))
            code = (
                f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                "from benchmarks.bench_limits import stages; "
                f"print(stages(__import__('pathlib').Path({str(path)!r}), {args.sample}))"
            )
            result = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT
            )
            print(f"  {name}: {(result.stdout or result.stderr).strip()}", flush=True)


if __name__ == "__main__":
    main()
