"""from_torch reads the table's loss modules (nn.HuberLoss, SmoothL1Loss, L1Loss,
MultiMarginLoss, NLLLoss without LogSoftmax) with their parameter, and torch.optim's RMSprop
and Adagrad with their settings: the spec's loss, gradients and 5 rounds are torch's."""

from __future__ import annotations

from typing import Any

import pytest

from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork

from .conftest import require_module
from .torch_agreement import training_difference

LOSSES = (
    ("HuberLoss", {"delta": 0.5}, False, "huber"),
    ("SmoothL1Loss", {"beta": 0.3}, False, "smooth_l1"),
    ("L1Loss", {}, False, "l1"),
    ("MultiMarginLoss", {"margin": 0.7}, True, "multi_margin"),
    ("NLLLoss", {}, True, "nll"),
)


@pytest.mark.parametrize(("module", "settings", "classes", "name"), LOSSES)
@pytest.mark.parametrize(
    "optimizer",
    [
        ("RMSprop", {"lr": 0.01, "momentum": 0.3, "centered": True}),
        ("Adagrad", {"lr": 0.05, "lr_decay": 0.1, "initial_accumulator_value": 0.2}),
    ],
)
def test_from_torch_reads_loss_and_optimizer(
    module: str,
    settings: dict[str, Any],
    classes: bool,
    name: str,
    optimizer: tuple[str, dict[str, Any]],
) -> None:
    require_module("torch")
    import torch
    from torch import nn

    import symbp

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3)).double()
    x = torch.tensor([[0.5, -1.0], [1.5, 0.2]], dtype=torch.float64)
    y: Any = (
        torch.tensor([0, 2])
        if classes
        else torch.tensor([[0.1, 0.2, -0.3], [1.0, -1.0, 0.5]], dtype=torch.float64)
    )
    loss_fn = getattr(nn, module)(**settings)
    label, arguments = optimizer
    torch_optimizer = getattr(torch.optim, label)(model.parameters(), **arguments)
    spec = symbp.from_torch(model, x, y, loss_fn=loss_fn, optimizer=torch_optimizer)
    assert spec.loss == name and spec.optimizer.name == label.lower()
    for key, value in settings.items():
        assert spec.loss_parameter == value, key
    value = loss_fn(model(x), y)
    value.backward()
    loss, gradients = CompiledNetwork(Network(spec)).batch_loss_and_gradients(spec.parameters)
    assert loss == pytest.approx(float(value.detach()), abs=1e-15)
    first = model[0].weight.grad
    assert first is not None
    assert gradients[0] == pytest.approx(float(first[0, 0]), abs=1e-15)
    assert training_difference(spec) <= 1e-14


def test_a_stepped_optimizer_is_refused() -> None:
    require_module("torch")
    import torch
    from torch import nn

    import symbp
    from symbp.errors import SymbpError

    model = nn.Sequential(nn.Linear(1, 1)).double()
    x = torch.ones(1, 1, dtype=torch.float64)
    optimizer = torch.optim.RMSprop(model.parameters())
    nn.MSELoss()(model(x), x).backward()
    optimizer.step()
    with pytest.raises(SymbpError, match="taken steps already"):
        symbp.from_torch(model, x, x, loss_fn=nn.MSELoss(), optimizer=optimizer)


def test_public_from_torch_takes_optimizer_in_place_and_dropout_masks() -> None:
    """symbp.from_torch(model, x, y, loss_fn, optimizer, dropout_masks=…), as docs/losses.md
    writes it (a trial found the public wrapper refused dropout_masks): the spec's L and
    gradients are torch's own on the model with its nn.Dropout's mask read back."""
    require_module("torch")
    import torch
    from torch import nn

    import symbp

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Dropout(0.3), nn.Linear(4, 3)).double()
    x = torch.tensor([[0.5, -1.0, 0.2], [0.1, 0.4, -0.7]], dtype=torch.float64)
    y = torch.tensor([[0.3, -0.2, 1.0], [1.2, 0.0, -0.5]], dtype=torch.float64)
    loss_fn = nn.HuberLoss(delta=0.4)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    torch.manual_seed(5)
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.manual_seed(5)
    mask = (model[2](model[1](model[0](x))) != 0).double()
    spec = symbp.from_torch(model, x, y, loss_fn, optimizer, dropout_masks={1: mask})
    assert spec.loss == "huber" and spec.optimizer.name == "sgd"
    found, gradients = CompiledNetwork(Network(spec)).batch_loss_and_gradients(spec.parameters)
    assert found == pytest.approx(float(loss), abs=1e-12)
    # every weight and bias's gradient (symbp numbers them its own way: compared as a set)
    by_torch = [g for p in model.parameters() for g in p.grad.flatten().tolist()]
    assert sorted(gradients) == pytest.approx(sorted(by_torch), abs=1e-12)
