"""symbp's speed, as one table: `python3 benchmarks/run.py` (about three minutes on 2 cores).

For each network size, in a fresh subprocess: derive every gradient (graph + backward sweep),
lambdify (compile the straight-line numpy function), check (evaluate, finite differences, torch
autograd); the wall time of `symbp check` on that network in a fresh process (what a user
waits, `import torch` included); naive `sympy.diff` of the fully expanded loss for every weight
(in a subprocess killed after --naive-timeout seconds); the cost of loss and gradients over the
loss alone; and one evaluation against torch autograd, per sample and per batch of 1,024.
Then start-up: `symbp derive --weight w1` and `symbp handout` against `import torch`, `derive
--no-check` and `check-hand` against `import sympy`, as medians and fastest runs over fresh
processes, interleaved so that a busy machine slows both sides alike (`--startup-only` for just
these), each with the machine's load average while it ran; and, less sensitive to load, what
`python -X importtime` says the sympy-bound commands import beyond `import sympy`.

Figures are printed, never asserted: the tests check correctness, this script measures speed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SIZES = ([2, 2, 2], [4, 4, 4], [8, 8, 8, 8], [16, 16, 16, 16], [32, 32, 32], [64, 64, 64])
BATCH = 1024
ROOT = Path(__file__).resolve().parent.parent


def _mapping(layers: Sequence[int]) -> dict[str, Any]:
    """A sigmoid network of these layer sizes with seeded random inputs, targets and weights."""
    import numpy as np

    rng = np.random.default_rng(sum(layers) * 1000 + len(layers))
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    return {
        "title": f"benchmark {list(layers)}",
        "layers": list(layers),
        "inputs": rng.uniform(-1, 1, layers[0]).tolist(),
        "targets": rng.uniform(0, 1, layers[-1]).tolist(),
        "weights": rng.uniform(-1, 1, n_weights).tolist(),
    }


def _fastest(*runs: Callable[[], object], budget: float = 1.0) -> list[float]:
    """The fastest time of each of `runs`, timed in alternation so that load hits all alike."""
    for run in runs:
        run()
    best = [float("inf")] * len(runs)
    deadline = time.perf_counter() + budget
    rounds = 0
    while rounds < 5 or (time.perf_counter() < deadline and rounds < 10_000):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - start)
        rounds += 1
    return best


def worker(layers: Sequence[int]) -> dict[str, float]:
    """Every in-process figure for one network size (run in its own subprocess)."""
    import numpy as np

    start = time.perf_counter()
    import torch

    import_torch = time.perf_counter() - start

    from symbp.core.derive import backward_sweep
    from symbp.core.graph import Network
    from symbp.core.numeric import CompiledNetwork
    from symbp.core.spec import spec_from_mapping
    from symbp.torchcheck.check import check

    spec = spec_from_mapping(_mapping(layers))
    marks = [time.perf_counter()]
    network = Network(spec)
    sweep = backward_sweep(network)
    marks.append(time.perf_counter())
    compiled = CompiledNetwork(network, sweep)
    marks.append(time.perf_counter())
    evaluation = compiled.evaluate()
    result = check(evaluation, compiled.finite_differences(), "float64")
    marks.append(time.perf_counter())
    if not result.passed:
        raise SystemExit(f"{list(layers)}: symbp disagrees with torch")

    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (layers[0], BATCH))
    y = rng.uniform(0, 1, (layers[-1], BATCH))
    w = np.asarray(spec.weights)
    loss_alone, loss_and_gradients = _fastest(
        lambda: compiled.loss(x, y, w), lambda: compiled.loss_and_gradients(x, y, w), budget=3.0
    )

    torch.set_num_threads(1)
    matrices = _torch_matrices(spec, torch)

    def torch_step(inputs: Any, targets: Any) -> None:
        for matrix in matrices:
            matrix.grad = None
        activation = inputs
        for matrix in matrices:
            activation = torch.sigmoid(matrix @ activation)
        (0.5 * ((activation - targets) ** 2).sum()).backward()

    x1 = torch.tensor(spec.inputs, dtype=torch.float64)
    y1 = torch.tensor(spec.targets, dtype=torch.float64)
    xb, yb = torch.from_numpy(x), torch.from_numpy(y)
    symbp_sample, torch_sample = _fastest(compiled.evaluate, lambda: torch_step(x1, y1))
    torch_batch = _fastest(lambda: torch_step(xb, yb))[0]
    return {
        "weights": len(network.weights),
        "derive": marks[1] - marks[0],
        "lambdify": marks[2] - marks[1],
        "check": marks[3] - marks[2],
        "import_torch": import_torch,
        "gradient_over_loss": loss_and_gradients / loss_alone,
        "symbp_sample": symbp_sample,
        "torch_sample": torch_sample,
        "symbp_batch": loss_and_gradients,
        "torch_batch": torch_batch,
    }


def _torch_matrices(spec: Any, torch: Any) -> list[Any]:
    """One float64 leaf tensor per layer, matrix[target][source], filled by the numbering."""
    matrices = []
    for layer in range(1, len(spec.layers)):
        matrix = torch.zeros(spec.layers[layer], spec.layers[layer - 1], dtype=torch.float64)
        for edge, value in zip(spec.edges, spec.weights, strict=True):
            if edge.layer == layer:
                matrix[edge.target, edge.source] = value
        matrices.append(matrix.requires_grad_())
    return matrices


def naive(layers: Sequence[int]) -> float:
    """sympy.diff of the loss written out in full (σ as 1/(1 + e^−z)), once per weight."""
    import sympy as sp

    from symbp.core.graph import Network
    from symbp.core.spec import spec_from_mapping

    start = time.perf_counter()
    network = Network(spec_from_mapping(_mapping(layers)))
    loss = network.closed_form(network.loss).rewrite(sp.exp)
    for weight in network.weights:
        sp.diff(loss, weight.symbol)
    return time.perf_counter() - start


def _subprocess_json(args: list[str], timeout: float | None = None) -> Any:
    completed = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
        env=_environment(),
    )
    return json.loads(completed.stdout)


def _environment() -> dict[str, str]:
    """This checkout's symbp first on the path, for every subprocess, with bytecode caching on:
    an installed symbp has its .pyc files as sympy and torch have theirs, and without them every
    start-up would measure compiling symbp's sources (PYTHONDONTWRITEBYTECODE)."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def _symbp_command() -> list[str]:
    """The `symbp` console script next to this Python when it runs this checkout's entry point
    (a virtual environment made by .ci/setup), else `python -m symbp`, which runs the same."""
    script = Path(sys.executable).with_name("symbp")
    if script.exists() and "from symbp.cli import run" in script.read_text(errors="replace"):
        return [str(script)]
    return [sys.executable, "-m", "symbp"]


def _wall(command: list[str], allow_exit_1: bool = False) -> float:
    """Seconds from start to exit of a fresh process; exit 1 is allowed where it is the answer
    (check-hand's example holds the course's wrong numbers on purpose)."""
    return _run_timed(command, allow_exit_1)[0]


def _run_timed(command: list[str], allow_exit_1: bool = False) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the process and every process it waited
    for, such as symbp's torch worker) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_environment()
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in ((0, 1) if allow_exit_1 else (0,)):
        raise SystemExit(f"{' '.join(command)} failed: {completed.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


#: start-up comparisons: (symbp command, baseline, target ratio), as the issue states them
STARTUP = (
    ("derive --weight w1", "import torch", 1.05),
    ("handout -o h.html", "import torch", 1.1),
    ("derive --weight w1 --no-check", "import sympy", 1.3),
    ("check-hand examples/hand_mooc_8_3.txt", "import sympy", 1.5),
)


def startup(runs: int) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Medians and minimums over `runs` fresh processes of each symbp command of STARTUP and
    each baseline (`python -c "import ..."`), every round running every command once, so that
    a busy machine slows all of them alike."""
    symbp = _symbp_command()
    with tempfile.TemporaryDirectory() as folder:
        commands: dict[str, list[str]] = {}
        for arguments, baseline, _ in STARTUP:
            commands.setdefault(baseline, [sys.executable, "-c", baseline])
            words = arguments.split()
            words = [str(ROOT / w) if w.startswith("examples/") else w for w in words]
            words = [str(Path(folder) / w) if w == "h.html" else w for w in words]
            commands[arguments] = [*symbp, *words]
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():
            _wall(command, allow_exit_1=True)  # warm the file cache
        for _ in range(runs):
            for name, command in commands.items():
                wall, used = _run_timed(command, allow_exit_1=True)
                times[name].append(wall)
                cpu[name].append(used)
    medians = {name: statistics.median(values) for name, values in times.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    return medians, {name: min(values) for name, values in times.items()}, cpu_medians


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes): start-up ratios mean little on a busy one."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def startup_lines(runs: int) -> list[str]:
    """One line per STARTUP comparison: median and fastest ratios against the target, then the
    load average before and after, and the import-time deltas of the sympy-bound commands."""
    load_before = _load()
    medians, fastest, cpu = startup(runs)
    load_after = _load()
    lines = []
    for arguments, baseline, target in STARTUP:
        median_ratio = medians[arguments] / medians[baseline]
        fastest_ratio = fastest[arguments] / fastest[baseline]
        verdict = "met" if max(median_ratio, fastest_ratio) <= target else "NOT met"
        lines.append(
            f"`symbp {arguments}`: {_seconds(medians[arguments])} = **{median_ratio:.2f}×** "
            f'`python -c "{baseline}"` ({_seconds(medians[baseline])}); fastest runs '
            f"{_seconds(fastest[arguments])} / {_seconds(fastest[baseline])} = "
            f"{fastest_ratio:.2f}×; target ≤ {target}×: {verdict}. CPU time "
            f"{_seconds(cpu[arguments])} / {_seconds(cpu[baseline])} = "
            f"{cpu[arguments] / cpu[baseline]:.2f}×"
        )
    lines.append(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    lines += importtime_lines(3)
    return lines


def _import_times(command: list[str]) -> dict[str, int]:
    """Each module's own import time in µs (`python -X importtime`) in one fresh process."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
    )
    found: dict[str, int] = {}
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        found[name.strip()] = int(own)
    return found


def _fastest_import_times(command: list[str], runs: int) -> dict[str, int]:
    """Per module, the least of `runs` fresh processes' import times (the least disturbed)."""
    samples = [_import_times(command) for _ in range(runs)]
    return {name: min(s.get(name, times) for s in samples) for name, times in samples[0].items()}


def importtime_lines(runs: int) -> list[str]:
    """For each command measured against `import sympy`: the import time of the modules it
    imports that `import sympy` does not, in all and by the largest groups (symbp's modules by
    package, others by top-level name), least of `runs` processes per module."""
    baseline = _fastest_import_times(["-c", "import sympy"], runs)
    lines = [f'`python -c "import sympy"` imports for {sum(baseline.values()) / 1000:.0f} ms']
    for arguments, baseline_name, _ in STARTUP:
        if baseline_name != "import sympy":
            continue
        words = [str(ROOT / w) if w.startswith("examples/") else w for w in arguments.split()]
        times = _fastest_import_times(["-m", "symbp", *words], runs)
        extra = {name: us for name, us in times.items() if name not in baseline}
        groups: dict[str, int] = {}
        for name, us in extra.items():
            parts = name.split(".")
            group = ".".join(parts[:2]) if parts[0] in ("symbp", "sympy") else parts[0]
            groups[group] = groups.get(group, 0) + us
        largest = sorted(groups.items(), key=lambda item: -item[1])[:6]
        shown = ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in largest)
        lines.append(
            f"`symbp {arguments}` imports {sum(extra.values()) / 1000:.0f} ms beyond "
            f"`import sympy`: {shown}"
        )
    return lines


def _emit(line: str) -> None:
    """One line of the report, written at once so that a long run shows its progress."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def _micro(value: float) -> str:
    if value >= 1e-3:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--naive", help=argparse.SUPPRESS)
    parser.add_argument("--naive-timeout", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument("--runs", type=int, default=11, help="fresh processes per start-up median")
    parser.add_argument("--sizes", default=json.dumps(SIZES), help="layer lists, as JSON")
    parser.add_argument(
        "--startup-only", action="store_true", help="only the start-up comparisons (a minute)"
    )
    args = parser.parse_args(argv)
    if args.startup_only:
        for line in startup_lines(args.runs):
            _emit(f"- {line}")
        return 0
    if args.worker:
        sys.stdout.write(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.naive:
        sys.stdout.write(json.dumps(naive(json.loads(args.naive))))
        return 0

    header = (
        "| network | weights | derive | lambdify | check | total | per weight "
        "| `symbp check`, fresh process | naive sympy.diff | speed-up "
        "| gradients+loss / loss | 1 sample: symbp / torch | 1,024 samples: symbp / torch |"
    )
    columns = header.count("|") - 1
    _emit(header)
    _emit("|" + "---|" * columns)
    _wall([*_symbp_command(), "check"])  # warm the file cache for the first fresh process
    naive_exceeded = False
    import_torch = []
    with tempfile.TemporaryDirectory() as folder:
        for layers in json.loads(args.sizes):
            figures = _subprocess_json(["--worker", json.dumps(layers)])
            import_torch.append(figures["import_torch"])
            total = figures["derive"] + figures["lambdify"] + figures["check"]
            spec_path = Path(folder) / f"net{len(layers)}_{layers[1]}.json"
            spec_path.write_text(json.dumps(_mapping(layers)))
            cli = _wall([*_symbp_command(), "check", "--spec", str(spec_path)])
            if naive_exceeded:
                naive_text, speed_up = f"> {args.naive_timeout:.0f} s", "—"
            else:
                try:
                    seconds = _subprocess_json(
                        ["--naive", json.dumps(layers)], timeout=args.naive_timeout
                    )
                    naive_text = _seconds(seconds)
                    speed_up = f"{seconds / figures['derive']:.0f}×"
                except subprocess.TimeoutExpired:
                    naive_exceeded = True
                    naive_text, speed_up = f"> {args.naive_timeout:.0f} s", "—"
            _emit(
                f"| {layers} | {figures['weights']:,} | {_seconds(figures['derive'])} "
                f"| {_seconds(figures['lambdify'])} | {_seconds(figures['check'])} "
                f"| **{_seconds(total)}** | {total / figures['weights'] * 1000:.2f} ms "
                f"| {_seconds(cli)} | {naive_text} | {speed_up} "
                f"| {figures['gradient_over_loss']:.1f}× "
                f"| {_micro(figures['symbp_sample'])} / {_micro(figures['torch_sample'])} "
                f"| {_micro(figures['symbp_batch'])} / {_micro(figures['torch_batch'])} |"
            )
    torch_seconds = statistics.median(import_torch) if import_torch else 0.0
    _emit("")
    for line in startup_lines(args.runs):
        _emit(f"- {line}")
    _emit("")
    _emit(
        f"derive = graph + backward sweep; lambdify = compiling the straight-line function; "
        f"check = evaluation, central finite differences of every weight and torch autograd; "
        f"total excludes `import torch` ({_seconds(torch_seconds)} once per "
        f"process), which the fresh-process `symbp check` column includes along with importing "
        f"sympy and numpy. Finite differences need two forward passes per weight, so their "
        f"share of check grows with the square of the weight count. Start-up figures are "
        f"medians and fastest of {args.runs} fresh processes each, run in alternation."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
