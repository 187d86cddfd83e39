"""from_torch for convolutional models (issue 21): an nn.Sequential of Conv2d, MaxPool2d,
AvgPool2d, Flatten, Linear and activation modules read into a conv spec whose gradients equal
torch autograd's on the model itself; what symbp does not model is one line naming the module."""

from __future__ import annotations

import pytest

import symbp
from symbp.errors import SymbpError
from tests.conftest import require_module


def test_from_torch_reads_a_conv_model_and_agrees_with_its_autograd() -> None:
    require_module("torch")
    import torch
    from torch import nn

    torch.manual_seed(7)
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Conv2d(3, 2, 2, bias=False),
        nn.LeakyReLU(0.2),
        nn.MaxPool2d(1),
        nn.Flatten(),
        nn.Linear(2, 3),
    ).double()
    x = torch.randn(2, 2, 4, 4, dtype=torch.float64)
    y = torch.tensor([2, 0])
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    result = symbp.conv(symbp.from_torch(model, x, y, nn.CrossEntropyLoss()), check=False)
    assert result.loss == pytest.approx(loss.item(), abs=1e-13)
    by_torch = [
        ("conv1_w", model[0].weight.grad),
        ("conv1_b", model[0].bias.grad),
        ("conv3_w", model[3].weight.grad),
        ("dense6_w", model[7].weight.grad),
        ("dense6_b", model[7].bias.grad),
    ]
    for key, grad in by_torch:
        ours = [v for name, v in result.gradients.items() if name.startswith(key + "[")]
        assert len(ours) == grad.numel()
        assert ours == pytest.approx(grad.reshape(-1).tolist(), abs=1e-13), key


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("nn.Conv2d(1, 1, 3, dilation=2)", "with groups or dilation is not supported"),
        ("nn.MaxPool2d(2, ceil_mode=True)", "with padding or ceil_mode is not supported"),
        ("nn.Dropout()", "module 0 (Dropout) is not read"),
    ],
)
def test_from_torch_refuses_what_it_does_not_model(module: str, message: str) -> None:
    require_module("torch")
    import torch
    from torch import nn

    built = {"nn.Conv2d(1, 1, 3, dilation=2)": lambda: nn.Conv2d(1, 1, 3, dilation=2),
             "nn.MaxPool2d(2, ceil_mode=True)": lambda: nn.MaxPool2d(2, ceil_mode=True),
             "nn.Dropout()": lambda: nn.Dropout()}[module]()  # fmt: skip
    model = nn.Sequential(built, nn.Conv2d(1, 1, 1), nn.Flatten())
    with pytest.raises(SymbpError, match=message.replace("(", r"\(").replace(")", r"\)")):
        symbp.from_torch(model, torch.zeros(1, 1, 8, 8), torch.zeros(1, 64), nn.MSELoss())
