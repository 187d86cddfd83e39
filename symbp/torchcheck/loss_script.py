"""The loss line of an exported torch script, read from the loss table: one place for every
kind of model (a dense net, a convolutional one, a recurrent one).

torch's loss modules summed over the batch relate to symbp's L by the table's factors
(`torch_factor`, `torch_outputs_power`); a loss that cancels with its output activation
(cross-entropy after softmax, BCE after sigmoid) is given the logits, as torch wants.
"""

from __future__ import annotations

from collections.abc import Sequence

from symbp.core.operations import loss_info

__all__ = ["loss_expression"]


def loss_expression(
    name: str,
    *,
    parameter: float | str | None,
    per_samples: float,
    n_outputs: int,
    outputs: str,
    logits: str,
    targets: str,
    objective: Sequence[int] | None = None,
) -> str:
    """The Python expression of symbp's L in a script whose outputs (a tensor, a row per
    sample), logits and targets are named `outputs`, `logits` and `targets`; `objective`
    picks the columns an objective loss sums (all when None)."""
    info = loss_info(name)
    if info.objective:
        chosen = outputs if objective is None else f"{outputs}[:, {list(objective)!r}]"
        return f"{per_samples!r} * {chosen}.sum()"
    if not info.torch_module:
        raise ValueError(f"no torch loss for {name!r}")
    arguments = ["reduction='sum'"]
    if info.parameter is not None:
        arguments.insert(0, f"{info.parameter.key}={parameter!r}")
    scale = info.torch_factor * per_samples * float(n_outputs) ** info.torch_outputs_power
    given = logits if info.cancels_with else outputs
    return f"{scale!r} * torch.nn.{info.torch_module}({', '.join(arguments)})({given}, {targets})"
