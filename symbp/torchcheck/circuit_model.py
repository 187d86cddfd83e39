"""torch autograd on a circuit, from plain data, here or in a worker process started early.

A circuit's torch check needs only its gates as data (each gate's torch function from the table,
its inputs by name or as constants) and the inputs' values, so the CLI sends them to a worker as
soon as the expression is read and derives with sympy meanwhile: `import torch` then overlaps the
symbolic work, as for networks (symbp.torchcheck.worker). Neither this module nor what it imports
loads sympy.

    job = CircuitJob(...)
    pending = start(job)          # returns at once (or computes at once if torch is loaded)
    by_torch = pending.result()   # {node name: ∂objective/∂node}, or SymbpError
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
from functools import reduce
from typing import Any, NamedTuple

from symbp.errors import SymbpError

TIMEOUT_SECONDS = 300.0


class TorchGate(NamedTuple):
    name: str
    function: str  # the table's torch function ("torch.mul"); empty: the identity
    variadic: bool  # folded pairwise over its inputs (add, multiply)
    args: tuple[str | float, ...]  # a node's name, or a constant


class CircuitJob(NamedTuple):
    """A circuit as plain data: what torch needs to evaluate and differentiate it."""

    dtype: str
    inputs: tuple[tuple[str, float], ...]
    gates: tuple[TorchGate, ...]
    root: str
    wanted: tuple[str, ...]


def _function(torch: Any, dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    owner = torch if module == "torch" else importlib.import_module(module)
    return getattr(owner, name)


def gradients(job: CircuitJob) -> dict[str, float]:
    """∂root/∂node by torch autograd for every wanted node, computed in this process."""
    import torch

    kind = getattr(torch, job.dtype)
    tensors: dict[str, Any] = {
        name: torch.tensor(value, dtype=kind, requires_grad=True) for name, value in job.inputs
    }
    for gate in job.gates:
        args = [
            tensors[a] if isinstance(a, str) else torch.tensor(a, dtype=kind) for a in gate.args
        ]
        if not gate.function:
            result = args[0]
        else:
            function = _function(torch, gate.function)
            result = reduce(function, args) if gate.variadic else function(*args)
        if gate.name in job.wanted:
            result.retain_grad()
        tensors[gate.name] = result
    tensors[job.root].backward()
    found: dict[str, float] = {}
    for name in job.wanted:
        grad = tensors[name].grad
        found[name] = 1.0 if name == job.root else (0.0 if grad is None else float(grad.item()))
    return found


class Pending:
    """A started torch check: `result()` waits for it; `cancel()` stops the worker."""

    def __init__(
        self, process: subprocess.Popen[bytes] | None, ready: dict[str, float] | None = None
    ) -> None:
        self._process = process
        self._ready = ready

    def result(self, timeout: float = TIMEOUT_SECONDS) -> dict[str, float]:
        if self._ready is not None:
            return self._ready
        assert self._process is not None
        try:
            out, err = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise SymbpError(f"the torch check did not finish within {timeout:g} s") from None
        try:
            status, payload = pickle.loads(out) if self._process.returncode == 0 else ("", "")
        except Exception:  # noqa: BLE001 - whatever the bytes were, they are not our answer
            status, payload = "", ""
        if status == "ok" and isinstance(payload, dict):
            self._ready = {str(k): float(v) for k, v in payload.items()}
            return self._ready
        if status == "error":
            raise SymbpError(f"the torch check failed: {payload}")
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise SymbpError(f"the torch check's worker failed: {last[0][:300]}")

    def cancel(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


class Worker:
    """A worker process importing torch already, waiting for its job on stdin (the CLI starts
    it before it reads the expression, so that even sympy's import overlaps torch's)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "symbp.torchcheck.circuit_model"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def send(self, job: CircuitJob) -> Pending:
        process = self.process
        assert process.stdin is not None
        try:
            process.stdin.write(pickle.dumps(job))
            process.stdin.close()
        except BrokenPipeError:
            pass  # result() reports how the worker died
        process.stdin = None
        return Pending(process)

    def cancel(self) -> None:
        Pending(self.process).cancel()


def spawn() -> Worker | None:
    """A worker started now, or None when torch is loaded here already (nothing to hide)."""
    return None if "torch" in sys.modules else Worker()


def start(job: CircuitJob, worker: Worker | None = None) -> Pending:
    """torch's side of the check: in `worker` when one was spawned, at once when torch is
    loaded already, else in a new worker."""
    if worker is not None:
        return worker.send(job)
    if "torch" in sys.modules:
        return Pending(None, gradients(job))
    return Worker().send(job)


def _serve() -> int:
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # whatever torch prints goes to stderr, not into the answer
    answer: tuple[str, object]
    try:
        import torch  # noqa: F401 - while the main process is still reading the expression

        job = CircuitJob(*pickle.loads(sys.stdin.buffer.read()))
        job = job._replace(gates=tuple(TorchGate(*gate) for gate in job.gates))
        answer = ("ok", gradients(job))
    except Exception as error:  # noqa: BLE001 - reported as one line by the main process
        answer = ("error", f"{type(error).__name__}: {' '.join(str(error).split())}"[:300])
    data = memoryview(pickle.dumps(answer))
    while data:
        data = data[os.write(answer_fd, data) :]
    os._exit(0)  # torch's teardown costs time and the answer is sent


if __name__ == "__main__":
    raise SystemExit(_serve())
