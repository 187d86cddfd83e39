"""torch.optim on a convolutional or recurrent network, for step and train's check.

The network is built in torch from the spec by the conv and rnn checks' own builders
(nn.Sequential of nn.Conv2d, pooling and nn.Linear; the RNN's plain torch loop), torch.optim's
optimizer of the same settings drives it, and the parameters after each round come back in
symbp's order. Runs in a worker process started before sympy loads (as the gradient checks),
or here when torch is already imported. No sympy is imported.
"""

from __future__ import annotations

import sys
from typing import Any

from symbp.core.conv_spec import ConvSpec
from symbp.core.operations import optimizer_info
from symbp.core.rnn_spec import RnnSpec
from symbp.core.spec import OptimizerSpec
from symbp.torchcheck.pending import Pending, launch, send, serve

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


def start(
    spec: ConvSpec | RnnSpec, optimizer: OptimizerSpec, learning_rate: float, rounds: int
) -> Pending[Rounds]:
    """torch.optim's rounds: at once when torch is loaded here, else in a worker."""
    job = (spec, optimizer, learning_rate, rounds)
    if "torch" in sys.modules:
        return Pending(None, torch_rounds(*job))
    process = send(launch("symbp.torchcheck.fit_check"), job)
    return Pending(
        process,
        decode=lambda payload: [[float(v) for v in row] for row in payload],
        timeout=TIMEOUT_SECONDS,
    )


def _answer(job: tuple[Any, ...]) -> object:
    return torch_rounds(*job)


if __name__ == "__main__":
    serve(_answer)
