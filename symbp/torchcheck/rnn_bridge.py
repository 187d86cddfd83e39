"""`rnn_from_torch`: a torch nn.RNN with a linear head, its sequences, targets and loss module
read into an RnnSpec, so that symbp derives what torch computes.

    spec = symbp.rnn_from_torch(rnn, head, x, y, nn.MSELoss(reduction="sum"))
    symbp.rnn(spec).gradients        # ∂L/∂W_hh[0,1] … as torch's weight_hh_l0.grad[0, 1]

`rnn` is an nn.RNN of one layer, one direction (tanh or relu, with or without bias); `head` is
an nn.Linear(hidden, outputs), or an nn.Sequential of one and an activation module. `x` is one
sequence (steps, inputs) or several, batched as the module says (batch_first or not); `h0`
(optional, zeros as torch's default) is (hidden,), (sequences, hidden) or torch's
(1, sequences, hidden). `y` holds a target per step in x's arrangement, or with
target_steps="last" one per sequence. The loss modules are those `from_torch` reads.
"""

from __future__ import annotations

from typing import Any

from symbp.core.rnn_spec import LAST, RnnSpec, rnn_spec_from_mapping
from symbp.errors import SymbpError
from symbp.torchcheck.bridge import (
    _activation_name,
    _is_class_vector,
    _loss,
    _loss_parameter,
    _parameters,
    _refuse_unreadable,
)


def rnn_from_torch(
    rnn: Any,
    head: Any,
    x: Any,
    y: Any = None,
    loss_fn: Any = None,
    *,
    h0: Any = None,
    target_steps: str = "all",
    title: str | None = None,
) -> RnnSpec:
    """The RnnSpec of an nn.RNN, its head, its data and its loss module."""
    import torch
    from torch import nn

    if not isinstance(rnn, nn.RNN) or type(rnn) is not nn.RNN:
        raise TypeError(f"rnn must be a torch.nn.RNN, not {type(rnn).__name__}")
    _refuse_unreadable(rnn)
    module: Any = rnn  # its weights by attribute (typed as tensors-or-modules by torch)
    if rnn.num_layers != 1 or rnn.bidirectional:
        raise SymbpError("rnn_from_torch reads an nn.RNN of one layer and one direction")
    linear, activation = _head(head)
    if linear.in_features != rnn.hidden_size:
        raise SymbpError(
            f"rnn_from_torch: the head takes {linear.in_features} inputs but the RNN has "
            f"{rnn.hidden_size} hidden units"
        )
    names = [_activation_name(activation)]
    loss, reduction, names = _loss(loss_fn, names, False, linear.out_features)
    sequences = _sequences(torch.as_tensor(x), rnn)
    data: dict[str, Any] = {
        "title": title or f"torch nn.RNN({rnn.nonlinearity}) and nn.Linear; loss {loss}",
        "layers": [
            rnn.input_size,
            {"rnn": rnn.hidden_size, "activation": rnn.nonlinearity},
            {"dense": linear.out_features, "activation": names[-1]},
        ],
        "inputs": sequences,
        "weights": {
            "W_xh": module.weight_ih_l0.detach().tolist(),
            "W_hh": module.weight_hh_l0.detach().tolist(),
            "W_hy": linear.weight.detach().tolist(),
        },
        "loss": loss,
        "reduction": reduction,
        "target_steps": target_steps,
    }
    data.update(_parameters([activation]))
    data.update(_loss_parameter(loss_fn, loss))
    biases: dict[str, Any] = {}
    if rnn.bias:
        biases["b_ih"] = module.bias_ih_l0.detach().tolist()
        biases["b_hh"] = module.bias_hh_l0.detach().tolist()
    if linear.bias is not None:
        biases["b_y"] = linear.bias.detach().tolist()
    data["bias"] = biases or "none"
    if h0 is not None:
        state = torch.as_tensor(h0).detach().to(torch.float64)
        if state.dim() == 3:
            state = state[0]
        data["initial_state"] = state.tolist()
    if y is not None:  # an unbatched x (steps, inputs) comes with an unbatched y, as in torch
        unbatched = torch.as_tensor(x).dim() == 2
        data["targets"] = _targets(y, rnn, target_steps, unbatched)
    return rnn_spec_from_mapping(data, "rnn_from_torch")


def _head(head: Any) -> tuple[Any, Any]:
    from torch import nn

    if isinstance(head, nn.Linear):
        return head, None
    if isinstance(head, nn.Sequential) and len(head) in (1, 2) and isinstance(head[0], nn.Linear):
        _refuse_unreadable(head)
        return head[0], head[1] if len(head) == 2 else None
    raise SymbpError(
        "rnn_from_torch: the head must be an nn.Linear, or an nn.Sequential of one nn.Linear "
        f"and an activation module, not {type(head).__name__}"
    )


def _sequences(x: Any, rnn: Any) -> list[list[list[float]]]:
    import torch

    values = x.detach().to(torch.float64)
    if values.dim() == 2:
        return [values.tolist()]
    if values.dim() != 3:
        raise SymbpError(
            f"rnn_from_torch: x must be (steps, inputs) or batched, not {tuple(values.shape)}"
        )
    if not rnn.batch_first:  # (steps, sequences, inputs)
        values = values.transpose(0, 1)
    return list(values.tolist())


def _targets(y: Any, rnn: Any, target_steps: str, unbatched: bool = False) -> Any:
    import torch

    values = torch.as_tensor(y).detach()
    batch_first = rnn.batch_first
    if unbatched:  # torch's unbatched y: (steps, outputs), (steps,) classes, or the last step's
        values = values.unsqueeze(0)
        batch_first = True
    classes = _is_class_vector(values) or (
        not torch.is_floating_point(values) and values.dim() == 2
    )
    if classes:
        found = values.tolist()
        if values.dim() == 2 and target_steps != LAST and not batch_first:
            found = values.transpose(0, 1).tolist()
        return found
    values = values.to(torch.float64)
    batched = values.dim() == (2 if target_steps == LAST else 3)
    if batched and target_steps != LAST and not batch_first:
        values = values.transpose(0, 1)
    return values.tolist()
