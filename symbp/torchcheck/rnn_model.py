"""torch on a recurrent network: nn.RNN and a plain loop of torch operations, from the spec alone.

The spec (plain data, symbp.core.rnn_spec) goes to a worker process started before sympy is
imported, as for circuits (symbp.torchcheck.circuit_model), so that `import torch` overlaps the
symbolic work. Neither this module nor what it imports loads sympy.

Two torch computations, neither of which reads symbp's graph or derivatives:
- nn.RNN (with its weights set to the spec's) and an nn.Linear head, where nn.RNN offers the
  cell's activation (its `nonlinearity`: tanh, relu);
- a plain loop, h = f(x_t W_xhᵀ + b_ih + h W_hhᵀ + b_hh) step by step with the activation's
  torch module from the operation table, for every activation.
Both differentiate the spec's loss (torch's own loss module, scaled as the dense check does)
by autograd. The answer maps "rnn:NAME" and "loop:NAME" to ∂L/∂NAME for every parameter, and
"rnn:L", "loop:L" to the loss.
"""

from __future__ import annotations

import sys
from typing import Any

# the worker runs this module: `import torch` comes first in serve(), so that it starts at once
from symbp.core.operations import RELU, TANH, activation_info, loss_info
from symbp.core.rnn_spec import B_HH, B_IH, B_Y, W_HH, W_HY, W_XH, RnnSpec
from symbp.torchcheck.circuit_model import named_floats
from symbp.torchcheck.pending import Pending, launch, send, serve

#: the two torch computations' keys in the answer
NN_RNN, LOOP = "rnn", "loop"
LOSS_KEY = "L"
#: the activations nn.RNN computes (its `nonlinearity` takes their table names)
NN_RNN_ACTIVATIONS = (TANH.name, RELU.name)


def _module(name: str, spec: RnnSpec, whole_layer_dim: int) -> Any:
    """torch.nn's module for an activation of the table, with the spec's parameter."""
    from torch import nn

    info = activation_info(name)
    arguments: dict[str, Any] = {}
    if info.parameter is not None:
        arguments[info.parameter.key] = spec.parameter(info.parameter.key)
    if not info.elementwise:
        arguments["dim"] = whole_layer_dim
    return getattr(nn, info.torch_module)(**arguments)


class _Tensors:
    """The spec's parameters as leaf tensors, and its data."""

    def __init__(self, spec: RnnSpec, dtype: str) -> None:
        import torch

        kind = getattr(torch, dtype)
        self.kind = kind
        self.weights = {
            name: torch.tensor(spec.weight(name), dtype=kind, requires_grad=True)
            for name in (W_XH, W_HH, W_HY)
        }
        self.biases = {
            name: torch.tensor(values, dtype=kind, requires_grad=True)
            for name, values in spec.biases
        }
        self.inputs = torch.tensor(spec.sequences, dtype=kind)  # (S, T, n_in)
        self.initial = torch.tensor(spec.initial_states, dtype=kind)  # (S, H)


def _loss(spec: RnnSpec, pre: Any, tensors: _Tensors) -> Any:
    """The loss of the outputs' pre-activations `pre`, rows (sequence, targeted step) in
    sequence-major order."""
    import torch

    n_terms = pre.shape[0]
    info = loss_info(spec.loss)
    logits = info.cancels_with != "" and info.cancels_with == spec.output_activation
    outputs = pre if logits else _module(spec.output_activation, spec, 1)(pre)
    if spec.target_classes is not None:
        targets = torch.tensor([c for row in spec.target_classes for c in row], dtype=torch.long)
    elif spec.targets:
        targets = torch.tensor(
            [list(row) for rows in spec.targets for row in rows], dtype=tensors.kind
        )
    else:
        targets = None
    from symbp.torchcheck.model import _torch_loss

    objective = tuple(range(spec.n_outputs))
    function = _torch_loss(
        spec.loss, spec.reduction, n_terms, spec.n_outputs, objective, spec.loss_parameter
    )
    return function(outputs, targets)


def _head(spec: RnnSpec, tensors: _Tensors, hidden: Any) -> Any:
    """u = h W_hyᵀ + b_y at the targeted steps; hidden is (S, T, H); rows (S·T', n_out)."""
    steps = [t - 1 for t in spec.target_step_indices]
    chosen = hidden[:, steps, :].reshape(-1, spec.n_hidden)
    pre = chosen @ tensors.weights[W_HY].T
    if B_Y in tensors.biases:
        pre = pre + tensors.biases[B_Y]
    return pre


def _gradients(spec: RnnSpec, tensors: _Tensors, loss: Any, key: str) -> dict[str, float]:
    loss.backward()
    found = {f"{key}:{LOSS_KEY}": float(loss.item())}
    for name, tensor in tensors.weights.items():
        grad: Any = tensor.grad
        for r, row in enumerate(grad.tolist()):
            for c, value in enumerate(row):
                found[f"{key}:{name}[{r},{c}]"] = float(value)
    for name, tensor in tensors.biases.items():
        bias_grad: Any = tensor.grad
        for r, value in enumerate(bias_grad.tolist()):
            found[f"{key}:{name}[{r}]"] = float(value)
    return found


def loop_gradients(spec: RnnSpec, dtype: str = "float64") -> dict[str, float]:
    """L and every parameter's gradient by a plain torch loop over the steps."""
    import torch

    tensors = _Tensors(spec, dtype)
    cell = _module(spec.cell_activation, spec, 1)
    h = tensors.initial
    states = []
    for t in range(spec.n_steps):
        z = tensors.inputs[:, t, :] @ tensors.weights[W_XH].T + h @ tensors.weights[W_HH].T
        for name in (B_IH, B_HH):
            if name in tensors.biases:
                z = z + tensors.biases[name]
        h = cell(z)
        states.append(h)
    hidden = torch.stack(states, dim=1)
    return _gradients(spec, tensors, _loss(spec, _head(spec, tensors, hidden), tensors), LOOP)


def rnn_gradients(spec: RnnSpec, dtype: str = "float64") -> dict[str, float]:
    """L and every parameter's gradient by nn.RNN (empty when nn.RNN has no nonlinearity of
    the cell's activation)."""
    import torch
    from torch import nn

    tensors = _Tensors(spec, dtype)
    has_bias = any(name in tensors.biases for name in (B_IH, B_HH))
    if spec.cell_activation not in NN_RNN_ACTIVATIONS:
        return {}
    rnn: Any = nn.RNN(
        spec.n_inputs,
        spec.n_hidden,
        nonlinearity=spec.cell_activation,
        bias=has_bias,
        batch_first=True,
        dtype=tensors.kind,
    )
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(tensors.weights[W_XH])
        rnn.weight_hh_l0.copy_(tensors.weights[W_HH])
        for name, attribute in ((B_IH, "bias_ih_l0"), (B_HH, "bias_hh_l0")):
            if has_bias:
                given = tensors.biases.get(name)
                getattr(rnn, attribute).copy_(0 if given is None else given)
    hidden, _ = rnn(tensors.inputs, tensors.initial.unsqueeze(0))
    loss = _loss(spec, _head(spec, tensors, hidden), tensors)
    loss.backward()
    found = {f"{NN_RNN}:{LOSS_KEY}": float(loss.item())}
    held: dict[str, Any] = {
        W_XH: rnn.weight_ih_l0.grad,
        W_HH: rnn.weight_hh_l0.grad,
        W_HY: tensors.weights[W_HY].grad,
    }
    if has_bias:
        held[B_IH] = rnn.bias_ih_l0.grad
        held[B_HH] = rnn.bias_hh_l0.grad
    if B_Y in tensors.biases:
        held[B_Y] = tensors.biases[B_Y].grad
    for name, grad in held.items():
        if name in (B_IH, B_HH) and name not in tensors.biases:
            continue  # nn.RNN holds both biases; the spec's model has this one not at all
        values = grad.tolist()
        for r, value in enumerate(values):
            if isinstance(value, list):
                for c, entry in enumerate(value):
                    found[f"{NN_RNN}:{name}[{r},{c}]"] = float(entry)
            else:
                found[f"{NN_RNN}:{name}[{r}]"] = float(value)
    return found


def gradients(job: tuple[RnnSpec, str]) -> dict[str, float]:
    """Both torch computations' answers, in this process."""
    spec, dtype = job
    return {**rnn_gradients(spec, dtype), **loop_gradients(spec, dtype)}


class Worker:
    """A worker process importing torch already, waiting for its spec on stdin."""

    def __init__(self) -> None:
        self.process = launch("symbp.torchcheck.rnn_model")

    def send(self, spec: RnnSpec, dtype: str) -> Pending[dict[str, float]]:
        return Pending(send(self.process, (spec, dtype)), decode=named_floats)

    def cancel(self) -> None:
        Pending(self.process).cancel()


def spawn() -> Worker | None:
    """A worker started now, or None when torch is loaded here already."""
    return None if "torch" in sys.modules else Worker()


def start(
    spec: RnnSpec, dtype: str = "float64", worker: Worker | None = None
) -> Pending[dict[str, float]]:
    """torch's side of the check: in `worker` when one was spawned, at once when torch is
    loaded already, else in a new worker."""
    if worker is not None:
        return worker.send(spec, dtype)
    if "torch" in sys.modules:
        return Pending(None, gradients((spec, dtype)))
    return Worker().send(spec, dtype)


def _answer(job: tuple[object, object]) -> object:
    spec, dtype = job
    if not isinstance(spec, RnnSpec) or dtype not in ("float64", "float32"):
        raise TypeError("the job is not an RNN spec")
    return gradients((spec, dtype))


if __name__ == "__main__":
    serve(_answer)
