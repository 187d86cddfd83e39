"""torch.optim on a convolutional or recurrent network, for step and train's check.

The network is built in torch from the spec by the conv and rnn checks' own builders
(nn.Sequential of nn.Conv2d, pooling and nn.Linear; the RNN's plain torch loop), torch.optim's
optimizer of the same settings drives it, and the parameters after each round come back in
symbp's order. Runs in a worker process started before sympy loads (as the gradient checks),
or here when torch is already imported. No sympy is imported.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from typing import Any

from symbp.core.conv_spec import ConvSpec
from symbp.core.operations import optimizer_info
from symbp.core.rnn_spec import RnnSpec
from symbp.core.spec import OptimizerSpec
from symbp.errors import SymbpError

TIMEOUT_SECONDS = 120.0
Rounds = list[list[float]]


def torch_rounds(
    spec: ConvSpec | RnnSpec, optimizer: OptimizerSpec, learning_rate: float, rounds: int
) -> Rounds:
    """Every parameter (symbp's order) before the first round and after each round."""
    import torch

    loss, tensors = _conv(spec) if isinstance(spec, ConvSpec) else _rnn(spec)
    optimizer_class = getattr(torch.optim, optimizer_info(optimizer.name).label)
    settings = dict(optimizer.settings())
    if "betas" in settings:
        settings["betas"] = tuple(settings["betas"])
    optim = optimizer_class(tensors, lr=learning_rate, **settings)

    def snapshot() -> list[float]:
        return [float(v) for t in tensors for v in t.detach().reshape(-1).tolist()]

    found = [snapshot()]
    for _ in range(rounds):
        optim.zero_grad()
        loss().backward()
        optim.step()
        found.append(snapshot())
    return found


def _conv(spec: ConvSpec) -> tuple[Any, list[Any]]:
    import torch

    from symbp.torchcheck.conv_model import _loss_function, build_model

    model, tensors, _ = build_model(spec, "float64")
    loss_of = _loss_function(spec, "float64")
    inputs = torch.tensor([list(x) for x in spec.inputs], dtype=torch.float64).reshape(
        len(spec.inputs), *spec.input_shape
    )
    return (lambda: loss_of(model(inputs))), tensors


def _rnn(spec: RnnSpec) -> tuple[Any, list[Any]]:
    import torch

    from symbp.torchcheck.rnn_model import _head, _loss, _module, _Tensors

    tensors = _Tensors(spec, "float64")
    cell = _module(spec.cell_activation, spec, 1)

    def loss() -> Any:
        h = tensors.initial
        states = []
        for t in range(spec.n_steps):
            z = tensors.inputs[:, t, :] @ tensors.weights["W_xh"].T
            z = z + h @ tensors.weights["W_hh"].T
            for name in ("b_ih", "b_hh"):
                if name in tensors.biases:
                    z = z + tensors.biases[name]
            h = cell(z)
            states.append(h)
        return _loss(spec, _head(spec, tensors, torch.stack(states, dim=1)), tensors)

    ordered = [tensors.weights[name] for name in ("W_xh", "W_hh", "W_hy")]
    ordered += [tensors.biases[n] for n in ("b_ih", "b_hh", "b_y") if n in tensors.biases]
    return loss, ordered


class Pending:
    """A started check: `result()` waits for torch's rounds; `cancel()` stops the worker."""

    def __init__(
        self, process: subprocess.Popen[bytes] | None, ready: Rounds | None = None
    ) -> None:
        self._process = process
        self._ready = ready

    def result(self, timeout: float = TIMEOUT_SECONDS) -> Rounds:
        if self._ready is not None:
            return self._ready
        assert self._process is not None
        try:
            out, err = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise SymbpError(f"the torch check did not finish within {timeout:g} s") from None
        try:
            status, payload = _plain(out) if self._process.returncode == 0 else ("", "")
        except Exception:  # noqa: BLE001 - whatever the bytes were, they are not our answer
            status, payload = "", ""
        if status == "ok":
            self._ready = [[float(v) for v in row] for row in payload]
            return self._ready
        if status == "error":
            raise SymbpError(f"the torch check failed: {payload}")
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise SymbpError(f"the torch check's worker failed: {last[0][:300]}")

    def cancel(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _plain(data: bytes) -> Any:
    """The worker's answer, read as plain data only (no class is looked up)."""
    import io

    from symbp.torchcheck.worker import _PlainUnpickler

    return _PlainUnpickler(io.BytesIO(data)).load()


def start(
    spec: ConvSpec | RnnSpec, optimizer: OptimizerSpec, learning_rate: float, rounds: int
) -> Pending:
    """torch.optim's rounds: at once when torch is loaded here, else in a worker."""
    job = (spec, optimizer, learning_rate, rounds)
    if "torch" in sys.modules:
        return Pending(None, torch_rounds(*job))
    process = subprocess.Popen(
        [sys.executable, "-m", "symbp.torchcheck.fit_check"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    try:
        process.stdin.write(pickle.dumps(job))
        process.stdin.close()
    except BrokenPipeError:
        pass  # result() reports how the worker died
    process.stdin = None
    return Pending(process)


def _serve() -> int:
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # whatever torch prints goes to stderr, not into the answer
    answer: tuple[str, object]
    try:
        import torch  # noqa: F401 - while the main process is still reading the spec

        job = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - from our own parent
        answer = ("ok", torch_rounds(*job))
    except Exception as error:  # noqa: BLE001 - reported as one line by the main process
        answer = ("error", f"{type(error).__name__}: {' '.join(str(error).split())}"[:300])
    data = memoryview(pickle.dumps(answer))
    while data:
        data = data[os.write(answer_fd, data) :]
    os._exit(0)  # torch's teardown costs time and the answer is sent


if __name__ == "__main__":
    sys.exit(_serve())
