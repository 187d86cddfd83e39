"""The torch side of a check in a worker process, started before the symbolic work.

`import torch` takes longer than everything symbp does for a course-sized network, and the
torch check needs only the spec: so the CLI starts this worker as soon as it has read the spec,
derives with sympy meanwhile, and joins the two at the end. A command then takes about as long
as importing torch alone.

    pending = start_torch_check(spec, "float64")   # returns at once
    ...                                            # sympy work in this process
    by_torch = pending.result()                    # TorchGradients, or SymbpError

Neither this module nor what it imports loads sympy, so the worker's own start-up is Python's
plus torch's. The spec goes to the worker and the result comes back pickled over pipes between
this process and the child it started; a worker that crashes, hangs or prints garbage becomes
one SymbpError line. Without torch installed, nothing is started and `TorchMissingError` says
how to install the CPU build.
"""

from __future__ import annotations

import importlib.util
import io
import pickle
import signal
import subprocess
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from symbp.errors import SymbpError
from symbp.torchcheck.model import torch_loss_and_gradients, torch_unit_gradients
from symbp.torchcheck.pending import PlainUnpickler as _PlainUnpickler
from symbp.torchcheck.pending import serve
from symbp.torchcheck.results import INSTALL_HINT, TorchGradients

if TYPE_CHECKING:
    from symbp.core.spec import NetworkSpec
    from symbp.torchcheck.results import TorchGradients

#: how long a worker may take before it is stopped (import torch is 1 to 5 s on a laptop)
TIMEOUT_SECONDS = 300.0


class TorchMissingError(SymbpError):
    """torch is not installed, so there is no torch check; the message says how to get it, and
    how to do without it in Python (`command_line` says it for the command line)."""

    def __init__(self) -> None:
        said = "torch is not installed, and the torch check needs it; for its CPU build: "
        super().__init__(
            f"{said}{INSTALL_HINT} (or do without the check: check=False where a function takes it)"
        )
        self.command_line = f"{said}{INSTALL_HINT} (or use --no-check: derive and handout have it)"


def torch_installed() -> bool:
    """Whether `import torch` would find a package (without importing it)."""
    return importlib.util.find_spec("torch") is not None


def torch_imported() -> bool:
    """Whether this process has imported torch already."""
    return "torch" in sys.modules


def worker_command() -> list[str]:
    """The command that runs the worker: this Python, this symbp."""
    return [sys.executable, "-m", "symbp.torchcheck.worker"]


class Pending:
    """A started torch check: `result()` waits for it; leaving a `with` block stops it."""

    def __init__(
        self,
        process: subprocess.Popen[bytes] | None,
        ready: TorchGradients | None = None,
        units: dict[str, tuple[float, ...]] | None = None,
    ) -> None:
        self._process = process
        self._ready = ready
        #: every unit's ∂L/∂a when they were asked for, once result() has returned
        self.units = units

    def result(self, timeout: float = TIMEOUT_SECONDS) -> TorchGradients:
        """torch's loss, gradients and version; SymbpError if the worker failed or timed out."""
        if self._ready is not None:
            return self._ready
        assert self._process is not None
        try:
            out, err = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise SymbpError(
                f"the torch check did not finish within {timeout:g} s and was stopped"
            ) from None
        self._ready, self.units = _decode(out, err, self._process.returncode)
        return self._ready

    def cancel(self) -> None:
        """Stop the worker if it is still running (after an error in the main process)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdout, self._process.stderr):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> Pending:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.cancel()


def start_torch_check(
    spec: NetworkSpec,
    dtype: str = "float64",
    parameters: Sequence[float] | None = None,
    command: Sequence[str] | None = None,
    *,
    units: bool = False,
) -> Pending:
    """Start torch autograd on `spec` (at `parameters`, default the spec's) in a worker process;
    with `units`, every unit's ∂L/∂a too (derive --wrt).

    Raises TorchMissingError at once when torch is not installed. When this process has
    imported torch already (a notebook, a test run), there is no start-up to hide and torch runs
    here at once. `command` replaces the worker's command line (tests use it to stand in a
    worker that crashes or hangs).
    """
    if command is None and not torch_installed():
        raise TorchMissingError()
    if command is None and torch_imported():
        by_unit = torch_unit_gradients(spec, dtype, parameters) if units else None
        return Pending(None, torch_loss_and_gradients(spec, dtype, parameters), by_unit)
    job = (spec, dtype, None if parameters is None else tuple(parameters), units)
    try:
        process = subprocess.Popen(
            list(command or worker_command()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as error:
        raise SymbpError(f"could not start the torch check: {error.strerror}") from None
    assert process.stdin is not None
    try:
        process.stdin.write(pickle.dumps(job))
        process.stdin.close()
    except BrokenPipeError:
        pass  # the worker died at once; result() reports how
    process.stdin = None  # sent and closed: communicate() must not flush it again
    return Pending(process)


def _decode(
    out: bytes, err: bytes, returncode: int
) -> tuple[TorchGradients, dict[str, tuple[float, ...]] | None]:
    if returncode == 0:
        try:
            status, payload = _PlainUnpickler(io.BytesIO(out)).load()
        except Exception:  # noqa: BLE001 - whatever the bytes were, they are not our answer
            status, payload = "broken", None
        if status == "ok":
            loss, gradients, version, units = payload
            by_unit = None if units is None else {k: tuple(v) for k, v in units.items()}
            return TorchGradients(float(loss), tuple(gradients), str(version)), by_unit
        if status == "error":
            raise SymbpError(f"the torch check failed: {payload}")
        raise SymbpError("the torch check's worker answered something unreadable")
    last_line = next(
        (line for line in reversed(err.decode("utf-8", "replace").splitlines()) if line.strip()),
        "",
    )
    if returncode < 0:
        try:
            how = f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"was killed by signal {-returncode}"
    else:
        how = f"exited with status {returncode}"
    detail = f": {last_line.strip()[:300]}" if last_line else ""
    raise SymbpError(f"the torch check's worker {how}{detail}")


def _answer(job: tuple[Any, ...]) -> tuple[object, ...]:
    """The dense check: the loss, every gradient, torch's version, and with `units` every
    unit's gradient."""
    spec, dtype, parameters, units = job
    by_torch = torch_loss_and_gradients(spec, dtype, parameters)
    plain = tuple(float(gradient) for gradient in by_torch.gradients)
    by_unit = None
    if units:
        found = torch_unit_gradients(spec, dtype, parameters)
        by_unit = {str(k): tuple(float(v) for v in vs) for k, vs in found.items()}
    return (float(by_torch.loss), plain, str(by_torch.version), by_unit)


if __name__ == "__main__":
    serve(_answer, torch_first=False)
