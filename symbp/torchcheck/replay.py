"""torch.optim replayed on the spec's network: losses, parameters and optimizer state after each
update, for the tests (and anyone) to hold symbp's optimizers against torch's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symbp.core.operations import RMSPROP, optimizer_info
from symbp.core.spec import NetworkSpec, OptimizerSpec
from symbp.torchcheck.model import _build, _TorchNetwork


def _torch_optimizer(
    spec: NetworkSpec, learning_rate: float, dtype: str, optimizer: OptimizerSpec | None
) -> tuple[_TorchNetwork, Any]:
    """The spec's network in torch and torch.optim's optimizer over its trainable tensors."""
    import torch

    network = _build(spec, dtype, None)
    settings = spec.optimizer if optimizer is None else optimizer
    optimizer_class = getattr(torch.optim, optimizer_info(settings.name).label)
    arguments = dict(settings.settings())
    if "betas" in arguments:
        arguments["betas"] = tuple(arguments["betas"])
    torch_optimizer = optimizer_class(network.trainable(spec), lr=learning_rate, **arguments)
    if settings.initial or settings.initial_step:
        _load_state(spec, network, torch_optimizer, settings)
    return network, torch_optimizer


#: torch.optim's state names for each family's state, in the order torch creates them
_TORCH_STATE_OF_FAMILY = {
    "m": "exp_avg",
    "vmax": "max_exp_avg_sq",
    "gbar": "grad_avg",
    "b": "momentum_buffer",
    "s": "sum",
}


def torch_state_names(settings: OptimizerSpec) -> dict[str, str]:
    """torch.optim's name for each state this optimizer keeps, by symbp's key."""
    family = optimizer_info(settings.name).family
    return {
        key: ("square_avg" if family == RMSPROP.family else "exp_avg_sq")
        if key == "v"
        else _TORCH_STATE_OF_FAMILY[key]
        for key in settings.state_keys()
    }


def _load_state(spec: NetworkSpec, network: _TorchNetwork, optimizer: Any, settings: Any) -> None:
    """A given optimizer_state put where torch.optim keeps it (as a loaded state_dict would):
    every state the optimizer keeps, the given values or torch's own start, and `step`."""
    import torch

    given = dict(settings.initial)
    names = torch_state_names(settings)
    for key in settings.state_keys():
        name = names[key]
        start = settings.initial_accumulator_value if key == "s" else 0.0
        values = given.get(key, (start,) * len(spec.parameters))
        for tensor, held in network.unflat(spec, values).items():
            optimizer.state[tensor][name] = held
    if optimizer_info(settings.name).adaptive:
        for tensor in network.trainable(spec):
            dtype = tensor.dtype
            optimizer.state[tensor]["step"] = torch.tensor(
                float(settings.initial_step), dtype=dtype
            )


def torch_training(
    spec: NetworkSpec,
    steps: int,
    learning_rate: float,
    dtype: str = "float64",
    optimizer: OptimizerSpec | None = None,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """torch.optim (the spec's optimizer unless one is given) for `steps` updates: the loss
    before each step and after the last, and the final parameters (symbp's order)."""
    import torch

    network, torch_optimizer = _torch_optimizer(spec, learning_rate, dtype, optimizer)
    losses = []
    for _ in range(steps):
        torch_optimizer.zero_grad()
        loss = network.forward()
        loss.backward()
        losses.append(float(loss.item()))
        torch_optimizer.step()
    with torch.no_grad():
        losses.append(float(network.forward().item()))
    return tuple(losses), network.flat_values(spec, gradients=False)


#: torch.optim's state names for symbp's state keys (symbp.core.optim.StateVariable.key)
TORCH_STATE_NAMES = {
    "b": "momentum_buffer",
    "m": "exp_avg",
    "v": "exp_avg_sq",
    "vmax": "max_exp_avg_sq",
    "gbar": "grad_avg",
    "s": "sum",
}
#: RMSprop keeps its running mean of squared gradients (symbp's v) under another name
_TORCH_STATE_ALIASES = {"v": ("square_avg",)}


@dataclass(frozen=True)
class TorchRound:
    """One torch.optim update: the loss and gradients before it, then parameters and state after."""

    loss: float
    gradients: tuple[float, ...]
    parameters: tuple[float, ...]  # after the update, symbp's order
    state: dict[str, tuple[float, ...]]  # symbp's state keys (b, m, v, vmax), after the update


def torch_rounds(
    spec: NetworkSpec,
    rounds: int,
    learning_rate: float,
    optimizer: OptimizerSpec | None = None,
    dtype: str = "float64",
) -> tuple[TorchRound, ...]:
    """`rounds` updates by torch.optim, with everything it holds after each (for the tests and
    anyone checking symbp's optimizer state against torch's)."""
    network, torch_optimizer = _torch_optimizer(spec, learning_rate, dtype, optimizer)
    found = []
    for _ in range(rounds):
        torch_optimizer.zero_grad()
        loss = network.forward()
        loss.backward()
        gradients = network.flat_values(spec, gradients=True)
        torch_optimizer.step()
        state: dict[str, tuple[float, ...]] = {}
        for key, torch_name in TORCH_STATE_NAMES.items():

            def read(tensor: Any, torch_name: str = torch_name) -> Any:
                return torch_optimizer.state[tensor][torch_name]

            for name in (torch_name, *_TORCH_STATE_ALIASES.get(key, ())):
                try:
                    state[key] = network.flat(spec, lambda t, name=name: read(t, name))
                    break
                except KeyError:
                    continue
        found.append(
            TorchRound(
                float(loss.item()),
                gradients,
                network.flat_values(spec, gradients=False),
                state,
            )
        )
    return tuple(found)
