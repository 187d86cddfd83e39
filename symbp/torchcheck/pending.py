"""A torch worker process and the answer it will send: one mechanism for every kind of check.

The main process starts `python -m <module>` before it loads sympy, sends the job pickled on
stdin, and later reads ("ok", payload) or ("error", message) from stdout as plain data (no class
is looked up, so torch is never imported here). `Pending` is that answer to come, or one
computed at once when torch is loaded in this process already.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from symbp.errors import SymbpError

__all__ = ["Pending", "PlainUnpickler", "launch", "plain", "send"]

T = TypeVar("T")

TIMEOUT_SECONDS = 300.0


class PlainUnpickler(pickle.Unpickler):
    """Reads only plain data (tuples, floats, strings): no class is looked up, so no module is
    imported here (torch's version string is a torch class, whose import would cost a second)."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the answer holds a {module}.{name}, not plain data")


def plain(data: bytes) -> Any:
    """The worker's answer, read as plain data only (no class is looked up)."""
    return PlainUnpickler(io.BytesIO(data)).load()


def launch(module: str) -> subprocess.Popen[bytes]:
    """`python -m module`, waiting for its job on stdin."""
    return subprocess.Popen(
        [sys.executable, "-m", module],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def send(process: subprocess.Popen[bytes], job: object) -> subprocess.Popen[bytes]:
    """The job pickled into the worker's stdin, which is then closed."""
    assert process.stdin is not None
    try:
        process.stdin.write(pickle.dumps(job))
        process.stdin.close()
    except BrokenPipeError:
        pass  # result() reports how the worker died
    process.stdin = None
    return process


class Pending(Generic[T]):
    """A started torch check: `result()` waits for it; `cancel()` stops the worker.

    `decode` turns the worker's payload into the answer (None: not an answer)."""

    def __init__(
        self,
        process: subprocess.Popen[bytes] | None,
        ready: T | None = None,
        decode: Callable[[Any], T | None] | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._process = process
        self._ready = ready
        self._decode = decode
        self._timeout = timeout

    def result(self, timeout: float | None = None) -> T:
        if self._ready is not None:
            return self._ready
        assert self._process is not None and self._decode is not None
        limit = self._timeout if timeout is None else timeout
        try:
            out, err = self._process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise SymbpError(f"the torch check did not finish within {limit:g} s") from None
        try:
            status, payload = plain(out) if self._process.returncode == 0 else ("", "")
            answer = self._decode(payload) if status == "ok" else None
        except Exception:  # noqa: BLE001 - whatever the bytes were, they are not our answer
            status, answer = "", None
        if answer is not None:
            self._ready = answer
            return answer
        if status == "error":
            raise SymbpError(f"the torch check failed: {payload}")
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise SymbpError(f"the torch check's worker failed: {last[0][:300]}")

    def cancel(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
