"""A torch worker process and the answer it will send: one mechanism for every kind of check.

The main process starts `python -m <module>` before it loads sympy, sends the job pickled on
stdin, and later reads ("ok", payload) or ("error", message) from stdout as plain data (no class
is looked up, so torch is never imported here). `Pending` is that answer to come, or one
computed at once when torch is loaded in this process already.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any, Generic, NoReturn, TypeVar

from symbp.errors import SymbpError

__all__ = ["Pending", "PlainUnpickler", "launch", "plain", "send", "serve"]

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


def serve(work: Callable[[Any], object], torch_first: bool = True) -> NoReturn:
    """The worker's side, run as `python -m <module>`: read the pickled job from stdin, answer
    ("ok", work(job)) or ("error", one line) pickled on stdout, and exit without torch's
    teardown (the answer is sent). With `torch_first`, torch imports before the job is read,
    while the main process is still reading its spec; whatever torch prints goes to stderr."""
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # anything torch or a library prints goes to stderr, not into the answer
    answer: tuple[str, object]
    try:
        if torch_first:
            import torch  # noqa: F401 - while the main process is still reading the spec

        job = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - from our own parent
        answer = ("ok", work(job))
    except Exception as error:  # noqa: BLE001 - reported as one line by the main process
        answer = ("error", f"{type(error).__name__}: {' '.join(str(error).split())}"[:300])
    data = memoryview(pickle.dumps(answer))
    while data:
        data = data[os.write(answer_fd, data) :]
    sys.stderr.flush()
    os._exit(0)  # torch's interpreter teardown costs time and the answer is already sent
