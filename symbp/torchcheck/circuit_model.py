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
import sys
from functools import reduce
from typing import Any, NamedTuple

from symbp.torchcheck.pending import Pending, launch, send, serve


def named_floats(payload: Any) -> dict[str, float] | None:
    """A worker's answer of named numbers (a gradient per input or parameter)."""
    if not isinstance(payload, dict):
        return None
    return {str(k): float(v) for k, v in payload.items()}


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


class Worker:
    """A worker process importing torch already, waiting for its job on stdin (the CLI starts
    it before it reads the expression, so that even sympy's import overlaps torch's)."""

    def __init__(self) -> None:
        self.process = launch("symbp.torchcheck.circuit_model")

    def send(self, job: CircuitJob) -> Pending[dict[str, float]]:
        return Pending(send(self.process, job), decode=named_floats)

    def cancel(self) -> None:
        Pending(self.process).cancel()


def spawn() -> Worker | None:
    """A worker started now, or None when torch is loaded here already (nothing to hide)."""
    return None if "torch" in sys.modules else Worker()


def start(job: CircuitJob, worker: Worker | None = None) -> Pending[dict[str, float]]:
    """torch's side of the check: in `worker` when one was spawned, at once when torch is
    loaded already, else in a new worker."""
    if worker is not None:
        return worker.send(job)
    if "torch" in sys.modules:
        return Pending(None, gradients(job))
    return Worker().send(job)


def _answer(loaded: tuple[Any, ...]) -> dict[str, float]:
    job = CircuitJob(*loaded)
    return gradients(job._replace(gates=tuple(TorchGate(*gate) for gate in job.gates)))


if __name__ == "__main__":
    serve(_answer)
